import { makeCap, type Cap } from '../caps/cnode';
import type { WorldState } from '../core/state';
import { KernelError } from '../errors';
import { fnv1a } from '../prng';
import type { ArgValue } from '../programs/abi';
import { programByName } from '../programs/programs';
import { requestDigest, type ProofAuthority } from '../subject/proof';
import type { KernelObject, Process } from '../types';
import type { ServiceContext } from './service';

/**
 * Endpoints and service objects: a server's endpoint and the context its service runs in, trusted minting of
 * receiver records (reused at the next generation once freed), and closing or revoking them.
 */
export class ServiceRecords {
  constructor(
    private readonly k: WorldState,
    private readonly proofs: ProofAuthority,
  ) {}

  /** An endpoint served by `owner`; if its program is a server, the service starts with it. */
  createEndpoint(owner: Process, name: string): KernelObject {
    const ep = this.k.createObject('endpoint', owner.machine, owner.pid, name);
    const def = programByName.get(owner.program)?.service;
    if (def) ep.service = { def, state: def.init(owner.args), records: [], ctx: this.serviceContext(ep) };
    return ep;
  }

  /**
   * Mint a service object on `endpointId`: a new receiver record, or a freed one reused at the next generation
   * (so caps to its previous life fail). Only trusted paths reach here: the endpoint's own service, a holder of
   * mint authority, and boot wiring. `by` is who minted (0 = boot).
   */
  private mintRecord(endpointId: number, iface: string, label: string, data: unknown, by: number): Cap {
    const k = this.k;
    const ep = k.objects.get(endpointId);
    if (!ep?.service) throw new KernelError('EINVAL', `object ${endpointId} is not a service endpoint`);
    let obj = ep.service.records.map((id) => k.objects.get(id)!).find((o) => o.record!.state !== 'live');
    if (obj) {
      const r = obj.record!;
      r.generation++;
      r.state = 'live';
      r.iface = iface;
      r.data = data;
      obj.name = label;
      k.intern(label);
      k.topology++;
    } else {
      obj = k.createObject('service', ep.machine, ep.owner, label);
      const selector = ep.service.records.length + 1;
      obj.record = {
        endpoint: ep.id,
        selector,
        tag: fnv1a(`${k.seed}:${ep.id}:${selector}`) & 0xffff,
        iface,
        generation: 1,
        state: 'live',
        data,
      };
      ep.service.records.push(obj.id);
    }
    k.intern(iface);
    k.record(
      'mint',
      by,
      ep.owner,
      `${label} minted on endpoint "${ep.name}" (generation ${obj.record!.generation}) by ${by ? k.who(by) : 'boot wiring'}`,
      obj.id,
    );
    return makeCap('object', { kind: 'object', id: obj.id }, by ? { how: 'minted', by } : { how: 'boot' }, {
      generation: obj.record!.generation,
    });
  }

  /** Boot wiring or a broker: ask the service to create an object from declared arguments, then mint it. */
  mintByAuthority(endpointId: number, iface: string, args: Readonly<Record<string, ArgValue>>, by: number): Cap {
    const ep = this.k.objects.get(endpointId);
    if (!ep?.service) throw new KernelError('EINVAL', `object ${endpointId} is not a service endpoint`);
    if (!Object.hasOwn(ep.service.def.interfaces, iface))
      throw new KernelError('EIFACE', `endpoint "${ep.name}" serves no interface ${iface}`);
    const made = ep.service.def.create(ep.service.ctx, ep.service.state, iface, args);
    if ('error' in made) throw new KernelError('ESERVICE', made.error);
    return this.mintRecord(ep.id, iface, made.label, made.data, by);
  }

  private endRecord(objectId: number, state: 'closed' | 'revoked', by: number): void {
    const obj = this.k.objects.get(objectId);
    const r = obj?.record;
    if (!obj || !r || r.state !== 'live') return;
    const ep = this.k.objects.get(r.endpoint)!;
    ep.service!.def.released?.(ep.service!.ctx, ep.service!.state, objectId);
    r.state = state;
    this.k.topology++;
    this.k.record(
      state === 'closed' ? 'close' : 'revoke',
      by,
      obj.owner,
      `${obj.name} ${state} (generation ${r.generation}); its caps now fail`,
      obj.id,
    );
  }

  close(objectId: number, by: number): void {
    this.endRecord(objectId, 'closed', by);
  }

  revoke(objectId: number, by: number): void {
    this.endRecord(objectId, 'revoked', by);
  }

  /** What a service may do while it handles a call, acting on behalf of this endpoint's server (never the caller). */
  private serviceContext(ep: KernelObject): ServiceContext {
    const k = this.k;
    return {
      server: ep.owner,
      endpoint: ep.id,
      now: () => k.time,
      random: (n) => k.prng.below(n),
      mint: (iface, label, data) => this.mintRecord(ep.id, iface, label, data, ep.owner),
      data: <T>(object: number) => k.objects.get(object)?.record?.data as T,
      close: (object) => this.close(object, ep.owner),
      revoke: (object) => this.revoke(object, ep.owner),
      verifyProof: (proof, root, request) => this.proofs.verify(proof, root, ep.name, requestDigest(request), k.time),
      write: (text, style) => k.write(k.foreground || ep.owner, text, style),
      readInput: () => k.stdin.shift() ?? null,
      setPrompt: (prompt) => {
        k.intern(prompt);
        k.prompt = prompt;
      },
    };
  }
}
