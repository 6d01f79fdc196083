import { KernelError } from '../errors';
import type { WorldState } from '../core/state';
import { spawnCharge, type Charge } from '../energy/kinetic';
import type { ArgValue, GrantSpec } from '../programs/abi';
import type { Promise_ } from '../sandbox/pledge';
import type { UnveilEntry } from '../sandbox/unveil';
import type { Grant, Process, SpawnOptions } from '../types';
import { makeCap, type Cap } from './cnode';

/**
 * Spawn with grants, and the relabel gate. A grant names a cap the parent holds and how to pass it:
 * - copy (`@cap`): the same authority, same badge or receiver selector;
 * - move (`move @cap`): the same, and the parent loses it — atomically: the source slot is reserved while the
 *   child is made, then removed (commit) or released (roll back);
 * - client facet (`client @cap`): a CALL-only view. Omitting a badge preserves the source's identity. The legacy
 *   `client @cap badge N` is hostile input: Gate 0 refuses a badge different from the source's.
 */

/** What passing caps needs of the kernel: the state core, cap validity, spawning, the sandbox and energy. */
export type TransferHost = Pick<
  WorldState,
  'process' | 'processes' | 'objects' | 'time' | 'defenses' | 'deny' | 'record' | 'verdict' | 'who' | 'releaseSlot' | 'insertCap'
> & {
  capProblem(cap: Cap): { code: KernelError['code']; error: string } | null;
  readonly lifecycle: {
    checkSpawn(parent: number, program: string, grantCount: number, machine?: number): void;
    spawn(parent: number, program: string, opts?: SpawnOptions): Process;
    holdsHandle(holder: number, pid: number): boolean;
  };
  readonly sandbox: {
    requirePromise(p: Process, needs: readonly Promise_[], what: string, object?: number): boolean;
    childPledge(parent: Process, asked: number | undefined, what: string): number | null;
    resolveUnveil(machine: number, add: { path: string; perms: number }[]): UnveilEntry[];
  };
  readonly energy: { payOrThrow(p: Process, c: Charge): void };
};

export class GrantError extends KernelError {
  constructor(
    code: KernelError['code'],
    message: string,
    readonly grant: GrantSpec,
  ) {
    super(code, message);
  }
}

const describe = (g: GrantSpec) =>
  g.text ??
  `${g.name}: ${g.mode === 'client' ? 'client ' : g.mode === 'move' ? 'move ' : ''}@${g.from}${g.badge !== undefined ? ` badge ${g.badge}` : ''}`;

/** Derive the cap a grant passes, applying Gate 0. Throws GrantError naming the grant; ledgers refusals. */
function derive(k: TransferHost, parent: Process, recipient: string, g: GrantSpec): { cap: Cap; slot: number } {
  let source;
  try {
    source = parent.cnode.lookup(g.from);
  } catch (e) {
    throw new GrantError((e as KernelError).code, `grant "${describe(g)}": ${(e as Error).message}`, g);
  }
  const src = source.cap;
  const dead = k.capProblem(src);
  if (dead) throw new GrantError(dead.code, `grant "${describe(g)}": @${g.from} no longer works (${dead.error})`, g);
  const origin = { how: g.mode === 'move' ? ('moved' as const) : ('copied' as const), from: parent.pid, slot: source.slot };
  if (g.mode !== 'client') {
    if (src.kind === 'channel' || src.kind === 'memory') {
      // GRANT delegates one level deeper. The copy keeps the source's stored rights and age (not its decayed
      // rights, which would decay again), so the Law of Decay applies once and, one level deeper, the copy never
      // holds more than its source — at any moment, not only at the grant.
      return { cap: { ...src, origin, sourceBadge: src.badge, depth: src.depth + 1 }, slot: source.slot };
    }
    return { cap: { ...src, origin, sourceBadge: src.badge }, slot: source.slot };
  }

  if (src.kind === 'endpoint') {
    // Deriving a client facet from an endpoint is a mint (it may choose the badge): only its owner, or a holder of
    // mint authority for it, may. A copy of the endpoint cap in another process's table mints nothing.
    const ep = src.target.kind === 'object' ? k.objects.get(src.target.id) : undefined;
    if (ep && ep.owner !== parent.pid && !holdsMinter(k, parent, ep.id)) {
      const why = `only the endpoint's owner (${k.who(ep.owner)}) or a holder of mint authority for it mints a facet or badge; @${g.from} is a copy of the endpoint cap`;
      k.deny(parent.pid, parent.pid, `${k.who(parent.pid)} minting "${describe(g)}" for ${recipient}`, why, ep.id);
      throw new GrantError('EPERM', `grant "${describe(g)}" refused: ${why}`, g);
    }
    const cap = makeCap('client', src.target, { how: 'minted', by: parent.pid }, { badge: g.badge ?? 0 });
    return { cap, slot: source.slot };
  }
  if (src.kind !== 'client') {
    throw new GrantError(
      'EINVAL',
      `grant "${describe(g)}": @${g.from} is a ${src.kind} cap, not an endpoint or client facet; grant it as @${g.from}`,
      g,
    );
  }
  const badge = g.badge ?? src.badge; // omitting the badge preserves the source identity
  const target = src.target.kind === 'object' ? src.target.id : 0;
  if (badge !== src.badge && k.defenses.gate0) {
    const why =
      badge === 0
        ? `Gate 0: a badge-0 encoding would erase the source's badge ${src.badge}; it fails closed`
        : `Gate 0: badge ${badge} differs from the source's badge ${src.badge}; a delegated client facet cannot be relabeled`;
    k.deny(parent.pid, parent.pid, `${k.who(parent.pid)} granting "${describe(g)}" to ${recipient}`, why, target);
    k.verdict('held', parent.pid, 0, `relabel blocked: ${why}`, target);
    throw new GrantError('EGATE0', `grant "${describe(g)}" refused. ${why}`, g);
  }
  return { cap: { ...src, badge, sourceBadge: src.badge, origin }, slot: source.slot };
}

/** Does `p` hold a working mint authority cap for endpoint `ep`? */
function holdsMinter(k: TransferHost, p: Process, ep: number): boolean {
  for (const [, s] of p.cnode.entries())
    if (s.cap.kind === 'minter' && s.cap.target.kind === 'object' && s.cap.target.id === ep && !k.capProblem(s.cap)) return true;
  return false;
}

/** Who a legacy badge on an endpoint speaks for, from the caps others hold (for the verdict's wording). */
function badgeOwner(k: TransferHost, cap: Cap, except: number): string | null {
  for (const p of k.processes.values()) {
    if (p.pid === except) continue;
    for (const [, s] of p.cnode.entries()) {
      if (
        s.cap.kind === 'client' &&
        s.cap.badge === cap.badge &&
        s.cap.target.kind === 'object' &&
        cap.target.kind === 'object' &&
        s.cap.target.id === cap.target.id
      )
        return k.who(p.pid);
    }
  }
  return null;
}

/**
 * Spawn `program` as a child of `parentPid` holding exactly the granted caps. Every grant is checked before
 * anything changes: a refused grant means no child and no cap moved. The parent pays SPAWN and a GRANT for each
 * cap it passes (a fiber has paid already: `prepaid`). Boot wiring does not come here: the scenario's caps are
 * the capability manager's, granted free.
 */
export function spawnWithGrants(
  k: TransferHost,
  parentPid: number,
  program: string,
  grants: GrantSpec[],
  opts: {
    name?: string;
    args?: Record<string, ArgValue>;
    prepaid?: boolean;
    argv?: string[];
    pledge?: number;
    unveil?: { path: string; perms: number }[];
  } = {},
): Process {
  const parent = k.process(parentPid);
  // SPAWN authority is a spawner cap on the parent's machine; nothing is ambient.
  const spawner = [...parent.cnode.entries()].some(([, s]) => s.cap.kind === 'spawner' && !k.capProblem(s.cap));
  if (!spawner) throw new KernelError('EPERM', `${k.who(parentPid)} holds no spawner cap`);
  const seen = new Set<string>();
  for (const g of grants) {
    if (seen.has(g.name)) throw new GrantError('EINVAL', `grant name "${g.name}" is used twice`, g);
    seen.add(g.name);
  }
  const derived = grants.map((g) => ({ g, ...derive(k, parent, `a new "${program}"`, g) }));
  const moves = derived.filter((d) => d.g.mode === 'move');
  if (new Set(moves.map((d) => d.slot)).size !== moves.length) throw new GrantError('EINVAL', 'the same cap is moved twice', moves[0].g);
  k.lifecycle.checkSpawn(parentPid, program, grants.length);
  if (!k.sandbox.requirePromise(parent, ['spawn'], `spawn "${program}"`))
    throw new KernelError('EABORT', `${k.who(parentPid)} was aborted`);
  const pledge = k.sandbox.childPledge(parent, opts.pledge, `spawn "${program}"`); // never beyond the parent's
  if (!opts.prepaid) k.energy.payOrThrow(parent, spawnCharge(grants.length));

  for (const m of moves) parent.cnode.setReserved(m.slot, true); // reserve
  let child: Process;
  try {
    child = k.lifecycle.spawn(parentPid, program, {
      name: opts.name,
      args: opts.args,
      argv: opts.argv,
      pledge,
      unveil: opts.unveil && k.sandbox.resolveUnveil(parent.machine, opts.unveil),
      grants: derived.map((d): Grant => ({ name: d.g.name, cap: d.cap })),
    });
  } catch (e) {
    for (const m of moves) parent.cnode.setReserved(m.slot, false); // roll back
    throw e;
  }
  for (const m of moves) k.releaseSlot(parent, m.slot, `moved to ${k.who(child.pid)}`); // commit
  for (const d of derived) recordRelabel(k, parentPid, child.pid, d.cap);
  return child;
}

/** A relabel got through (Gate 0 off): the kernel says so, and whom the holder now speaks as. */
function recordRelabel(k: TransferHost, by: number, holder: number, cap: Cap): void {
  if (cap.badge === cap.sourceBadge) return;
  const victim = badgeOwner(k, cap, holder);
  k.verdict(
    'breach',
    by,
    holder,
    `relabel succeeded: ${k.who(holder)} holds badge ${cap.badge} instead of ${cap.sourceBadge}${victim ? ` and speaks as ${victim}` : ''} (Gate 0 is off)`,
    cap.target.kind === 'object' ? cap.target.id : 0,
  );
}

/**
 * Pass a cap to a process that already runs. The granter must hold a process handle to it (the channel a
 * transfer travels on). Same rules as at spawn: copy, atomic move, client facets through Gate 0.
 */
export function grantTo(k: TransferHost, fromPid: number, toPid: number, g: GrantSpec): number {
  const from = k.process(fromPid);
  const to = k.process(toPid);
  if (!k.lifecycle.holdsHandle(fromPid, toPid)) {
    k.deny(fromPid, toPid, `${k.who(fromPid)} granting "${describe(g)}" to ${k.who(toPid)}`, 'the granter holds no process handle to it');
    throw new GrantError('EPERM', `grant "${describe(g)}": ${k.who(fromPid)} holds no process handle to pid ${toPid}`, g);
  }
  const d = derive(k, from, k.who(toPid), g);
  if (!k.sandbox.requirePromise(from, ['stdio'], `grant @${g.from}`)) throw new KernelError('EABORT', `${k.who(fromPid)} was aborted`);
  k.energy.payOrThrow(from, 'GRANT');
  if (g.mode === 'move') from.cnode.setReserved(d.slot, true); // reserve
  let slot: number;
  try {
    slot = k.insertCap(fromPid, to, g.name, d.cap);
  } catch (e) {
    if (g.mode === 'move') from.cnode.setReserved(d.slot, false); // roll back
    throw e;
  }
  if (g.mode === 'move') k.releaseSlot(from, d.slot, `moved to ${k.who(toPid)}`); // commit
  recordRelabel(k, fromPid, toPid, d.cap);
  return slot;
}
