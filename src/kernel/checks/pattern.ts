import { RE2JS } from 're2js';

/**
 * Patterns in scenario files, lessons and share links are untrusted: a backtracking engine (JavaScript's
 * RegExp) can take exponential time on `(.|.)*y`, so one pattern could hang the kernel of whoever opens the
 * link. They run on RE2 (re2js), whose automata take time linear in the text for any pattern. JavaScript
 * syntax is accepted (translated to RE2's: `\u0041`, `\cA`, `[^]`, `\/`); what RE2 cannot do in linear time —
 * lookaround and backreferences — is refused at load with a reason. Always case-insensitive.
 */

/** Longest pattern accepted. */
export const MAX_PATTERN = 300;
/**
 * Largest compiled program accepted. Matching is linear in the text, but each character costs up to the program's
 * size: `\pL{1000}` repeated would compile to 33,000 instructions and make every ledger record a slow scan.
 */
export const MAX_PROGRAM = 1000;

export interface Pattern {
  readonly source: string;
  /** Its compiled program's size: what a character of text can cost at most. */
  readonly size: number;
  /** Does some part of `text` match? Linear in `text.length`. */
  test(text: string): boolean;
}

export type Compiled = { ok: true; pattern: Pattern } | { ok: false; why: string };

/** RE2's parse errors for what it refuses on purpose, and the reason to give instead. */
const REFUSED: { error: RegExp; why: string }[] = [
  {
    error: /`\(\?[=!]|`\(\?<[=!]/,
    why: 'lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported: patterns run on a linear-time engine (RE2), which has no lookaround',
  },
  {
    error: /escape sequence: `\\(?:[1-9]|k)/,
    why: 'backreferences (\\1, \\k<name>) are not supported: no engine can match them in linear time',
  },
];

/** Compile an untrusted pattern, or say in a sentence why it cannot be used. Never throws. */
export function compilePattern(source: unknown): Compiled {
  if (typeof source !== 'string') return { ok: false, why: 'expected a regular expression as a string' };
  if (source.length === 0) return { ok: false, why: 'the pattern is empty' };
  if (source.length > MAX_PATTERN) return { ok: false, why: `the pattern is ${source.length} characters; the limit is ${MAX_PATTERN}` };
  // JavaScript reads \k<name> as a backreference once the pattern names a group; the translation would make it a
  // plain "k", so it is caught here ("\\k" is an escaped backslash and a k).
  if (/\\k</.test(source.replace(/\\\\/g, ''))) return { ok: false, why: REFUSED[1].why };
  try {
    const re = RE2JS.compile(RE2JS.translateRegExp(source), RE2JS.CASE_INSENSITIVE);
    const size = re.programSize();
    if (size > MAX_PROGRAM)
      return {
        ok: false,
        why: `the pattern compiles to ${size} instructions, more than ${MAX_PROGRAM} (large repeat counts multiply); use fewer or smaller repeats`,
      };
    return { ok: true, pattern: { source, size, test: (text) => re.test(text) } };
  } catch (e) {
    // re2js carries the case-insensitive flag as a "(?i)" prefix, which the person did not write
    const message = e instanceof Error ? e.message.replace(/^error parsing regexp: /, '').replace('`(?i)', '`') : String(e);
    const refused = REFUSED.find((r) => r.error.test(message));
    return { ok: false, why: refused ? refused.why : `not a valid pattern: ${message}` };
  }
}

/** Why `source` cannot be used as a pattern, or null. */
export function patternProblem(source: unknown): string | null {
  const c = compilePattern(source);
  return c.ok ? null : c.why;
}

const cache = new Map<string, Pattern>();

/** The compiled pattern for a validated source (cached: checks run after every command). */
export function compiled(source: string): Pattern {
  let p = cache.get(source);
  if (!p) {
    const c = compilePattern(source);
    if (!c.ok) throw new Error(`pattern /${source}/ was not validated: ${c.why}`);
    if (cache.size > 512) cache.clear();
    cache.set(source, (p = c.pattern));
  }
  return p;
}
