import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Value } from '../services/service';

/**
 * Yield-key authority routing (seed 004, the v3 generic authority pattern), as a self-contained runtime of
 * Instances. An Image declares a yield_receiver_slot; `kernel:mint_yield(key)` makes a (YieldSender,
 * YieldReceiver) pair; a CALL creates an owner edge and snapshots the caller's receiver; `host_yield(sender)`
 * walks owner edges from the emitter toward the root and the nearest snapshot holding the key catches it
 * (single resumer), or the kernel does for `kernel:*` keys, or the emitter faults with "unhandled yield_key".
 */

export type YCap = { kind: 'instance'; id: number } | { kind: 'sender'; key: string } | { kind: 'receiver'; keys: ReadonlySet<string> };

export type MethodFn = (ctx: Ctx, args: Value) => Value;
/** A caught yield: the handler's return value resumes the emitter (CALL_RESUME). */
export type CatchFn = (ctx: Ctx, key: string, payload: Value) => Value;

export interface ImageSpec {
  name: string;
  /** What the image is, for its hash (a type identifier, never authority). */
  description: string;
  yieldReceiverSlot: number | null;
  /** Holders may invoke it but never read its cnode (AuthorityCaps). */
  opaque?: boolean;
  methods: Record<string, MethodFn>;
  catches?: Record<string, CatchFn>;
}

export interface Image extends ImageSpec {
  readonly hash: string;
}

export function image(spec: ImageSpec): Image {
  return { ...spec, hash: bytesToHex(sha256(utf8ToBytes(`${spec.name}\n${spec.description}`))) };
}

export interface Instance {
  readonly id: number;
  readonly image: Image;
  readonly parent: number;
  readonly cnode: (YCap | null)[];
  readonly state: Record<string, Value>;
  /** Slots lent to CALLs in flight (a stack: calls nest): they cannot be called, copied or dropped until they return. */
  readonly reserved: number[];
}

interface Frame {
  caller: number; // 0: an external caller (the root)
  callee: number;
  snapshot: ReadonlySet<string>; // the caller's receiver keys when it made this CALL
  gas: number; // left in this CALL's budget
}

export interface Route {
  key: string;
  emitter: number;
  /** Instances whose snapshot was consulted, nearest first. */
  walked: number[];
  caughtBy: number | 'kernel' | null;
  fault?: string;
  /** The frames in flight when it was emitted (outermost first), if the runtime captures stacks. */
  stack?: { caller: number; callee: number; snapshot: string[] }[];
}

export class YieldFault extends Error {
  constructor(readonly fault: string) {
    super(fault);
  }
}

export const GAS = { call: 10, yield: 5, derive: 20, op: 1 } as const;
const NO_KEYS: ReadonlySet<string> = new Set();

/** What a method or a handler can do, as the instance it runs in. */
export interface Ctx {
  readonly self: number;
  readonly state: Record<string, Value>;
  call(slot: number, method: string, args?: Value, gas?: number): Value;
  yield(slot: number, payload?: Value): Value;
  mintYield(key: string): { sender: number; receiver: number };
  mergeReceiver(into: number, from: number): void;
  deriveSpawn(img: Image, init?: { state?: Record<string, Value>; caps?: (YCap | null)[] }): number;
  get(slot: number): YCap | null;
  put(slot: number, cap: YCap | null): void;
  copyTo(slot: number, targetSlot: number, into: number): void;
  /** Read a slot of an instance this one holds a cap to: refused for opaque images. */
  peek(instanceSlot: number, slot: number): YCap | null;
  imageHash(slot: number): string;
  holdsInstance(id: number): boolean;
}

export class YieldRuntime {
  readonly instances = new Map<number, Instance>();
  /** The same instances indexed by id: the CALL path looks them up without hashing. */
  private byId: (Instance | undefined)[] = [];
  readonly routes: Route[] = [];
  /** Routes logged since the start (routes itself is trimmed). */
  routesLogged = 0;
  /** The CALLs in flight: frames[0, depth) (frame objects are reused, so a CALL allocates nothing). */
  private frameStack: Frame[] = [];
  private top = 0;
  private nextId = 1;
  /** Kernel-root handlers for kernel:* keys beyond mint and merge (attestation…). */
  readonly kernelKeys = new Map<string, (emitter: Instance, payload: Value) => Value>();
  routeLimit = 256;
  /** Record the call stack with each route (for the call-stack view); off where only speed matters. */
  captureStacks = false;

  constructor() {
    this.kernelKeys.set('kernel:attest', (emitter) => ({ status: 'attested', image: emitter.image.name }));
  }

  spawn(parent: number, img: Image, init: { state?: Record<string, Value>; caps?: (YCap | null)[] } = {}): Instance {
    const inst: Instance = {
      id: this.nextId++,
      image: img,
      parent,
      cnode: [...(init.caps ?? [])],
      state: { ...(init.state ?? {}) },
      reserved: [],
    };
    this.instances.set(inst.id, inst);
    this.byId[inst.id] = inst;
    return inst;
  }

  get depth(): number {
    return this.top;
  }

  /** The frames in flight, outermost first (for a call-stack view). */
  frames(): { caller: number; callee: number; snapshot: string[] }[] {
    return this.frameStack.slice(0, this.top).map((f) => ({ caller: f.caller, callee: f.callee, snapshot: [...f.snapshot].sort() }));
  }

  private inst(id: number): Instance {
    const i = this.byId[id];
    if (!i) throw new YieldFault(`no instance ${id}`);
    return i;
  }

  /** The keys in an instance's yield_receiver_slot right now. */
  receiverKeys(i: Instance | null): ReadonlySet<string> {
    if (!i || i.image.yieldReceiverSlot === null) return NO_KEYS;
    const c = i.cnode[i.image.yieldReceiverSlot];
    return c?.kind === 'receiver' ? c.keys : NO_KEYS;
  }

  /** An external CALL (from outside any instance) into `target`. */
  invoke(target: number, method: string, args: Value = null, gas = 1000): Value {
    return this.enter(null, target, method, args, gas);
  }

  /** CALL: owner edge + per-CALL snapshot of the caller's receiver; the caller's slot is reserved meanwhile. */
  private enter(caller: Instance | null, target: number, method: string, args: Value, gas: number): Value {
    const callee = this.inst(target);
    const fn = callee.image.methods[method];
    if (!fn) throw new YieldFault(`${callee.image.name} has no method ${method}`);
    // Receiver sets are never mutated (merges and drops make new ones), so holding the reference is a snapshot.
    let frame = this.frameStack[this.top];
    if (!frame) this.frameStack.push((frame = { caller: 0, callee: 0, snapshot: NO_KEYS, gas: 0 }));
    frame.caller = caller ? caller.id : 0;
    frame.callee = callee.id;
    frame.snapshot = this.receiverKeys(caller);
    frame.gas = gas;
    this.top++;
    try {
      return fn(this.ctx(callee), args);
    } finally {
      this.frameStack[--this.top].snapshot = NO_KEYS; // let a dropped receiver set be collected
    }
  }

  private spend(n: number): void {
    if (this.top === 0) return;
    const f = this.frameStack[this.top - 1];
    f.gas -= n;
    if (f.gas < 0) {
      f.gas = Number.POSITIVE_INFINITY; // the oog yield itself must not run out again
      this.route(this.inst(f.callee), 'kernel:oog', { gas: 'exhausted' });
      throw new YieldFault('kernel:oog: out of gas');
    }
  }

  /**
   * host_yield: walk owner edges from the emitter toward the root; the nearest frame whose snapshot holds the
   * key catches (single resumer). The kernel is the implicit root receiver for kernel:* keys.
   */
  route(emitter: Instance, key: string, payload: Value): Value {
    const walked: number[] = [];
    for (let k = this.top - 1; k >= 0; k--) {
      const f = this.frameStack[k];
      if (f.caller === 0) break; // the external root holds no receiver
      walked.push(f.caller);
      if (f.snapshot.has(key)) {
        const catcher = this.inst(f.caller);
        const handler = catcher.image.catches?.[key] ?? catcher.image.catches?.['*'];
        const route: Route = { key, emitter: emitter.id, walked, caughtBy: catcher.id };
        if (!handler) route.fault = 'caught, but the catcher has no handler';
        this.log(route);
        if (!handler) throw new YieldFault(`${catcher.image.name} registered ${key} but has no handler for it`);
        return handler(this.ctx(catcher), key, payload);
      }
    }
    if (key.startsWith('kernel:')) {
      this.log({ key, emitter: emitter.id, walked, caughtBy: 'kernel' });
      return this.kernelHandle(emitter, key, payload);
    }
    this.log({ key, emitter: emitter.id, walked, caughtBy: null, fault: 'unhandled yield_key' });
    throw new YieldFault(`unhandled yield_key ${key}`);
  }

  private log(r: Route) {
    if (this.captureStacks) r.stack = this.frames();
    this.routes.push(r);
    this.routesLogged++;
    // Trim in batches, not per yield: keeps between routeLimit and twice that many.
    if (this.routes.length >= 2 * this.routeLimit) this.routes.splice(0, this.routes.length - this.routeLimit);
  }

  /** The kernel root: mint_yield is unrestricted here (interposition happens above it), plus kernel services. */
  private kernelHandle(emitter: Instance, key: string, payload: Value): Value {
    if (key === 'kernel:mint_yield') {
      const k = String((payload as { key?: Value } | null)?.key ?? '');
      if (!k) throw new YieldFault('kernel:mint_yield needs a key');
      return { minted: k };
    }
    if (key === 'kernel:oog') return null;
    const h = this.kernelKeys.get(key);
    if (!h) throw new YieldFault(`unhandled yield_key ${key}`);
    return h(emitter, payload);
  }

  private free(i: Instance): number {
    const at = i.cnode.indexOf(null);
    return at >= 0 ? at : i.cnode.length;
  }

  /** Indexed by instance id. */
  private contexts: (InstanceCtx | undefined)[] = [];

  /** One context per instance, made on its first CALL: a CALL allocates only its frame. */
  private ctx(self: Instance): Ctx {
    let c = this.contexts[self.id];
    if (!c) this.contexts[self.id] = c = new InstanceCtx(this, self);
    return c;
  }

  /** @internal for InstanceCtx */
  _spend(n: number): void {
    this.spend(n);
  }
  /** @internal */
  _enter(caller: Instance, target: number, method: string, args: Value, gas: number): Value {
    return this.enter(caller, target, method, args, gas);
  }
  /** @internal */
  _inst(id: number): Instance {
    return this.inst(id);
  }
  /** @internal */
  _free(i: Instance): number {
    return this.free(i);
  }
}

/** The context a method or handler runs in: a class, so a CALL allocates one object and no closures. */
class InstanceCtx implements Ctx {
  constructor(
    private readonly rt: YieldRuntime,
    private readonly me: Instance,
  ) {}

  get self(): number {
    return this.me.id;
  }

  get state(): Record<string, Value> {
    return this.me.state;
  }

  private slot(slot: number): YCap | null {
    if (this.me.reserved.length && this.me.reserved.includes(slot)) throw new YieldFault(`slot ${slot} is lent to a CALL in flight`);
    return this.me.cnode[slot] ?? null;
  }

  call(slot: number, method: string, args: Value = null, gas = 1000): Value {
    this.rt._spend(GAS.call);
    const c = this.slot(slot);
    if (c?.kind !== 'instance') throw new YieldFault(`slot ${slot} holds no instance to call`);
    this.me.reserved.push(slot);
    try {
      return this.rt._enter(this.me, c.id, method, args, gas);
    } finally {
      this.me.reserved.pop();
    }
  }

  yield(slot: number, payload: Value = null): Value {
    this.rt._spend(GAS.yield);
    const c = this.slot(slot);
    if (c?.kind !== 'sender') throw new YieldFault(`slot ${slot} holds no YieldSender: no sender, no yield`);
    return this.rt.route(this.me, c.key, payload);
  }

  mintYield(key: string): { sender: number; receiver: number } {
    this.rt._spend(GAS.yield);
    // A yield like any other: an interposing orchestrator above catches it first and may refuse the key.
    const r = this.rt.route(this.me, 'kernel:mint_yield', { key }) as { minted?: Value } | null;
    if (!r || r.minted !== key) throw new YieldFault(`kernel:mint_yield refused ${key}`);
    const sender = this.rt._free(this.me);
    this.me.cnode[sender] = { kind: 'sender', key };
    const receiver = this.rt._free(this.me);
    this.me.cnode[receiver] = { kind: 'receiver', keys: new Set([key]) };
    return { sender, receiver };
  }

  mergeReceiver(into: number, from: number): void {
    this.rt._spend(GAS.op);
    const a = this.slot(into);
    const b = this.slot(from);
    if (b?.kind !== 'receiver' || (a && a.kind !== 'receiver')) throw new YieldFault('merge_yield_receiver takes two YieldReceivers');
    // A new set, never a mutation: frames keep the set they snapshotted.
    this.me.cnode[into] = { kind: 'receiver', keys: new Set([...(a?.kind === 'receiver' ? a.keys : []), ...b.keys]) };
  }

  deriveSpawn(img: Image, init: { state?: Record<string, Value>; caps?: (YCap | null)[] } = {}): number {
    this.rt._spend(GAS.derive);
    const child = this.rt.spawn(this.me.id, img, init);
    const slot = this.rt._free(this.me);
    this.me.cnode[slot] = { kind: 'instance', id: child.id };
    return slot;
  }

  get(slot: number): YCap | null {
    return this.slot(slot);
  }

  put(slot: number, cap: YCap | null): void {
    this.rt._spend(GAS.op);
    if (this.me.reserved.includes(slot)) throw new YieldFault(`slot ${slot} is lent to a CALL in flight`);
    this.me.cnode[slot] = cap;
  }

  copyTo(slot: number, targetSlot: number, into: number): void {
    this.rt._spend(GAS.op);
    const c = this.slot(slot);
    const t = this.slot(targetSlot);
    if (t?.kind !== 'instance') throw new YieldFault(`slot ${targetSlot} holds no instance`);
    const target = this.rt._inst(t.id);
    if (target.image.opaque) throw new YieldFault(`${target.image.name}'s cnode is opaque`);
    target.cnode[into] = c;
  }

  peek(instanceSlot: number, slot: number): YCap | null {
    this.rt._spend(GAS.op);
    const c = this.slot(instanceSlot);
    if (c?.kind !== 'instance') throw new YieldFault(`slot ${instanceSlot} holds no instance`);
    const target = this.rt._inst(c.id);
    if (target.image.opaque) throw new YieldFault(`${target.image.name}'s cnode is opaque: it can be invoked, not opened`);
    return target.cnode[slot] ?? null;
  }

  imageHash(slot: number): string {
    const c = this.slot(slot);
    if (c?.kind !== 'instance') throw new YieldFault(`slot ${slot} holds no instance`);
    return this.rt._inst(c.id).image.hash;
  }

  holdsInstance(id: number): boolean {
    return this.me.cnode.some((c) => c?.kind === 'instance' && c.id === id);
  }
}
