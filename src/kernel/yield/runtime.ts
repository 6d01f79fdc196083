import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Value } from '../services/service';

/**
 * Yield-key authority routing (seed 004, the v3 generic authority pattern), as a self-contained runtime of
 * Instances. An Image declares a yield_receiver_slot; `kernel:mint_yield(key)` makes a (YieldSender,
 * YieldReceiver) pair; a CALL creates an owner edge and snapshots the caller's receiver; `host_yield(sender)`
 * walks owner edges from the emitter toward the root and the nearest snapshot holding the key catches it
 * (single resumer), or the kernel does for `kernel:*` keys, or the emitter faults with "unhandled yield_key".
 *
 * Caps are kernel-issued handles: frozen objects this runtime alone makes and remembers, so a cnode takes no
 * object literal. An instance's cnode is filled only by kernel:mint_yield, kernel:merge_yield_receiver,
 * host_derive_spawn and cap flow of caps it holds (and, before anything runs, by genesis).
 */

export type YCap =
  | { readonly kind: 'instance'; readonly id: number }
  | { readonly kind: 'sender'; readonly key: string }
  | { readonly kind: 'receiver'; readonly keys: ReadonlySet<string> };

/** A handler's answer that passes the yield on up the owner edges (an interposer approving a kernel:* request). */
export const FORWARD: unique symbol = Symbol('forward');

export type MethodFn = (ctx: Ctx, args: Value) => Value;
/** A caught yield: the handler's return value resumes the emitter (CALL_RESUME), or FORWARD passes it on. */
export type CatchFn = (ctx: Ctx, key: string, payload: Value) => Value | typeof FORWARD;

export interface ImageSpec {
  name: string;
  /** What the image is, for its hash (a type identifier, never authority). */
  description: string;
  yieldReceiverSlot: number | null;
  /** Holders may invoke it but never read or write its cnode (AuthorityCaps). */
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
  /** Read only outside this module: every write goes through a kernel operation here. */
  readonly cnode: readonly (YCap | null)[];
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

/** Frames set aside while a handler runs in its catcher's frame: [from, to) of the stack, swapped out or not yet. */
interface Aside {
  from: number;
  to: number;
  frames: Frame[];
  swapped: boolean;
}

export interface Route {
  key: string;
  emitter: number;
  /** Instances whose snapshot was consulted, nearest first. */
  walked: number[];
  /** Interposers that caught it, looked, and passed it on (nearest first): they are in `walked` too. */
  forwardedBy?: number[];
  caughtBy: number | 'kernel' | null;
  fault?: string;
  /** The frames in flight when it was emitted (outermost first), if the runtime captures stacks. */
  stack?: { caller: number; callee: number; snapshot: string[] }[];
}

/**
 * A YieldReceiver's keys: readable by whoever holds the cap, never writable — only merge_yield_receiver registers a
 * key (seed 004), so the set lives in a private field no image code can reach (a frozen Set would still take add).
 */
export class KeySet implements ReadonlySet<string> {
  readonly #keys: Set<string>;
  constructor(keys: Iterable<string>) {
    this.#keys = new Set(keys);
    Object.freeze(this);
  }
  get size(): number {
    return this.#keys.size;
  }
  has(key: string): boolean {
    return this.#keys.has(key);
  }
  forEach(f: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    this.#keys.forEach((v) => f.call(thisArg, v, v, this));
  }
  entries(): SetIterator<[string, string]> {
    return this.#keys.entries();
  }
  keys(): SetIterator<string> {
    return this.#keys.keys();
  }
  values(): SetIterator<string> {
    return this.#keys.values();
  }
  [Symbol.iterator](): SetIterator<string> {
    return this.#keys[Symbol.iterator]();
  }
}

export class YieldFault extends Error {
  constructor(readonly fault: string) {
    super(fault);
  }
}

export const GAS = { call: 10, yield: 5, derive: 20, op: 1 } as const;
const NO_KEYS: ReadonlySet<string> = new Set();
/** The kernel requests an interposer may gate: their effect happens only at the kernel root. */
const MINT = 'kernel:mint_yield';
const MERGE = 'kernel:merge_yield_receiver';

/** What a method or a handler can do, as the instance it runs in. */
export interface Ctx {
  readonly self: number;
  readonly state: Record<string, Value>;
  /** Slots in this instance's cnode. */
  readonly size: number;
  /** Gas left in the CALL this code runs in. */
  readonly gas: number;
  /** CALL the instance in `slot`; its budget is `gas`, at most what this CALL has left (by default all but a 64th). */
  call(slot: number, method: string, args?: Value, gas?: number): Value;
  yield(slot: number, payload?: Value): Value;
  mintYield(key: string): { sender: number; receiver: number };
  mergeReceiver(into: number, from: number): void;
  deriveSpawn(img: Image, init?: { state?: Record<string, Value>; caps?: (YCap | null)[] }): number;
  get(slot: number): YCap | null;
  /** Place a cap this instance holds in another of its slots (or drop one, with null). */
  put(slot: number, cap: YCap | null): void;
  /** Cap flow: copy a cap this instance holds into the cnode of an instance it holds (into a free slot by default). */
  copyTo(slot: number, targetSlot: number, into?: number): void;
  /** Read a slot of an instance this one holds a cap to: refused for opaque images. */
  peek(instanceSlot: number, slot: number): YCap | null;
  imageHash(slot: number): string;
  holdsInstance(id: number): boolean;
}

const arg = (v: Value, name: string): Value =>
  v && typeof v === 'object' && !Array.isArray(v) ? ((v as Record<string, Value>)[name] ?? null) : null;

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
  /** Handlers running (each in its catcher's frame), the frames each one set aside, and frame objects to swap in. */
  private nesting = 0;
  private readonly asides: Aside[] = [];
  private readonly spares: Frame[] = [];
  private nextId = 1;
  /** Every cap this runtime made: the only objects a cnode accepts. */
  private readonly issued = new WeakSet<object>();
  /** Signatures the kernel made in attest's sign mode, by key and blob: kept here, never handed to userspace. */
  private readonly signatures = new Map<string, string>();
  routeLimit = 256;
  /** Record the call stack with each route (for the call-stack view); off where only speed matters. */
  captureStacks = false;

  /**
   * Genesis: the caps the chain spec writes into the first cnodes, before anything runs. No Ctx reaches this:
   * an instance gets caps only from the kernel operations below and from what it holds.
   */
  readonly genesis = {
    instance: (id: number): YCap => this.issue({ kind: 'instance', id }),
    sender: (key: string): YCap => this.issue({ kind: 'sender', key }),
    receiver: (keys: Iterable<string>): YCap => this.issue({ kind: 'receiver', keys: new KeySet(keys) }),
    /** Write a genesis cnode slot (a cap the runtime issued, or null). */
    place: (i: Instance, slot: number, cap: YCap | null): void => {
      this.admit(cap, null, i, slot, 'genesis');
      this.write(i, slot, cap);
    },
  };

  private issue<T extends YCap>(c: T): T {
    Object.freeze(c);
    this.issued.add(c);
    return c;
  }

  /** Whether `c` is a cap this runtime issued (an object literal of the same shape is not). */
  isCap(c: unknown): c is YCap {
    return typeof c === 'object' && c !== null && this.issued.has(c);
  }

  /**
   * The one check at every insertion: a kernel-issued cap, held by `from` when it flows from an instance, and never
   * a receiver written into a yield_receiver_slot (only merge_yield_receiver registers keys, where it can be gated).
   */
  private admit(cap: YCap | null, from: Instance | null, target: Instance, slot: number, what: string): void {
    if (cap === null) return;
    if (!this.isCap(cap)) throw new YieldFault(`${what}: not a cap the kernel issued (a cnode takes no made-up cap)`);
    if (from && !from.cnode.includes(cap)) throw new YieldFault(`${what}: ${from.image.name} does not hold that cap`);
    if (from && slot === target.image.yieldReceiverSlot && cap.kind === 'receiver')
      throw new YieldFault(`${what}: a yield_receiver_slot is filled only by kernel:merge_yield_receiver`);
  }

  private write(i: Instance, slot: number, cap: YCap | null): void {
    (i.cnode as (YCap | null)[])[slot] = cap;
  }

  /**
   * host_derive_spawn. With `parent` 0 it is genesis (any issued caps). Otherwise the parent derives it: the caps
   * must be ones the parent holds, and the parent gets the new instance's cap in a free slot.
   */
  spawn(parent: number, img: Image, init: { state?: Record<string, Value>; caps?: (YCap | null)[] } = {}): Instance {
    const owner = parent ? this.inst(parent) : null;
    const inst: Instance = { id: this.nextId, image: img, parent, cnode: [], state: { ...(init.state ?? {}) }, reserved: [] };
    (init.caps ?? []).forEach((c, slot) => this.admit(c, owner, inst, slot, `spawn ${img.name}`));
    this.nextId++;
    (inst.cnode as (YCap | null)[]).push(...(init.caps ?? []));
    this.instances.set(inst.id, inst);
    this.byId[inst.id] = inst;
    if (owner) this.write(owner, this.free(owner), this.issue({ kind: 'instance', id: inst.id }));
    return inst;
  }

  /** The slot of `holder` that holds a cap to instance `id`, or -1. */
  slotOf(holder: Instance, id: number): number {
    return holder.cnode.findIndex((c) => c?.kind === 'instance' && c.id === id);
  }

  /** Drop a slot (host side: the world clears what a transaction used). Dropping forges nothing. */
  release(holder: Instance, slot: number): void {
    if (!holder.reserved.includes(slot)) this.write(holder, slot, null);
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

  /**
   * CALL: owner edge + per-CALL snapshot of the caller's receiver. The callee's budget comes out of the caller's
   * (at most what it has left) and what the callee leaves is given back when it returns.
   */
  private enter(caller: Instance | null, target: number, method: string, args: Value, gas: number | undefined): Value {
    const callee = this.inst(target);
    const fn = callee.image.methods[method];
    if (!fn) throw new YieldFault(`${callee.image.name} has no method ${method}`);
    if (this.nesting && !this.asides[this.nesting - 1].swapped) this.setAside();
    const parent = caller && this.top > 0 ? this.frameStack[this.top - 1] : null;
    // By default the caller keeps a 64th (as Ethereum does): a handler it runs while this CALL is in flight has gas.
    // A gas that is not a whole number (NaN, ±Infinity, a fraction from a payload) asks for the default.
    const asked = gas !== undefined && Number.isSafeInteger(gas) ? gas : undefined;
    const budget = parent ? Math.max(0, Math.min(asked ?? parent.gas - Math.floor(parent.gas / 64), parent.gas)) : (asked ?? 1000);
    if (parent) parent.gas -= budget;
    // Receiver sets are never mutated (merges make new ones), so holding the reference is a snapshot.
    let frame = this.frameStack[this.top];
    if (!frame) this.frameStack.push((frame = { caller: 0, callee: 0, snapshot: NO_KEYS, gas: 0 }));
    frame.caller = caller ? caller.id : 0;
    frame.callee = callee.id;
    frame.snapshot = this.receiverKeys(caller);
    frame.gas = budget;
    this.top++;
    try {
      return fn(this.ctx(callee), args);
    } finally {
      if (parent) parent.gas += Math.max(0, frame.gas);
      this.frameStack[--this.top].snapshot = NO_KEYS; // let a dropped receiver set be collected
    }
  }

  /** Gas left in the innermost CALL. */
  gasLeft(): number {
    return this.top ? this.frameStack[this.top - 1].gas : 0;
  }

  private spend(n: number): void {
    if (this.top === 0) return;
    const f = this.frameStack[this.top - 1];
    f.gas -= n;
    if (f.gas < 0) {
      f.gas = 0; // nothing left to give back
      this.route(this.inst(f.callee), 'kernel:oog', { gas: 'exhausted' });
      throw new YieldFault('kernel:oog: out of gas');
    }
  }

  /**
   * host_yield: walk owner edges from the emitter toward the root; the nearest frame whose snapshot holds the
   * key catches (single resumer). The emitter is never consulted (emitter exclusion), nor is an interposer that
   * already passed the yield on. The kernel is the implicit root receiver for kernel:* keys.
   */
  route(emitter: Instance, key: string, payload: Value): Value {
    const request = key === MINT || key === MERGE ? this.kernelRequest(emitter, key, payload) : payload;
    const route: Route = { key, emitter: emitter.id, walked: [], caughtBy: null };
    let logged = false;
    for (let k = this.top - 1; k >= 0; k--) {
      const f = this.frameStack[k];
      if (f.caller === 0) break; // the external root holds no receiver
      if (f.caller === emitter.id || route.forwardedBy?.includes(f.caller)) continue;
      route.walked.push(f.caller);
      if (!f.snapshot.has(key)) continue;
      const catcher = this.inst(f.caller);
      const handler = catcher.image.catches?.[key] ?? catcher.image.catches?.['*'];
      route.caughtBy = catcher.id;
      if (!handler) route.fault = 'caught, but the catcher has no handler';
      if (!logged) this.log(route);
      logged = true;
      if (!handler) throw new YieldFault(`${catcher.image.name} registered ${key} but has no handler for it`);
      const reply = this.handle(k, catcher, handler, key, request);
      if (reply !== FORWARD) return reply;
      (route.forwardedBy ??= []).push(catcher.id);
      route.caughtBy = null;
    }
    if (key.startsWith('kernel:')) {
      route.caughtBy = 'kernel';
      if (!logged) this.log(route);
      return this.kernelHandle(emitter, key, request);
    }
    route.fault = 'unhandled yield_key';
    if (!logged) this.log(route);
    throw new YieldFault(`unhandled yield_key ${key}`);
  }

  /**
   * The catcher's handler runs in the catcher's own CALL frame: the frames from its CALL up to the emitter are set
   * aside meanwhile, so whatever the handler calls or yields walks owner edges from the catcher, never through
   * the emitter's stack; they come back when it answers (the one resume).
   */
  private handle(k: number, catcher: Instance, handler: CatchFn, key: string, payload: Value): Value | typeof FORWARD {
    const top = this.top;
    const aside: Aside = (this.asides[this.nesting++] ??= { from: 0, to: 0, frames: [], swapped: false });
    aside.from = k;
    aside.to = top;
    aside.swapped = false;
    this.top = k;
    try {
      return handler(this.ctx(catcher), key, payload);
    } finally {
      if (aside.swapped)
        for (let i = k; i < top; i++) {
          this.spares.push(this.frameStack[i]);
          this.frameStack[i] = aside.frames[i - k];
        }
      this.top = top;
      this.nesting--;
    }
  }

  /**
   * Before a handler pushes a frame, the frames set aside are swapped for spare frame objects (kept in a buffer per
   * nesting level), so nothing a handler runs overwrites them. Until then they stay where they are: a handler that
   * only answers costs no swap, and once warm a swap allocates nothing.
   */
  private setAside(): void {
    for (let n = this.nesting - 1; n >= 0 && !this.asides[n].swapped; n--) {
      const a = this.asides[n];
      a.swapped = true;
      a.frames.length = 0;
      for (let i = a.from; i < a.to; i++) {
        a.frames.push(this.frameStack[i]);
        this.frameStack[i] = this.spares.pop() ?? { caller: 0, callee: 0, snapshot: NO_KEYS, gas: 0 };
      }
    }
  }

  /** What an interposer sees of a mint or merge request: computed by the kernel, so the emitter cannot misstate it. */
  private kernelRequest(emitter: Instance, key: string, payload: Value): Value {
    if (key === MINT) {
      const k = arg(payload, 'key');
      if (typeof k !== 'string' || !k) throw new YieldFault('kernel:mint_yield needs a key');
      return { key: k };
    }
    const into = Number(arg(payload, 'into'));
    const from = Number(arg(payload, 'from'));
    const a = emitter.cnode[into] ?? null;
    const b = emitter.cnode[from] ?? null;
    const inSlot = (x: number) => Number.isInteger(x) && x >= 0 && x <= 4096; // a cnode's slots, as put() bounds them
    if (!inSlot(into) || !inSlot(from) || b?.kind !== 'receiver' || (a && a.kind !== 'receiver'))
      throw new YieldFault('merge_yield_receiver takes two YieldReceivers');
    if (emitter.reserved.includes(into)) throw new YieldFault(`slot ${into} is lent to a CALL in flight`);
    return { into, from, keys: [...b.keys].sort(), registers: into === emitter.image.yieldReceiverSlot };
  }

  private log(r: Route) {
    if (this.captureStacks) r.stack = this.frames();
    this.routes.push(r);
    this.routesLogged++;
    // Trim in batches, not per yield: keeps between routeLimit and twice that many.
    if (this.routes.length >= 2 * this.routeLimit) this.routes.splice(0, this.routes.length - this.routeLimit);
  }

  /** The kernel root: mint and merge are unrestricted here (interposition happens above it), plus kernel services. */
  private kernelHandle(emitter: Instance, key: string, payload: Value): Value {
    if (key === MINT) {
      const k = String(arg(payload, 'key'));
      const sender = this.free(emitter);
      this.write(emitter, sender, this.issue({ kind: 'sender', key: k }));
      const receiver = this.free(emitter);
      this.write(emitter, receiver, this.issue({ kind: 'receiver', keys: new KeySet([k]) }));
      return { sender, receiver };
    }
    if (key === MERGE) {
      const into = Number(arg(payload, 'into'));
      const a = emitter.cnode[into];
      const b = emitter.cnode[Number(arg(payload, 'from'))];
      if (b?.kind !== 'receiver' || (a && a.kind !== 'receiver')) throw new YieldFault('merge_yield_receiver takes two YieldReceivers');
      if ([...b.keys].sort().join('\n') !== (arg(payload, 'keys') as string[]).join('\n'))
        throw new YieldFault('merge_yield_receiver: the receiver changed while the request was gated');
      // A new set, never a mutation: frames keep the set they snapshotted.
      this.write(emitter, into, this.issue({ kind: 'receiver', keys: new KeySet([...(a?.kind === 'receiver' ? a.keys : []), ...b.keys]) }));
      return { merged: into };
    }
    if (key === 'kernel:oog') return null;
    if (key === 'kernel:attest') return this.attest(payload);
    throw new YieldFault(`unhandled yield_key ${key}`);
  }

  /**
   * kernel:attest, mode-aware: "sign" signs (key, blob) with the kernel's hardware secret and keeps the signature;
   * "verify" checks that the kernel signed that blob under that key. Either way the answer is the same shape,
   * { status, key }: userspace never sees a signature and cannot tell the modes apart by what comes back.
   */
  private attest(payload: Value): Value {
    const mode = arg(payload, 'mode');
    const key = arg(payload, 'key');
    const blob = arg(payload, 'blob');
    if (mode !== 'sign' && mode !== 'verify') throw new YieldFault('kernel:attest: the mode is sign or verify');
    if (typeof key !== 'string' || !key || typeof blob !== 'string') throw new YieldFault('kernel:attest needs a key and a blob');
    const at = `${key}\n${blob}`;
    if (mode === 'sign') this.signatures.set(at, bytesToHex(sha256(utf8ToBytes(`capplay hardware secret\n${at}`))));
    return { status: this.signatures.has(at) ? 'attested' : 'refused', key };
  }

  /** The first free slot of `i`, never its yield_receiver_slot (a minted receiver must be merged to register). */
  private free(i: Instance): number {
    for (let s = 0; s < i.cnode.length; s++) if (i.cnode[s] == null && s !== i.image.yieldReceiverSlot && !i.reserved.includes(s)) return s;
    return i.cnode.length === i.image.yieldReceiverSlot ? i.cnode.length + 1 : i.cnode.length;
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
  _enter(caller: Instance, target: number, method: string, args: Value, gas: number | undefined): Value {
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
  /** @internal: a checked insertion (see admit). */
  _insert(from: Instance, target: Instance, slot: number, cap: YCap | null, what: string): void {
    if (!Number.isInteger(slot) || slot < 0 || slot > 4096) throw new YieldFault(`${what}: no slot ${slot}`);
    if (target.reserved.includes(slot)) throw new YieldFault(`slot ${slot} is lent to a CALL in flight`);
    this.admit(cap, from, target, slot, what);
    this.write(target, slot, cap);
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

  get size(): number {
    return this.me.cnode.length;
  }

  get gas(): number {
    return this.rt.gasLeft();
  }

  private slot(slot: number): YCap | null {
    if (this.me.reserved.length && this.me.reserved.includes(slot)) throw new YieldFault(`slot ${slot} is lent to a CALL in flight`);
    return this.me.cnode[slot] ?? null;
  }

  call(slot: number, method: string, args: Value = null, gas?: number): Value {
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
    // A yield like any other: an interposer above sees it first and may refuse; the kernel root mints.
    const r = this.rt.route(this.me, 'kernel:mint_yield', { key });
    const sender = arg(r, 'sender');
    const receiver = arg(r, 'receiver');
    if (typeof sender !== 'number' || typeof receiver !== 'number') throw new YieldFault(`kernel:mint_yield refused ${key}`);
    return { sender, receiver };
  }

  mergeReceiver(into: number, from: number): void {
    this.rt._spend(GAS.yield);
    // Routed like mint_yield, so an interposer can gate which keys a descendant registers.
    const r = this.rt.route(this.me, 'kernel:merge_yield_receiver', { into, from });
    if (arg(r, 'merged') !== into) throw new YieldFault('kernel:merge_yield_receiver refused');
  }

  deriveSpawn(img: Image, init: { state?: Record<string, Value>; caps?: (YCap | null)[] } = {}): number {
    this.rt._spend(GAS.derive);
    const child = this.rt.spawn(this.me.id, img, init);
    return this.rt.slotOf(this.me, child.id);
  }

  get(slot: number): YCap | null {
    return this.slot(slot);
  }

  put(slot: number, cap: YCap | null): void {
    this.rt._spend(GAS.op);
    this.rt._insert(this.me, this.me, slot, cap, 'put');
  }

  copyTo(slot: number, targetSlot: number, into?: number): void {
    this.rt._spend(GAS.op);
    const c = this.slot(slot);
    const t = this.slot(targetSlot);
    if (t?.kind !== 'instance') throw new YieldFault(`slot ${targetSlot} holds no instance`);
    const target = this.rt._inst(t.id);
    if (target.image.opaque) throw new YieldFault(`${target.image.name}'s cnode is opaque`);
    this.rt._insert(this.me, target, into ?? this.rt._free(target), c, 'copy');
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
