import type { WorldState } from '../core/state';
import type { ErrorCode } from '../errors';
import type { Cap } from './cnode';

/** What validity needs beyond the state core: whether the pairing an import crossed still stands. */
export type ValidityHost = Pick<WorldState, 'processes' | 'objects' | 'defenses' | 'time' | 'effective'> & {
  readonly imports: { live(cap: Cap): boolean };
};

/** Why a cap no longer works, or null if it does. Closed and revoked records, and reused ones, fail. */
export function capProblem(k: ValidityHost, cap: Cap): { code: ErrorCode; error: string } | null {
  if (cap.target.kind === 'process')
    return k.processes.has(cap.target.pid) ? null : { code: 'ESRCH', error: `pid ${cap.target.pid} has exited` };
  if (cap.kind === 'import' && !k.imports.live(cap))
    return { code: 'ENOTFOUND', error: 'not found: the pairing it crossed was severed, so the machines are mutually invisible' };
  const obj = k.objects.get(cap.target.id);
  if (!obj) return { code: 'ENOCAP', error: 'its object is gone' };
  if (obj.epoch !== undefined) {
    if (cap.epoch !== obj.epoch)
      return { code: 'EREVOKED', error: `revoked: minted under epoch ${cap.epoch}, ${obj.name} is at epoch ${obj.epoch}` };
    if (!k.effective(cap))
      return { code: 'EDECAYED', error: `the Law of Decay took its last right (depth ${cap.depth}, age ${k.time - cap.since} ms)` };
    return null;
  }
  const r = obj.record;
  if (!r || cap.kind !== 'object') return null;
  if (cap.generation !== r.generation && k.defenses.generation) {
    return {
      code: 'ESTALE',
      error: `stale receiver cookie: minted for generation ${cap.generation}, the record is at generation ${r.generation}`,
    };
  }
  if (r.state === 'closed') return { code: 'ECLOSED', error: `${obj.name} was closed` };
  if (r.state === 'revoked') return { code: 'EREVOKED', error: `${obj.name} was revoked` };
  return null;
}
