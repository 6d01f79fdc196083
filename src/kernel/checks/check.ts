import type { Kernel } from '../kernel';
import { PAIRING_TYPES, type PairingType } from '../pairing/types';
import { compiled, patternProblem, type Pattern } from './pattern';
import {
  DEFENSES,
  LEDGER_KINDS,
  VERDICT_OUTCOMES,
  verdictOutcome,
  type DefenseId,
  type LedgerEntry,
  type LedgerKind,
  type VerdictOutcome,
} from '../sab/layout';

/**
 * Lesson checks: declarative JSON a scenario file carries (untrusted), evaluated against the kernel's state and
 * its ledger. Pure: no clock, no DOM. Each result says why in a sentence a learner can act on.
 *
 * - `{ "verdict": "relabel blocked" }`: a 'verdict' ledger record after `sinceSeq` matches (a case-insensitive pattern, see pattern.ts);
 *   with `"outcome": "held"` (or "breach", "info"), one with that outcome — the record's field, not its wording;
 * - `{ "ledger": "exited with code 0", "kind": "exit" }`: any of the kernel's ledger records (of that kind) after
 *   `sinceSeq` matches; text processes appended through service-fs counts only with `"kind": "appended"`;
 * - `{ "process": { "program", "name", "alive", "caps", "exactly", "capKinds" } }`: some running process matches
 *   (program and name equal, holds every cap in `caps` — exactly those with `exactly` — and each cap in
 *   `capKinds` is of that kind or interface); with `"alive": false`, no running process matches;
 * - `{ "pairing": { "a", "b", "type", "live" } }`: the machines are paired now (as `type`); `"live": false`: not;
 * - `{ "defense": { "gate0": false } }`: each named defense is in that state;
 * - `{ "all": [ … ] }`, `{ "any": [ … ] }`, `{ "not": … }`.
 */

export interface ProcessCheck {
  program?: string;
  name?: string;
  /** Default true: some running process matches. False: none does (it ended, or never ran). */
  alive?: boolean;
  /** Cap names (without "@") it must hold. */
  caps?: string[];
  /** Its cap names are exactly `caps`, nothing more. */
  exactly?: boolean;
  /** Cap name → the cap's kind (client, object, fs, import, channel…) or its object's interface (ChatParticipant…). */
  capKinds?: Record<string, string>;
}

export interface PairingCheck {
  a: string;
  b: string;
  type?: PairingType;
  /** Default true: paired now. False: not paired now (never, or severed). */
  live?: boolean;
}

export type Check =
  | { verdict: string; outcome?: VerdictOutcome }
  | { ledger: string; kind?: LedgerKind }
  | { process: ProcessCheck }
  | { pairing: PairingCheck }
  | { defense: Partial<Record<DefenseId, boolean>> }
  | { all: Check[] }
  | { any: Check[] }
  | { not: Check };

export interface CheckResult {
  ok: boolean;
  why: string;
  /** The check could not tell (a ledger scan spent its budget first): not ok, and its negation is not ok either. */
  unknown?: true;
}

export const CHECK_KINDS = ['verdict', 'ledger', 'process', 'pairing', 'defense', 'all', 'any', 'not'] as const;
const MAX_DEPTH = 8;
const MAX_LIST = 16;

// ── validation (untrusted input) ─────────────────────────────────────────────────────────────────────────────

export interface CheckProblem {
  path: (string | number)[];
  message: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A machine, process or endpoint name (the scenario schema uses it too). */
export const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;

/** Every problem with an untrusted check, each with the path (relative to the check) it concerns. */
export function checkProblems(value: unknown, path: (string | number)[] = [], depth = 0): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const bad = (message: string, at: (string | number)[] = path) => problems.push({ path: at, message });
  if (!isRecord(value)) {
    bad(`a check is an object with one of ${CHECK_KINDS.map((k) => `"${k}"`).join(', ')}`);
    return problems;
  }
  if (depth > MAX_DEPTH) {
    bad(`checks nest at most ${MAX_DEPTH} deep`);
    return problems;
  }
  const keys = Object.keys(value);
  const kinds = CHECK_KINDS.filter((k) => k in value);
  if (kinds.length !== 1) {
    bad(
      `a check needs exactly one of ${CHECK_KINDS.map((k) => `"${k}"`).join(', ')} (found ${kinds.length ? kinds.join(', ') : keys.length ? `only ${keys.map((k) => JSON.stringify(k)).join(', ')}` : 'none'})`,
    );
    return problems;
  }
  const kind = kinds[0];
  const allowed: readonly string[] = kind === 'ledger' ? ['ledger', 'kind'] : kind === 'verdict' ? ['verdict', 'outcome'] : [kind];
  for (const k of keys) if (!allowed.includes(k)) bad(`unknown field ${JSON.stringify(k)} in a "${kind}" check`, [...path, k]);
  const at = [...path, kind];
  const body = value[kind];
  const strictFields = (o: Record<string, unknown>, fields: readonly string[], where: (string | number)[]) => {
    for (const k of Object.keys(o))
      if (!fields.includes(k)) bad(`unknown field ${JSON.stringify(k)} (known: ${fields.join(', ')})`, [...where, k]);
  };
  switch (kind) {
    case 'verdict':
    case 'ledger': {
      const why = patternProblem(body);
      if (why) bad(why, at);
      if (kind === 'ledger' && value.kind !== undefined && !(LEDGER_KINDS as readonly unknown[]).includes(value.kind)) {
        bad(`unknown ledger kind ${JSON.stringify(value.kind)}; kinds: ${LEDGER_KINDS.join(', ')}`, [...path, 'kind']);
      }
      if (kind === 'verdict' && value.outcome !== undefined && !(VERDICT_OUTCOMES as readonly unknown[]).includes(value.outcome)) {
        bad(`unknown outcome ${JSON.stringify(value.outcome)}; outcomes: ${VERDICT_OUTCOMES.join(', ')}`, [...path, 'outcome']);
      }
      break;
    }
    case 'process': {
      if (!isRecord(body)) {
        bad('expected an object such as { "program": "chat-client", "caps": ["stdio", "chat"], "exactly": true }', at);
        break;
      }
      strictFields(body, ['program', 'name', 'alive', 'caps', 'exactly', 'capKinds'], at);
      for (const k of ['program', 'name'] as const) {
        if (body[k] !== undefined && (typeof body[k] !== 'string' || !NAME.test(body[k] as string)))
          bad('expected a name (a letter, then letters, digits, "_", "-" or ".")', [...at, k]);
      }
      for (const k of ['alive', 'exactly'] as const)
        if (body[k] !== undefined && typeof body[k] !== 'boolean') bad('expected true or false', [...at, k]);
      if (body.caps !== undefined) {
        if (!Array.isArray(body.caps) || body.caps.length > 64) bad('expected a list of at most 64 cap names', [...at, 'caps']);
        else
          body.caps.forEach((c, i) =>
            typeof c === 'string' && NAME.test(c.replace(/^@/, ''))
              ? undefined
              : bad('expected a cap name such as "stdio"', [...at, 'caps', i]),
          );
      }
      if (body.exactly === true && body.caps === undefined) bad('"exactly" compares against "caps": list them', [...at, 'exactly']);
      if (body.capKinds !== undefined) {
        if (!isRecord(body.capKinds) || Object.keys(body.capKinds).length > 64)
          bad('expected an object mapping cap names to kinds, e.g. { "chat": "ChatParticipant" }', [...at, 'capKinds']);
        else
          for (const [name, k] of Object.entries(body.capKinds)) {
            if (!NAME.test(name.replace(/^@/, ''))) bad('not a cap name', [...at, 'capKinds', name]);
            if (typeof k !== 'string' || !NAME.test(k))
              bad('expected a cap kind (client, object, fs, import…) or an interface (ChatParticipant…)', [...at, 'capKinds', name]);
          }
      }
      break;
    }
    case 'pairing': {
      if (!isRecord(body)) {
        bad('expected an object such as { "a": "console", "b": "totebox", "type": "USER" }', at);
        break;
      }
      strictFields(body, ['a', 'b', 'type', 'live'], at);
      for (const k of ['a', 'b'] as const)
        if (typeof body[k] !== 'string' || !NAME.test(body[k] as string)) bad('expected a machine name', [...at, k]);
      if (body.type !== undefined && !(PAIRING_TYPES as readonly unknown[]).includes(body.type))
        bad(`expected one of ${PAIRING_TYPES.join(', ')}`, [...at, 'type']);
      if (body.live !== undefined && typeof body.live !== 'boolean') bad('expected true or false', [...at, 'live']);
      break;
    }
    case 'defense': {
      if (!isRecord(body) || Object.keys(body).length === 0) {
        bad(`expected an object such as { "gate0": false } (defenses: ${DEFENSES.map((d) => d.id).join(', ')})`, at);
        break;
      }
      for (const [id, on] of Object.entries(body)) {
        if (!DEFENSES.some((d) => d.id === id))
          bad(`no defense named ${JSON.stringify(id)}; defenses: ${DEFENSES.map((d) => d.id).join(', ')}`, [...at, id]);
        else if (typeof on !== 'boolean') bad('expected true (on) or false (off)', [...at, id]);
      }
      break;
    }
    case 'all':
    case 'any': {
      if (!Array.isArray(body) || body.length === 0 || body.length > MAX_LIST) {
        bad(`expected a list of 1 to ${MAX_LIST} checks`, at);
        break;
      }
      body.forEach((c, i) => problems.push(...checkProblems(c, [...at, i], depth + 1)));
      break;
    }
    case 'not':
      problems.push(...checkProblems(body, at, depth + 1));
      break;
  }
  return problems;
}

// ── evaluation ───────────────────────────────────────────────────────────────────────────────────────────────

const clip = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const list = (names: readonly string[]) => (names.length ? names.map((n) => `@${n}`).join(', ') : 'no caps');

/** Records per page when a pattern is looked for in records of any kind, newest first. */
const PAGE = 512;
/**
 * Most work one check may do looking through the ledger, as characters read × the pattern's program size (the
 * most a character can cost): a check runs after every command, so a costly pattern over a long ledger must not
 * hold the kernel. Ordinary patterns (a few dozen instructions) read a hundred thousand records within it.
 */
export const SCAN_BUDGET = 200_000_000;

/**
 * The newest record since `sinceSeq` (of `kind`, if given) whose detail matches (and that `also` accepts), and the
 * newest such record at all. Newest first with an early stop; with a kind, only that kind's records are read (the
 * kind column finds them); without one, only the kernel's: what processes appended (service-fs) is their word, not
 * the kernel's, so it is passed over before it costs anything (a flood of appends cannot spend a check's budget).
 * `gaveUpAt`: the scan stopped at this seq, its work budget spent, without a match.
 */
function newestMatch(
  kernel: Kernel,
  re: Pattern,
  kind: LedgerKind | undefined,
  sinceSeq: number,
  also: (e: LedgerEntry) => boolean = () => true,
): { hit?: LedgerEntry; newest?: LedgerEntry; gaveUpAt?: number } {
  const l = kernel.ledger;
  const since = Math.max(0, Math.floor(sinceSeq));
  let newest: LedgerEntry | undefined;
  let budget = SCAN_BUDGET;
  const spent = (e: LedgerEntry) => (budget -= (e.detail.length + 1) * re.size) < 0;
  if (kind) {
    for (let seq = l.previousOfKind(kind, l.length, since); seq; seq = l.previousOfKind(kind, seq - 1, since)) {
      const e = l.page(seq, 1)[0];
      newest ??= e;
      if (also(e) && re.test(e.detail)) return { hit: e, newest };
      if (spent(e)) return { newest, gaveUpAt: seq };
    }
    return { newest };
  }
  for (let end = l.length; end > since; end -= PAGE) {
    const from = Math.max(since + 1, end - PAGE + 1);
    const page = l.page(from, end - from + 1);
    for (let i = page.length - 1; i >= 0; i--) {
      if (page[i].kind === 'appended') continue;
      newest ??= page[i];
      if (also(page[i]) && re.test(page[i].detail)) return { hit: page[i], newest };
      if (spent(page[i])) return { newest, gaveUpAt: page[i].seq };
    }
  }
  return { newest };
}

function evalLedger(
  kernel: Kernel,
  pattern: string,
  kind: LedgerKind | undefined,
  sinceSeq: number,
  verdictOnly: boolean,
  outcome?: VerdictOutcome,
): CheckResult {
  const also = outcome ? (e: LedgerEntry) => verdictOutcome(e) === outcome : undefined;
  const { hit, newest, gaveUpAt } = newestMatch(kernel, compiled(pattern), kind, sinceSeq, also);
  const what = verdictOnly ? `${outcome ? `${outcome} ` : ''}verdict` : `${kind ? `"${kind}" ` : ''}ledger record`;
  if (hit)
    return { ok: true, why: `${verdictOnly ? 'the verdict' : `ledger record ${hit.seq} (${hit.kind})`} reads "${clip(hit.detail)}"` };
  return {
    ok: false,
    ...(gaveUpAt && { unknown: true as const }),
    why: `no ${what} matching /${pattern}/ ${gaveUpAt ? `among the newest records (the pattern is too costly to read further back than record ${gaveUpAt})` : 'yet'}${verdictOnly && newest ? `; the newest verdict${outcome ? ` (${verdictOutcome(newest) ?? 'no outcome'})` : ''} reads "${clip(newest.detail, 120)}"` : ''}`,
  };
}

function capKindOf(kernel: Kernel, cap: { kind: string; target: { kind: string; id?: number } }): { kind: string; iface: string } {
  const obj = cap.target.kind === 'object' && cap.target.id !== undefined ? kernel.objects.get(cap.target.id) : undefined;
  return { kind: cap.kind, iface: obj?.record?.iface ?? '' };
}

function evalProcess(kernel: Kernel, c: ProcessCheck): CheckResult {
  const wanted = (c.caps ?? []).map((n) => n.replace(/^@/, ''));
  const kinds = Object.entries(c.capKinds ?? {}).map(([n, k]) => [n.replace(/^@/, ''), k] as const);
  const subject = c.program ? `${c.program}${c.name ? ` named "${c.name}"` : ''}` : c.name ? `process named "${c.name}"` : 'process';
  const demands = [
    ...(wanted.length || c.exactly ? [`${c.exactly ? 'exactly ' : ''}${list(wanted)}`] : []),
    ...kinds.map(([n, k]) => `@${n} as a ${k}`),
  ];
  const holds = ` holds ${demands.join(' and ')}`;
  const none = demands.length ? `no running ${subject}${holds}` : `no ${subject} is running`;
  const candidates = [...kernel.processes.values()].filter(
    (p) => (!c.program || p.program === c.program) && (!c.name || p.name === c.name),
  );
  const problemOf = (p: (typeof candidates)[number]): string | null => {
    const names = [...p.cnode.entries()].map(([, s]) => s.name);
    const missing = wanted.filter((n) => !names.includes(n));
    if (missing.length) return `it lacks ${list(missing)}`;
    if (c.exactly) {
      const extra = names.filter((n) => !wanted.includes(n));
      if (extra.length) return `it also holds ${list(extra)}`;
    }
    for (const [n, k] of kinds) {
      const slot = p.cnode.indexOf(n);
      const s = slot >= 0 ? p.cnode.get(slot) : undefined;
      if (!s) return `it holds no @${n}`;
      const got = capKindOf(kernel, s.cap);
      if (got.kind !== k && got.iface !== k) return `its @${n} is a ${got.iface || got.kind}, not a ${k}`;
    }
    return null;
  };
  const match = candidates.find((p) => problemOf(p) === null);
  const who = (p: (typeof candidates)[number]) => `${p.name} (pid ${p.pid})`;
  if (c.alive === false) {
    return match ? { ok: false, why: `${who(match)} is still running${demands.length ? ` and${holds}` : ''}` } : { ok: true, why: none };
  }
  if (match) {
    const names = [...match.cnode.entries()].map(([, s]) => s.name);
    return { ok: true, why: `${who(match)} is running and holds ${list(names)}` };
  }
  const near = candidates[0];
  return { ok: false, why: `${none}${near ? ` (${who(near)} is close, but ${problemOf(near)})` : ''}` };
}

function evalPairing(kernel: Kernel, c: PairingCheck): CheckResult {
  const f = kernel.fleet;
  for (const m of [c.a, c.b])
    if (!f.machine(m))
      return { ok: false, why: `there is no machine named "${m}" (machines: ${kernel.machines.map((x) => x.name).join(', ')})` };
  const p = f.between(f.machine(c.a)!.id, f.machine(c.b)!.id);
  const pair = `${c.a} and ${c.b}`;
  if (c.live === false) {
    if (!p) return { ok: true, why: `${pair} are not paired` };
    return { ok: false, why: `${pair} are still paired (as ${p.type})` };
  }
  if (!p) return { ok: false, why: `${pair} are not paired` };
  if (c.type && p.type !== c.type) return { ok: false, why: `${pair} are paired as ${p.type}, not as ${c.type}` };
  return { ok: true, why: `${pair} are paired as ${p.type}${p.mitm ? ' (through a man in the middle)' : ''}` };
}

function evalDefense(kernel: Kernel, want: Partial<Record<DefenseId, boolean>>): CheckResult {
  const states: string[] = [];
  for (const d of DEFENSES) {
    const on = want[d.id];
    if (on === undefined) continue;
    const now = kernel.defenses[d.id];
    if (now !== on)
      return { ok: false, why: `${d.label} is ${now ? 'on' : 'off'}; turn it ${on ? 'on' : 'off'} (defense ${d.id} ${on ? 'on' : 'off'})` };
    states.push(`${d.label} is ${now ? 'on' : 'off'}`);
  }
  return { ok: true, why: states.join('; ') };
}

/** Evaluate a (validated) check against the kernel; records count only if their seq is above `sinceSeq`. */
export function evaluate(kernel: Kernel, check: Check, sinceSeq = 0): CheckResult {
  if ('verdict' in check) return evalLedger(kernel, check.verdict, 'verdict', sinceSeq, true, check.outcome);
  if ('ledger' in check) return evalLedger(kernel, check.ledger, check.kind, sinceSeq, false);
  if ('process' in check) return evalProcess(kernel, check.process);
  if ('pairing' in check) return evalPairing(kernel, check.pairing);
  if ('defense' in check) return evalDefense(kernel, check.defense);
  // A check that could not tell stays so through all, any and not: a gave-up scan never makes a negation pass.
  const unknown = (results: CheckResult[]) => (results.some((r) => r.unknown) ? { unknown: true as const } : {});
  if ('all' in check) {
    const results = check.all.map((c) => evaluate(kernel, c, sinceSeq));
    const failed = results.find((r) => !r.ok && !r.unknown) ?? results.find((r) => !r.ok);
    return failed ? { ok: false, why: failed.why, ...unknown([failed]) } : { ok: true, why: results.map((r) => r.why).join('; ') };
  }
  if ('any' in check) {
    const results = check.any.map((c) => evaluate(kernel, c, sinceSeq));
    const passed = results.find((r) => r.ok);
    if (passed) return { ok: true, why: passed.why };
    const why = results.length === 1 ? results[0].why : `none of these yet: ${results.map((r) => r.why).join('; or ')}`;
    return { ok: false, why, ...unknown(results) };
  }
  const inner = evaluate(kernel, check.not, sinceSeq);
  if (inner.unknown) return { ok: false, unknown: true, why: `could not tell whether it is not so: ${inner.why}` };
  return inner.ok ? { ok: false, why: `that should not be so, but ${inner.why}` } : { ok: true, why: inner.why };
}
