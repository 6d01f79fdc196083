import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Ledger } from '../kernel/ledger/ledger';
import { parsePrivateKey } from '../kernel/ledger/note';
import { exportLedger, newKeyFile } from './sign';
import { GALLERY, galleryEntry, playEntry, type GalleryMode } from './gallery';
import { KernelHost } from '../kernel/host';
import { WALL_CLOCK } from './clock';
import { evaluate } from '../kernel/checks/check';
import { LessonProgress } from '../kernel/checks/progress';
import { LEDGER_KINDS } from '../kernel/sab/layout';
import { LESSONS, lessonById, lessonScenario } from '../content/lessons/lessons';
import { sanitize } from '../text/sanitize';
import { verifyFile, verifyProofFile } from './verify';
import { proveFile, type ProveRequest } from './prove';
import { isProofText } from '../kernel/ledger/proofs';
import { CHALLENGES, challengeById, challengeScenario, type Challenge } from '../content/challenges/challenges';
import { MAX_PROGRAM_SOURCE } from '../kernel/scenario/schema';
import { challengeRunText } from './challenge';
import { gradeCsv, gradeExit, gradeFile, gradeJson, gradeTable, type Target } from './grade';

/** bin/capplay.mjs awaits it before `main` (from this module graph: tsx loads each entry on its own). */
export { loadEngine } from '../kernel/programs/engine';

/**
 * The headless runner behind `npx capplay` (bin/capplay.mjs loads this file through tsx). No DOM, no worker:
 * the same KernelHost the worker runs, driven line by line.
 *
 *   capplay run <scenario.json> [--seed N] [--quiet]   boot, run the script, check expectations and the lesson
 *   capplay run --challenge <id> <thief.js> [--on]     play a program in a challenge: exit 0 if it captured the flag
 *   capplay challenge [id] [--json]                    list the challenges, show one, or print it as a scenario file
 *   capplay grade <files…> --lesson <id> | --challenge <id> [--json | --csv]   grade a class's submissions
 *   capplay gallery [id] [--off] [--seed N] [--quiet]  play gallery entries (all of them, or one in full)
 *   capplay lesson [id] [--json]                       list the lessons, show one, or print it as a scenario file
 *   capplay verify <export.jsonl | proof.json> [--key hex] [--key-file f]   verify a ledger export or a proof, and say what it proves
 *   capplay prove <export.jsonl> <seq> [--size S] | --consistency <A> <B>    a proof against the export's checkpoints (prove.ts)
 *   capplay keygen <file> [--name <key name>]          make a signing key file (signed-note PRIVATE+KEY form)
 *
 * run --export <file> (and gallery <id> --export) writes the ledger's export after the run, co-signed with
 * --key-file <file> (sign.ts), or unsigned without one, and says which.
 *
 * Exit codes: 0 every expectation and lesson check passed (or the entry's verdict was the expected one); 1 some
 * did not; 2 bad usage or an invalid scenario file (the errors name the field path).
 */

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readFile(path: string): string;
  /** A file read a piece at a time (a big export is never one string); without it, readFile. */
  readChunks?(path: string): Iterable<string>;
  /** Write a file; `secret`: readable by its owner only (a key file). */
  writeFile?(path: string, text: string, secret?: boolean): void;
}

/** A file's text 4 MiB at a time (UTF-8 decoded across the piece boundaries). */
function* fileChunks(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4 * 2 ** 20);
    const utf8 = new StringDecoder('utf8');
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) yield utf8.write(buf.subarray(0, n));
    yield utf8.end();
  } finally {
    closeSync(fd);
  }
}

const nodeIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readFile: (path) => readFileSync(path, 'utf8'),
  readChunks: (path) => fileChunks(path),
  writeFile: (path, text, secret) => writeFileSync(path, text, secret ? { mode: 0o600, flag: 'wx' } : undefined),
};

export const USAGE = [
  'usage: capplay run <scenario.json> [--seed N] [--quiet] [--export <ledger.jsonl> [--key-file <key>]]',
  '       capplay run --challenge <id> <thief.js> [--on] [--seed N] [--quiet]',
  '       capplay challenge [id] [--json]',
  '       capplay grade <files…> (--lesson <id> | --challenge <id>) [--json | --csv] [--seed N]',
  '       capplay gallery [id] [--off] [--seed N] [--quiet] [--export <ledger.jsonl> [--key-file <key>]] (--export: one id)',
  '       capplay lesson [id] [--json]',
  '       capplay verify <ledger-export.jsonl | proof.json> [--key <64-hex public key>] [--key-file <key>]',
  '       capplay prove <ledger-export.jsonl> <seq> [--size <tree size>] [--key <64-hex public key>] [--key-file <key>]',
  '       capplay prove <ledger-export.jsonl> --consistency <size A> <size B> [--key <64-hex public key>] [--key-file <key>]',
  '       capplay keygen <key file> [--name <key name>]',
];

/**
 * Text from scenario files and programs reaches a terminal: no control characters or escape sequences (whole
 * sequences go, payload included), and one line each.
 */
const clean = (s: string) => sanitize(s).replace(/[\n\u2028\u2029]/g, ' ');
const fmtTime = (ms: number) => `${(ms / 1000).toFixed(3)}s`;

class UsageProblem extends Error {}

interface Flags {
  positional: string[];
  seed?: number;
  quiet: boolean;
  off: boolean;
  json: boolean;
  csv: boolean;
  /** run --challenge: keep the challenge's defense on (a correct kernel holds: exit 1). */
  on: boolean;
  key?: string;
  /** A signed-note private key file (sign.ts): run --export signs with it, verify names it as yours. */
  keyFile?: string;
  /** run: write the ledger's export here. */
  export?: string;
  /** keygen: the key's name. */
  name?: string;
  challenge?: string;
  lesson?: string;
  /** prove: the tree size to prove against. */
  size?: number;
  /** prove: a consistency proof between the two sizes given. */
  consistency: boolean;
}

function parseFlags(args: string[]): Flags {
  const f: Flags = { positional: [], quiet: false, off: false, json: false, csv: false, on: false, consistency: false };
  // verify --key: the public key the export must be signed by.
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--quiet' || a === '-q') f.quiet = true;
    else if (a === '--off') f.off = true;
    else if (a === '--json') f.json = true;
    else if (a === '--csv') f.csv = true;
    else if (a === '--on') f.on = true;
    else if (a === '--consistency') f.consistency = true;
    else if (a === '--size' || a.startsWith('--size=')) {
      const v = a === '--size' ? args[++i] : a.slice('--size='.length);
      f.size = wholeNumber(v, '--size takes a tree size');
    } else if (a === '--challenge' || a.startsWith('--challenge=') || a === '--lesson' || a.startsWith('--lesson=')) {
      const which = a.startsWith('--challenge') ? 'challenge' : 'lesson';
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (v === undefined || v === '' || v.startsWith('-'))
        throw new UsageProblem(`--${which} takes an id, got ${JSON.stringify(v ?? '')}`);
      f[which] = v;
    } else if (a === '--seed' || a.startsWith('--seed=')) {
      const v = a === '--seed' ? args[++i] : a.slice('--seed='.length);
      if (v === undefined || !/^\d{1,10}$/.test(v) || Number(v) > 0xffffffff)
        throw new UsageProblem(`--seed takes a whole number from 0 to 4294967295, got ${JSON.stringify(v ?? '')}`);
      f.seed = Number(v);
    } else if (['--key-file', '--export', '--name'].some((o) => a === o || a.startsWith(`${o}=`))) {
      const o = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (v === undefined || v === '' || v.startsWith('-'))
        throw new UsageProblem(`${o} takes a ${o === '--name' ? 'name' : 'file'}, got ${JSON.stringify(v ?? '')}`);
      f[o === '--key-file' ? 'keyFile' : o === '--export' ? 'export' : 'name'] = v;
    } else if (a === '--key' || a.startsWith('--key=')) {
      const v = a === '--key' ? args[++i] : a.slice('--key='.length);
      if (v === undefined || !/^[0-9a-fA-F]{64}$/.test(v))
        throw new UsageProblem(`--key takes a 64-hex-digit Ed25519 public key, got ${JSON.stringify(v ?? '')}`);
      f.key = v.toLowerCase();
    } else if (a.startsWith('-')) throw new UsageProblem(`unknown option ${JSON.stringify(a)}`);
    else f.positional.push(a);
  }
  return f;
}

/** A whole number >= 1 from the command line, or a usage problem that says what was expected and what came. */
function wholeNumber(v: string | undefined, what: string): number {
  if (v === undefined || !/^[1-9][0-9]{0,15}$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new UsageProblem(`${what} (a whole number >= 1), got ${JSON.stringify(v ?? '')}`);
  return Number(v);
}

export interface RunOptions {
  seed?: number;
  quiet?: boolean;
  /** What to call the file in error messages. */
  source?: string;
  /** Called with the ledger once the run is over (run --export). */
  onLedger?: (ledger: Ledger) => void;
}

/**
 * Boot a scenario (untrusted text), run its script line by line, and check it. The lesson advances after boot
 * and after every script line (and its wait): the current step's check counts ledger records made since the
 * step before it was done, and when it passes the next step becomes current. Expectations are checked at the
 * end against every verdict recorded after boot. Returns the exit code.
 */
/** The ledger listing's event column: as wide as the longest kind ('appended'), so the details line up. */
const KIND_WIDTH = Math.max(...LEDGER_KINDS.map((k) => k.length));

export function runScenario(text: string, opts: RunOptions, io: Pick<CliIo, 'out' | 'err'>): number {
  const source = opts.source ?? 'scenario';
  const host = new KernelHost(undefined, false, WALL_CLOCK); // timed: a step that holds it is cut (programs/backstop.ts)
  const booted = host.boot(text, opts.seed);
  if (!booted.ok) {
    io.err(`${clean(source)}: invalid scenario (${booted.errors.length} problem${booted.errors.length === 1 ? '' : 's'}):`);
    for (const e of booted.errors) io.err(`  ${clean(e)}`);
    return 2;
  }
  const k = host.kernel;
  const scenario = host.scenario;
  const bootSeq = k.ledger.length;
  const progress = scenario.lesson ? new LessonProgress(scenario.lesson, k) : null;
  progress?.advance(k);
  const transcript: string[] = [];
  let printed = k.console.length;
  const drain = () => {
    for (; printed < k.console.length; printed++) transcript.push(`  | ${clean(k.console[printed].text)}`);
  };
  // The same script run as the browser's (ScriptRun): each line, what `clock step` owes, then its wait.
  host.runScriptNow((step, result) => {
    transcript.push(`$ ${clean(step.line)}`);
    for (const l of result.lines) transcript.push(`  ${clean(l.text)}`);
    drain();
    progress?.advance(k);
  });

  const summary: { ok: boolean; text: string }[] = [];
  for (const [i, e] of (scenario.expect ?? []).entries()) {
    const r = evaluate(k, { verdict: e.verdict }, bootSeq);
    summary.push({ ok: r.ok, text: `expect[${i}] verdict /${e.verdict}/: ${r.why}` });
  }
  if (progress) {
    for (const s of progress.status(k)) summary.push({ ok: s.state === 'done', text: `lesson step ${s.index + 1}: ${s.goal} — ${s.why}` });
  }

  const out = (line: string) => io.out(line);
  out(
    `capplay run: ${clean(source)}: "${clean(scenario.name)}", seed ${k.seed}, ${(scenario.script ?? []).length} script line${(scenario.script ?? []).length === 1 ? '' : 's'}, ${fmtTime(k.time)} of virtual time`,
  );
  if (!opts.quiet) {
    out('');
    out('── transcript ──');
    for (const l of transcript) out(l);
    out('');
    out('── ledger ──');
    const width = String(k.ledger.length).length;
    for (const e of k.ledger.page(1, k.ledger.length))
      out(`${String(e.seq).padStart(width)}  ${fmtTime(e.time).padStart(9)}  ${e.kind.padEnd(KIND_WIDTH)}  ${clean(e.detail)}`);
  }
  out('');
  out('── summary ──');
  if (progress)
    out(
      `lesson "${clean(progress.lesson.title)}": ${progress.current} of ${progress.lesson.steps.length} step${progress.lesson.steps.length === 1 ? '' : 's'} done`,
    );
  for (const s of summary) out(`${s.ok ? '✓' : '✗'} ${clean(s.text)}`);
  const passed = summary.filter((s) => s.ok).length;
  out(summary.length ? `${passed} of ${summary.length} passed` : 'nothing to check: the scenario has no "expect" and no "lesson"');
  opts.onLedger?.(k.ledger);
  return passed === summary.length ? 0 : 1;
}

function gallery(f: Flags, io: Pick<CliIo, 'out' | 'err'>, onLedger?: (l: Ledger) => void): number {
  const mode: GalleryMode = f.off ? 'off' : 'on';
  const [id, extra] = f.positional;
  if (extra !== undefined) throw new UsageProblem(`gallery takes one entry id, got also ${JSON.stringify(extra)}`);
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  if (id === undefined) {
    let failed = 0;
    for (const e of GALLERY) {
      const r = playEntry(e, mode, f.seed);
      if (!r.ok) failed++;
      io.out(`${mark(r.ok)} ${e.id.padEnd(19)} ${mode.padEnd(3)}  ${clean(r.verdict || '(no verdict)')}`);
    }
    io.out(`${GALLERY.length - failed} of ${GALLERY.length} entries ended with the expected verdict (defense ${mode})`);
    return failed ? 1 : 0;
  }
  const entry = galleryEntry(id);
  if (!entry) throw new UsageProblem(`no gallery entry ${JSON.stringify(id)}; entries: ${GALLERY.map((e) => e.id).join(', ')}`);
  const r = playEntry(entry, mode, f.seed);
  io.out(`${entry.title} — ${entry.summary}`);
  io.out(
    `scenario ${entry.scenario}; ${entry.defense ? `defense ${entry.defense} ${mode}` : `no defense toggle: "${mode}" plays the ${mode === 'off' ? 'vulnerable' : 'sound'} variant`}`,
  );
  for (const [i, s] of r.steps.entries()) {
    io.out('');
    io.out(`${i + 1}. ${s.narration}`);
    if (!f.quiet) for (const l of s.transcript) io.out(clean(l));
  }
  io.out('');
  io.out(`verdict: ${clean(r.verdict || '(none)')}`);
  io.out(`${mark(r.ok)} expected /${entry.expect[mode]}/`);
  onLedger?.(r.ledger);
  return r.ok ? 0 : 1;
}

function lesson(f: Flags, io: Pick<CliIo, 'out' | 'err'>): number {
  const [id, extra] = f.positional;
  if (extra !== undefined) throw new UsageProblem(`lesson takes one lesson id, got also ${JSON.stringify(extra)}`);
  if (id === undefined) {
    LESSONS.forEach((l, i) => io.out(`${i + 1}. ${l.id.padEnd(11)} ${l.title} (${l.steps.length} steps, scenario ${l.scenario})`));
    return 0;
  }
  const l = lessonById(id);
  if (!l) throw new UsageProblem(`no lesson ${JSON.stringify(id)}; lessons: ${LESSONS.map((x) => x.id).join(', ')}`);
  if (f.json) {
    io.out(lessonScenario(l));
    return 0;
  }
  io.out(`${l.title} — ${l.summary} (scenario ${l.scenario})`);
  l.steps.forEach((s, i) => {
    io.out(`${i + 1}. ${s.goal}`);
    io.out(`   hint: ${s.hint}`);
  });
  return 0;
}

const challengeOf = (id: string): Challenge => {
  const c = challengeById(id);
  if (!c) throw new UsageProblem(`no challenge ${JSON.stringify(id)}; challenges: ${CHALLENGES.map((x) => x.id).join(', ')}`);
  return c;
};

function challenge(f: Flags, io: Pick<CliIo, 'out' | 'err'>): number {
  const [id, extra] = f.positional;
  if (extra !== undefined) throw new UsageProblem(`challenge takes one challenge id, got also ${JSON.stringify(extra)}`);
  if (id === undefined) {
    CHALLENGES.forEach((c, i) => io.out(`${i + 1}. ${c.id.padEnd(18)} ${c.title} (defense ${c.defense}, scenario ${c.scenario})`));
    return 0;
  }
  const c = challengeOf(id);
  if (f.json) {
    io.out(challengeScenario(c));
    return 0;
  }
  io.out(`${c.title} — ${c.summary}`);
  io.out(`seed rule: ${c.seed}`);
  io.out(`scenario ${c.scenario}; win with defense ${c.defense} off`);
  io.out(`your program starts with: ${c.run}`);
  io.out(`flag: ${c.flag}`);
  io.out('template (program "thief"):');
  for (const l of c.template.trimEnd().split('\n')) io.out(`  ${l}`);
  return 0;
}

/**
 * run --challenge: the challenge's scenario with the submitted program as "thief", the defense off (unless --on),
 * the run line and its wait; the lesson's one step is the flag. Exit 0 only if the flag was captured.
 */
function runChallenge(f: Flags, io: CliIo): number {
  const c = challengeOf(f.challenge!);
  const file = oneFile(f.positional, 'run --challenge', 'a program file (thief.js)', io);
  if (!file) return 2;
  if (!file.text.trim() || file.text.length > MAX_PROGRAM_SOURCE) {
    io.err(
      `${clean(file.path)}: ${file.text.trim() ? `the program is ${file.text.length} characters; at most ${MAX_PROGRAM_SOURCE}` : 'the program is empty'}`,
    );
    return 2;
  }
  const code = runScenario(challengeRunText(c, file.text, f.on ? 'on' : 'off'), { seed: f.seed, quiet: f.quiet, source: file.path }, io);
  if (f.on)
    io.out(
      code === 0
        ? `the flag was captured with defense ${c.defense} ON: the kernel did not hold — that is a kernel bug, please report it`
        : `defense ${c.defense} stayed on and the kernel held (run without --on to play the challenge)`,
    );
  return code === 2 ? 2 : code;
}

function grade(f: Flags, io: CliIo): number {
  if ((f.lesson === undefined) === (f.challenge === undefined))
    throw new UsageProblem('grade takes --lesson <id> or --challenge <id> (one of them)');
  if (f.json && f.csv) throw new UsageProblem('grade prints --json or --csv, not both');
  if (!f.positional.length) throw new UsageProblem('grade needs the submitted files (session files, or programs for a challenge)');
  let target: Target;
  if (f.lesson !== undefined) {
    const l = lessonById(f.lesson);
    if (!l) throw new UsageProblem(`no lesson ${JSON.stringify(f.lesson)}; lessons: ${LESSONS.map((x) => x.id).join(', ')}`);
    target = { kind: 'lesson', lesson: l };
  } else target = { kind: 'challenge', challenge: challengeOf(f.challenge!) };
  const graded = f.positional.map((path) => gradeFile(path, () => io.readFile(path), target, f.seed));
  if (f.json) io.out(gradeJson(target, graded));
  else for (const l of f.csv ? gradeCsv(graded) : gradeTable(target, graded)) io.out(l);
  return gradeExit(graded);
}

/** A --key-file read and checked: the key, or undefined (said on stderr). */
function keyFileOf(path: string, io: CliIo) {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    io.err(`${clean(path)}: cannot read the key file: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const k = parsePrivateKey(text);
  if (typeof k === 'string') {
    io.err(`${clean(path)}: not a signing key: ${k}`);
    return undefined;
  }
  return k;
}

/** The command line: returns the exit code (bin/capplay.mjs sets it). */
/** The one file a command takes, read; null (said on stderr) if it cannot be read. */
function oneFile(positional: readonly string[], command: string, what: string, io: CliIo): { path: string; text: string } | null {
  const [path, extra] = positional;
  if (path === undefined) throw new UsageProblem(`${command} needs ${what}`);
  if (extra !== undefined) throw new UsageProblem(`${command} takes one file, got also ${JSON.stringify(extra)}`);
  try {
    return { path, text: io.readFile(path) };
  } catch (e) {
    io.err(`${clean(path)}: cannot read it: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

/** capplay prove: the export streamed in (io.readChunks, else read whole), and the proof asked for (prove.ts). */
function prove(f: Flags, io: CliIo, own: Uint8Array | null): number {
  const [path, ...nums] = f.positional;
  if (path === undefined) throw new UsageProblem('prove needs a ledger export (JSONL)');
  let req: ProveRequest;
  if (f.consistency) {
    if (nums.length !== 2) throw new UsageProblem(`prove --consistency takes two tree sizes A <= B after the file, got ${nums.length}`);
    req = { type: 'consistency', from: wholeNumber(nums[0], 'size A'), to: wholeNumber(nums[1], 'size B') };
  } else {
    if (nums.length !== 1) throw new UsageProblem(`prove takes one entry (its seq) after the file, got ${nums.length}`);
    req = { type: 'inclusion', seq: wholeNumber(nums[0], 'the entry'), ...(f.size !== undefined ? { size: f.size } : {}) };
  }
  try {
    const chunks = io.readChunks ? io.readChunks(path) : [io.readFile(path)];
    return proveFile(chunks, clean(path), req, f.key, { out: io.out, err: (l) => io.err(clean(l)) }, own);
  } catch (e) {
    if (e instanceof UsageProblem) throw e;
    io.err(`${clean(path)}: cannot read it: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

export function main(argv: readonly string[], io: CliIo = nodeIo): number {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      for (const l of USAGE) (command === undefined ? io.err : io.out)(l);
      return command === undefined ? 2 : 0;
    }
    const f = parseFlags(rest);
    if (f.lesson !== undefined && command !== 'grade') throw new UsageProblem('--lesson is for grade (capplay lesson <id> shows one)');
    if (f.challenge !== undefined && command !== 'run' && command !== 'grade') throw new UsageProblem('--challenge is for run and grade');
    if (f.csv && command !== 'grade') throw new UsageProblem('--csv is for grade');
    if (f.on && (command !== 'run' || f.challenge === undefined)) throw new UsageProblem('--on is for run --challenge');
    if (f.off && command !== 'gallery') throw new UsageProblem('--off is for gallery (run --challenge plays with the defense off)');
    if (command === 'run' && f.challenge !== undefined) return runChallenge(f, io);
    const exports = (command === 'run' && f.challenge === undefined) || (command === 'gallery' && f.positional.length === 1);
    if (f.export !== undefined && !exports) throw new UsageProblem('--export is for run <scenario.json> and gallery <id>');
    if (f.keyFile !== undefined && !exports && command !== 'verify' && command !== 'prove')
      throw new UsageProblem('--key-file is for run, gallery <id> (with --export), verify and prove');
    if (f.keyFile !== undefined && command !== 'verify' && command !== 'prove' && f.export === undefined)
      throw new UsageProblem(`--key-file signs the ledger ${command} --export writes: give --export <file> too`);
    if (f.name !== undefined && command !== 'keygen') throw new UsageProblem('--name is for keygen');
    if ((f.size !== undefined || f.consistency) && command !== 'prove') throw new UsageProblem('--size and --consistency are for prove');
    if (f.size !== undefined && f.consistency)
      throw new UsageProblem('--size is for an inclusion proof; --consistency takes its two sizes');
    const key = f.keyFile === undefined ? null : keyFileOf(f.keyFile, io);
    if (key === undefined) return 2;
    let wrote = true;
    /** --export: the ledger written, signed with --key-file or unsigned, and which said. */
    const onLedger = (l: Ledger) => {
      const x = exportLedger(l, key);
      try {
        (io.writeFile ?? nodeIo.writeFile!)(f.export!, x.text);
        io.out(`ledger: ${l.length} entries written to ${clean(f.export!)}, ${x.said}`);
      } catch (e) {
        io.err(`${clean(f.export!)}: cannot write the ledger export: ${e instanceof Error ? e.message : String(e)}`);
        wrote = false;
      }
    };
    if (command === 'run') {
      const file = oneFile(f.positional, 'run', 'a scenario file', io);
      if (!file) return 2;
      const code = runScenario(file.text, { seed: f.seed, quiet: f.quiet, source: file.path, ...(f.export ? { onLedger } : {}) }, io);
      return code === 0 && !wrote ? 1 : code;
    }
    if (command === 'gallery' && f.export !== undefined) {
      const code = gallery(f, io, onLedger);
      return code === 0 && !wrote ? 1 : code;
    }
    if (command === 'keygen') {
      const [path, extra] = f.positional;
      if (path === undefined) throw new UsageProblem('keygen needs the file to write the key to');
      if (extra !== undefined) throw new UsageProblem(`keygen takes one file, got also ${JSON.stringify(extra)}`);
      const made = newKeyFile(f.name ?? 'capplay-cli');
      if (typeof made === 'string') throw new UsageProblem(made);
      try {
        (io.writeFile ?? nodeIo.writeFile!)(path, made.text, true);
      } catch (e) {
        io.err(
          `${clean(path)}: cannot write the key (an existing file is never overwritten): ${e instanceof Error ? e.message : String(e)}`,
        );
        return 2;
      }
      io.out(`wrote a signing key to ${clean(path)} (keep it secret); its verifier key, to publish:`);
      io.out(made.vkey);
      return 0;
    }
    if (command === 'gallery') return gallery(f, io);
    if (command === 'lesson') return lesson(f, io);
    if (command === 'challenge') return challenge(f, io);
    if (command === 'grade') return grade(f, io);
    const said = { out: io.out, err: (l: string) => io.err(clean(l)) };
    if (command === 'verify') {
      const file = oneFile(f.positional, 'verify', 'a ledger export (JSONL) or a proof (JSON)', io);
      if (!file) return 2;
      // A proof file (one JSON line, "format":"capplay-ledger-proof") or an export: the first line says which.
      const check = isProofText(file.text) ? verifyProofFile : verifyFile;
      return check(file.text, clean(file.path), f.key, { out: (l) => io.out(clean(l)), err: said.err }, key?.publicKey ?? null);
    }
    if (command === 'prove') return prove(f, io, key?.publicKey ?? null);
    throw new UsageProblem(`unknown command ${JSON.stringify(command)}`);
  } catch (e) {
    if (!(e instanceof UsageProblem)) throw e;
    io.err(`capplay: ${e.message}`);
    for (const l of USAGE) io.err(l);
    return 2;
  }
}
