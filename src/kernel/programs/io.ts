import type { Syscall, SyscallResult } from './abi';

/** Shared helpers for programs that report on `stdio`. */

/** Write one line to the program's `stdio` cap. */
export function* say(text: string): Generator<Syscall, void, SyscallResult | undefined> {
  yield { op: 'call', cap: 'stdio', method: 'write', args: [text] };
}

/** A failed (or missing) syscall result as "CODE: message". */
export const errorText = (r: SyscallResult | undefined) => (r && !r.ok ? `${r.code}: ${r.error}` : 'no answer');
