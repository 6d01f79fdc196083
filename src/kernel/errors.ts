/** Kernel errors carry a short code (shown in the shell and the ledger) and a sentence for people. */
export type ErrorCode =
  | 'ECAPACITY' // a fixed-size table is full
  | 'ESRCH' // no such process
  | 'ENOCAP' // no such cap in the caller's cnode
  | 'EPERM' // the caller lacks the authority
  | 'EINVAL' // malformed request
  | 'ENOPROG' // no such program
  | 'ESCENARIO'; // a scenario file is invalid

export class KernelError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KernelError';
  }
}
