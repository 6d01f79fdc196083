import type { Cap } from '../caps/cnode';
import { aborted, deliver, NO_NAMES, NO_VALUES, refuse, type CallHost, type CallRequest, type CapHandler } from '../call/handler';
import { KernelError, type ErrorCode } from '../errors';
import type { ArgValue } from '../programs/abi';
import type { CallResult, KernelObject } from '../types';
import type { ServiceDef, Value } from './service';

/**
 * A check a call must pass after the pledge and before energy is spent (imports across a pairing use it): a
 * refusal, or the arguments the service may see.
 */
export type Admit = (
  endpoint: KernelObject,
  def: ServiceDef<unknown>,
) => { refused: { code: ErrorCode; error: string } } | { args: Value[] };

/**
 * CALL through a client facet, a service object or an import: checked here (the pledge, the import's admission,
 * the caller's energy, the interface), then handed to the endpoint's queue (queue.ts), which runs the service in
 * the server's context now or when the server can take it. The request does not say who called (service-fs, a
 * reader of the ledger, can read there who wrote each record).
 */
export function serveCall(k: CallHost, r: CallRequest, admit?: Admit): CallResult {
  const { caller: p, capName, cap, obj, method, opts } = r;
  const ep = cap.kind === 'object' ? k.objects.get(obj.record!.endpoint)! : obj;
  const service = ep.service;
  if (!service) return refuse(k, r, 'EINVAL', `endpoint "${ep.name}" has no service behind it`, ep.id);
  if (!k.sandbox.requirePromise(p, [service.def.promise], `${method} on @${capName}`, obj.id)) return aborted();
  let args = opts.args ?? NO_VALUES;
  if (admit) {
    const admitted = admit(ep, service.def);
    if ('refused' in admitted) return refuse(k, r, admitted.refused.code, admitted.refused.error, ep.id);
    args = admitted.args;
  }
  // Energy: the caller pays the CALL, the server the RETURN (when it takes the call). A caller that cannot wait
  // is told before it pays.
  if (!opts.wait) {
    const why = k.queues.blocked(ep);
    if (why) return { ok: false, code: 'EAGAIN', error: `${ep.name} cannot take the call now: ${why}` };
  }
  if (!opts.prepaid && !k.energy.pay(p, 'SEND')) return k.energy.short(p, 'SEND');
  const iface = cap.kind === 'object' ? obj.record!.iface : service.def.legacyIface;
  if (opts.iface && opts.iface !== iface) return refuse(k, r, 'EIFACE', `@${capName} is a ${iface}, not a ${opts.iface}`, obj.id);
  if (!Object.hasOwn(service.def.interfaces, iface) || !service.def.interfaces[iface].includes(method)) {
    const owner = Object.entries(service.def.interfaces).find(([, methods]) => methods.includes(method))?.[0];
    const worm = service.def.worm;
    // A WORM service has no method that changes a record: asking for one is told why, not just "no method".
    if (!owner && worm && changesRecords(method, worm.refuse))
      return refuse(k, r, worm.code, `${worm.why}; ${method} is not a method of ${iface} or any interface of ${ep.name}`, obj.id);
    return owner
      ? refuse(k, r, 'EIFACE', `${method} belongs to ${owner}; @${capName} is a ${iface}`, obj.id)
      : refuse(k, r, 'ENOMETHOD', `${iface} has no method ${method}`, obj.id);
  }
  const caps: Cap[] = [];
  for (const name of opts.caps ?? NO_NAMES) {
    const s = p.cnode.indexOf(name);
    const c = s >= 0 ? p.cnode.get(s)!.cap : null;
    if (!c) return refuse(k, r, 'ENOCAP', `argument @${name}: no such cap`);
    caps.push(c);
  }
  return k.queues.submit({
    ticket: service.nextTicket++,
    caller: p.pid,
    capName,
    cap,
    endpoint: ep,
    obj,
    iface,
    method,
    args,
    caps,
    proof: opts.proof ?? null,
    as: opts.as,
    arrived: k.time,
    wait: opts.wait,
    state: 'queued',
  });
}

/**
 * Does a method name ask to change records? Any of its words is a refused verb: split at camelCase humps, digits
 * and every other non-letter (`deleteRecord`, `delete_record`, `ledger.wipe`, `fs:DELETE` all say delete or wipe).
 */
function changesRecords(method: string, refuse: readonly string[]): boolean {
  const words = method
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/);
  return words.some((w) => refuse.includes(w));
}

/** A client facet (legacy, badged) or a service object. */
export const serviceHandler: CapHandler = (k, r) => serveCall(k, r);

/** A mint authority cap: mint(interface, args) asks the endpoint's service for a new object, minted to the caller. */
export const minterHandler: CapHandler = (k, r) => {
  const { caller: p, obj, method, opts } = r;
  if (!k.sandbox.requirePromise(p, ['stdio'], `${method} on @${r.capName}`, obj.id)) return aborted();
  if (method !== 'mint') return refuse(k, r, 'ENOMETHOD', `a mint authority cap has one method, mint(interface, args)`);
  if (!opts.prepaid && !k.energy.pay(p, 'SEND')) return k.energy.short(p, 'SEND'); // a CALL, like any other
  const [iface, args] = opts.args ?? [];
  try {
    const minted = k.services.mintByAuthority(
      obj.id,
      String(iface),
      (args && typeof args === 'object' && !Array.isArray(args) ? args : {}) as Record<string, ArgValue>,
      p.pid,
    );
    return deliver(k, p, [{ name: opts.as ?? String(iface).toLowerCase(), cap: minted }], null);
  } catch (e) {
    if (e instanceof KernelError) return refuse(k, r, e.code, e.message, obj.id);
    throw e;
  }
};
