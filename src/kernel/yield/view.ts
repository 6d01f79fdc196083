import type { HopRole, YieldView } from '../host-api';
import { EvidenceTally } from './evidence';
import type { Route } from './runtime';
import type { ChainWorld } from './world';

/** At most this many instances are drawn: the route's own first, then what the chain holds, breadth first. */
const MAX_DRAWN = 24;
const ROUTES_SHOWN = 8;

const nodeId = (id: number | 'kernel') => `y:${id}`;

/**
 * The bulk read behind the yields view and the graph's yield runtime box. The V1–V9 table is `evidence`'s: what
 * the session's ledger showed (none, for a tally that has read nothing).
 */
export function yieldView(w: ChainWorld, evidence: EvidenceTally = new EvidenceTally()): YieldView {
  const ours = Math.min(ROUTES_SHOWN, w.rt.routesLogged - w.bootRoutes, w.rt.routes.length);
  const routes = ours > 0 ? w.rt.routes.slice(-ours) : [];
  const newest = routes.at(-1);
  return {
    count: w.rt.routesLogged,
    routes: routes.map((r) => describeRoute(w, r)),
    world: newest ? drawnInstances(w, newest) : null,
    properties: evidence.properties(),
  };
}

function describeRoute(w: ChainWorld, r: Route): YieldView['routes'][number] {
  // The catcher is the last owner walked: it is named once, as the catcher.
  const owners = typeof r.caughtBy === 'number' ? r.walked.slice(0, -1) : r.walked;
  const forwarded = new Set(r.forwardedBy ?? []);
  const hops: { id: string; name: string; role: HopRole }[] = [
    { id: nodeId(r.emitter), name: w.name(r.emitter), role: 'emitter' },
    ...owners.map((id) => ({ id: nodeId(id), name: forwarded.has(id) ? `${w.name(id)} (forwarded)` : w.name(id), role: 'owner' as const })),
  ];
  if (typeof r.caughtBy === 'number') hops.push({ id: nodeId(r.caughtBy), name: w.name(r.caughtBy), role: 'catcher' });
  else if (r.caughtBy === 'kernel') hops.push({ id: nodeId('kernel'), name: 'kernel', role: 'kernel' });
  else hops.push({ id: '', name: 'unhandled', role: 'fault' });
  return {
    key: r.key,
    hops,
    ...(r.fault ? { fault: r.fault } : {}),
    stack: (r.stack ?? []).map((f) => ({
      callerId: f.caller ? nodeId(f.caller) : '',
      calleeId: nodeId(f.callee),
      caller: f.caller ? w.name(f.caller) : 'external',
      callee: w.name(f.callee),
      keys: f.snapshot,
    })),
  };
}

/** The chain, what it holds (transitively), and every instance on the newest route and its call stack. */
function drawnInstances(w: ChainWorld, newest: Route): NonNullable<YieldView['world']> {
  const order: number[] = [];
  const seen = new Set<number>();
  const add = (id: number) => {
    if (id > 0 && !seen.has(id) && w.rt.instances.has(id) && order.length < MAX_DRAWN) {
      seen.add(id);
      order.push(id);
    }
  };
  add(w.chain.id);
  for (const f of newest.stack ?? []) {
    add(f.caller);
    add(f.callee);
  }
  add(newest.emitter);
  for (const id of newest.walked) add(id);
  for (let i = 0; i < order.length; i++) {
    for (const c of w.rt.instances.get(order[i])!.cnode) if (c?.kind === 'instance') add(c.id);
  }
  return order.map((id) => {
    const inst = w.rt.instances.get(id)!;
    const holds = new Set<string>();
    for (const c of inst.cnode) if (c?.kind === 'instance' && seen.has(c.id)) holds.add(nodeId(c.id));
    return {
      id: nodeId(id),
      name: w.name(id),
      image: inst.image.name,
      opaque: inst.image.opaque === true,
      keys: [...w.rt.receiverKeys(inst)].sort(),
      holds: [...holds],
    };
  });
}
