import type { ErrorCode } from '../errors';
import type { ConsoleStyle, LedgerEntry } from '../sab/layout';
import type { Proof } from '../subject/proof';
import type { Access } from '../pairing/types';
import type { Value } from '../value';

export type { Value };

/**
 * The service ABI. A service names its objects by receiver selector, a number scoped to its own endpoint (1, 2,
 * … on each endpoint): meaningful only together with that endpoint, never a kernel-wide object id. Calls are
 * numbered the same way, by ticket.
 */

/** A cap passed as a call argument, as the receiving service sees it: only if it designates one of its objects. */
export interface CapArg {
  selector: number; // the object's selector on this endpoint, or 0 if the cap is not one of this service's live objects
  iface: string;
}

export interface Request {
  /** How the call arrived: a legacy client facet (with its badge) or a service object (its selector). */
  via: { kind: 'client'; badge: number } | { kind: 'object'; selector: number; iface: string };
  /** This call on this endpoint: what a deferred reply (ctx.reply) and the cancel hook name it by. */
  ticket: number;
  method: string;
  args: Value[];
  caps: CapArg[];
  /** A proof argument, if the caller passed one (subject binding). */
  proof: Proof | null;
}

/** Caps a reply hands back: objects of this service, by selector (the kernel makes the caps). */
export type ReplyCaps = { name: string; selector: number }[];

/** A service's answer to a call: a value (and caps), or a refusal. */
export type Answered = { ok: true; value?: Value; caps?: ReplyCaps } | { ok: false; code: ErrorCode; error: string };

/** An answer, or `deferred`: the call stays in flight at the server until the service answers it (ctx.reply). */
export type Reply = Answered | { deferred: true };

/**
 * The WORM ledger as the kernel lends it to a service that serves it (service-fs, seed 000): append the caller's
 * text, and read, each naming the call (by ticket) it answers. There is nothing to modify or delete with. The
 * kernel writes an append as its own kind, 'appended', authored by the process that made the call: the service is
 * not told who that is, and it cannot write any other kind. It reads only while answering a call on the read
 * interface, and then sees what the auditor sees, the author of every record included.
 */
export interface LedgerAccess {
  /**
   * Ledger `text` as written by the caller of call `ticket` (being handled now, or left in flight), through the
   * object it called. One record per call, and only for a call on the definition's `worm.append` interface; the
   * kernel checks the text (a string of at most APPEND_MAX characters) and strips control sequences.
   */
  append(ticket: number, text: unknown): { ok: true; seq: number } | { ok: false; code: ErrorCode; error: string };
  /** The ledger's length; null unless `ticket` is a call on the read interface being answered. */
  size(ticket: number): number | null;
  /**
   * Records [from, from + count) that exist, oldest first (what auditors read; the authors in them are the kernel's
   * word); null unless `ticket` is a call on the read interface being answered.
   */
  read(ticket: number, from: number, count: number): readonly LedgerEntry[] | null;
}

/**
 * What the kernel lets a service do while it handles a call, in the server's own context. Note what is absent:
 * the caller's identity. Possession of the object (or the badge of a legacy facet) is all a request tells a service
 * (service-fs, which serves the ledger's reads, can read there who wrote each record, as any auditor can).
 */
export interface ServiceContext {
  now(): number;
  random(n: number): number;
  /** Trusted minting: a new receiver record (or a freed one, at the next generation); its selector. */
  mint(iface: string, label: string, data: unknown): number;
  /** The service's own data for one of its objects. */
  data<T>(selector: number): T;
  close(selector: number): void;
  revoke(selector: number): void;
  /** Answer a call left in flight (`deferred`); false if it is no longer waiting (cancelled, or answered). */
  reply(ticket: number, reply: Answered): boolean;
  /** Check a subject proof against this service root (audience) and request digest; the subject, or why not. */
  verifyProof(proof: Proof | null, root: number, request: Value): { ok: true; subject: string } | { ok: false; why: string };
  /** Terminal I/O, for the stdio service. */
  write(text: string, style?: ConsoleStyle): void;
  readInput(): string | null;
  setPrompt(prompt: string): void;
  /** The WORM ledger: only for a service whose definition declares `worm` (service-fs). */
  ledger?: LedgerAccess;
}

export type ArgValue = string | number | boolean;

export interface ServiceDef<S = unknown> {
  /** The pledge promise a caller needs to use this service (Nexus S2). */
  promise: 'stdio' | 'net' | 'storage';
  /** The interface a legacy client facet of the endpoint reaches (its badge picks the member). */
  legacyIface: string;
  /** What each method does, for calls arriving through an import (pairing types attenuate by it; default write). */
  access?: Readonly<Record<string, Access>>;
  /** Interfaces and their methods: a method called on the wrong interface is EIFACE, an unknown one ENOMETHOD. */
  interfaces: Record<string, readonly string[]>;
  /**
   * The service serves the WORM ledger (seed 000): its context gets `ledger`, appending only for calls on the
   * `append` interface and reading only for calls on `read`; a method with a word in `refuse` (modify, delete…)
   * is refused with `code`, saying `why`.
   */
  worm?: { append: string; read: string; refuse: readonly string[]; code: ErrorCode; why: string };
  init(args: Readonly<Record<string, ArgValue>>): S;
  /** Data for an object minted by boot wiring or a broker (a trusted path), from declared arguments. */
  create(
    ctx: ServiceContext,
    state: S,
    iface: string,
    args: Readonly<Record<string, ArgValue>>,
  ): { label: string; data: unknown } | { error: string };
  handle(ctx: ServiceContext, state: S, req: Request): Reply;
  /**
   * One of its objects ended: closed, revoked, or released (the last cap to it is gone, by drop, move, or its
   * holder's exit), to drop the object's state (a chat participant leaves its channels).
   */
  released?(ctx: ServiceContext, state: S, selector: number): void;
  /** A call it left in flight will never be answered: its caller was killed or gave up (drop its record of it). */
  cancelled?(ctx: ServiceContext, state: S, ticket: number): void;
}

export const ok = (value?: Value, caps?: ReplyCaps): Answered => ({ ok: true, value, caps });
export const fail = (error: string, code: ErrorCode = 'ESERVICE'): Answered => ({ ok: false, code, error });
export const DEFERRED: Reply = Object.freeze({ deferred: true as const });
