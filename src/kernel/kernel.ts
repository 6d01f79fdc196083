import { CNode, makeCap, type Cap, type CapTarget, type Origin } from './caps/cnode';
import { KernelError, type ErrorCode } from './errors';
import { charge, newMeter, periodOf as periodOfTier, SPAWN_TIER, VERBS, type Meter, type Tier, type Verb } from './energy/kinetic';
import { spawnWithGrants } from './caps/transfer';
import { Ledger, ledgerKeyFromSeed } from './ledger/ledger';
import { ALL_RIGHTS, DEFAULT_DECAY, effectiveRights, maskProblem, nextDecayAt, R, rightsText, W, type Bounds, type DecayRule } from './caps/algebra';
import { fnv1a, Prng } from './prng';
import { allows, promisesText, ratchetProblem, type Promise_ } from './sandbox/pledge';
import { applyUnveil, checkAccess, granted, permsText, UC, UR, UW, type UnveilEntry, type UnveilState } from './sandbox/unveil';
import { defaultVfs, type Vfs } from './sandbox/vfs';
import { ChainWorld } from './yield/world';
import { ACCESS_BITS, Fleet, sanitizeTelemetry, TYPE_ALLOWS, typesAllowing, type Access } from './pairing/fleet';
import { programByName, type ArgValue, type Syscall, type SyscallResult } from './programs/programs';
import { MAX_VERBS_PER_TICK, RESUMED, Scheduler, type Schedulable } from './scheduler';
import { MAX_SESSION_TICKS } from './sessionCheck';
import {
  DEFAULT_CAPACITY,
  DEFENSES,
  type Capacity,
  type ConsoleStyle,
  type DefenseId,
  type LedgerEntry,
  type LedgerKind,
  type ObjectKind,
  type ObjectState,
  type ProcState,
} from './sab/layout';
import { utf8Length } from './sab/utf8';
import type { CapArg, Reply, Request, ServiceContext, ServiceDef, Value } from './services/service';
import { MAX_FRESHNESS_MS, ProofAuthority, requestDigest, type Proof } from './subject/proof';

export interface Machine {
  readonly id: number;
  readonly name: string;
  /** console, orchestration, totebox, mediakit…: where it sits for the Diode (seed 000). */
  readonly role?: string;
}

/** A receiver record: the kernel's half of a service object (the service keeps its own data beside it). */
export interface ServiceRecord {
  readonly endpoint: number;
  readonly selector: number; // opaque to holders: scoped to the endpoint, never shown or typed
  /** A short opaque tag the UI may show to tell objects apart: a hash, never the selector itself. */
  readonly tag: number;
  iface: string;
  generation: number;
  state: ObjectState;
  data: unknown;
}

export interface KernelObject {
  readonly id: number;
  readonly kind: Exclude<ObjectKind, 'none'>;
  readonly machine: number;
  owner: number; // pid of the server (endpoints, service objects) or 0 for the kernel (spawners, sessions)
  name: string;
  counter: number; // calls served
  /** Endpoints of a server program: the service, its state, and the context its handler runs in. */
  service?: { def: ServiceDef<unknown>; state: unknown; records: number[]; ctx: ServiceContext };
  /** Service objects: the receiver record. */
  record?: ServiceRecord;
  /** Sessions: the subject they speak for. */
  subject?: string;
  /** Channels and memory regions: the revocation epoch (flipping it kills every cap minted under an older one). */
  epoch?: number;
  /** A machine's filesystem (vfs objects). */
  vfs?: Vfs;
  /** Channels: messages written and not yet read. Regions: their cells. */
  messages?: string[];
  cells?: number[];
}

export interface Process {
  readonly pid: number;
  readonly machine: number;
  readonly parent: number;
  readonly name: string;
  readonly program: string;
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly cnode: CNode;
  state: ProcState;
  runs: number;
  wakeAt: number;
  resume: SyscallResult | undefined;
  fiber: Generator<Syscall, void, SyscallResult | undefined> | null;
  exitCode: number | null;
  /** Energy: balance, budget, Spectrum tier, next refill. */
  readonly meter: Meter;
  /** A syscall waiting for energy (the fiber's own, or its server's); run before the fiber resumes. */
  pending: Syscall | null;
  /** When the current syscall was first attempted, and how long the last one waited (virtual ms). */
  issuedAt: number;
  latency: number;
  /** Energy spent in all (for `top`). */
  spent: number;
  /** Pledge (null = unpledged), execpromises (null = none: children are not bounded), and unveil. */
  pledge: number | null;
  execpromises: number | null;
  readonly unveil: UnveilState;
}

/** A cap for a new process, and how it was derived (for the ledger and Gate 0). */
export interface Grant {
  name: string;
  cap: Cap;
}

export interface SpawnOptions {
  name?: string;
  machine?: number;
  args?: Record<string, ArgValue>;
  grants?: Grant[];
  /** Who the grants are recorded as coming from; defaults to the parent. Boot wiring passes 0 (the kernel). */
  grantedBy?: number;
  /** Spectrum tier; a spawned fiber starts at the lowest unless boot wiring says otherwise. */
  tier?: Tier;
  /** Sandbox at spawn: a pledge (within the parent's execpromises), and unveils on top of the parent's. */
  pledge?: number;
  unveil?: UnveilEntry[];
  /** Command-line words after the program name (`run "cat /etc/passwd"`). */
  argv?: string[];
}

export interface CallOptions {
  iface?: string;
  args?: Value[];
  caps?: string[];
  proof?: Proof | null;
  /** Name for a cap the reply hands back (default: the name the service suggests). */
  as?: string;
  /** The caller already paid for the CALL (the scheduler charges a fiber before it runs the verb). */
  prepaid?: boolean;
}

/** A refusal; EAGAIN carries when energy returns (the caller's or the frozen server's), so a fiber can wait for it. */
export type CallResult = { ok: true; value: Value; caps: string[] } | { ok: false; code: ErrorCode; error: string; retryAt?: number };

/** The world's mutable state, read by the publisher and the shell. */
export interface KernelState {
  readonly machines: readonly Machine[];
  readonly processes: ReadonlyMap<number, Process>;
  readonly objects: ReadonlyMap<number, KernelObject>;
}

export interface ConsoleEntry {
  pid: number;
  style: ConsoleStyle;
  text: string;
}

const STDIN_LIMIT = 64;
const NO_NAMES: string[] = [];
const NO_OPTIONS: CallOptions = {};
const NO_VALUES: Value[] = [];

/**
 * The kernel: machines, processes with cnodes, kernel objects (endpoints, spawners, service objects, sessions),
 * CALL routing to services, a scheduler on a virtual clock, defenses, and the audit ledger. Pure and
 * deterministic: all time is virtual (one tick = 1 ms) and all randomness comes from the seed.
 */
export class Kernel implements KernelState, Schedulable {
  readonly capacity: Capacity;
  readonly ledger = new Ledger();
  readonly machines: Machine[] = [];
  readonly processes = new Map<number, Process>();
  readonly objects = new Map<number, KernelObject>();
  /** Bumps whenever a process, object or cap appears, disappears or changes state: the UI relayouts only then. */
  topology = 0;
  time = 0;
  /** Ticks begun (the one in progress counts). */
  ticks = 0;
  /** Ticks `clock step` asked for that have not run yet: the worker runs them in slices, paused or not. */
  stepsOwed = 0;
  readonly scheduler: Scheduler = new Scheduler(this);
  running = true;
  speed = 1;
  /** The Law of Decay's parameters (the scenario may set them). */
  decay: DecayRule = { ...DEFAULT_DECAY };
  /** The earliest time a channel or memory cap loses a right: the picture changes then, so topology moves. */
  private nextDecay = Infinity;
  readonly defenses: Record<DefenseId, boolean> = Object.fromEntries(DEFENSES.map((d) => [d.id, true])) as Record<DefenseId, boolean>;
  /** What programs printed to the terminal (append-only, like the ledger). */
  readonly console: ConsoleEntry[] = [];
  /** The process the terminal is attached to (`run`, `wait`), 0 for the shell prompt, and its prompt. */
  foreground = 0;
  prompt = '';
  private stdin: string[] = [];
  private nextPid = 1;
  private nextObject = 1;
  private capCount = 0;
  private prng: Prng;
  private proofs: ProofAuthority;
  /** Machine keys, pairings, TOFU+ bindings and the Diode (seeds 000, 001; Nexus S4). */
  readonly fleet: Fleet;
  private readonly strings = new Map<string, number>([['', 0]]);
  readonly stringList: string[] = [''];
  private stringBytes = 0;

  constructor(
    readonly seed: number,
    capacity: Capacity = DEFAULT_CAPACITY,
  ) {
    this.capacity = capacity;
    this.prng = new Prng(seed);
    this.proofs = new ProofAuthority(seed);
    // The WORM ledger signs its checkpoints with a key from the seed, so a replay signs byte for byte the same.
    this.ledger.setSigningKey(ledgerKeyFromSeed(seed));
    this.fleet = new Fleet(this);
  }

  /** Something the graph draws changed without a process, object or cap coming or going (a pairing). */
  touch(): void {
    this.topology++;
  }

  get liveCaps(): number {
    return this.capCount;
  }

  // ── strings ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Intern a name for the UI's string table; the table is append-only and bounded by the capacity. */
  intern(s: string): number {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    const bytes = utf8Length(s);
    if (this.stringList.length >= this.capacity.strings || this.stringBytes + bytes > this.capacity.stringBytes) {
      throw new KernelError('ECAPACITY', `string table is full (${this.capacity.strings} strings, ${this.capacity.stringBytes} bytes)`);
    }
    const id = this.stringList.length;
    this.stringList.push(s);
    this.strings.set(s, id);
    this.stringBytes += bytes;
    return id;
  }

  // ── ledger, console, defenses ──────────────────────────────────────────────────────────────────────────────

  record(kind: LedgerKind, actor: number, subject: number, detail: string, object = 0): LedgerEntry {
    return this.ledger.append(this.time, kind, actor, subject, detail, object);
  }

  deny(actor: number, subject: number, what: string, why: string, object = 0): void {
    this.record('deny', actor, subject, `denied: ${what}: ${why}`, object);
  }

  write(pid: number, text: string, style: ConsoleStyle = 'out'): void {
    for (const line of text.split('\n')) this.console.push({ pid, style, text: line });
  }

  setDefense(id: DefenseId, on: boolean, by: number): void {
    if (this.defenses[id] === on) return;
    this.defenses[id] = on;
    if (id === 'interpose') this.chainWorldIfAny?.setInterposition(on);
    const label = DEFENSES.find((d) => d.id === id)!.label;
    this.record('defense', by, 0, `${label} turned ${on ? 'on' : 'off'}`);
  }

  // ── yield-key routing (seed 004) ───────────────────────────────────────────────────────────────────────────

  private chainWorldIfAny: ChainWorld | null = null;

  /** The chain world the shell's yield commands act on, made on first use. */
  get chainWorld(): ChainWorld {
    return (this.chainWorldIfAny ??= new ChainWorld(this.defenses.interpose));
  }

  // ── energy ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** Pay for `verb` out of `p`'s balance; free while the "energy budgets" defense is off. */
  pay(p: Process, verb: Verb): boolean {
    if (!this.defenses.energy) return true;
    if (!charge(p.meter, verb)) return false;
    p.spent += VERBS[verb];
    return true;
  }

  /** For operations run on a user's behalf (shell commands): pay now, or say when the energy returns. */
  payOrThrow(p: Process, verb: Verb): void {
    if (!this.pay(p, verb)) throw new KernelError('EAGAIN', this.frozenWhy(p, verb));
  }

  private frozenWhy(p: Process, verb: Verb): string {
    return `${this.who(p.pid)} has ${p.meter.energy} J and ${verb} costs ${VERBS[verb]} J: frozen until its refill at ${p.meter.nextRefill} ms`;
  }

  /** Raise or lower a fiber's Spectrum tier (authority is checked by the caller: see the shell's `tier`). */
  setTier(pid: number, tier: Tier, by: number): void {
    const p = this.process(pid);
    if (by) this.payOrThrow(this.process(by), 'GRANT');
    const from = p.meter.tier;
    p.meter.tier = tier;
    p.meter.nextRefill = Math.min(p.meter.nextRefill, this.time + periodOfTier(tier));
    this.record('grant', by, pid, `${this.who(pid)} moved from tier ${from} to ${tier} by ${by ? this.who(by) : 'the kernel'}`);
  }

  // ── machines and objects ───────────────────────────────────────────────────────────────────────────────────

  addMachine(name: string, role?: string): Machine {
    if (this.machines.length >= this.capacity.machines) throw new KernelError('ECAPACITY', `machine table is full (${this.capacity.machines})`);
    this.intern(name);
    const m = { id: this.machines.length, name, ...(role ? { role } : {}) };
    this.machines.push(m);
    this.topology++;
    return m;
  }

  /** The machine's filesystem object (created on first use: a cap to it is what `fs` grants). */
  vfsObject(machine: number): KernelObject {
    const found = [...this.objects.values()].find((o) => o.kind === 'vfs' && o.machine === machine);
    if (found) return found;
    const o = this.createObject('vfs', machine, 0, `fs@${this.machine(machine).name}`);
    o.vfs = defaultVfs();
    return o;
  }

  machine(id: number): Machine {
    const m = this.machines[id];
    if (!m) throw new KernelError('EINVAL', `no machine ${id}`);
    return m;
  }

  createObject(kind: KernelObject['kind'], machine: number, owner: number, name: string): KernelObject {
    if (this.objects.size >= this.capacity.objects) throw new KernelError('ECAPACITY', `object table is full (${this.capacity.objects})`);
    this.machine(machine);
    this.intern(name);
    const obj: KernelObject = { id: this.nextObject++, kind, machine, owner, name, counter: 0 };
    this.objects.set(obj.id, obj);
    this.topology++;
    return obj;
  }

  /** An endpoint served by `owner`; if its program is a server, the service starts with it. */
  createEndpoint(owner: Process, name: string): KernelObject {
    const ep = this.createObject('endpoint', owner.machine, owner.pid, name);
    const def = programByName.get(owner.program)?.service;
    if (def) ep.service = { def, state: def.init(owner.args), records: [], ctx: this.serviceContext(ep) };
    return ep;
  }

  createSession(machine: number, subject: string): KernelObject {
    const s = this.createObject('session', machine, 0, `UserSession ${subject}`);
    s.subject = subject;
    return s;
  }

  // ── service objects: trusted minting and receiver records ──────────────────────────────────────────────────

  /**
   * Mint a service object on `endpointId`: a new receiver record, or a freed one reused at the next generation
   * (so caps to its previous life fail). Only trusted paths reach here: the endpoint's own service, a holder of
   * mint authority, and boot wiring. `by` is who minted (0 = boot).
   */
  private mintRecord(endpointId: number, iface: string, label: string, data: unknown, by: number): Cap {
    const ep = this.objects.get(endpointId);
    if (!ep?.service) throw new KernelError('EINVAL', `object ${endpointId} is not a service endpoint`);
    let obj = ep.service.records.map((id) => this.objects.get(id)!).find((o) => o.record!.state !== 'live');
    if (obj) {
      const r = obj.record!;
      r.generation++;
      r.state = 'live';
      r.iface = iface;
      r.data = data;
      obj.name = label;
      this.intern(label);
      this.topology++;
    } else {
      obj = this.createObject('service', ep.machine, ep.owner, label);
      const selector = ep.service.records.length + 1;
      obj.record = { endpoint: ep.id, selector, tag: fnv1a(`${this.seed}:${ep.id}:${selector}`) & 0xffff, iface, generation: 1, state: 'live', data };
      ep.service.records.push(obj.id);
    }
    this.intern(iface);
    this.record('mint', by, ep.owner, `${label} minted on endpoint "${ep.name}" (generation ${obj.record!.generation}) by ${by ? this.who(by) : 'boot wiring'}`, obj.id);
    return makeCap('object', { kind: 'object', id: obj.id }, by ? { how: 'minted', by } : { how: 'boot' }, { generation: obj.record!.generation });
  }

  /** Boot wiring or a broker: ask the service to create an object from declared arguments, then mint it. */
  mintByAuthority(endpointId: number, iface: string, args: Readonly<Record<string, ArgValue>>, by: number): Cap {
    const ep = this.objects.get(endpointId);
    if (!ep?.service) throw new KernelError('EINVAL', `object ${endpointId} is not a service endpoint`);
    if (!Object.hasOwn(ep.service.def.interfaces, iface)) throw new KernelError('EIFACE', `endpoint "${ep.name}" serves no interface ${iface}`);
    const made = ep.service.def.create(ep.service.ctx, ep.service.state, iface, args);
    if ('error' in made) throw new KernelError('ESERVICE', made.error);
    return this.mintRecord(ep.id, iface, made.label, made.data, by);
  }

  private endRecord(objectId: number, state: 'closed' | 'revoked', by: number): void {
    const obj = this.objects.get(objectId);
    const r = obj?.record;
    if (!obj || !r || r.state !== 'live') return;
    const ep = this.objects.get(r.endpoint)!;
    ep.service!.def.released?.(ep.service!.ctx, ep.service!.state, objectId);
    r.state = state;
    this.topology++;
    this.record(state === 'closed' ? 'close' : 'revoke', by, obj.owner, `${obj.name} ${state} (generation ${r.generation}); its caps now fail`, obj.id);
  }

  close(objectId: number, by: number): void {
    this.endRecord(objectId, 'closed', by);
  }

  revoke(objectId: number, by: number): void {
    this.endRecord(objectId, 'revoked', by);
  }

  /** A channel or memory cap's rights now, after the Law of Decay. */
  effective(cap: Cap): number {
    return effectiveRights(cap.rights, this.decay, this.time - cap.since, cap.depth);
  }

  /** Why a cap no longer works, or null if it does. Closed and revoked records, and reused ones, fail. */
  capProblem(cap: Cap): { code: ErrorCode; error: string } | null {
    if (cap.target.kind === 'process') return this.processes.has(cap.target.pid) ? null : { code: 'ESRCH', error: `pid ${cap.target.pid} has exited` };
    if (cap.kind === 'import' && !this.fleet.pairing(cap.pairing ?? 0)?.live) return { code: 'ENOTFOUND', error: 'not found: the pairing it crossed was severed, so the machines are mutually invisible' };
    const obj = this.objects.get(cap.target.id);
    if (!obj) return { code: 'ENOCAP', error: 'its object is gone' };
    if (obj.epoch !== undefined) {
      if (cap.epoch !== obj.epoch) return { code: 'EREVOKED', error: `revoked: minted under epoch ${cap.epoch}, ${obj.name} is at epoch ${obj.epoch}` };
      if (!this.effective(cap)) return { code: 'EDECAYED', error: `the Law of Decay took its last right (depth ${cap.depth}, age ${this.time - cap.since} ms)` };
      return null;
    }
    const r = obj.record;
    if (!r || cap.kind !== 'object') return null;
    if (cap.generation !== r.generation && this.defenses.generation) {
      return { code: 'ESTALE', error: `stale receiver cookie: minted for generation ${cap.generation}, the record is at generation ${r.generation}` };
    }
    if (r.state === 'closed') return { code: 'ECLOSED', error: `${obj.name} was closed` };
    if (r.state === 'revoked') return { code: 'EREVOKED', error: `${obj.name} was revoked` };
    return null;
  }

  // ── channels and memory regions (Nexus S1) ─────────────────────────────────────────────────────────────────

  private noteDecay(cap: Cap): void {
    if (cap.kind !== 'channel' && cap.kind !== 'memory') return;
    const at = nextDecayAt(cap.rights, this.decay, cap.since, this.time, cap.depth);
    if (at !== null && at < this.nextDecay) this.nextDecay = at;
  }

  /** Some cap just lost a right to the Law of Decay: redraw, and find the next moment one will. */
  private decayed(): void {
    this.topology++;
    this.nextDecay = Infinity;
    for (const p of this.processes.values()) for (const [, s] of p.cnode.entries()) this.noteDecay(s.cap);
  }

  /** A new channel (rwx) or memory region (rw, bounds [0, length)) owned by `owner`, who gets the depth-0 cap. MAP. */
  createChannel(owner: number, name: string, region?: { length: number }): number {
    const p = this.process(owner);
    this.checkName(name);
    if (!this.requirePromise(p, ['stdio'], 'MAP')) throw new KernelError('EABORT', 'aborted');
    this.reserveCaps(1);
    this.payOrThrow(p, 'MAP');
    const obj = this.createObject(region ? 'region' : 'channel', p.machine, owner, name);
    obj.epoch = 0;
    if (region) obj.cells = new Array(region.length).fill(0);
    else obj.messages = [];
    const rights = region ? R | W : ALL_RIGHTS;
    const bounds = region ? { base: 0, length: region.length } : undefined;
    this.record('map', owner, owner, `${this.who(owner)} created ${region ? `memory region "${name}" [0, ${region.length})` : `channel "${name}"`} (${rightsText(rights)})`, obj.id);
    return this.insertCap(owner, p, name, makeCap(region ? 'memory' : 'channel', { kind: 'object', id: obj.id }, { how: 'minted', by: owner }, { rights, bounds, epoch: 0, since: this.time }));
  }

  private checkName(name: string) {
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,39}$/.test(name)) throw new KernelError('EINVAL', `"${name}" is not a name (a letter, then letters, digits, "_", "-" or ".")`);
  }

  /** MASK: narrow a cap's rights (and a region's bounds) in place. Never widens; costs MASK. */
  mask(pid: number, capName: string, rights: number, bounds?: Bounds): void {
    const p = this.process(pid);
    const { slot, cap } = p.cnode.lookup(capName);
    if (cap.kind !== 'channel' && cap.kind !== 'memory') throw new KernelError('EINVAL', `@${capName} is a ${cap.kind} cap; only channel and memory caps have rights bits to mask`);
    const dead = this.capProblem(cap);
    if (dead) throw new KernelError(dead.code, `@${capName} no longer works: ${dead.error}`);
    const why = maskProblem(this.effective(cap), rights, cap.bounds, bounds);
    if (why) {
      this.deny(pid, pid, `mask @${capName} ${rightsText(rights)}`, why, cap.target.kind === 'object' ? cap.target.id : 0);
      throw new KernelError('EPERM', why);
    }
    if (!this.requirePromise(p, ['stdio'], `mask @${capName}`)) throw new KernelError('EABORT', 'aborted');
    this.payOrThrow(p, 'MASK');
    p.cnode.replace(slot, { ...cap, rights, ...(bounds ? { bounds } : {}) });
    this.noteDecay(p.cnode.get(slot)!.cap);
    this.topology++;
    this.record('mask', pid, pid, `${this.who(pid)} masked @${capName} to ${rightsText(rights)}${bounds ? ` [${bounds.base}, ${bounds.base + bounds.length})` : ''}`, cap.target.kind === 'object' ? cap.target.id : 0);
  }

  /**
   * Epoch revocation: the object's epoch flips and every cap minted under the old one, at any depth, is dead at
   * once — no walk over the caps. Only the holder of the depth-0 cap (the minter) may revoke; its own cap is
   * reissued at the new epoch.
   */
  revokeEpoch(pid: number, capName: string): number {
    const p = this.process(pid);
    const { slot, cap } = p.cnode.lookup(capName);
    const obj = cap.target.kind === 'object' ? this.objects.get(cap.target.id) : undefined;
    if (!obj || obj.epoch === undefined) throw new KernelError('EINVAL', `@${capName} is not a channel or memory region: revoke flips an object's epoch`);
    if (cap.depth !== 0 || obj.owner !== pid) {
      this.deny(pid, pid, `revoke @${capName}`, `only the minter of ${obj.name} may revoke it (this cap is at depth ${cap.depth})`, obj.id);
      throw new KernelError('EPERM', `only the minter of ${obj.name} may revoke it (@${capName} is at depth ${cap.depth})`);
    }
    this.payOrThrow(p, 'MASK');
    const old = obj.epoch;
    obj.epoch = old + 1;
    p.cnode.replace(slot, { ...cap, epoch: obj.epoch });
    this.topology++;
    let dead = 0; // counted for the ledger only; revocation itself touched one word
    for (const q of this.processes.values()) for (const [, s] of q.cnode.entries()) if (s.cap.target.kind === 'object' && s.cap.target.id === obj.id && s.cap.epoch === old) dead++;
    this.record('revoke', pid, pid, `${obj.name}: epoch ${old} → ${obj.epoch}; ${dead} delegated cap${dead === 1 ? '' : 's'} died at once`, obj.id);
    return dead;
  }

  /** Channel and memory methods, served by the kernel: write/read (channels), load/store (regions). */
  private channelCall(cap: Cap, obj: KernelObject, method: string, args: Value[], fail: (code: ErrorCode, error: string, object?: number) => CallResult): CallResult {
    const eff = this.effective(cap);
    const need = (bit: number, what: string) => (eff & bit ? null : fail('EPERM', `@${obj.name}: ${what} needs ${rightsText(bit).replace(/-/g, '')}; the cap has ${rightsText(eff)}`, obj.id));
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
      return fail('ENOMETHOD', `a channel has write(text) and read()`, obj.id);
    }
    const offset = Number(args[0]);
    const b = cap.bounds!;
    if (!Number.isInteger(offset) || offset < b.base || offset >= b.base + b.length) return fail('EFAULT', `offset ${args[0]} is outside [${b.base}, ${b.base + b.length})`, obj.id);
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
    return fail('ENOMETHOD', `a memory region has load(offset) and store(offset, value)`, obj.id);
  }

  // ── pledge and unveil (Nexus S2) ───────────────────────────────────────────────────────────────────────────

  /**
   * Does `p`'s pledge allow an operation that needs one of `needs`? If not, the fiber — and only it — is aborted
   * and the ledger says which promise was missing for what. The shell is never aborted: it is told (it is the
   * user's hand, and the session must survive). With the sandbox defense off the operation goes ahead, and the
   * kernel says what it would have stopped.
   */
  requirePromise(p: Process, needs: readonly Promise_[], what: string, object = 0): boolean {
    if (allows(p.pledge, needs)) return true;
    const need = needs.map((n) => `"${n}"`).join(' or ');
    const detail = `${what} needs ${need}; ${this.who(p.pid)} pledged "${promisesText(p.pledge)}"`;
    if (!this.defenses.sandbox) {
      this.record('verdict', p.pid, p.pid, `pledge bypassed: ${detail} (pledge/unveil is off)`, object);
      return true;
    }
    if (p.program === 'shell') throw new KernelError('EPERM', `pledge: ${detail}`);
    this.record('abort', p.pid, p.pid, `pledge violation: ${detail}: aborted`, object);
    this.record('verdict', p.pid, p.pid, `pledge violation blocked: ${detail}; ${p.name} was aborted and its caps released`, object);
    this.reap(p, 'killed', 134, `aborted: pledge violation: ${what} needs ${need}`);
    return false;
  }

  /** A later pledge may only drop promises (and execpromises likewise); an attempt to add one is EPERM, ledgered. */
  setPledge(pid: number, promises: number, execpromises?: number): void {
    const p = this.process(pid);
    const problem = ratchetProblem(p.pledge, promises) ?? (execpromises !== undefined ? ratchetProblem(p.execpromises, execpromises, 'execpromises') : null);
    if (problem && this.defenses.sandbox) {
      this.deny(pid, pid, `pledge "${promisesText(promises)}"`, problem);
      throw new KernelError('EPERM', problem);
    }
    p.pledge = promises;
    if (execpromises !== undefined) p.execpromises = execpromises;
    // Dropping both file promises ends unveiling, as OpenBSD's dropping "unveil" does.
    if (!allows(promises, ['rw', 'storage'])) p.unveil.locked = true;
    this.topology++;
    this.record('pledge', pid, pid, `${this.who(pid)} pledged "${promisesText(promises)}"${execpromises !== undefined ? `, execpromises "${promisesText(execpromises)}"` : ''}`);
  }

  /** Canonical unveil entries for paths on a machine's filesystem (a spawn-time unveil). */
  resolveUnveil(machine: number, add: { path: string; perms: number }[]): UnveilEntry[] {
    const vfs = this.vfsObject(machine).vfs!;
    return add.map((a) => {
      const r = vfs.resolve(a.path);
      if (!r.ok) throw new KernelError(r.code, `unveil ${a.path}: ${r.error}`);
      return { path: r.path, perms: a.perms };
    });
  }

  /** Unveil paths (one call, one or more paths), or lock. Paths are resolved to canonical form first. */
  unveilPaths(pid: number, add: { path: string; perms: number }[] | 'lock'): void {
    const p = this.process(pid);
    if (add === 'lock') {
      p.unveil.locked = true;
      this.record('unveil', pid, pid, `${this.who(pid)} locked unveil`);
      return;
    }
    if (!this.requirePromise(p, ['rw', 'storage'], 'unveil')) throw new KernelError('EABORT', 'aborted');
    const entries = this.resolveUnveil(p.machine, add);
    const why = applyUnveil(p.unveil, entries);
    if (why) {
      this.deny(pid, pid, `unveil ${add.map((a) => `${a.path} ${permsText(a.perms)}`).join(', ')}`, why);
      throw new KernelError('EPERM', why);
    }
    this.topology++;
    this.record('unveil', pid, pid, `${this.who(pid)} unveiled ${entries.map((e) => `${e.path} ${permsText(e.perms)}`).join(', ')}`);
  }

  /** The filesystem, served by the kernel through an fs cap: read, write, list — within pledge and unveil. */
  private fsCall(p: Process, obj: KernelObject, method: string, args: Value[], fail: (code: ErrorCode, error: string, object?: number) => CallResult): CallResult {
    const vfs = obj.vfs!;
    const path = String(args[0] ?? '');
    const what = `${method} ${path}`;
    if (method !== 'read' && method !== 'write' && method !== 'list') return fail('ENOMETHOD', 'a filesystem cap has read(path), write(path, text) and list(path)', obj.id);
    if (!this.requirePromise(p, ['rw', 'storage'], what, obj.id)) return { ok: false, code: 'EABORT', error: 'aborted' };
    const r = vfs.resolve(path);
    if (!r.ok) return fail(r.code, `${path}: ${r.error}`, obj.id);
    const device = /^\/dev\/(audio|video|gpu)$/.exec(r.path)?.[1] as Promise_ | undefined;
    if (device && !this.requirePromise(p, [device], `${what} (a ${device} device)`, obj.id)) return { ok: false, code: 'EABORT', error: 'aborted' };
    const need = method === 'write' ? (r.node ? UW : UC) : UR;
    const blocked = checkAccess(p.unveil, r.path, need);
    if (blocked) {
      const shownAs = path === r.path ? r.path : `${path} (that is ${r.path})`;
      if (this.defenses.sandbox) {
        // A hidden file that exists was sought outside the unveiled paths: that is an escape attempt.
        if (blocked === 'ENOENT' && r.node) this.record('verdict', p.pid, p.pid, `unveil escape blocked: ${this.who(p.pid)} looked for ${shownAs} outside what it unveiled, and saw nothing (ENOENT)`, obj.id);
        return fail(blocked, blocked === 'ENOENT' ? `${path}: no such file or directory` : `${path}: unveiled without "${permsText(need)}"`, obj.id);
      }
      this.record('verdict', p.pid, p.pid, `unveil bypassed: ${this.who(p.pid)} reached ${shownAs}, which its unveil hides (pledge/unveil is off)`, obj.id);
    }
    if (method === 'list') {
      if (!r.node) return fail('ENOENT', `${path}: no such file or directory`, obj.id);
      if (r.node.kind !== 'dir') return { ok: true, value: [r.path], caps: NO_NAMES };
      const base = r.path === '/' ? '' : r.path;
      const names = [...r.node.children.keys()].filter((n) => !this.defenses.sandbox || granted(p.unveil, `${base}/${n}`) !== 0 || isAncestorOfUnveil(p.unveil, `${base}/${n}`)).sort();
      return { ok: true, value: names, caps: NO_NAMES };
    }
    if (method === 'read') {
      if (!r.node) return fail('ENOENT', `${path}: no such file or directory`, obj.id);
      if (r.node.kind !== 'file') return fail('EINVAL', `${path}: is a directory`, obj.id);
      obj.counter++;
      return { ok: true, value: r.node.content, caps: NO_NAMES };
    }
    if (r.node && r.node.kind !== 'file') return fail('EINVAL', `${path}: is a directory`, obj.id);
    const parent = vfs.resolve(r.parent);
    if (!parent.ok || parent.node?.kind !== 'dir') return fail('ENOENT', `${r.parent}: no such directory`, obj.id);
    vfs.write(r.path, String(args[1] ?? '').slice(0, 4000));
    obj.counter++;
    return { ok: true, value: true, caps: NO_NAMES };
  }

  // ── processes ──────────────────────────────────────────────────────────────────────────────────────────────

  process(pid: number): Process {
    const p = this.processes.get(pid);
    if (!p) throw new KernelError('ESRCH', `no process with pid ${pid}`);
    return p;
  }

  who(pid: number): string {
    const p = this.processes.get(pid);
    return p ? `${p.name} (pid ${pid})` : `pid ${pid}`;
  }

  /** Check that a spawn would fit before anything changes, so a refused spawn leaves no trace but its error. */
  checkSpawn(parent: number, program: string, grantCount: number, machine?: number): void {
    if (!programByName.has(program)) throw new KernelError('ENOPROG', `no program named "${program}"`);
    if (parent) this.process(parent);
    if (machine !== undefined) this.machine(machine);
    if (this.processes.size >= this.capacity.processes) throw new KernelError('ECAPACITY', `process table is full (${this.capacity.processes} processes)`);
    this.reserveCaps(grantCount + (parent ? 1 : 0));
  }

  /**
   * Create a process running `program`, holding exactly `grants` (nothing ambient). The parent receives a
   * process handle to the child. `parent` 0 is the kernel itself (boot).
   */
  spawn(parent: number, program: string, opts: SpawnOptions = {}): Process {
    const grants = opts.grants ?? [];
    this.checkSpawn(parent, program, grants.length, opts.machine);
    const prog = programByName.get(program)!;
    const parentProc = parent ? this.process(parent) : null;
    if (opts.pledge !== undefined && parentProc?.execpromises != null && this.defenses.sandbox) {
      const why = ratchetProblem(parentProc.execpromises, opts.pledge, 'a child’s pledge');
      if (why) throw new KernelError('EPERM', `${why} (the parent's execpromises bound it)`);
    }
    const machine = opts.machine ?? parentProc?.machine ?? 0;
    const name = opts.name ?? program;
    this.intern(name);
    this.intern(program);
    for (const g of grants) this.intern(g.name);

    const pid = this.nextPid++;
    const proc: Process = {
      pid,
      machine,
      parent,
      name,
      program,
      args: Object.freeze({ ...(opts.args ?? {}) }),
      cnode: new CNode(),
      state: 'ready',
      runs: 0,
      wakeAt: 0,
      resume: undefined,
      fiber: null,
      exitCode: null,
      meter: newMeter(this.time, opts.tier ?? SPAWN_TIER),
      pending: null,
      issuedAt: 0,
      latency: 0,
      spent: 0,
      // A child inherits its parent's unveils (it cannot see more than its parent) and starts pledged to the
      // parent's execpromises unless it asks for less.
      pledge: opts.pledge ?? parentProc?.execpromises ?? null,
      execpromises: parentProc?.execpromises ?? null,
      unveil: { entries: parentProc?.unveil.entries ? [...parentProc.unveil.entries] : null, locked: parentProc?.unveil.locked ?? false },
    };
    if (opts.unveil?.length) {
      const why = applyUnveil(proc.unveil, opts.unveil);
      if (why) throw new KernelError('EPERM', `unveil for the child: ${why}`);
    }
    this.processes.set(pid, proc);
    this.scheduler.invalidate();
    this.topology++;
    this.record('spawn', parent, pid, `${name} (pid ${pid}) runs "${program}" on ${this.machines[machine].name}`);
    for (const g of grants) this.insertCap(opts.grantedBy ?? parent, proc, g.name, g.cap);
    if (parentProc) this.insertCap(0, parentProc, name, makeCap('process', { kind: 'process', pid }, { how: 'spawned' }));
    const random = (n: number) => this.prng.below(n);
    const cap = (capName: string) => {
      const slot = proc.cnode.indexOf(capName);
      const c = slot >= 0 ? proc.cnode.get(slot)!.cap : null;
      if (!c) return null;
      const obj = c.target.kind === 'object' ? this.objects.get(c.target.id) : undefined;
      return { kind: c.kind, iface: obj?.record?.iface ?? '' };
    };
    proc.fiber = prog.body({ pid, name, args: proc.args, argv: Object.freeze([...(opts.argv ?? [])]), random, cap, now: () => this.time });
    return proc;
  }

  private reserveCaps(n: number) {
    if (this.capCount + n > this.capacity.caps) {
      throw new KernelError('ECAPACITY', `cap table is full (${this.capacity.caps} caps)`);
    }
  }

  /** Put a cap into a process's cnode and ledger the grant (granter 0 = kernel/boot wiring). */
  insertCap(granter: number, to: Process, name: string, cap: Cap): number {
    this.reserveCaps(1);
    this.noteDecay(cap);
    this.intern(name);
    const slot = to.cnode.insert(name, cap);
    this.capCount++;
    this.topology++;
    this.record('grant', granter, to.pid, `${this.who(to.pid)} holds @${to.cnode.get(slot)!.name}: ${this.describeCap(cap)} (${describeOrigin(cap.origin, this)})`, cap.target.kind === 'object' ? cap.target.id : 0);
    return slot;
  }

  /** Drop a cap from a cnode (a committed move, a release), with a ledger record of why. */
  releaseSlot(p: Process, slot: number, why: string): void {
    const s = p.cnode.remove(slot);
    if (!s) return;
    this.capCount--;
    this.topology++;
    this.record('release', p.pid, p.pid, `${this.who(p.pid)} no longer holds @${s.name}: ${why}`, s.cap.target.kind === 'object' ? s.cap.target.id : 0);
  }

  describeTarget(t: CapTarget): string {
    if (t.kind === 'process') return this.processes.has(t.pid) ? this.who(t.pid) : `pid ${t.pid} (gone)`;
    const o = this.objects.get(t.id);
    if (!o) return `object ${t.id} (gone)`;
    return o.kind === 'service' ? o.name : `${o.kind} "${o.name}"`;
  }

  describeCap(cap: Cap): string {
    const badge = cap.badge ? ` badge ${cap.badge}` : '';
    const relabel = cap.badge !== cap.sourceBadge ? ` RELABELED from badge ${cap.sourceBadge}` : '';
    return `${cap.kind} → ${this.describeTarget(cap.target)}${badge}${relabel}`;
  }

  /** Normal exit: the process ends itself. */
  exit(pid: number, code: number, why = ''): void {
    const p = this.process(pid);
    this.record('exit', pid, pid, `${p.name} (pid ${pid}) exited with code ${code}${why ? `: ${why}` : ''}`);
    this.reap(p, 'exited', code);
  }

  /**
   * Kill `pid` on behalf of `by`. The killer must hold a process handle to the victim (the kernel, by = 0, may
   * always kill). A refusal is ledgered as a denial and thrown.
   */
  kill(by: number, pid: number): void {
    const victim = this.process(pid);
    if (by !== 0 && !this.holdsHandle(by, pid)) {
      this.deny(by, pid, `kill ${this.who(pid)}`, 'the caller holds no process handle to it');
      throw new KernelError('EPERM', `kill: ${this.who(by)} holds no process handle to pid ${pid}`);
    }
    if (by !== 0) this.payOrThrow(this.process(by), 'SEND');
    this.record('kill', by, pid, `${victim.name} (pid ${pid}) killed by ${by ? this.who(by) : 'the kernel'}`);
    this.reap(victim, 'killed', 137);
  }

  holdsHandle(holder: number, pid: number): boolean {
    const p = this.processes.get(holder);
    return !!p && [...p.cnode.entries()].some(([, s]) => s.cap.kind === 'process' && s.cap.target.kind === 'process' && s.cap.target.pid === pid);
  }

  /** Exit codes of processes that have ended, for `wait` (kept small: one number per pid). */
  readonly exitCodes = new Map<number, number>();

  /**
   * `wait` on an ended child: its exit code, and the holder's handles to it are released (like reaping a
   * zombie). Null while the child still runs.
   */
  reapHandle(holder: number, pid: number): number | null {
    const code = this.exitCodes.get(pid);
    if (code === undefined) return null;
    const p = this.process(holder);
    this.payOrThrow(p, 'RECV');
    for (const [slot, s] of [...p.cnode.entries()]) {
      if (s.cap.kind === 'process' && s.cap.target.kind === 'process' && s.cap.target.pid === pid) this.releaseSlot(p, slot, `waited for pid ${pid} (exit code ${code})`);
    }
    return code;
  }

  /** Remove a finished process: release its caps, end the objects it served, and drop caps to them. */
  private reap(p: Process, state: 'exited' | 'killed', code: number, why = ''): void {
    p.state = state;
    p.fiber = null;
    p.exitCode = code;
    this.exitCodes.set(p.pid, code);
    const released = p.cnode.removeWhere(() => true).length;
    this.capCount -= released;
    this.processes.delete(p.pid);
    this.scheduler.invalidate();
    const dead = [...this.objects.values()].filter((o) => o.owner === p.pid);
    for (const o of dead) this.objects.delete(o.id);
    const deadIds = new Set(dead.map((o) => o.id));
    // Only a server's end can break other holders' caps; a process that served nothing (a fork bomb's child)
    // is reaped without visiting every cap table.
    for (const holder of deadIds.size ? this.processes.values() : []) {
      const gone = holder.cnode.removeWhere((c) => c.target.kind === 'object' && deadIds.has(c.target.id));
      this.capCount -= gone.length;
      for (const s of gone) this.record('release', 0, holder.pid, `${this.who(holder.pid)} lost @${s.name}: its server ${p.name} (pid ${p.pid}) is gone`);
    }
    this.topology++;
    if (released) this.record('release', p.pid, p.pid, `${p.name} (pid ${p.pid}) released ${released} cap${released === 1 ? '' : 's'}`);
    if (this.foreground === p.pid) {
      this.foreground = 0;
      this.prompt = '';
      this.stdin.length = 0;
      this.write(p.pid, `[${p.name} (pid ${p.pid}) ${why || (state === 'killed' ? 'was killed' : `exited with code ${code}`)}]`, state === 'killed' && why ? 'err' : 'sys');
    }
  }

  // ── the terminal's foreground ──────────────────────────────────────────────────────────────────────────────

  attach(pid: number): void {
    const p = this.process(pid);
    this.foreground = pid;
    this.prompt = `${p.name}> `;
    this.intern(this.prompt);
    this.stdin.length = 0;
  }

  /** A line the user typed while a program is in the foreground. */
  input(line: string): void {
    if (!this.foreground) return;
    if (this.stdin.length >= STDIN_LIMIT) this.stdin.shift();
    this.stdin.push(line);
  }

  // ── calls ──────────────────────────────────────────────────────────────────────────────────────────────────

  private serviceContext(ep: KernelObject): ServiceContext {
    const k = this; // the context's methods act on behalf of this endpoint's server
    return {
      server: ep.owner,
      endpoint: ep.id,
      now: () => k.time,
      random: (n) => k.prng.below(n),
      mint: (iface, label, data) => k.mintRecord(ep.id, iface, label, data, ep.owner),
      data: <T>(object: number) => k.objects.get(object)?.record?.data as T,
      close: (object) => k.close(object, ep.owner),
      revoke: (object) => k.revoke(object, ep.owner),
      verifyProof: (proof, root, request) => k.proofs.verify(proof, root, ep.name, requestDigest(request), k.time),
      write: (text, style) => k.write(k.foreground || ep.owner, text, style),
      readInput: () => k.stdin.shift() ?? null,
      setPrompt: (prompt) => {
        k.intern(prompt);
        k.prompt = prompt;
      },
    };
  }

  /**
   * CALL through a cap in `caller`'s cnode. The kernel checks the cap (stale cookies, closed or revoked
   * objects, interface), then runs the endpoint's service in the server's context and hands the reply back,
   * inserting any caps it returns into the caller's cnode. The service never learns who called.
   */
  call(caller: number, capName: string, method: string, opts: CallOptions = NO_OPTIONS): CallResult {
    const p = this.process(caller);
    // No closures on the happy path: it allocates only the request and the reply.
    const slot = p.cnode.indexOf(capName);
    const entry = slot >= 0 ? p.cnode.get(slot)! : null;
    if (!entry) return this.callDenied(caller, capName, method, 'ENOCAP', `no cap named @${capName}`);
    if (entry.reserved) return this.callDenied(caller, capName, method, 'EBUSY', `@${capName} is being moved`);
    const cap = entry.cap;
    const problem = this.capProblem(cap);
    if (problem) {
      if (problem.code === 'ESTALE') this.staleVerdict(caller, capName, cap, false);
      return this.callDenied(caller, capName, method, problem.code, problem.error, cap.target.kind === 'object' ? cap.target.id : 0);
    }
    if (cap.target.kind !== 'object') return this.callDenied(caller, capName, method, 'EINVAL', `@${capName} is a ${cap.kind} cap; it cannot be called`);
    const obj = this.objects.get(cap.target.id)!;
    if (cap.kind === 'object' && obj.record && cap.generation !== obj.record.generation) this.staleVerdict(caller, capName, cap, true);

    if (cap.kind === 'fs') {
      if (!opts.prepaid && !this.pay(p, method === 'write' ? 'SEND' : 'RECV')) return { ok: false, code: 'EAGAIN', error: this.frozenWhy(p, 'SEND'), retryAt: p.meter.nextRefill };
      return this.fsCall(p, obj, method, opts.args ?? NO_VALUES, (code, error, object = 0) => this.callDenied(caller, capName, method, code, error, object));
    }
    if ((cap.kind === 'channel' || cap.kind === 'memory' || cap.kind === 'minter') && !this.requirePromise(p, ['stdio'], `${method} on @${capName}`, obj.id)) {
      return { ok: false, code: 'EABORT', error: 'aborted' };
    }
    if (cap.kind === 'session') return this.sessionCall(p, obj, method, opts, (code, error, object = 0) => this.callDenied(caller, capName, method, code, error, object));
    if (cap.kind === 'channel' || cap.kind === 'memory') {
      if (!opts.prepaid && !this.pay(p, method === 'read' || method === 'load' ? 'RECV' : 'SEND')) return { ok: false, code: 'EAGAIN', error: this.frozenWhy(p, 'SEND'), retryAt: p.meter.nextRefill };
      return this.channelCall(cap, obj, method, opts.args ?? NO_VALUES, (code, error, object = 0) => this.callDenied(caller, capName, method, code, error, object));
    }
    if (cap.kind === 'minter') {
      if (method !== 'mint') return this.callDenied(caller, capName, method, 'ENOMETHOD', `a mint authority cap has one method, mint(interface, args)`);
      const [iface, args] = opts.args ?? [];
      try {
        const minted = this.mintByAuthority(obj.id, String(iface), (args && typeof args === 'object' && !Array.isArray(args) ? args : {}) as Record<string, ArgValue>, caller);
        return this.deliver(p, [{ name: opts.as ?? String(iface).toLowerCase(), cap: minted }], null);
      } catch (e) {
        if (e instanceof KernelError) return this.callDenied(caller, capName, method, e.code, e.message, obj.id);
        throw e;
      }
    }
    if (cap.kind !== 'client' && cap.kind !== 'object' && cap.kind !== 'import') {
      return this.callDenied(caller, capName, method, 'EPERM', cap.kind === 'endpoint' ? `@${capName} is the server side of an endpoint: it receives calls, it does not make them` : `@${capName} is a ${cap.kind} cap; it cannot be called`);
    }

    const ep = cap.kind === 'object' ? this.objects.get(obj.record!.endpoint)! : obj;
    const service = ep.service;
    if (!service) return this.callDenied(caller, capName, method, 'EINVAL', `endpoint "${ep.name}" has no service behind it`, ep.id);
    if (!this.requirePromise(p, [service.def.promise], `${method} on @${capName}`, obj.id)) return { ok: false, code: 'EABORT', error: 'aborted' };
    let args = opts.args ?? NO_VALUES;
    if (cap.kind === 'import') {
      const refused = this.authorizeImport(p, cap, ep, service.def, method);
      if (refused) return this.callDenied(caller, capName, method, refused.code, refused.error, ep.id);
      if (service.def.access?.[method] === 'telemetry') args = args.map(sanitizeTelemetry);
    }
    // Energy: the caller pays the CALL, the server the RETURN. Short of either, the call waits (EAGAIN + when).
    const server = this.processes.get(ep.owner);
    if (this.defenses.energy && server && server.meter.energy < VERBS.SEND) {
      return { ok: false, code: 'EAGAIN', error: this.frozenWhy(server, 'SEND'), retryAt: server.meter.nextRefill };
    }
    if (!opts.prepaid && !this.pay(p, 'SEND')) return { ok: false, code: 'EAGAIN', error: this.frozenWhy(p, 'SEND'), retryAt: p.meter.nextRefill };
    if (server) this.pay(server, 'SEND');
    const iface = cap.kind === 'object' ? obj.record!.iface : service.def.legacyIface;
    if (opts.iface && opts.iface !== iface) return this.callDenied(caller, capName, method, 'EIFACE', `@${capName} is a ${iface}, not a ${opts.iface}`, obj.id);
    if (!Object.hasOwn(service.def.interfaces, iface) || !service.def.interfaces[iface].includes(method)) {
      const owner = Object.entries(service.def.interfaces).find(([, methods]) => methods.includes(method))?.[0];
      return owner ? this.callDenied(caller, capName, method, 'EIFACE', `${method} belongs to ${owner}; @${capName} is a ${iface}`, obj.id) : this.callDenied(caller, capName, method, 'ENOMETHOD', `${iface} has no method ${method}`, obj.id);
    }
    const caps: CapArg[] = [];
    for (const name of opts.caps ?? NO_NAMES) {
      const s = p.cnode.indexOf(name);
      const c = s >= 0 ? p.cnode.get(s)!.cap : null;
      if (!c) return this.callDenied(caller, capName, method, 'ENOCAP', `argument @${name}: no such cap`);
      const target = c.target.kind === 'object' ? this.objects.get(c.target.id) : undefined;
      const mine = target?.record && target.record.endpoint === ep.id && !this.capProblem(c);
      caps.push({ object: mine ? target.id : 0, iface: target?.record?.iface ?? '' });
    }
    const req: Request = {
      via: cap.kind === 'object' ? { kind: 'object', object: obj.id, iface } : { kind: 'client', badge: cap.badge },
      method,
      args,
      caps,
      proof: opts.proof ?? null,
    };
    ep.counter++;
    if (obj !== ep) obj.counter++;
    const reply: Reply = service.def.handle(service.ctx, service.state, req);
    if (!reply.ok) return this.callDenied(caller, capName, method, reply.code, reply.error, obj.id);
    return this.deliver(p, reply.caps ?? [], reply.value ?? null, opts.as);
  }

  // ── imports across a machine pairing (seeds 000, 001) ───────────────────────────────────────────────────────

  /**
   * Import a service from another machine: only across a live pairing. An unpaired machine is not-found, exactly
   * like a machine that does not exist (mutual invisibility), never "denied". The cap's calls are attenuated by
   * the pairing's type at each call, and by the Diode: from downstream, only sanitised telemetry flows up.
   */
  importService(pid: number, machineName: string, service: string, as?: string): { name: string; cap: Cap; telemetryOnly: boolean } {
    const p = this.process(pid);
    const from = this.machines[p.machine];
    const to = this.fleet.machine(machineName);
    const pairing = to ? this.fleet.between(from.id, to.id) : undefined;
    const ep = to && pairing ? [...this.objects.values()].find((o) => o.kind === 'endpoint' && o.machine === to.id && o.name === service && o.service) : undefined;
    if (!to || to.id === from.id || !pairing || !ep) {
      const why = to?.id === from.id ? `${service} is on this machine: use a local cap, not an import` : `no service "${service}" on a machine "${machineName}" is visible from ${from.name}`;
      this.deny(pid, pid, `import ${machineName}/${service} by ${this.who(pid)}`, `ENOTFOUND: ${why}`);
      throw new KernelError(to?.id === from.id ? 'EINVAL' : 'ENOTFOUND', why);
    }
    const cap = makeCap('import', { kind: 'object', id: ep.id }, { how: 'minted', by: 0 }, { pairing: pairing.id, since: this.time });
    const slot = this.insertCap(0, p, as ?? service, cap);
    const telemetryOnly = this.defenses.diode && this.fleet.upstream(from, to);
    this.record(
      'auth',
      pid,
      pid,
      `${this.who(pid)} imported ${service}@${to.name} across the ${pairing.type} pairing${telemetryOnly ? `; the Diode: ${from.name} is downstream of ${to.name}, so the cap carries sanitised telemetry only` : ''}`,
      ep.id,
    );
    return { name: p.cnode.get(slot)!.name, cap, telemetryOnly };
  }

  /** What an import held on `machine` may do right now, as ACCESS_BITS (bit i = ACCESS_BITS[i]), for the UI. */
  importAccess(machine: number, cap: Cap): number {
    const pairing = this.fleet.pairing(cap.pairing ?? 0);
    const ep = cap.target.kind === 'object' ? this.objects.get(cap.target.id) : undefined;
    if (!pairing?.live || !ep) return 0;
    const diode = this.defenses.diode && this.fleet.upstream(this.machines[machine], this.machines[ep.machine]);
    return ACCESS_BITS.reduce((bits, a, i) => (TYPE_ALLOWS[pairing.type].has(a) && (!diode || a === 'telemetry') ? bits | (1 << i) : bits), 0);
  }

  /** Check one call through an import; ledger the authorization either way (a refusal via the denial). */
  private authorizeImport(p: Process, cap: Cap, ep: KernelObject, def: ServiceDef<unknown>, method: string): { code: ErrorCode; error: string } | null {
    const pairing = this.fleet.pairing(cap.pairing ?? 0)!;
    const access: Access = def.access?.[method] ?? 'write';
    const from = this.machines[p.machine];
    const to = this.machines[ep.machine];
    const upstream = this.fleet.upstream(from, to) && access !== 'telemetry';
    if (upstream && this.defenses.diode) {
      this.record('verdict', p.pid, p.pid, `upstream command impossible: ${this.who(p.pid)} on ${from.name} tried ${method} on ${ep.name}@${to.name}; the Diode lets only sanitised telemetry flow up`, ep.id);
      return { code: 'EDIODE', error: `the Diode: ${from.name} is downstream of ${to.name}; no capability can express a command upstream (only sanitised telemetry flows up)` };
    }
    if (!TYPE_ALLOWS[pairing.type].has(access)) {
      return { code: 'EPERM', error: `the ${pairing.type} pairing is ${pairing.type === 'USER' ? 'read-only' : pairing.type === 'INTERFACE' ? 'metadata only' : 'not ADMIN'}: ${method} (${access}) needs ${typesAllowing(access)}` };
    }
    this.record('auth', p.pid, p.pid, `${this.who(p.pid)} ${method} (${access}) on ${ep.name}@${to.name}: allowed by the ${pairing.type} pairing ${from.name} ⇄ ${to.name}`, ep.id);
    if (upstream) this.record('verdict', p.pid, p.pid, `upstream command went through: ${this.who(p.pid)} on ${from.name} ran ${method} on ${ep.name}@${to.name} (the Diode is off)`, ep.id);
    return null;
  }

  /**
   * A call through a service object cap minted for an earlier generation of its receiver record (the record was
   * freed and reused): refused as ESTALE, or — with the generation check off — let through to whoever holds the
   * record now. Either way the verdict says which.
   */
  private staleVerdict(caller: number, capName: string, cap: Cap, accepted: boolean): void {
    const obj = cap.target.kind === 'object' ? this.objects.get(cap.target.id) : undefined;
    if (!obj?.record) return;
    const now = `generation ${obj.record.generation} (${obj.name})`;
    this.record(
      'verdict',
      caller,
      caller,
      accepted
        ? `stale cookie accepted: ${this.who(caller)}'s @${capName} was minted for generation ${cap.generation} of its receiver record and reached ${now}: it acts as the new holder's object (the receiver generation check is off)`
        : `stale cookie refused: ${this.who(caller)}'s @${capName} was minted for generation ${cap.generation} of its receiver record, which is now at ${now}: ESTALE, the call never reaches the new object`,
      obj.id,
    );
  }

  private callDenied(caller: number, capName: string, method: string, code: ErrorCode, error: string, object = 0): CallResult {
    this.deny(caller, caller, `${method} on @${capName} by ${this.who(caller)}`, `${code}: ${error}`, object);
    return { ok: false, code, error };
  }

  /** Put the caps a reply returns into the caller's cnode (the last one under `as`, if given). */
  private deliver(p: Process, caps: { name: string; cap: Cap }[], value: Value, as?: string): CallResult {
    if (!caps.length) return { ok: true, value, caps: NO_NAMES };
    const names = caps.map((c, i) => {
      const slot = this.insertCap(c.cap.origin.how === 'minted' ? c.cap.origin.by : 0, p, as && i === caps.length - 1 ? as : c.name, c.cap);
      return p.cnode.get(slot)!.name;
    });
    return { ok: true, value, caps: names };
  }

  /**
   * The kernel serves UserSession: deriveProof(request, freshnessMs, audience?) scoped to the root passed as a cap
   * argument; the audience defaults to the service the root belongs to (its endpoint's name).
   */
  private sessionCall(p: Process, session: KernelObject, method: string, opts: CallOptions, fail: (code: ErrorCode, error: string, object?: number) => CallResult): CallResult {
    if (method !== 'deriveProof') return fail('ENOMETHOD', `UserSession has one method, deriveProof(request, freshnessMs, audience?) with the service root as a cap argument`);
    const [request, freshness, audienceArg] = opts.args ?? [];
    const rootName = opts.caps?.[0];
    const rootSlot = rootName ? p.cnode.indexOf(rootName) : -1;
    const root = rootSlot >= 0 ? p.cnode.get(rootSlot)!.cap : null;
    const rootObj = root?.target.kind === 'object' ? this.objects.get(root.target.id) : undefined;
    if (!root || !rootObj?.record || this.capProblem(root)) return fail('EINVAL', 'deriveProof needs the service root it is for as a cap argument');
    const ms = typeof freshness === 'number' && freshness > 0 ? Math.min(freshness, MAX_FRESHNESS_MS) : 5000;
    const audience = typeof audienceArg === 'string' ? audienceArg.slice(0, 40) : (this.objects.get(rootObj.record.endpoint)?.name ?? '');
    const proof = this.proofs.derive(session.subject!, rootObj.id, audience, requestDigest(request ?? null), this.time, ms);
    this.record('grant', p.pid, p.pid, `${this.who(p.pid)} derived a proof for subject "${session.subject}" scoped to ${rootObj.name}, audience "${audience}", valid ${ms} ms`, rootObj.id);
    return { ok: true, value: proof as unknown as Value, caps: [] };
  }

  // ── scheduler ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Advance virtual time by `n` ticks of 1 ms (the scheduler, scheduler.ts, runs every process's turn). */
  step(n = 1): void {
    this.scheduler.step(n);
  }

  /** Run what `clock step` still owes, with at most `budget` units of work; true when nothing is owed. */
  runOwed(budget = Infinity): boolean {
    return this.scheduler.runTo(this.ticks + this.stepsOwed, undefined, budget);
  }

  /** The scheduler begins a tick: the clock moves 1 ms, and caps due to decay do. */
  beginTick(): void {
    this.time += 1;
    this.ticks++;
    if (this.stepsOwed > 0) this.stepsOwed--;
    if (this.time >= this.nextDecay) this.decayed();
    // A saved session holds at most a week of virtual time: the clock stops there, saying why. Here, in the
    // tick itself, so a replay reaching that tick stops it the same way.
    if (this.ticks === MAX_SESSION_TICKS) {
      this.stepsOwed = 0;
      this.setRunning(false, 0);
      this.record('clock', 0, 0, 'clock stopped: the session holds a week of virtual time, the most a saved session may; export it or start a fresh one');
    }
  }

  /**
   * Run a fiber's verbs until it sleeps, blocks, freezes for want of energy, or exits. Energy is the limit, not
   * a time slice; MAX_VERBS_PER_TICK only keeps an unmetered fiber from stalling the simulation.
   */
  runFiber(p: Process): number {
    if (!p.fiber) return 0;
    p.runs++;
    let n = 0;
    while (n < MAX_VERBS_PER_TICK) {
      n++;
      let call = p.pending;
      if (!call) {
        p.state = 'running';
        let next: IteratorResult<Syscall, void>;
        try {
          const resume = p.resume;
          p.resume = undefined;
          next = p.fiber.next(resume);
        } catch (e) {
          this.exit(p.pid, 134, `crashed: ${e instanceof Error ? e.message : String(e)}`);
          return n;
        }
        if (!p.fiber) return n; // it was reaped while running (e.g. a call killed it)
        if (next.done) {
          this.exit(p.pid, 0);
          return n;
        }
        call = next.value;
        p.issuedAt = this.time;
      }
      p.pending = null;
      this.syscall(p, call);
      if (p.state !== 'ready') return n; // sleeping, blocked, frozen, or reaped
    }
    return n;
  }

  /** Run a kernel operation for a fiber and resume it with the outcome: a refusal is a result, never thrown at it. */
  private settle(p: Process, op: () => Value | void): void {
    let result: SyscallResult;
    try {
      const value = op();
      result = value === undefined ? { ok: true } : { ok: true, value };
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      result = { ok: false, code: e.code, error: e.message };
    }
    if (!this.processes.has(p.pid)) return; // it was aborted on the way
    p.state = 'ready';
    p.resume = result;
  }

  /** The verb a syscall is charged as (null: free). Reading a channel or region is RECV; other calls are SEND. */
  private verbOf(p: Process, call: Syscall): Verb | null {
    switch (call.op) {
      case 'sleep':
        return 'TICK';
      case 'spawn':
        return 'SPAWN';
      case 'call': {
        if (call.method !== 'read' && call.method !== 'load') return 'SEND';
        const slot = p.cnode.indexOf(call.cap);
        const kind = slot >= 0 ? p.cnode.get(slot)!.cap.kind : null;
        return kind === 'channel' || kind === 'memory' ? 'RECV' : 'SEND';
      }
      default:
        return null;
    }
  }

  /** Execute one syscall, charging its verb first; a fiber that cannot pay freezes with the syscall pending. */
  private syscall(p: Process, call: Syscall): void {
    const verb = this.verbOf(p, call);
    if (verb && !this.pay(p, verb)) {
      p.pending = call;
      p.state = 'frozen';
      if (!this.frozenOnce.has(p)) this.firstFreeze(p, verb);
      return;
    }
    if ((verb === 'SPAWN' || verb === 'SEND') && !this.defenses.energy) this.unmetered(p, verb);
    p.latency = this.time - p.issuedAt;
    switch (call.op) {
      case 'verdict':
        // A built-in demo program says how its story ended (the verdict banner shows it); free, and ledgered as its own.
        this.record('verdict', p.pid, p.pid, String(call.text).slice(0, 400));
        p.state = 'ready';
        p.resume = RESUMED;
        return;
      case 'sleep':
        p.state = 'sleeping';
        p.wakeAt = this.time + Math.max(1, Math.floor(call.ms));
        return;
      case 'wait':
        p.state = 'blocked';
        return;
      case 'exit':
        this.exit(p.pid, call.code);
        return;
      case 'pledge':
        this.settle(p, () => this.setPledge(p.pid, call.promises, call.execpromises));
        return;
      case 'unveil':
        this.settle(p, () => this.unveilPaths(p.pid, call.entries));
        return;
      case 'spawn':
        this.settle(p, () => spawnWithGrants(this, p.pid, call.program, call.grants ?? [], { name: call.name, argv: call.argv, prepaid: true }).pid);
        return;
      case 'call': {
        const r = this.call(p.pid, call.cap, call.method, { args: call.args, caps: call.caps, proof: call.proof, as: call.as, prepaid: true });
        if (!this.processes.has(p.pid)) return;
        if (!r.ok && r.code === 'EAGAIN' && r.retryAt !== undefined) {
          // The server is frozen: give the CALL back and wait for its refill (latency, not an error).
          if (this.defenses.energy) {
            p.meter.energy += VERBS.SEND;
            p.spent -= VERBS.SEND;
          }
          p.pending = call;
          p.state = 'sleeping';
          p.wakeAt = Math.max(this.time + 1, r.retryAt);
          return;
        }
        p.state = 'ready';
        p.resume = r.ok ? { ok: true, value: r.value, caps: r.caps } : { ok: false, code: r.code, error: r.error };
        return;
      }
    }
  }

  // ── verdicts on energy: a budget that held, or a burst nothing slowed ─────────────────────────────────────

  private readonly frozenOnce = new WeakSet<Process>();
  private readonly bursts = new WeakMap<Process, { from: number; SPAWN: number; SEND: number; told: boolean }>();

  /** The first time a fiber cannot pay for a verb, say so once: the budget held (latency, not an error). */
  private firstFreeze(p: Process, verb: Verb): void {
    this.frozenOnce.add(p);
    const m = p.meter;
    this.record(
      'verdict',
      p.pid,
      p.pid,
      `energy budget held: ${this.who(p.pid)} cannot pay its next ${verb} (${VERBS[verb]} J, ${m.energy} J left of ${m.budget} J: ${Math.floor(m.budget / VERBS[verb])} per refill) and is frozen until its refill at ${m.nextRefill} ms (tier ${m.tier})`,
    );
  }

  /** With budgets off, a fiber running bursts of SPAWN (≥ 64) or SEND (≥ 2000) within a second gets one verdict. */
  private unmetered(p: Process, verb: 'SPAWN' | 'SEND'): void {
    let b = this.bursts.get(p);
    if (b?.told) return;
    if (!b || this.time - b.from >= 1000) this.bursts.set(p, (b = { from: this.time, SPAWN: 0, SEND: 0, told: false }));
    const n = ++b[verb];
    if (n < (verb === 'SPAWN' ? 64 : 2000)) return;
    b.told = true;
    this.record(
      'verdict',
      p.pid,
      p.pid,
      `no energy budget: ${this.who(p.pid)} ran ${n} ${verb}s in ${this.time - b.from + 1} ms; with budgets on it could pay for ${Math.floor(p.meter.budget / VERBS[verb])} per refill (energy budgets are off: nothing slows it)`,
    );
  }

  // ── clock control ──────────────────────────────────────────────────────────────────────────────────────────

  setRunning(running: boolean, by: number): void {
    if (this.running === running) return;
    this.running = running;
    this.record('clock', by, 0, running ? 'clock running' : 'clock paused');
  }

  setSpeed(speed: number, by: number): void {
    if (!(speed > 0 && speed <= 100)) throw new KernelError('EINVAL', `speed must be a number in (0, 100], got ${speed}`);
    this.speed = speed;
    this.record('clock', by, 0, `clock speed ×${speed}`);
  }
}


/** Is `path` a directory above some unveiled entry (so listing may show it as a way down)? */
function isAncestorOfUnveil(state: UnveilState, path: string): boolean {
  return !!state.entries?.some((e) => e.perms !== 0 && e.path.startsWith(`${path}/`));
}

export function describeOrigin(o: Origin, k: Pick<Kernel, 'who'>): string {
  switch (o.how) {
    case 'boot':
      return 'boot manifest';
    case 'minted':
      return `minted by ${k.who(o.by)}`;
    case 'copied':
    case 'moved':
      return `${o.how} from ${k.who(o.from)} slot ${o.slot}`;
    case 'spawned':
      return 'handle to a child it spawned';
  }
}
