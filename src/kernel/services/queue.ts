import { deliver, refuse, type CallHost, type CallQueues } from '../call/handler';
import { VERBS } from '../energy/kinetic';
import { KernelError } from '../errors';
import type { SyscallResult } from '../programs/abi';
import { MAX_VERBS_PER_TICK } from '../scheduler/scheduler';
import type { CallResult, KernelObject, PendingCall, Process } from '../types';
import type { Answered, CapArg, Reply, Request } from './service';

/**
 * Endpoints are queues (seed 002's kernel contract). A CALL goes straight to the server when it can take it: no
 * call ahead of it, energy for the RETURN, and verbs left in this tick (a server, like every fiber, runs at most
 * MAX_VERBS_PER_TICK a tick). Otherwise the call waits in the endpoint's queue — in arrival order, ties by the
 * caller's pid — and the caller waits with it; the server takes queued calls in its own turn, as it can pay. A
 * service may also leave a call in flight and answer it later (a long poll).
 *
 * Cleanup follows the processes: a caller killed (or giving up) cancels its call and the server is told; a
 * server's exit fails every queued and in-flight call with ECLOSED. Each is ledgered.
 */
export class EndpointQueues implements CallQueues {
  /** Per server pid: the tick it last took a call in and how many it took then. */
  private readonly turns = new Map<number, { tick: number; served: number }>();
  /** Per server pid: its endpoints that have calls waiting, in the order they first had one. */
  private readonly backlog = new Map<number, Set<KernelObject>>();

  constructor(private readonly k: CallHost) {}

  /** The queues that hold calls now (for the state buffer's places in line). */
  *nonEmpty(): IterableIterator<readonly PendingCall[]> {
    for (const eps of this.backlog.values()) for (const ep of eps) if (ep.service!.queue.length) yield ep.service!.queue;
  }

  private turn(server: Process): { tick: number; served: number } {
    let t = this.turns.get(server.pid);
    if (!t) this.turns.set(server.pid, (t = { tick: this.k.ticks, served: 0 }));
    if (t.tick !== this.k.ticks) {
      t.tick = this.k.ticks;
      t.served = 0;
    }
    return t;
  }

  private frozen(server: Process): boolean {
    return this.k.defenses.energy && server.meter.energy < VERBS.SEND;
  }

  /** Why the server cannot take a call right now, or null if it can. */
  blocked(ep: KernelObject): string | null {
    const k = this.k;
    const server = k.processes.get(ep.owner);
    if (!server) return `its server (pid ${ep.owner}) is gone`;
    const ahead = ep.service?.queue.length ?? 0;
    if (this.frozen(server))
      return `${k.who(server.pid)} is frozen (${server.meter.energy} J; a RETURN costs ${VERBS.SEND} J) until its refill at ${server.meter.nextRefill} ms`;
    if (ahead) return `${ahead} call${ahead === 1 ? ' is' : 's are'} ahead of it`;
    if (this.turn(server).served >= MAX_VERBS_PER_TICK)
      return `${k.who(server.pid)} is busy: it has taken ${MAX_VERBS_PER_TICK} calls this tick, the most a fiber runs in one`;
    return null;
  }

  submit(call: PendingCall): CallResult {
    const k = this.k;
    const ep = call.endpoint;
    const why = this.blocked(ep);
    if (why === null) return this.take(call, k.processes.get(ep.owner)!);
    const server = k.processes.get(ep.owner);
    if (!server) return { ok: false, code: 'ECLOSED', error: `${ep.name} has no server: ${why}` };
    if (!call.wait) return { ok: false, code: 'EAGAIN', error: `${ep.name} cannot take the call now: ${why}` };
    // Arrival order, ties by pid: only calls that arrived in the same ms can be passed.
    const q = ep.service!.queue;
    let i = q.length;
    while (i > 0 && q[i - 1].arrived === call.arrived && q[i - 1].caller > call.caller) i--;
    q.splice(i, 0, call);
    k.process(call.caller).waiting = call;
    let eps = this.backlog.get(server.pid);
    if (!eps) this.backlog.set(server.pid, (eps = new Set()));
    eps.add(ep);
    if (this.frozen(server)) this.showFrozen(server);
    return { ok: false, code: 'EINPROGRESS', error: `call ${call.ticket} waits in ${ep.name}'s queue (place ${i + 1}): ${why}` };
  }

  /** A server with calls waiting and no energy shows as frozen (its fiber only waits; the refill wakes it). */
  private showFrozen(server: Process): void {
    if (server.state === 'blocked' && !server.waiting && !server.pending) server.state = 'frozen';
  }

  /**
   * The server takes a call: it pays the RETURN and its service handles the call in the server's context. The
   * result for the caller — or EINPROGRESS if the service left it in flight.
   */
  private take(call: PendingCall, server: Process): CallResult {
    const k = this.k;
    const { endpoint: ep, obj } = call;
    const service = ep.service!;
    const caller = k.process(call.caller);
    // The cap may have died while the call waited (closed, revoked, a pairing severed): the call fails as it would have.
    const problem = k.capProblem(call.cap);
    if (problem) return refuse(k, { caller, capName: call.capName, method: call.method }, problem.code, problem.error, obj.id);
    k.energy.pay(server, 'SEND');
    this.turn(server).served++;
    ep.counter++;
    if (obj !== ep) obj.counter++;
    const caps: CapArg[] = call.caps.map((c) => {
      const target = c.target.kind === 'object' ? k.objects.get(c.target.id) : undefined;
      const mine = target?.record && target.record.endpoint === ep.id && !k.capProblem(c);
      return { selector: mine ? target.record!.selector : 0, iface: target?.record?.iface ?? '' };
    });
    const req: Request = {
      via: obj.record ? { kind: 'object', selector: obj.record.selector, iface: call.iface } : { kind: 'client', badge: call.cap.badge },
      ticket: call.ticket,
      method: call.method,
      args: call.args,
      caps,
      proof: call.proof,
    };
    let reply: Reply;
    service.handling = call;
    try {
      reply = service.def.handle(service.ctx, service.state, req);
    } finally {
      service.handling = undefined;
    }
    if (!('deferred' in reply)) return this.finish(call, reply);
    if (!call.wait) {
      // Nobody could wait for the answer (a direct kernel call): the service is told at once.
      service.def.cancelled?.(service.ctx, service.state, call.ticket);
      return { ok: false, code: 'EAGAIN', error: `${call.method} on @${call.capName} would wait for its answer; this caller cannot wait` };
    }
    call.state = 'taken';
    service.inFlight.push(call);
    caller.waiting = call;
    return { ok: false, code: 'EINPROGRESS', error: `call ${call.ticket} is in flight at ${ep.name}: the service answers it later` };
  }

  /** The caller's result from the service's answer: a refusal ledgered, or the value and the caps it hands back. */
  private finish(call: PendingCall, reply: Answered): CallResult {
    const k = this.k;
    const caller = k.process(call.caller);
    if (!reply.ok) return refuse(k, { caller, capName: call.capName, method: call.method }, reply.code, reply.error, call.obj.id);
    if (call.cap.kind === 'import') k.imports.responded(caller.pid, call.endpoint, call.method, reply.value ?? null);
    const caps = [];
    for (const c of reply.caps ?? []) {
      const o = k.services.objectOf(call.endpoint, c.selector);
      if (o?.record?.state === 'live') caps.push({ name: c.name, cap: k.services.capTo(o, call.endpoint.owner) });
    }
    return deliver(k, caller, caps, reply.value ?? null, call.as);
  }

  /** The reply reaches a caller that waited: its fiber resumes with it, or its continuation (the shell) runs. */
  private settle(call: PendingCall, r: CallResult): void {
    const p = this.k.processes.get(call.caller);
    if (!p) return;
    if (p.waiting === call) p.waiting = null;
    if (call.wait !== true) {
      call.wait?.(r);
      return;
    }
    p.state = 'ready';
    p.resume = (r.ok ? { ok: true, value: r.value, caps: r.caps } : { ok: false, code: r.code, error: r.error }) satisfies SyscallResult;
    p.latency = this.k.time - p.issuedAt;
  }

  /** A deferred answer from the service (ctx.reply): false if that call is no longer in flight. */
  answer(ep: KernelObject, ticket: number, reply: Answered): boolean {
    const flying = ep.service?.inFlight;
    const i = flying ? flying.findIndex((c) => c.ticket === ticket) : -1;
    if (i < 0) return false;
    const [call] = flying!.splice(i, 1);
    this.settle(call, this.finish(call, reply));
    return true;
  }

  /**
   * The server's turn: take queued calls, first come first served, while it can pay and has verbs left this tick.
   * Returns how many it took (each is a unit of the scheduler's work).
   */
  serve(server: Process): number {
    const eps = this.backlog.get(server.pid);
    if (!eps) return 0;
    const t = this.turn(server);
    let n = 0;
    for (const ep of eps) {
      const q = ep.service!.queue;
      while (q.length) {
        if (t.served >= MAX_VERBS_PER_TICK) return n;
        if (this.frozen(server)) {
          this.showFrozen(server);
          return n;
        }
        const call = q.shift()!;
        n++;
        let r: CallResult;
        try {
          r = this.take(call, server);
        } catch (e) {
          // A call the kernel refused to finish (a full table on delivery): its caller must not stay waiting on it.
          if (!(e instanceof KernelError)) throw e;
          r = { ok: false, code: e.code, error: e.message };
        }
        if (r.ok || r.code !== 'EINPROGRESS') this.settle(call, r);
      }
      eps.delete(ep);
    }
    this.backlog.delete(server.pid);
    return n;
  }

  /**
   * `pid` gives up the call it waits on (it is being killed, or Ctrl-C): the call leaves the queue, or, if the
   * server had taken it, the service is told (its cancel hook) and drops its record of it. Ledgered. False if
   * it waited on none.
   */
  cancel(pid: number, why: string): boolean {
    const k = this.k;
    const p = k.processes.get(pid);
    const call = p?.waiting;
    if (!p || !call) return false;
    p.waiting = null;
    const s = call.endpoint.service!;
    const taken = call.state === 'taken';
    const list = taken ? s.inFlight : s.queue;
    const at = list.indexOf(call);
    if (at >= 0) list.splice(at, 1); // never splice(-1): that would drop another caller's call
    if (taken) s.def.cancelled?.(s.ctx, s.state, call.ticket);
    k.record(
      'cancel',
      pid,
      call.endpoint.owner,
      `call ${call.ticket} (${call.method} on @${call.capName}) by ${k.who(pid)} cancelled: ${why}; ${k.who(call.endpoint.owner)} ${taken ? 'was told (it had taken the call) and dropped it' : `dropped it from ${call.endpoint.name}'s queue`}`,
      call.endpoint.id,
    );
    if (call.wait !== true) call.wait?.({ ok: false, code: 'ECANCELED', error: `the call was cancelled: ${why}` });
    return true;
  }

  /** The server is going: every call waiting on its endpoints, queued or in flight, fails with ECLOSED. Ledgered. */
  serverGone(server: Process, endpoints: readonly KernelObject[], how: string): void {
    const k = this.k;
    this.backlog.delete(server.pid);
    this.turns.delete(server.pid);
    for (const ep of endpoints) {
      const s = ep.service;
      if (!s) continue;
      const calls = [...s.queue, ...s.inFlight];
      s.queue.length = 0;
      s.inFlight.length = 0;
      for (const call of calls) {
        const error = `${ep.name}'s server ${server.name} (pid ${server.pid}) ${how} ${call.state === 'taken' ? 'before answering it' : 'with the call still in its queue'}`;
        k.record(
          'cancel',
          0,
          call.caller,
          `call ${call.ticket} (${call.method} on @${call.capName}) by ${k.who(call.caller)} failed: ECLOSED: ${error}`,
          ep.id,
        );
        this.settle(call, { ok: false, code: 'ECLOSED', error });
      }
    }
  }
}
