/**
 * Hostile input, generated: mutated scenario files, share links, session files, patterns and shell lines, each
 * fed to the code that takes it from an untrusted source, with the properties that must hold whatever it is.
 * Seeded, so a failure is a reproducible case. `fuzz/run.ts` runs it long and prints figures; a bounded run
 * is part of the test suite (fuzz/hostile.test.ts).
 */
import { KernelHost } from '../src/kernel/host';
import { compilePattern } from '../src/kernel/checks/pattern';
import { BUILT_IN_SCENARIOS } from '../src/content/scenarios';
import { LESSONS, lessonScenario } from '../src/content/lessons/lessons';
import { decodeShare, encodeShare, parseSessionFile, sessionFile } from '../src/session/share';
import { sanitize } from '../src/text/sanitize';
import { countingText as counting } from './counting';

/** mulberry32: small, seeded, good enough to pick mutations. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

/** Values that have broken parsers elsewhere: prototype keys, controls, bidi, extremes, wrong types. */
const NASTY: unknown[] = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  '\u0000',
  '\x1b[2J\x1b]52;c;aGk=\x07',
  '\u202eevil\u202c',
  '\u2066x\u2069',
  'a'.repeat(5000),
  '-28',
  '1e0',
  '01',
  'NaN',
  -1,
  0,
  1,
  2,
  1.5,
  -0,
  1e15,
  2 ** 31,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  NaN,
  Infinity,
  true,
  false,
  null,
  [],
  {},
  [1, 2],
  { a: 1 },
  '(.|.)*y',
  '((.+))+y',
  '(?=x)',
  '\\1',
  'shell',
  'init',
  'chat',
  'alpha',
];

const CATASTROPHIC_PIECES = [
  '(',
  ')',
  '(?:',
  '|',
  '.',
  '.*',
  '.+',
  'a',
  'a+',
  'a*',
  '?',
  '{2,}',
  '{3}',
  '\\d',
  '\\w+',
  '[a-z]',
  '[^x]',
  '(?=',
  '(?!',
  '(?<=',
  '\\1',
  '\\k<n>',
  '(?<n>',
  '^',
  '$',
  'y',
  '\\',
  '[',
  ']',
  '*',
  '+',
];

/** A nasty value, fresh (the shared ones must not grow from case to case). */
const nasty = (rng: Rng) => structuredClone(rng.pick(NASTY));

/** A mutated copy of a JSON value: a few edits at random paths. */
function mutate(value: unknown, rng: Rng, edits: number): unknown {
  const root = { v: structuredClone(value) as unknown };
  for (let e = 0; e < edits; e++) {
    // Walk to a random container.
    let parent: Record<string | number, unknown> = root;
    let key: string | number = 'v';
    for (let depth = 0; depth < 8; depth++) {
      const here: unknown = parent[key];
      if (!here || typeof here !== 'object' || rng.next() < 0.25) break;
      const keys: (string | number)[] = Array.isArray(here) ? here.map((_, i) => i) : Object.keys(here);
      if (!keys.length) break;
      parent = here as Record<string | number, unknown>;
      key = rng.pick(keys);
    }
    const op = rng.int(7);
    const target = parent[key];
    if (op === 0) delete parent[key];
    else if (op === 1) parent[key] = nasty(rng);
    else if (op === 2 && target && typeof target === 'object' && !Array.isArray(target))
      Object.defineProperty(target, String(nasty(rng)), { value: nasty(rng), enumerable: true, writable: true, configurable: true });
    else if (op === 3 && Array.isArray(target) && target.length) target.push(structuredClone(target[rng.int(target.length)]));
    else if (op === 4 && typeof target === 'string')
      parent[key] = target + rng.pick(['\x1b[31m', '\u202e', '"', '\n', '(.*.*){3}y', 'x'.repeat(rng.int(300))]);
    else if (op === 5 && typeof target === 'number') parent[key] = rng.pick([target + 1, -target, target * 1e9, target / 3]);
    else parent[key] = Array.from({ length: 1 + rng.int(4) }, () => rng.pick(CATASTROPHIC_PIECES)).join('');
  }
  return root.v;
}

/** A refusal must say where: a field path, or what kind of text it is. */
const NAMED = /^(\(top level\)|[a-z][\w]*(\[\d+\]|\.[\w$-]+|\["(?:[^"\\]|\\.)*"\])*: |not valid JSON: |scenario is \d+ characters)/;

export interface Figures {
  cases: number;
  accepted: number;
  refused: number;
  /** Slowest single case, ms (measured, for the note; no property depends on it). */
  slowestMs: number;
  failures: string[];
}

const figures = (): Figures => ({ cases: 0, accepted: 0, refused: 0, slowestMs: 0, failures: [] });
const timed = (f: Figures, run: () => void) => {
  const t = performance.now();
  run();
  f.slowestMs = Math.max(f.slowestMs, Math.round(performance.now() - t));
};

/** Scenario files: refused with a path and nothing changed, or booted and run for a bounded slice of work. */
export function fuzzScenarios(n: number, seed: number): Figures {
  const rng = prng(seed);
  const f = figures();
  const bases = [
    ...BUILT_IN_SCENARIOS.filter((s) => s.id !== 'stress').map((s) => JSON.parse(s.text)),
    ...LESSONS.map((l) => JSON.parse(lessonScenario(l))),
  ];
  const host = new KernelHost(undefined, false);
  for (let i = 0; i < n; i++) {
    f.cases++;
    const input = mutate(rng.pick(bases), rng, 1 + rng.int(4));
    const json = JSON.stringify(input) ?? 'null';
    const text = rng.next() < 0.05 ? json.slice(0, rng.int(400)) : json;
    timed(f, () => {
      const before = host.kernel;
      let r;
      try {
        r = host.boot(text);
      } catch (e) {
        f.failures.push(`scenario ${i}: boot threw ${e instanceof Error ? e.message : e}`);
        return;
      }
      if (!r.ok) {
        f.refused++;
        if (host.kernel !== before) f.failures.push(`scenario ${i}: refused but the world changed`);
        for (const e of r.errors) if (!NAMED.test(e)) f.failures.push(`scenario ${i}: an error without a field path: ${e}`);
        return;
      }
      f.accepted++;
      // Run it: a bounded slice of work, and its expectations and lesson checked (patterns are linear).
      host.kernel.scheduler.runTo(host.kernel.ticks + 50, undefined, 200_000);
      host.lessonStatus();
      const out = host.exec(rng.pick(['ps', 'ledger 5', 'caps', 'top', 'tables']));
      if (out.lines.some((l) => /internal error/.test(l.text)))
        f.failures.push(`scenario ${i}: internal error: ${out.lines.map((l) => l.text).join(' / ')}`);
    });
  }
  return f;
}

/** Share links and session files: a sentence for whatever is wrong, never a throw; what opens replays in slices. */
export async function fuzzLinks(n: number, seed: number): Promise<Figures> {
  const rng = prng(seed);
  const f = figures();
  const h = new KernelHost(undefined, false);
  h.exec('spawn "idle" with { chat: @chat_participant }');
  h.kernel.step(40);
  h.exec('defense gate0 off');
  const good = h.session();
  const link = await encodeShare(good);
  const file = sessionFile(good);
  for (let i = 0; i < n; i++) {
    f.cases++;
    const kind = rng.int(4);
    let decoded;
    const t = performance.now();
    try {
      if (kind === 0) {
        // The link text itself: cut, flipped, versions that only look like 2 (or the older 1), the prefix mangled.
        const body = link.split('');
        for (let e = 0; e < 1 + rng.int(3); e++) body[rng.int(body.length)] = rng.pick(['A', '_', '-', '.', '=', '%', 'ÿ']);
        const mangled = rng.pick([
          body.join(''),
          link.slice(0, rng.int(link.length)),
          link.replace('#s=2.', rng.pick(['#s=2e0.', '#s=02.', '#s=3.', '#s=.', '#s=2..', '#s=-1.', '#s=1.'])),
        ]);
        decoded = await decodeShare(mangled);
      } else if (kind === 1) decoded = await decodeShare(await encodeShare(mutate(good, rng, 1 + rng.int(3)) as never));
      else if (kind === 2) decoded = parseSessionFile(JSON.stringify(mutate(JSON.parse(file), rng, 1 + rng.int(3))));
      else decoded = parseSessionFile(file.slice(0, rng.int(file.length)));
    } catch (e) {
      f.failures.push(`link ${i}: threw ${e instanceof Error ? e.message : e}`);
      continue;
    }
    if (!decoded.ok) {
      f.refused++;
      if (typeof decoded.error !== 'string' || !decoded.error) f.failures.push(`link ${i}: refused without a reason`);
    } else {
      // A session that decodes may still not restore; either way nothing throws, and the replay runs in slices
      // that each stay within their budget (a week of virtual time is allowed: it is never run to the end here).
      const host = new KernelHost(undefined, false);
      const before = host.kernel;
      try {
        const r = host.startRestore(decoded.session);
        if (!r.ok) {
          f.refused++;
          if (host.kernel !== before) f.failures.push(`link ${i}: refused but the world changed`);
        } else {
          f.accepted++;
          for (let s = 0; s < 20 && host.stepRestore(50_000) === 'more'; s++);
          host.restoreStop();
        }
      } catch (e) {
        f.failures.push(`link ${i}: restore threw ${e instanceof Error ? e.message : e}`);
      }
    }
    f.slowestMs = Math.max(f.slowestMs, Math.round(performance.now() - t));
  }
  return f;
}

/**
 * Patterns: compiled or refused with a reason, never a throw; one that compiles matches a 20,000-character text
 * in steps linear in it (the engine's reads of the text are counted).
 */
export function fuzzPatterns(n: number, seed: number): Figures & { worstStepsPerChar: number } {
  const rng = prng(seed);
  const f = { ...figures(), worstStepsPerChar: 0 };
  const N = 20_000;
  for (let i = 0; i < n; i++) {
    f.cases++;
    const source = Array.from({ length: 1 + rng.int(14) }, () => rng.pick(CATASTROPHIC_PIECES)).join('');
    let c;
    try {
      c = compilePattern(source);
    } catch (e) {
      f.failures.push(`pattern ${JSON.stringify(source)}: threw ${e instanceof Error ? e.message : e}`);
      continue;
    }
    if (!c.ok) {
      f.refused++;
      if (!c.why) f.failures.push(`pattern ${JSON.stringify(source)}: refused without a reason`);
      continue;
    }
    f.accepted++;
    const text = counting(
      rng
        .pick(['a', 'ab', 'x', 'a ', '1a'])
        .repeat(N / 2)
        .slice(0, N) + '!',
    );
    timed(f, () => c.pattern.test(text.text));
    const perChar = text.steps() / N;
    f.worstStepsPerChar = Math.max(f.worstStepsPerChar, +perChar.toFixed(2));
    if (perChar > 8) f.failures.push(`pattern ${JSON.stringify(source)}: ${text.steps()} steps for ${N} characters`);
  }
  return f;
}

/** Shell lines: an error that says where, never an internal error or a throw; output sanitizes to plain text. */
export function fuzzShell(n: number, seed: number): Figures {
  const rng = prng(seed);
  const f = figures();
  const h = new KernelHost(undefined, false);
  const words = [
    'run',
    'spawn',
    'call',
    'grant',
    'mask',
    'revoke',
    'drop',
    'pledge',
    'unveil',
    'tier',
    'channel',
    'map',
    'pair',
    'unpair',
    'import',
    'defense',
    'clock',
    'ledger',
    'caps',
    'ps',
    'kill',
    'wait',
    'help',
    'mitm',
    'tofu',
    'announce',
    'compromise',
    'rotate',
    'mint',
  ];
  const bits = [
    '"',
    '"chat-client"',
    'with',
    '{',
    '}',
    ':',
    ',',
    '@chat',
    '@stdio',
    'client',
    'move',
    'badge',
    '200',
    '-1',
    '1e400',
    'step',
    '100000',
    'on',
    'off',
    'x'.repeat(100),
    '\x1b[2J',
    '\u202e',
    '\\',
    '@',
    '@@',
    '__proto__',
    'constructor',
    '#lobby',
  ];
  for (let i = 0; i < n; i++) {
    f.cases++;
    const line = [rng.pick(words), ...Array.from({ length: rng.int(8) }, () => rng.pick(bits))].join(rng.pick([' ', ' ', '']));
    timed(f, () => {
      try {
        const r = h.exec(line);
        const internal = r.lines.find((l) => /internal error/.test(l.text));
        if (internal) f.failures.push(`shell ${JSON.stringify(line)}: ${internal.text}`);
        if (r.lines.some((l) => l.style === 'error')) f.refused++;
        else f.accepted++;
        for (const l of r.lines)
          if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(sanitize(l.text)))
            f.failures.push(`shell ${JSON.stringify(line)}: unsanitized output`);
      } catch (e) {
        f.failures.push(`shell ${JSON.stringify(line)}: threw ${e instanceof Error ? e.message : e}`);
      }
      if (h.kernel.foreground) h.interrupt();
      if (h.kernel.stepsOwed) h.settle();
    });
    if (i % 500 === 499) h.boot(); // keep the world small
  }
  return f;
}
