/**
 * The program ABI: what a program yields to the kernel (a syscall) and what it is resumed with. A program is a
 * generator; it holds no authority of its own, only cap names in its cnode.
 */
import type { CapKind, VerdictOutcome } from '../sab/layout';
import type { Backstop } from './backstop';
import type { ArgValue, Value } from '../services/service';
import type { Proof } from '../subject/proof';

export type { ArgValue };

/**
 * A grant names a cap the parent holds and how to pass it: copy (`@cap`), move (`move @cap`) or client facet
 * (`client @cap`, optionally with a legacy badge that Gate 0 checks). See caps/transfer.ts.
 */
export interface GrantSpec {
  name: string;
  from: string;
  mode: 'copy' | 'move' | 'client';
  badge?: number;
  /** Where the grant starts in the shell line, for error messages (1-based column), and its text. */
  column?: number;
  text?: string;
}

export type Syscall =
  | { op: 'sleep'; ms: number }
  /** Read the virtual clock (ms): a verb like any other, charged TICK. Programs have no free clock. */
  | { op: 'tick' }
  | { op: 'wait' } // block until the kernel wakes the process (servers, init, the shell)
  | { op: 'exit'; code: number }
  /** CALL on a cap; `caps` are cap names passed as arguments, `as` names a cap the reply hands back. */
  | { op: 'call'; cap: string; method: string; args?: Value[]; caps?: string[]; proof?: Proof | null; as?: string }
  /** SPAWN a program; needs a spawner cap. Grants as in the shell: copy, move or client facet of caps it holds. */
  | { op: 'spawn'; program: string; name?: string; grants?: GrantSpec[]; argv?: string[] }
  /** Pledge (only ever drops promises) and unveil (one call; later calls only narrow) for itself. */
  | { op: 'pledge'; promises: number; execpromises?: number }
  | { op: 'unveil'; entries: { path: string; perms: number }[] | 'lock' }
  /** A built-in demo program tells how its story ended: ledgered as a verdict of its own (free), with its outcome. */
  | { op: 'verdict'; outcome: VerdictOutcome; text: string };

/** What a syscall gives back to the program. */
export type SyscallResult = { ok: true; value?: Value; caps?: string[] } | { ok: false; code: string; error: string };

export interface ProgramContext {
  readonly pid: number;
  readonly name: string;
  readonly args: Readonly<Record<string, ArgValue>>;
  /** The words after the program name on its command line. */
  readonly argv: readonly string[];
  /** Deterministic randomness in [0, n). */
  random(n: number): number;
  /** What the process holds under `name` (its own table: no authority is gained by looking). */
  cap(name: string): { kind: CapKind; iface: string } | null;
  /** Everything the process holds, by name, in slot order (its own table again). */
  caps(): { name: string; kind: CapKind; iface: string }[];
  /** The world's wall-clock backstop: a user program's steps are watched by it (backstop.ts). */
  readonly backstop?: Backstop;
}

export type Fiber = Generator<Syscall, void, SyscallResult | undefined>;
export type ProgramBody = (ctx: ProgramContext) => Fiber;

/** Read the timer inside a program: `const t = yield* now();` (one `tick` syscall, TICK 1 J). */
export function* now(): Generator<Syscall, number, SyscallResult | undefined> {
  const r = yield { op: 'tick' };
  return r?.ok && typeof r.value === 'number' ? r.value : 0;
}
