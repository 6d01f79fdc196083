import type { Cap } from '../caps/cnode';
import type { CallOptions, CallResult } from '../types';
import { refuse, type CallHost } from './handler';
import { HANDLERS } from './handlers';

const NO_OPTIONS: CallOptions = {};

/**
 * CALL through a cap in `caller`'s cnode: the one door every call goes through. The router checks that the cap
 * exists, is not being moved, and still works (stale cookies, closed or revoked objects, severed pairings,
 * decay), then hands the call to its kind's handler (handlers.ts), which decides the rest.
 */
export function call(k: CallHost, caller: number, capName: string, method: string, opts: CallOptions = NO_OPTIONS): CallResult {
  const p = k.process(caller);
  // No closures on the happy path: it allocates only the request handed to the handler, and the reply.
  const slot = p.cnode.indexOf(capName);
  const entry = slot >= 0 ? p.cnode.get(slot)! : null;
  if (!entry) return refuse(k, { caller: p, capName, method }, 'ENOCAP', `no cap named @${capName}`);
  if (entry.reserved) return refuse(k, { caller: p, capName, method }, 'EBUSY', `@${capName} is being moved`);
  const cap = entry.cap;
  const problem = k.capProblem(cap);
  if (problem) {
    if (problem.code === 'ESTALE') staleVerdict(k, caller, capName, cap, false);
    return refuse(k, { caller: p, capName, method }, problem.code, problem.error, cap.target.kind === 'object' ? cap.target.id : 0);
  }
  if (cap.target.kind !== 'object')
    return refuse(k, { caller: p, capName, method }, 'EINVAL', `@${capName} is a ${cap.kind} cap; it cannot be called`);
  const obj = k.objects.get(cap.target.id)!;
  if (cap.kind === 'object' && obj.record && cap.generation !== obj.record.generation) staleVerdict(k, caller, capName, cap, true);
  return HANDLERS[cap.kind as keyof typeof HANDLERS](k, { caller: p, capName, cap, obj, method, opts });
}

/**
 * A call through a service object cap minted for an earlier generation of its receiver record (the record was
 * freed and reused): refused as ESTALE, or — with the generation check off — let through to whoever holds the
 * record now. Either way the verdict says which.
 */
function staleVerdict(k: CallHost, caller: number, capName: string, cap: Cap, accepted: boolean): void {
  const obj = cap.target.kind === 'object' ? k.objects.get(cap.target.id) : undefined;
  if (!obj?.record) return;
  const now = `generation ${obj.record.generation} (${obj.name})`;
  k.verdict(
    accepted ? 'breach' : 'held',
    caller,
    caller,
    accepted
      ? `stale cookie accepted: ${k.who(caller)}'s @${capName} was minted for generation ${cap.generation} of its receiver record and reached ${now}: it acts as the new holder's object (the receiver generation check is off)`
      : `stale cookie refused: ${k.who(caller)}'s @${capName} was minted for generation ${cap.generation} of its receiver record, which is now at ${now}: ESTALE, the call never reaches the new object`,
    obj.id,
  );
}
