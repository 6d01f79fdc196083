import { refuse, type CapHandler } from '../call/handler';
import type { Value } from '../services/service';
import { MAX_FRESHNESS_MS, requestDigest } from './proof';

/**
 * CALL on a UserSession, served by the kernel: deriveProof(request, freshnessMs, audience?) scoped to the root
 * passed as a cap argument; the audience defaults to the service the root belongs to (its endpoint's name).
 */
export const userSessionHandler: CapHandler = (k, r) => {
  const { caller: p, obj: session, method, opts } = r;
  if (method !== 'deriveProof')
    return refuse(
      k,
      r,
      'ENOMETHOD',
      `UserSession has one method, deriveProof(request, freshnessMs, audience?) with the service root as a cap argument`,
    );
  if (!opts.prepaid && !k.energy.pay(p, 'SEND')) return k.energy.short(p, 'SEND'); // a CALL, like any other
  const [request, freshness, audienceArg] = opts.args ?? [];
  const rootName = opts.caps?.[0];
  const rootSlot = rootName ? p.cnode.indexOf(rootName) : -1;
  const root = rootSlot >= 0 ? p.cnode.get(rootSlot)!.cap : null;
  const rootObj = root?.target.kind === 'object' ? k.objects.get(root.target.id) : undefined;
  if (!root || !rootObj?.record || k.capProblem(root))
    return refuse(k, r, 'EINVAL', 'deriveProof needs the service root it is for as a cap argument');
  const ms = typeof freshness === 'number' && freshness > 0 ? Math.min(freshness, MAX_FRESHNESS_MS) : 5000;
  const audience = typeof audienceArg === 'string' ? audienceArg.slice(0, 40) : (k.objects.get(rootObj.record.endpoint)?.name ?? '');
  const proof = k.proofs.derive(
    session.subject!,
    k.proofs.rootBinding(rootObj.id, rootObj.record.generation),
    audience,
    requestDigest(request ?? null),
    k.time,
    ms,
  );
  k.record(
    'grant',
    p.pid,
    p.pid,
    `${k.who(p.pid)} derived a proof for subject "${session.subject}" scoped to ${rootObj.name}, audience "${audience}", valid ${ms} ms`,
    rootObj.id,
  );
  return { ok: true, value: proof as unknown as Value, caps: [] };
};
