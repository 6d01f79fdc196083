/**
 * Defining a user program mid-session: the experimenter's control behind the Programs tab's Run (outside the
 * world: free, ledgered, and no process can reach it — only the host calls it). It checks exactly what a scenario
 * file's `programs` entry is checked for, and the world keeps the definition like a booted one: the next spawn
 * runs it, while processes already running keep the source they were spawned with (each holds its own def).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Kernel } from '../kernel';
import { MAX_USER_PROGRAMS, UserProgram } from '../scenario/schema';
import { ENGINE_VERSION } from './engine';
import { programByName } from './programs';
import { runLineProblem } from './runLine';
import type { UserProgramDef } from './user';

/** A program name, as scenario files and the Programs tab give it. */
export const PROGRAM_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Why `name` cannot name a user program (null: it can). */
export function programNameProblem(name: string): string | null {
  if (!PROGRAM_NAME.test(name)) return 'a program name is lowercase letters, digits and "-", starting with a letter (at most 32)';
  if (programByName.has(name)) return 'is a built-in program: a user program may not shadow it';
  return null;
}

/** What a definition carries: the session log keeps it whole, the ledger only its name, size and hash. */
export interface ProgramDefinition {
  name: string;
  source: string;
  summary: string;
  run?: string;
  /** The sandbox engine it was written for (budgets count its ops): the host pins it in every logged definition. */
  engine?: string;
}

/**
 * Define (or redefine) a user program in `k`, ledgered as `by`'s hand (the shell's, as every experimenter control
 * is). Returns why not, naming the field, and then changes nothing.
 */
export function defineUserProgram(k: Kernel, p: ProgramDefinition, by: number): string | null {
  if (!p || typeof p !== 'object') return 'a program definition is { name, source, summary }';
  const name = typeof p.name === 'string' ? p.name : '';
  const nameProblem = programNameProblem(name);
  if (nameProblem) return `name: ${nameProblem}`;
  if (p.engine !== undefined && p.engine !== ENGINE_VERSION)
    return `engine: written for ${String(p.engine).slice(0, 100)}; this build runs user programs on ${ENGINE_VERSION}`;
  const { name: _n, engine: _e, ...rest } = p;
  const parsed = UserProgram.safeParse(rest);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.') || 'program'}: ${i.message}`).join('; ');
  if (!k.userPrograms.has(name) && k.userPrograms.size >= MAX_USER_PROGRAMS)
    return `a world holds at most ${MAX_USER_PROGRAMS} user programs (${[...k.userPrograms.keys()].join(', ')}); redefine one of them`;
  const { source, summary, run } = parsed.data;
  const runProblem = run === undefined ? null : runLineProblem(name, run);
  if (runProblem) return `run: ${runProblem}`;
  const def: UserProgramDef = { name, source, summary, ...(run !== undefined && { run }) };
  const bytes = utf8ToBytes(source);
  const hash = bytesToHex(sha256(bytes));
  const again = k.userPrograms.has(name);
  k.userPrograms.set(name, def);
  k.intern(name);
  k.record(
    'program',
    by,
    0,
    `user program "${name}" ${again ? 'redefined' : 'defined'} by the experimenter: ${bytes.length} bytes of JavaScript, sha256 ${hash.slice(0, 16)}…`,
    0,
    { program: name, bytes: bytes.length, sha256: hash },
  );
  return null;
}
