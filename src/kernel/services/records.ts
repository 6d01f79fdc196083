import { makeCap, type Cap } from '../caps/cnode';
import type { WorldState } from '../core/state';
import { KernelError, type ErrorCode } from '../errors';
import { fnv1a } from '../prng';
import type { ArgValue } from '../programs/abi';
import { programByName } from '../programs/programs';
import { requestDigest, type ProofAuthority } from '../subject/proof';
import type { KernelObject, PendingCall, Process } from '../types';
import { sanitize } from '../../text/sanitize';
import type { Answered, LedgerAccess, ServiceContext, ServiceDef } from './service';

/** The most characters a process appends in one record, and the most records one read returns (service-fs). */
export const APPEND_MAX = 400;
export const READ_MAX = 100;
/** What prints nothing: spaces, and format or zero-width characters (U+200B, U+2060, U+FEFF, a soft hyphen…). */
const INVISIBLE = /[\s\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/** A deferred reply, handed to the endpoint queues (queue.ts) that own calls in flight. */
export type Answer = (ep: KernelObject, ticket: number, reply: Answered) => boolean;

/**
 * Endpoints and service objects: a server's endpoint and the context its service runs in, trusted minting of
 * receiver records (reused at the next generation once freed), and ending them: closed or revoked by the
 * server, or released when the last cap to them is gone. A record is named by its selector on its endpoint.
 */
export class ServiceRecords {
  constructor(
    private readonly k: WorldState,
    private readonly proofs: ProofAuthority,
    private readonly answer: Answer,
  ) {}

  /** An endpoint served by `owner`; if its program is a server, the service starts with it. */
  createEndpoint(owner: Process, name: string): KernelObject {
    const ep = this.k.createObject('endpoint', owner.machine, owner.pid, name);
    const def = programByName.get(owner.program)?.service;
    if (def)
      ep.service = {
        def,
        state: def.init(owner.args),
        records: [],
        ctx: this.serviceContext(ep, def),
        queue: [],
        inFlight: [],
        nextTicket: 1,
      };
    return ep;
  }

  /** The live-or-ended record with this selector on `ep` (selectors mean nothing on another endpoint). */
  objectOf(ep: KernelObject, selector: number): KernelObject | undefined {
    const id = Number.isInteger(selector) && selector > 0 ? ep.service?.records[selector - 1] : undefined;
    return id === undefined ? undefined : this.k.objects.get(id);
  }

  /** A cap to a record of `ep`, as minted by its server (what a reply hands back). */
  capTo(obj: KernelObject, by: number): Cap {
    return makeCap('object', { kind: 'object', id: obj.id }, by ? { how: 'minted', by } : { how: 'boot' }, {
      generation: obj.record!.generation,
    });
  }

  /**
   * Mint a service object on `ep`: a new receiver record, or a freed one reused at the next generation (so caps
   * to its previous life fail). Only trusted paths reach here: the endpoint's own service, a holder of mint
   * authority, and boot wiring. `by` is who minted (0 = boot).
   */
  private mintRecord(ep: KernelObject, iface: string, label: string, data: unknown, by: number): KernelObject {
    const k = this.k;
    let obj = ep.service!.records.map((id) => k.objects.get(id)!).find((o) => o.record!.state !== 'live');
    if (obj) {
      const r = obj.record!;
      r.generation++;
      r.state = 'live';
      r.iface = iface;
      r.data = data;
      r.holders = 0; // caps to its earlier life are stale: they keep nothing alive
      obj.name = label;
      k.intern(label);
      k.topology++;
    } else {
      obj = k.createObject('service', ep.machine, ep.owner, label);
      const selector = ep.service!.records.length + 1;
      obj.record = {
        endpoint: ep.id,
        selector,
        tag: fnv1a(`${k.seed}:${ep.id}:${selector}`) & 0xffff,
        iface,
        generation: 1,
        state: 'live',
        data,
        holders: 0,
      };
      ep.service!.records.push(obj.id);
    }
    k.intern(iface);
    k.record(
      'mint',
      by,
      ep.owner,
      `${label} minted on endpoint "${ep.name}" (generation ${obj.record!.generation}) by ${by ? k.who(by) : 'boot wiring'}`,
      obj.id,
    );
    return obj;
  }

  /** Boot wiring or a broker: ask the service to create an object from declared arguments, then mint it. */
  mintByAuthority(endpointId: number, iface: string, args: Readonly<Record<string, ArgValue>>, by: number): Cap {
    const ep = this.k.objects.get(endpointId);
    if (!ep?.service) throw new KernelError('EINVAL', `object ${endpointId} is not a service endpoint`);
    if (!Object.hasOwn(ep.service.def.interfaces, iface))
      throw new KernelError('EIFACE', `endpoint "${ep.name}" serves no interface ${iface}`);
    const made = ep.service.def.create(ep.service.ctx, ep.service.state, iface, args);
    if ('error' in made) throw new KernelError('ESERVICE', made.error);
    return this.capTo(this.mintRecord(ep, iface, made.label, made.data, by), by);
  }

  private endRecord(objectId: number, state: 'closed' | 'revoked', by: number, why: string): void {
    const obj = this.k.objects.get(objectId);
    const r = obj?.record;
    if (!obj || !r || r.state !== 'live') return;
    const ep = this.k.objects.get(r.endpoint)!;
    ep.service!.def.released?.(ep.service!.ctx, ep.service!.state, r.selector);
    r.state = state;
    this.k.topology++;
    this.k.record(
      state === 'closed' ? 'close' : 'revoke',
      by,
      obj.owner,
      `${obj.name} ${why} (generation ${r.generation}); its caps now fail`,
      obj.id,
    );
  }

  close(objectId: number, by: number): void {
    this.endRecord(objectId, 'closed', by, 'closed');
  }

  revoke(objectId: number, by: number): void {
    this.endRecord(objectId, 'revoked', by, 'revoked');
  }

  /** The last cap to a live object went (`how`: dropped, moved on, its holder exited): the service ends it. */
  released(obj: KernelObject, by: number, how: string): void {
    const ep = this.k.objects.get(obj.record!.endpoint);
    this.endRecord(obj.id, 'closed', by, `released: the last cap to it is gone (${how}), so ${ep ? ep.name : 'its service'} ended it`);
  }

  /** What a service may do while it handles a call, acting on behalf of this endpoint's server (never the caller). */
  private serviceContext(ep: KernelObject, def: ServiceDef<unknown>): ServiceContext {
    const k = this.k;
    const own = (selector: number) => this.objectOf(ep, selector);
    return {
      now: () => k.time,
      random: (n) => k.prng.below(n),
      mint: (iface, label, data) => this.mintRecord(ep, iface, label, data, ep.owner).record!.selector,
      data: <T>(selector: number) => own(selector)?.record?.data as T,
      close: (selector) => {
        const o = own(selector);
        if (o) this.close(o.id, ep.owner);
      },
      revoke: (selector) => {
        const o = own(selector);
        if (o) this.revoke(o.id, ep.owner);
      },
      reply: (ticket, reply) => this.answer(ep, ticket, reply),
      verifyProof: (proof, root, request) => {
        const o = own(root);
        const binding = o?.record ? this.proofs.rootBinding(o.id, o.record.generation) : '';
        return this.proofs.verify(proof, binding, ep.name, requestDigest(request), k.time);
      },
      write: (text, style) => k.write(k.foreground || ep.owner, text, style),
      readInput: () => k.stdin.shift() ?? null,
      setPrompt: (prompt) => {
        k.intern(prompt);
        k.prompt = prompt;
      },
      ...(def.worm && { ledger: this.ledgerAccess(ep, def.worm.append, def.worm.read) }),
    };
  }

  /**
   * The WORM ledger lent to the service that serves it (seed 000), each use naming the call it answers. An append
   * is the kernel's to write: kind 'appended', authored by the call's caller (whom the request does not name),
   * through the object it called, once per call and only for a call on the append interface; the text is bounded
   * and cleaned here, in one place. Reads only answer a call on the read interface: while it answers an append the
   * service cannot look up the record it made (an auditor's read shows it the authors, as it shows the auditor).
   */
  private ledgerAccess(ep: KernelObject, appendIface: string, readIface: string): LedgerAccess {
    const k = this.k;
    const answering = (ticket: number, iface: string, what: string): PendingCall | { ok: false; code: ErrorCode; error: string } => {
      const s = ep.service!;
      const call = s.handling?.ticket === ticket ? s.handling : s.inFlight.find((c) => c.ticket === ticket);
      if (!call) return { ok: false, code: 'EINVAL', error: `no call ${ticket} is being answered on ${ep.name}` };
      if (call.iface !== iface || !call.obj.record)
        return { ok: false, code: 'EIFACE', error: `only a call through a ${iface} object ${what}; this one came through a ${call.iface}` };
      return call;
    };
    const reading = (ticket: number) => !('ok' in answering(ticket, readIface, 'reads'));
    return {
      append: (ticket, text) => {
        const call = answering(ticket, appendIface, 'appends');
        if ('ok' in call) return call;
        if (call.appended) return { ok: false, code: 'EINVAL', error: 'one record per call: this call has appended its record already' };
        if (typeof text !== 'string')
          return { ok: false, code: 'EINVAL', error: `append(text): the text is a string, not ${text === null ? 'null' : typeof text}` };
        if (text.length > APPEND_MAX)
          return { ok: false, code: 'EINVAL', error: `append(text): at most ${APPEND_MAX} characters, got ${text.length}` };
        // One line of printable text: escape sequences and bidi overrides go; a tab becomes one space before sanitize
        // (which would widen it to 8) and every line break one space after, so cleaning never lengthens the text.
        const clean = sanitize(text.replace(/\t/g, ' ')).replace(/[\n\u2028\u2029]/g, ' ');
        if (!clean.replace(INVISIBLE, ''))
          return {
            ok: false,
            code: 'EINVAL',
            error: 'append(text): nothing printable to append (control, format and zero-width characters print nothing)',
          };
        call.appended = true;
        const e = k.appended(
          call.caller,
          ep.owner,
          `${k.who(call.caller)} appended through ${call.obj.name}: ${JSON.stringify(clean)}${clean === text ? '' : ' (control characters removed)'}`,
          call.obj.id,
          { via: call.obj.name, ...(clean !== text && { cleaned: 1 }) },
        );
        return { ok: true, seq: e.seq };
      },
      size: (ticket) => (reading(ticket) ? k.ledger.length : null),
      read: (ticket, from, count) => {
        if (!reading(ticket)) return null;
        const start = Math.max(1, Math.floor(from) || 1);
        const n = Math.min(Math.floor(count) || 0, READ_MAX, k.ledger.length - start + 1);
        return n > 0 ? k.ledger.page(start, n) : [];
      },
    };
  }
}
