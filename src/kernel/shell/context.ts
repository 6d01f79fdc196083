import type { CapTarget, Slot } from '../caps/cnode';
import type { Capacity, DefenseId } from '../sab/layout';
import type { ExecResult, OutputLine } from '../host-api';
import type { Ledger } from '../ledger/ledger';
import type { Fleet, PairingType, PairResult } from '../pairing/fleet';
import type { GrantSpec } from '../programs/abi';
import type { Charge, Tier } from '../energy/kinetic';
import type { CallOptions, CallResult, KernelObject, Machine, Process } from '../types';
import type { ChainWorld, Outcome } from '../yield/world';
import type { Token } from './tokenize';

export type { CallResult };

/**
 * What a shell command is given. Not the Kernel: a read-only view for inspection, the operations the shell
 * process may attempt (each checked by the kernel against the caps the shell holds), and the experimenter's
 * controls, which sit outside the world (defenses, the clock, staged attacks) and are ledgered.
 */
export interface ShellContext {
  /** The shell's own process. */
  readonly pid: number;
  readonly line: string;
  readonly view: KernelView;
  readonly shell: ShellOps;
  readonly experimenter: Controls;
  /** Every command, for help. */
  readonly commands: readonly Command[];
}

/**
 * A command: its name, usage, its arguments (and how each completes), what it does, and which side of the world
 * it is on. Inside, it acts as the shell's process: it needs the shell's caps and pays the shell's energy, and a
 * line the shell cannot pay for yet waits for its refill (latency, not an error). Outside, it is an experimenter's
 * control or inspection: free, ledgered when it changes anything, out of every process's reach.
 */
export type Command = {
  name: string;
  usage: string;
  summary: string;
  /** Its arguments in order, for Tab completion; with `repeats`, the last one completes every later word too. */
  args?: readonly ArgSpec[];
  repeats?: boolean;
  run(args: Token[], ctx: ShellContext): OutputLine[] | ExecResult;
} & (
  | {
      world: 'inside';
      cost: Cost;
      /** A form of the command that is the experimenter's instead (showing, a staged attack): free, never waits. */
      outside?: (args: Token[]) => boolean;
    }
  | { world: 'outside' }
);

/** Does this line act in the world (as the shell's process), or is it the experimenter's? */
export const inWorld = (cmd: Command, args: Token[]): cmd is Command & { world: 'inside' } =>
  cmd.world === 'inside' && !cmd.outside?.(args);

/** What an inside command costs the shell: as help says it, and the verbs a line pays (the kernel charges them). */
export interface Cost {
  text: string;
  /** From the line's words (a spawn pays a GRANT per cap); it may throw on a malformed line, which then runs to say so. */
  verbs(args: Token[], line: string): Charge;
}

export interface ArgSpec {
  name: string;
  /** Candidates for this argument (help's also needs the command list). */
  complete?(view: KernelView, commands: readonly Command[]): readonly string[];
}

/** A cap table, read only. */
export interface CNodeView {
  readonly size: number;
  entries(): IterableIterator<[number, Readonly<Slot>]>;
  get(slot: number): Readonly<Slot> | null;
  indexOf(name: string): number;
}

export type ProcessView = Readonly<Omit<Process, 'cnode'>> & { readonly cnode: CNodeView };

/** The world, read only: what inspection commands show. */
export interface KernelView {
  readonly machines: readonly Machine[];
  readonly processes: ReadonlyMap<number, ProcessView>;
  /** The scenario's own programs (JavaScript in the sandbox), for help. */
  readonly userPrograms: ReadonlyMap<string, { readonly summary: string }>;
  readonly objects: ReadonlyMap<number, Readonly<KernelObject>>;
  readonly defenses: Readonly<Record<DefenseId, boolean>>;
  readonly capacity: Readonly<Capacity>;
  readonly time: number;
  readonly ticks: number;
  readonly running: boolean;
  readonly speed: number;
  readonly stepsOwed: number;
  readonly liveCaps: number;
  readonly stringList: readonly string[];
  readonly ledger: Pick<
    Ledger,
    | 'length'
    | 'last'
    | 'page'
    | 'seqsOfKind'
    | 'subjectOf'
    | 'verify'
    | 'exportJsonl'
    | 'residentBytes'
    | 'storage'
    | 'proveInclusion'
    | 'proveConsistency'
    | 'origin'
  >;
  readonly fleet: Pick<Fleet, 'machine' | 'level' | 'identity' | 'describe' | 'bindingsOf' | 'handshakes' | 'pairing'>;
  /** A running process, or ESRCH. */
  process(pid: number): ProcessView;
  who(pid: number): string;
  describeTarget(t: CapTarget): string;
}

/** Why the shell may not set a fiber's tier. */
export type TierRefusal = 'no-handle' | 'above-own';

/**
 * What the shell process may attempt, as itself. Each is the kernel's own operation with the shell's pid: the
 * kernel decides, against the caps the shell holds, and charges the shell's energy for its verb. Pairing,
 * announcing and forgetting are named here so that a cap check can be put on each in one place.
 */
export interface ShellOps {
  spawn(
    program: string,
    grants: GrantSpec[],
    opts: { argv?: string[]; pledge?: number; unveil?: { path: string; perms: number }[] },
  ): Process;
  /** Attach the terminal to a child the shell holds a handle to. */
  attach(pid: number): void;
  holdsHandle(pid: number): boolean;
  /** `wait`: an ended child's exit code (its handle is released), or null while it runs. */
  reapHandle(pid: number): number | null;
  kill(pid: number): void;
  /**
   * CALL as the shell. With `show`, the line can wait: a call the server cannot take now (or leaves in flight)
   * answers EINPROGRESS, the terminal waits for the reply (Ctrl-C cancels it), and `show`'s lines are printed
   * when it comes.
   */
  call(cap: string, method: string, opts?: CallOptions, show?: (reply: CallResult) => OutputLine[]): CallResult;
  grant(to: number, g: GrantSpec): number;
  /** Drop a cap from the shell's table; copies of an import across a live pairing are named (and ledgered). */
  drop(name: string): { ok: false; why: 'no-cap' | 'moving' } | { ok: true; copies: string[] };
  channel(name: string, region?: { length: number }): number;
  mask(cap: string, rights: number, bounds?: { base: number; length: number }): void;
  revoke(cap: string): number;
  pledge(promises: number, execpromises?: number): void;
  unveil(entries: { path: string; perms: number }[] | 'lock'): void;
  setTier(pid: number, tier: Tier): TierRefusal | null;
  /**
   * A call on this machine's service-pairing (seed 001: pair, unpair, import, announce, forget), through the cap
   * the shell holds for it; without one, a ledgered ENOCAP.
   */
  pairing(method: PairingMethod, args: string[]): CallResult;
  /**
   * Run a yield example on the chain world (seed 004) at the kernel's virtual time, ledgering its routes and, for a
   * demonstration, its verdict. `calls`: the most transactions it may make (1 unless it is a burst); it must be able
   * to pay a SEND for each before it runs, and pays one for each it made (a burst may make none).
   */
  chain(run: (w: ChainWorld) => Outcome, calls?: number): Outcome & { routeText: string };
}

export type PairingMethod = 'pair' | 'unpair' | 'import' | 'announce' | 'forget';

/** The experimenter's controls: outside the world, free, ledgered, out of every process's reach. */
export interface Controls {
  setDefense(id: DefenseId, on: boolean): void;
  setRunning(running: boolean): void;
  setSpeed(speed: number): void;
  /** `clock step n`: owe n ticks (at most to the week bound) and run what `budget` work units allow; true when done. */
  step(n: number, budget: number): boolean;
  /** Staged attack: pair through mallory. */
  mitm(a: string, b: string, type: PairingType): PairResult;
  /** Staged attack: mallory announces new keys for a machine, signed with her own key. */
  forgeAnnounce(machine: string): { message: string };
  /** Staged attack: drive a compromised process to call through one of its caps. */
  callAs(pid: number, cap: string, method: string, opts?: CallOptions): CallResult;
  /** The chain world, read only (its routes, the rate-limited caps and their policy). */
  readonly chainWorld: Pick<ChainWorld, 'rt' | 'describe' | 'rateCaps'>;
  /** Rerun the chain world's operations in a fresh one and compare (seed 004's V9), ledgering the verdict. */
  replayChain(): Outcome;
}
