import type { Cap } from '../caps/cnode';
import type { WorldState } from '../core/state';
import type { EnergyAccounts } from '../energy/accounts';
import type { ErrorCode } from '../errors';
import type { Fleet } from '../pairing/fleet';
import type { Sandbox } from '../sandbox/monitor';
import type { ServiceDef, Value } from '../services/service';
import type { ServiceRecords } from '../services/records';
import type { ProofAuthority } from '../subject/proof';
import type { CallOptions, CallResult, KernelObject, PendingCall, Process } from '../types';

/**
 * The interface every cap kind's CALL handler implements, and what a handler may use. The router (router.ts)
 * has already checked that the caller holds a live cap to a live object; the handler decides what the call may
 * do and does it.
 */

/** What a handler may reach: the state core and the kernel's concerns (never the Kernel class itself). */
export interface CallHost extends WorldState {
  readonly energy: EnergyAccounts;
  readonly sandbox: Sandbox;
  readonly services: ServiceRecords;
  readonly imports: ImportChecks;
  readonly fleet: Fleet;
  readonly proofs: ProofAuthority;
  readonly queues: CallQueues;
  capProblem(cap: Cap): { code: ErrorCode; error: string } | null;
}

/** The endpoint queues (services/queue.ts), declared here so the handlers' host needs nothing more of them. */
export interface CallQueues {
  /** Why the endpoint's server cannot take a call right now (busy, frozen, calls ahead of it), or null if it can. */
  blocked(ep: KernelObject): string | null;
  /** Hand a call to the server: answered now, or (if the caller can wait) queued: EINPROGRESS, the reply later. */
  submit(call: PendingCall): CallResult;
}

/** The import check (pairing/imports.ts), declared here so the handlers' host needs nothing from pairing/. */
export interface ImportChecks {
  importService(pid: number, machine: string, service: string, as?: string): { name: string; telemetryOnly: boolean };
  responded(caller: number, ep: KernelObject, method: string, value: unknown): void;
  authorize(p: Process, cap: Cap, ep: KernelObject, def: ServiceDef<unknown>, method: string): { code: ErrorCode; error: string } | null;
}

/** One CALL, as the router hands it over: who calls, through which cap (and its name), on what, with what. */
export interface CallRequest {
  readonly caller: Process;
  readonly capName: string;
  readonly cap: Cap;
  readonly obj: KernelObject;
  readonly method: string;
  readonly opts: CallOptions;
}

export type CapHandler = (k: CallHost, r: CallRequest) => CallResult;

export const NO_NAMES: string[] = [];
export const NO_VALUES: Value[] = [];

/** A refused call: ledgered as a denial naming the call, the caller and why; the caller gets the code. */
export function refuse(
  k: WorldState,
  r: Pick<CallRequest, 'caller' | 'capName' | 'method'>,
  code: ErrorCode,
  error: string,
  object = 0,
): CallResult {
  k.deny(r.caller.pid, r.caller.pid, `${r.method} on @${r.capName} by ${k.who(r.caller.pid)}`, `${code}: ${error}`, object);
  return { ok: false, code, error };
}

/** A fiber the sandbox aborted on the way: nothing more happens for it. */
export const aborted = (): CallResult => ({ ok: false, code: 'EABORT', error: 'aborted' });

/** Put the caps a reply returns into the caller's cnode (the last one under `as`, if given). */
export function deliver(k: WorldState, p: Process, caps: { name: string; cap: Cap }[], value: Value, as?: string): CallResult {
  if (!caps.length) return { ok: true, value, caps: NO_NAMES };
  const names = caps.map((c, i) => {
    const slot = k.insertCap(c.cap.origin.how === 'minted' ? c.cap.origin.by : 0, p, as && i === caps.length - 1 ? as : c.name, c.cap);
    return p.cnode.get(slot)!.name;
  });
  return { ok: true, value, caps: names };
}
