import type { Cap } from '../caps/cnode';
import type { ErrorCode } from '../errors';
import type { ConsoleStyle } from '../sab/layout';
import type { Proof } from '../subject/proof';
import type { Access } from '../pairing/types';
import type { Value } from '../value';

export type { Value };

/** A cap passed as a call argument, as the receiving service sees it: only if it designates one of its objects. */
export interface CapArg {
  object: number; // the service object's id, or 0 if the cap is not one of this service's live objects
  iface: string;
}

export interface Request {
  /** How the call arrived: a legacy client facet (with its badge) or a service object (with its record). */
  via: { kind: 'client'; badge: number } | { kind: 'object'; object: number; iface: string };
  method: string;
  args: Value[];
  caps: CapArg[];
  /** A proof argument, if the caller passed one (subject binding). */
  proof: Proof | null;
}

export type Reply = { ok: true; value?: Value; caps?: { name: string; cap: Cap }[] } | { ok: false; code: ErrorCode; error: string };

/**
 * What the kernel lets a service do while it handles a call, in the server's own context. Note what is absent:
 * the caller's identity. Possession of the object (or the badge of a legacy facet) is all a service learns.
 */
export interface ServiceContext {
  readonly server: number;
  readonly endpoint: number;
  now(): number;
  random(n: number): number;
  /** Trusted minting: a new receiver record (or a freed one, at the next generation) and a cap to it. */
  mint(iface: string, label: string, data: unknown): Cap;
  /** The service's own data for one of its objects. */
  data<T>(object: number): T;
  close(object: number): void;
  revoke(object: number): void;
  /** Check a subject proof against this service root (audience) and request digest; the subject, or why not. */
  verifyProof(proof: Proof | null, root: number, request: Value): { ok: true; subject: string } | { ok: false; why: string };
  /** Terminal I/O, for the stdio service. */
  write(text: string, style?: ConsoleStyle): void;
  readInput(): string | null;
  setPrompt(prompt: string): void;
}

export type ArgValue = string | number | boolean;

export interface ServiceDef<S = unknown> {
  /** The pledge promise a caller needs to use this service (Nexus S2). */
  promise: 'stdio' | 'net';
  /** The interface a legacy client facet of the endpoint reaches (its badge picks the member). */
  legacyIface: string;
  /** What each method does, for calls arriving through an import (pairing types attenuate by it; default write). */
  access?: Readonly<Record<string, Access>>;
  /** Interfaces and their methods: a method called on the wrong interface is EIFACE, an unknown one ENOMETHOD. */
  interfaces: Record<string, readonly string[]>;
  init(args: Readonly<Record<string, ArgValue>>): S;
  /** Data for an object minted by boot wiring or a broker (a trusted path), from declared arguments. */
  create(
    ctx: ServiceContext,
    state: S,
    iface: string,
    args: Readonly<Record<string, ArgValue>>,
  ): { label: string; data: unknown } | { error: string };
  handle(ctx: ServiceContext, state: S, req: Request): Reply;
  /** Called when one of its objects is closed or revoked (by anyone's hand), to drop the record's state. */
  released?(ctx: ServiceContext, state: S, object: number): void;
}

export const ok = (value?: Value, caps?: { name: string; cap: Cap }[]): Reply => ({ ok: true, value, caps });
export const fail = (error: string, code: ErrorCode = 'ESERVICE'): Reply => ({ ok: false, code, error });
