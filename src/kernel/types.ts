/**
 * The kernel's shared types: the tables' rows (machines, processes, objects) and what crosses CALL. Modules import
 * these, never the Kernel class, so nothing under src/kernel imports the kernel back.
 */
import type { Cap, CNode } from './caps/cnode';
import type { ErrorCode } from './errors';
import type { Meter, Tier } from './energy/kinetic';
import type { ArgValue, Syscall, SyscallResult } from './programs/abi';
import type { ConsoleStyle, ObjectKind, ObjectState, ProcState } from './sab/layout';
import type { UnveilEntry, UnveilState } from './sandbox/unveil';
import type { Vfs } from './sandbox/vfs';
import type { ServiceContext, ServiceDef, Value } from './services/service';
import type { Proof } from './subject/proof';

export interface Machine {
  readonly id: number;
  readonly name: string;
  /** console, orchestration, totebox, mediakit…: where it sits for the Diode (seed 000). */
  readonly role?: string;
}

/** A receiver record: the kernel's half of a service object (the service keeps its own data beside it). */
export interface ServiceRecord {
  readonly endpoint: number;
  readonly selector: number; // opaque to holders: scoped to the endpoint, never shown or typed
  /** A short opaque tag the UI may show to tell objects apart: a hash, never the selector itself. */
  readonly tag: number;
  iface: string;
  generation: number;
  state: ObjectState;
  data: unknown;
  /** Caps to this generation held in cnodes: when the last one goes, the service is told and the object ends. */
  holders: number;
}

export interface KernelObject {
  readonly id: number;
  readonly kind: Exclude<ObjectKind, 'none'>;
  readonly machine: number;
  owner: number; // pid of the server (endpoints, service objects) or 0 for the kernel (spawners, sessions)
  name: string;
  counter: number; // calls served
  /**
   * Endpoints of a server program: the service, its state, the context its handler runs in, its receiver records
   * (object ids by selector - 1), and its queue: calls waiting for the server (FIFO) and calls it has taken but
   * not answered yet (in flight). Tickets number the calls on this endpoint only.
   */
  service?: {
    def: ServiceDef<unknown>;
    state: unknown;
    records: number[];
    ctx: ServiceContext;
    queue: PendingCall[];
    inFlight: PendingCall[];
    nextTicket: number;
    /** The call its service is handling right now (the ticket ctx.ledger.append may name, besides those in flight). */
    handling?: PendingCall;
  };
  /** Service objects: the receiver record. */
  record?: ServiceRecord;
  /** Sessions: the subject they speak for. */
  subject?: string;
  /** Channels and memory regions: the revocation epoch (flipping it kills every cap minted under an older one). */
  epoch?: number;
  /** A machine's filesystem (vfs objects). */
  vfs?: Vfs;
  /** Channels: messages written and not yet read. Regions: their cells. */
  messages?: string[];
  cells?: number[];
}

export interface Process {
  readonly pid: number;
  readonly machine: number;
  readonly parent: number;
  readonly name: string;
  readonly program: string;
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly cnode: CNode;
  state: ProcState;
  runs: number;
  wakeAt: number;
  resume: SyscallResult | undefined;
  fiber: Generator<Syscall, void, SyscallResult | undefined> | null;
  exitCode: number | null;
  /** Energy: balance, budget, Spectrum tier, next refill. */
  readonly meter: Meter;
  /** A syscall waiting for energy (the fiber's own, or its server's); run before the fiber resumes. */
  pending: Syscall | null;
  /** When the current syscall was first attempted, and how long the last one waited (virtual ms). */
  issuedAt: number;
  latency: number;
  /** Energy spent in all (for `top`). */
  spent: number;
  /** The CALL it waits on (queued at a busy or frozen server, or taken and not answered yet), if any. */
  waiting: PendingCall | null;
  /** Pledge (null = unpledged: every promise), execpromises (null = none: its promises alone bound its children),
   * and unveil. */
  pledge: number | null;
  execpromises: number | null;
  readonly unveil: UnveilState;
}

/**
 * A CALL the server has not answered yet: waiting in its endpoint's queue (`queued`), or taken by the server and
 * left in flight (`taken`) until the service answers it. The ticket numbers it on its endpoint only.
 */
export interface PendingCall {
  readonly ticket: number;
  readonly caller: number;
  readonly capName: string;
  /** The cap called through, checked again when the server takes the call (it may have died meanwhile). */
  readonly cap: Cap;
  readonly endpoint: KernelObject;
  /** What was called: a service object, or the endpoint itself (a legacy facet, an import). */
  readonly obj: KernelObject;
  readonly iface: string;
  readonly method: string;
  readonly args: Value[];
  /** Caps passed as arguments, as they were when the call was made. */
  readonly caps: readonly Cap[];
  readonly proof: Proof | null;
  readonly as?: string;
  /** Virtual ms it arrived (the queue is in arrival order, ties by the caller's pid). */
  readonly arrived: number;
  readonly wait?: CallOptions['wait'];
  state: 'queued' | 'taken';
  /** Its one ledger record is written (service-fs appends at most one per call). */
  appended?: true;
}

/** A cap for a new process, and how it was derived (for the ledger and Gate 0). */
export interface Grant {
  name: string;
  cap: Cap;
}

export interface SpawnOptions {
  name?: string;
  machine?: number;
  args?: Record<string, ArgValue>;
  grants?: Grant[];
  /** Who the grants are recorded as coming from; defaults to the parent. Boot wiring passes 0 (the kernel). */
  grantedBy?: number;
  /** Spectrum tier; a spawned fiber starts at the lowest unless boot wiring says otherwise. */
  tier?: Tier;
  /** Sandbox at spawn: the pledge the sandbox decided (Sandbox.childPledge: within the parent's promises ∩ its
   * execpromises, null = unpledged; omitted, the child inherits that bound), and unveils on top of the parent's. */
  pledge?: number | null;
  unveil?: UnveilEntry[];
  /** Command-line words after the program name (`run "cat /etc/passwd"`). */
  argv?: string[];
}

export interface CallOptions {
  iface?: string;
  args?: Value[];
  caps?: string[];
  proof?: Proof | null;
  /** Name for a cap the reply hands back (default: the name the service suggests). */
  as?: string;
  /** The caller already paid for the CALL (the scheduler charges a fiber before it runs the verb). */
  prepaid?: boolean;
  /**
   * The caller can wait for its reply: a call the server cannot take now waits in the endpoint's queue (the
   * result is EINPROGRESS) and the reply comes later — `true`: the caller's fiber blocks and is resumed with it;
   * a function: it is called with it (the shell's waiting line). Without it such a call is refused with EAGAIN.
   */
  wait?: true | ((reply: CallResult) => void);
}

/** A refusal; EAGAIN carries when energy returns (the caller's or the server's), so a fiber can wait for it. */
export type CallResult = { ok: true; value: Value; caps: string[] } | { ok: false; code: ErrorCode; error: string; retryAt?: number };

/** The world's mutable state, read by the publisher and the shell. */
export interface KernelState {
  readonly machines: readonly Machine[];
  readonly processes: ReadonlyMap<number, Process>;
  readonly objects: ReadonlyMap<number, KernelObject>;
}

export interface ConsoleEntry {
  pid: number;
  style: ConsoleStyle;
  text: string;
}
