/** Kernel errors carry a short code (shown in the shell and the ledger) and a sentence for people. */
export type ErrorCode =
  | 'ECAPACITY' // a fixed-size table is full
  | 'ESRCH' // no such process
  | 'ENOCAP' // no such cap in the caller's cnode
  | 'EPERM' // the caller lacks the authority
  | 'EINVAL' // malformed request
  | 'ENOPROG' // no such program
  | 'ESCENARIO' // a scenario file is invalid
  | 'EBUSY' // the cap is reserved by a move in progress
  | 'EGATE0' // Gate 0 refused a relabeled client facet
  | 'EIFACE' // the method belongs to another interface than the cap's
  | 'ENOMETHOD' // no interface of the service has that method
  | 'ESTALE' // the cap's receiver cookie is from an older generation of its record
  | 'ECLOSED' // the service object was closed
  | 'EREVOKED' // the service object was revoked
  | 'EPROOF' // a subject proof is expired, mis-scoped or forged
  | 'ESERVICE' // the service refused the request (its own reason follows)
  | 'EAGAIN' // not enough energy right now (or the server cannot take a call now): wait and try again
  | 'EINPROGRESS' // the call waits in the endpoint's queue (or at the server): its reply comes later
  | 'ECANCELED' // the caller gave up a call that was waiting (Ctrl-C)
  | 'EDECAYED' // the Law of Decay took the cap's last right
  | 'EFAULT' // outside a memory region's bounds
  | 'ENOENT' // no such file, or not unveiled (invisible)
  | 'EACCES' // unveiled, but not with the permission asked for
  | 'ENOTDIR'
  | 'ELOOP'
  | 'EABORT' // a pledge violation: the fiber was aborted
  | 'ENOTFOUND' // no such machine or service visible from here (unpaired machines are invisible, not denied)
  | 'EDIODE' // the Diode: no capability can express a command upstream
  | 'EXDEV' // the cap would cross machines outside an import over a pairing
  | 'ETOFU' // TOFU+: the peer's key does not match the CellID bound on first contact
  | 'EHANDSHAKE' // the pairing handshake failed (a party could not prove its key, or a message was altered)
  | 'EWORM'; // service-fs is append-only: no interface can modify or delete a ledger record

/**
 * A refusal the kernel reports to its caller (a result, not a bug), so it carries no stack trace: capturing one
 * was most of what a fork bomb's refused SPAWN cost.
 */
export class KernelError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    const engine = Error as { stackTraceLimit?: number }; // V8's; elsewhere setting it does nothing
    const limit = engine.stackTraceLimit;
    engine.stackTraceLimit = 0;
    super(message);
    engine.stackTraceLimit = limit;
    this.code = code;
    this.name = 'KernelError';
  }
}
