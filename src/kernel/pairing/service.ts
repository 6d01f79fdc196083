import { aborted, refuse, type CallHost, type CapHandler } from '../call/handler';
import { KernelError } from '../errors';
import type { CallResult } from '../types';
import { PAIRING_TYPES, TYPE_MEANS, type FleetMachine, type PairingType } from './fleet';
import { importsAcross } from './imports';

/**
 * Seed 001's `service-pairing`: the per-machine service that manages a machine's pairings. Pairing, unpairing,
 * importing across a pairing, announcing a key rotation and forgetting a TOFU+ binding are calls on a cap to it,
 * held by whom the policy file says. Its authority is its machine's and no more (seeds 001, 003 S4):
 * - a machine acts only on pairings it is an end of — or, holding a live ADMIN pairing to a Totebox end, on that
 *   Totebox's pairings, commands flowing down the Diode (ADMIN is authority over the Totebox, not over its holder);
 * - a pairing's type is the policy's (the scenario's; INPUT where it is silent): an end may ask for less, never
 *   more — only a holder of an ADMIN pairing to the other end sets any type;
 * - only a machine announces its own key rotation; forgetting a binding needs ADMIN on the machine that forgets.
 */

const RANK: Record<PairingType, number> = { INTERFACE: 0, USER: 1, INPUT: 2, ADMIN: 3 };

const word = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Does `m` hold ADMIN over `end`? Seed 001's ADMIN pairing is the owner's machine ↔ a Totebox, the master key for
 * that Totebox: it gives authority over the Totebox end only, never over the machine that holds it.
 */
function adminOver(k: CallHost, m: FleetMachine, end: FleetMachine): boolean {
  return end.role === 'totebox' && k.fleet.between(m.id, end.id)?.type === 'ADMIN';
}

/** How machine `m` may act on the pairing of `a` and `b`: as an end, as an ADMIN holder over a Totebox end, or not. */
function standing(k: CallHost, m: FleetMachine, a: FleetMachine, b: FleetMachine): 'end' | { admin: FleetMachine } | null {
  if (m.id === a.id || m.id === b.id) return 'end';
  const over = [a, b].find((end) => adminOver(k, m, end));
  return over ? { admin: over } : null;
}

export const pairingHandler: CapHandler = (k, r): CallResult => {
  const { caller: p, obj, method } = r;
  const args = r.opts.args ?? [];
  const here = k.machines[obj.machine];
  if (!k.sandbox.requirePromise(p, ['net'], `${method} on @${r.capName}`, obj.id)) return aborted();
  if (!['pair', 'unpair', 'forget', 'announce', 'import'].includes(method))
    return refuse(k, r, 'ENOMETHOD', `service-pairing has pair, unpair, import, announce and forget; not ${method}`, obj.id);
  if (!r.opts.prepaid && !k.energy.pay(p, 'SEND')) return k.energy.short(p, 'SEND');
  const machine = (v: unknown): FleetMachine | string => {
    const name = word(v);
    return (name !== undefined && k.fleet.machine(name)) || `no machine named ${JSON.stringify(name ?? v)}`;
  };
  /** Resolve two ends and the caller's standing over their pairing, refusing (ledgered) what it may not touch. */
  const over = (what: string): { a: FleetMachine; b: FleetMachine; admin?: FleetMachine } | CallResult => {
    const a = machine(args[0]);
    const b = machine(args[1]);
    if (typeof a === 'string' || typeof b === 'string') return refuse(k, r, 'ENOTFOUND', typeof a === 'string' ? a : (b as string), obj.id);
    const s = standing(k, here, a, b);
    if (!s)
      return refuse(
        k,
        r,
        'EPERM',
        `${here.name} is not an end of ${a.name} ⇄ ${b.name} and holds no ADMIN pairing to a Totebox end: a machine ${what} only its own pairings`,
        obj.id,
      );
    if (s === 'end') return { a, b };
    if (k.defenses.diode && k.fleet.upstream(here, s.admin))
      return refuse(
        k,
        r,
        'EDIODE',
        `the Diode: ${here.name} is downstream of ${s.admin.name}; its ADMIN pairing cannot carry a command up`,
        obj.id,
      );
    return { a, b, admin: s.admin };
  };
  const failed = (code: KernelError['code'], error: string): CallResult => ({ ok: false, code, error }); // already ledgered

  switch (method) {
    case 'pair': {
      const ends = over('pairs');
      if ('ok' in ends) return ends;
      const { a, b, admin } = ends;
      const policy = k.fleet.policyType(a.name, b.name);
      const asked = word(args[2])?.toUpperCase() as PairingType | undefined;
      if (asked !== undefined && !PAIRING_TYPES.includes(asked))
        return refuse(k, r, 'EINVAL', `pairing types: ${PAIRING_TYPES.join(', ')}`, obj.id);
      const type = asked ?? (admin ? (k.fleet.between(a.id, b.id)?.type ?? policy) : policy);
      if (!admin && RANK[type] > RANK[policy])
        return refuse(
          k,
          r,
          'EPERM',
          `an initiator never upgrades itself: the policy sets ${a.name} ⇄ ${b.name} at ${policy}; ${type} is set by the policy or by a machine holding an ADMIN pairing to ${here.id === a.id ? b.name : a.name}`,
          obj.id,
        );
      const res = k.fleet.pair(p.pid, a.name, b.name, type);
      if (!res.ok) return failed(res.code, res.message);
      // A first pairing's message names what its type means; a re-pairing's says only the change.
      const means = res.message.startsWith('re-paired') ? `: ${TYPE_MEANS[type]}` : '';
      return {
        ok: true,
        value: `${res.message}${admin ? ` (set over ${here.name}'s ADMIN pairing with ${admin.name})` : ''}${means}`,
        caps: [],
      };
    }
    case 'unpair': {
      const ends = over('severs');
      if ('ok' in ends) return ends;
      const res = k.fleet.unpair(p.pid, ends.a.name, ends.b.name);
      if (!res.ok) return refuse(k, r, 'ENOTFOUND', res.message, obj.id);
      const dead = importsAcross(k, res.pairing.id);
      // Revocation complete: every import across the pairing died with it (dropping one import is "incomplete").
      k.verdict(
        'held',
        p.pid,
        0,
        `pairing revoked: severed ${ends.a.name} ⇄ ${ends.b.name} (${res.pairing.type}); ${dead.length ? `${dead.length} import${dead.length === 1 ? '' : 's'} across it died at once (${dead.join(', ')})` : 'no import crossed it'}, and the machines are mutually invisible again`,
      );
      return { ok: true, value: dead.length, caps: [] };
    }
    case 'forget': {
      const self = machine(args[0]);
      const peer = word(args[1]);
      if (typeof self === 'string') return refuse(k, r, 'ENOTFOUND', self, obj.id);
      const admin = self.id === here.id || adminOver(k, here, self);
      if (!admin)
        return refuse(
          k,
          r,
          'EPERM',
          `forgetting ${self.name}'s binding needs ADMIN on ${self.name}: its own service-pairing, or an ADMIN pairing to it as a Totebox`,
          obj.id,
        );
      if (self.id !== here.id && k.defenses.diode && k.fleet.upstream(here, self))
        return refuse(
          k,
          r,
          'EDIODE',
          `the Diode: ${here.name} is downstream of ${self.name}; its ADMIN pairing cannot carry a command up`,
          obj.id,
        );
      const res = k.fleet.forget(p.pid, self.name, peer ?? '');
      return res.ok ? { ok: true, value: res.message, caps: [] } : refuse(k, r, 'ENOTFOUND', res.message, obj.id);
    }
    case 'announce': {
      const named = args.length ? machine(args[0]) : here;
      if (typeof named === 'string') return refuse(k, r, 'ENOTFOUND', named, obj.id);
      if (named.id !== here.id)
        return refuse(
          k,
          r,
          'EPERM',
          `only ${named.name} announces ${named.name}'s key rotation; this is ${here.name}'s service-pairing`,
          obj.id,
        );
      const res = k.fleet.announce(p.pid, here.name);
      return { ok: true, value: res.message, caps: [] };
    }
    default: {
      try {
        const imported = k.imports.importService(p.pid, word(args[0]) ?? '', word(args[1]) ?? '', word(args[2]));
        return { ok: true, value: imported.telemetryOnly ? 'telemetry' : 'full', caps: [imported.name] };
      } catch (e) {
        if (e instanceof KernelError) return failed(e.code, e.message);
        throw e;
      }
    }
  }
};

/** A machine's service-pairing object, made on first use (like its filesystem). */
export function pairingObject(k: Pick<CallHost, 'objects' | 'createObject' | 'machines'>, machine: number) {
  return (
    [...k.objects.values()].find((o) => o.kind === 'pairing' && o.machine === machine) ??
    k.createObject('pairing', machine, 0, `service-pairing@${k.machines[machine].name}`)
  );
}
