import { makeCap } from './cnode';
import { ALL_RIGHTS, maskedRights, maskProblem, R, rightsText, W, type Bounds } from './algebra';
import { aborted, NO_NAMES, NO_VALUES, refuse, type CallHost, type CapHandler } from '../call/handler';
import { KernelError } from '../errors';

/**
 * Channels and memory regions (Nexus S1): MAP a new one, MASK a cap's rights (only ever narrower), revoke by
 * flipping the object's epoch, and the CALL handler for both kinds (write/read, load/store).
 */

/** What channel operations use: the handlers' host (the state core, the sandbox, energy). */
type ChannelHost = Pick<
  CallHost,
  | 'process'
  | 'objects'
  | 'processes'
  | 'sandbox'
  | 'energy'
  | 'capProblem'
  | 'effective'
  | 'reserveCaps'
  | 'createObject'
  | 'record'
  | 'deny'
  | 'who'
  | 'insertCap'
  | 'noteDecay'
  | 'time'
> & { topology: number };

function checkName(name: string) {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,39}$/.test(name))
    throw new KernelError('EINVAL', `"${name}" is not a name (a letter, then letters, digits, "_", "-" or ".")`);
}

/** A new channel (rwx) or memory region (rw, bounds [0, length)) owned by `owner`, who gets the depth-0 cap. MAP. */
export function createChannel(k: ChannelHost, owner: number, name: string, region?: { length: number }): number {
  const p = k.process(owner);
  checkName(name);
  if (!k.sandbox.requirePromise(p, ['stdio'], 'MAP')) throw new KernelError('EABORT', 'aborted');
  k.reserveCaps(1);
  k.energy.payOrThrow(p, 'MAP');
  const obj = k.createObject(region ? 'region' : 'channel', p.machine, owner, name);
  obj.epoch = 0;
  if (region) obj.cells = new Array(region.length).fill(0);
  else obj.messages = [];
  const rights = region ? R | W : ALL_RIGHTS;
  const bounds = region ? { base: 0, length: region.length } : undefined;
  k.record(
    'map',
    owner,
    owner,
    `${k.who(owner)} created ${region ? `memory region "${name}" [0, ${region.length})` : `channel "${name}"`} (${rightsText(rights)})`,
    obj.id,
  );
  return k.insertCap(
    owner,
    p,
    name,
    makeCap(
      region ? 'memory' : 'channel',
      { kind: 'object', id: obj.id },
      { how: 'minted', by: owner },
      { rights, bounds, epoch: 0, since: k.time },
    ),
  );
}

/** MASK: narrow a cap's rights (and a region's bounds) in place: after it, the cap holds `rights` (the effective
 * ones, decay included). Never widens; costs MASK. */
export function mask(k: ChannelHost, pid: number, capName: string, rights: number, bounds?: Bounds): void {
  const p = k.process(pid);
  const { slot, cap } = p.cnode.lookup(capName);
  if (cap.kind !== 'channel' && cap.kind !== 'memory')
    throw new KernelError('EINVAL', `@${capName} is a ${cap.kind} cap; only channel and memory caps have rights bits to mask`);
  const dead = k.capProblem(cap);
  if (dead) throw new KernelError(dead.code, `@${capName} no longer works: ${dead.error}`);
  const eff = k.effective(cap);
  const why = maskProblem(eff, rights, cap.bounds, bounds);
  if (why) {
    k.deny(pid, pid, `mask @${capName} ${rightsText(rights)}`, why, cap.target.kind === 'object' ? cap.target.id : 0);
    throw new KernelError('EPERM', why);
  }
  if (!k.sandbox.requirePromise(p, ['stdio'], `mask @${capName}`)) throw new KernelError('EABORT', 'aborted');
  k.energy.payOrThrow(p, 'MASK');
  p.cnode.replace(slot, { ...cap, rights: maskedRights(cap.rights, eff, rights), ...(bounds ? { bounds } : {}) });
  k.noteDecay(p.cnode.get(slot)!.cap);
  k.topology++;
  k.record(
    'mask',
    pid,
    pid,
    `${k.who(pid)} masked @${capName} to ${rightsText(rights)}${bounds ? ` [${bounds.base}, ${bounds.base + bounds.length})` : ''}`,
    cap.target.kind === 'object' ? cap.target.id : 0,
    { cap: capName, rights: p.cnode.get(slot)!.cap.rights, ...(bounds ? { base: bounds.base, length: bounds.length } : {}) },
  );
}

/**
 * Epoch revocation: the object's epoch flips and every cap minted under the old one, at any depth, is dead at
 * once — no walk over the caps. Only the holder of the depth-0 cap (the minter) may revoke; its own cap is
 * reissued at the new epoch.
 */
export function revokeEpoch(k: ChannelHost, pid: number, capName: string): number {
  const p = k.process(pid);
  const { slot, cap } = p.cnode.lookup(capName);
  const obj = cap.target.kind === 'object' ? k.objects.get(cap.target.id) : undefined;
  if (!obj || obj.epoch === undefined)
    throw new KernelError('EINVAL', `@${capName} is not a channel or memory region: revoke flips an object's epoch`);
  if (cap.depth !== 0 || obj.owner !== pid) {
    k.deny(pid, pid, `revoke @${capName}`, `only the minter of ${obj.name} may revoke it (this cap is at depth ${cap.depth})`, obj.id);
    throw new KernelError('EPERM', `only the minter of ${obj.name} may revoke it (@${capName} is at depth ${cap.depth})`);
  }
  k.energy.payOrThrow(p, 'MASK');
  const old = obj.epoch;
  obj.epoch = old + 1;
  p.cnode.replace(slot, { ...cap, epoch: obj.epoch });
  k.topology++;
  let dead = 0; // counted for the ledger only; revocation itself touched one word
  for (const q of k.processes.values())
    for (const [, s] of q.cnode.entries()) if (s.cap.target.kind === 'object' && s.cap.target.id === obj.id && s.cap.epoch === old) dead++;
  k.record(
    'revoke',
    pid,
    pid,
    `${obj.name}: epoch ${old} → ${obj.epoch}; ${dead} delegated cap${dead === 1 ? '' : 's'} died at once`,
    obj.id,
    { object: obj.id, epoch: obj.epoch, was: old, dead },
  );
  return dead;
}

/** CALL on a channel (write/read) or memory region (load/store), served by the kernel within the cap's rights. */
export const channelHandler: CapHandler = (k, r) => {
  const { caller: p, cap, obj, method } = r;
  if (!k.sandbox.requirePromise(p, ['stdio'], `${method} on @${r.capName}`, obj.id)) return aborted();
  if (!r.opts.prepaid && !k.energy.pay(p, method === 'read' || method === 'load' ? 'RECV' : 'SEND')) return k.energy.short(p, 'SEND');
  const args = r.opts.args ?? NO_VALUES;
  const eff = k.effective(cap);
  const need = (bit: number, what: string) =>
    eff & bit
      ? null
      : refuse(k, r, 'EPERM', `@${obj.name}: ${what} needs ${rightsText(bit).replace(/-/g, '')}; the cap has ${rightsText(eff)}`, obj.id);
  if (obj.kind === 'channel') {
    if (method === 'write') {
      const refused = need(W, 'write');
      if (refused) return refused;
      if (obj.messages!.length >= 256) obj.messages!.shift();
      obj.messages!.push(String(args[0] ?? '').slice(0, 400));
      obj.counter++;
      return { ok: true, value: true, caps: NO_NAMES };
    }
    if (method === 'read') {
      const refused = need(R, 'read');
      if (refused) return refused;
      obj.counter++;
      return { ok: true, value: obj.messages!.shift() ?? null, caps: NO_NAMES };
    }
    return refuse(k, r, 'ENOMETHOD', `a channel has write(text) and read()`, obj.id);
  }
  const offset = Number(args[0]);
  const b = cap.bounds!;
  if (!Number.isInteger(offset) || offset < b.base || offset >= b.base + b.length)
    return refuse(k, r, 'EFAULT', `offset ${args[0]} is outside [${b.base}, ${b.base + b.length})`, obj.id);
  if (method === 'store') {
    const refused = need(W, 'store');
    if (refused) return refused;
    obj.cells![offset] = Number(args[1]) | 0;
    return { ok: true, value: true, caps: NO_NAMES };
  }
  if (method === 'load') {
    const refused = need(R, 'load');
    if (refused) return refused;
    return { ok: true, value: obj.cells![offset], caps: NO_NAMES };
  }
  return refuse(k, r, 'ENOMETHOD', `a memory region has load(offset) and store(offset, value)`, obj.id);
};
