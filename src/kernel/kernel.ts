import { CNode, type Cap, type CapTarget } from './caps/cnode';
import { KernelError } from './errors';
import { Ledger } from './ledger/ledger';
import { Prng } from './prng';
import { programByName, type ArgValue, type Message, type Syscall, type SyscallResult } from './programs/programs';
import { DEFAULT_CAPACITY, type Capacity, type LedgerEntry, type LedgerKind, type ObjectKind, type ProcState } from './sab/layout';
import { utf8Length } from './sab/utf8';

export interface Machine {
  readonly id: number;
  readonly name: string;
}

export interface KernelObject {
  readonly id: number;
  readonly kind: Exclude<ObjectKind, 'none'>;
  readonly machine: number;
  owner: number; // pid of the server (endpoint) or 0 for the kernel (spawner)
  readonly name: string;
  counter: number; // messages delivered
  queue: Message[];
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
  waitingOn: number; // object id a blocked recv waits on; -1 for an open-ended wait
  resume: SyscallResult | undefined;
  fiber: Generator<Syscall, void, SyscallResult | undefined> | null;
}

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
}

/** The world's mutable state, read by the publisher and the shell. */
export interface KernelState {
  readonly machines: readonly Machine[];
  readonly processes: ReadonlyMap<number, Process>;
  readonly objects: ReadonlyMap<number, KernelObject>;
}

const QUEUE_LIMIT = 256;

/**
 * The kernel: machines, processes with cnodes, kernel objects, a scheduler on a virtual clock, and the audit
 * ledger. Pure and deterministic: all time is virtual (one tick = 1 ms) and all randomness comes from the seed.
 */
export class Kernel implements KernelState {
  readonly capacity: Capacity;
  readonly ledger = new Ledger();
  readonly machines: Machine[] = [];
  readonly processes = new Map<number, Process>();
  readonly objects = new Map<number, KernelObject>();
  /** Bumps whenever a process, object or cap appears or disappears: the UI relayouts only then. */
  topology = 0;
  time = 0;
  ticks = 0;
  running = true;
  speed = 1;
  private nextPid = 1;
  private nextObject = 1;
  private capCount = 0;
  private prng: Prng;
  private readonly strings = new Map<string, number>([['', 0]]);
  readonly stringList: string[] = [''];
  private stringBytes = 0;

  constructor(
    readonly seed: number,
    capacity: Capacity = DEFAULT_CAPACITY,
  ) {
    this.capacity = capacity;
    this.prng = new Prng(seed);
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

  // ── ledger ─────────────────────────────────────────────────────────────────────────────────────────────────

  record(kind: LedgerKind, actor: number, subject: number, detail: string): LedgerEntry {
    return this.ledger.append(this.time, kind, actor, subject, detail);
  }

  // ── machines and objects ───────────────────────────────────────────────────────────────────────────────────

  addMachine(name: string): Machine {
    if (this.machines.length >= this.capacity.machines) throw new KernelError('ECAPACITY', `machine table is full (${this.capacity.machines})`);
    this.intern(name);
    const m = { id: this.machines.length, name };
    this.machines.push(m);
    this.topology++;
    return m;
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
    const obj: KernelObject = { id: this.nextObject++, kind, machine, owner, name, counter: 0, queue: [] };
    this.objects.set(obj.id, obj);
    this.topology++;
    return obj;
  }

  // ── processes ──────────────────────────────────────────────────────────────────────────────────────────────

  process(pid: number): Process {
    const p = this.processes.get(pid);
    if (!p) throw new KernelError('ESRCH', `no process with pid ${pid}`);
    return p;
  }

  /**
   * Create a process running `program`, holding exactly `grants` (nothing ambient). The parent receives a
   * process handle to the child. `parent` 0 is the kernel itself (boot).
   */
  spawn(parent: number, program: string, opts: SpawnOptions = {}): Process {
    const prog = programByName.get(program);
    if (!prog) throw new KernelError('ENOPROG', `no program named "${program}"`);
    const parentProc = parent ? this.process(parent) : null;
    const machine = opts.machine ?? parentProc?.machine ?? 0;
    this.machine(machine);
    if (this.processes.size >= this.capacity.processes) {
      throw new KernelError('ECAPACITY', `process table is full (${this.capacity.processes} processes)`);
    }
    const grants = opts.grants ?? [];
    const handleCount = parentProc ? 1 : 0;
    this.reserveCaps(grants.length + handleCount);
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
      waitingOn: -1,
      resume: undefined,
      fiber: null,
    };
    this.processes.set(pid, proc);
    this.topology++;
    this.record('spawn', parent, pid, `${name} (pid ${pid}) runs "${program}" on ${this.machines[machine].name}`);
    for (const g of grants) this.insertCap(opts.grantedBy ?? parent, proc, g.name, g.cap);
    if (parentProc) this.insertCap(0, parentProc, name, { kind: 'process', target: { kind: 'process', pid }, badge: 0 });
    const random = (n: number) => this.prng.below(n);
    proc.fiber = prog.body({ pid, name, args: proc.args, random });
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
    this.intern(name);
    const slot = to.cnode.insert(name, cap);
    this.capCount++;
    this.topology++;
    const badge = cap.badge ? ` badge ${cap.badge}` : '';
    this.record('grant', granter, to.pid, `${to.name} (pid ${to.pid}) holds @${to.cnode.get(slot)!.name}: ${cap.kind} → ${this.describeTarget(cap.target)}${badge}`);
    return slot;
  }

  describeTarget(t: CapTarget): string {
    if (t.kind === 'process') {
      const p = this.processes.get(t.pid);
      return p ? `${p.name} (pid ${t.pid})` : `pid ${t.pid} (gone)`;
    }
    const o = this.objects.get(t.id);
    return o ? `${o.kind} "${o.name}"` : `object ${t.id} (gone)`;
  }

  /** Normal exit: the process ends itself. */
  exit(pid: number, code: number, why = ''): void {
    const p = this.process(pid);
    this.record('exit', pid, pid, `${p.name} (pid ${pid}) exited with code ${code}${why ? `: ${why}` : ''}`);
    this.reap(p, 'exited');
  }

  /**
   * Kill `pid` on behalf of `by`. The killer must hold a process handle to the victim (the kernel, by = 0, may
   * always kill). A refusal is ledgered as a denial and thrown.
   */
  kill(by: number, pid: number): void {
    const victim = this.process(pid);
    if (by !== 0) {
      const killer = this.process(by);
      const holds = [...killer.cnode.entries()].some(([, s]) => s.cap.kind === 'process' && s.cap.target.kind === 'process' && s.cap.target.pid === pid);
      if (!holds) {
        this.deny(by, pid, `kill ${victim.name} (pid ${pid})`, 'caller holds no process handle to it');
        throw new KernelError('EPERM', `kill: ${killer.name} holds no process handle to pid ${pid}`);
      }
    }
    this.record('kill', by, pid, `${victim.name} (pid ${pid}) killed by ${by ? `pid ${by}` : 'the kernel'}`);
    this.reap(victim, 'killed');
  }

  deny(actor: number, subject: number, what: string, why: string): void {
    this.record('deny', actor, subject, `denied: ${what}: ${why}`);
  }

  /** Remove a finished process: release its caps, destroy the objects it served, and drop caps to them. */
  private reap(p: Process, state: 'exited' | 'killed'): void {
    p.state = state;
    p.fiber = null;
    const released = p.cnode.removeWhere(() => true).length;
    this.capCount -= released;
    this.processes.delete(p.pid);
    const dead = [...this.objects.values()].filter((o) => o.owner === p.pid);
    for (const o of dead) this.objects.delete(o.id);
    const deadIds = new Set(dead.map((o) => o.id));
    for (const holder of this.processes.values()) {
      const gone = holder.cnode.removeWhere(
        (c) => (c.target.kind === 'object' && deadIds.has(c.target.id)) || (c.target.kind === 'process' && c.target.pid === p.pid),
      );
      this.capCount -= gone.length;
      for (const s of gone) this.record('release', 0, holder.pid, `${holder.name} (pid ${holder.pid}) lost @${s.name}: ${this.describeTarget(s.cap.target)} is gone`);
      // A server blocked on a destroyed endpoint wakes with an error.
      if (holder.state === 'blocked' && deadIds.has(holder.waitingOn)) this.wake(holder, { ok: false, code: 'ENOCAP', error: 'endpoint destroyed' });
    }
    this.topology++;
    if (released) this.record('release', p.pid, p.pid, `${p.name} (pid ${p.pid}) released ${released} cap${released === 1 ? '' : 's'}`);
  }

  private wake(p: Process, result: SyscallResult | undefined) {
    p.state = 'ready';
    p.waitingOn = -1;
    p.resume = result;
  }

  // ── scheduler ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Advance virtual time by `n` ticks of 1 ms, running every ready process once per tick in pid order. */
  step(n = 1): void {
    for (let i = 0; i < n; i++) this.tick();
  }

  private tick(): void {
    this.time += 1;
    this.ticks++;
    for (const p of [...this.processes.values()]) {
      if (p.state === 'sleeping' && p.wakeAt <= this.time) this.wake(p, { ok: true });
      if (p.state === 'ready') this.run(p);
    }
  }

  private run(p: Process): void {
    if (!p.fiber) return;
    p.state = 'running';
    p.runs++;
    let next: IteratorResult<Syscall, void>;
    try {
      const resume = p.resume;
      p.resume = undefined;
      next = p.fiber.next(resume);
    } catch (e) {
      this.exit(p.pid, 134, `crashed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (next.done) {
      this.exit(p.pid, 0);
      return;
    }
    this.syscall(p, next.value);
  }

  private syscall(p: Process, call: Syscall): void {
    switch (call.op) {
      case 'sleep':
        p.state = 'sleeping';
        p.wakeAt = this.time + Math.max(1, Math.floor(call.ms));
        return;
      case 'wait':
        p.state = 'blocked';
        p.waitingOn = -1;
        return;
      case 'exit':
        this.exit(p.pid, call.code);
        return;
      case 'send':
        p.state = 'ready';
        p.resume = this.send(p, call.cap, call.method, call.payload ?? '');
        return;
      case 'recv': {
        const r = this.endpointFor(p, call.cap, 'recv');
        if (!r.ok) {
          p.state = 'ready';
          p.resume = r;
          return;
        }
        const msg = r.obj.queue.shift();
        if (msg) {
          p.state = 'ready';
          p.resume = { ok: true, message: msg };
        } else {
          p.state = 'blocked';
          p.waitingOn = r.obj.id;
        }
        return;
      }
    }
  }

  private endpointFor(p: Process, capName: string, verb: 'send' | 'recv'): { ok: true; obj: KernelObject; cap: Cap } | Extract<SyscallResult, { ok: false }> {
    const slot = p.cnode.indexOf(capName);
    const cap = slot >= 0 ? p.cnode.get(slot)!.cap : null;
    const fail = (code: string, why: string) => {
      this.deny(p.pid, p.pid, `${verb} on @${capName} by ${p.name} (pid ${p.pid})`, why);
      return { ok: false as const, code, error: why };
    };
    if (!cap) return fail('ENOCAP', 'no such cap');
    if (cap.target.kind !== 'object') return fail('EINVAL', `@${capName} is a ${cap.kind} cap, not an endpoint`);
    const obj = this.objects.get(cap.target.id);
    if (!obj || obj.kind !== 'endpoint') return fail('EINVAL', `@${capName} does not designate an endpoint`);
    if (verb === 'recv' && cap.kind !== 'endpoint') return fail('EPERM', `@${capName} is a client facet: it may call, not receive`);
    if (verb === 'send' && cap.kind !== 'client' && cap.kind !== 'endpoint') return fail('EPERM', `@${capName} cannot send`);
    return { ok: true, obj, cap };
  }

  private send(p: Process, capName: string, method: string, payload: string): SyscallResult {
    const r = this.endpointFor(p, capName, 'send');
    if (!r.ok) return r;
    const { obj, cap } = r;
    const msg: Message = { from: p.pid, badge: cap.badge, method, payload };
    obj.counter++;
    const server = this.processes.get(obj.owner);
    if (server && server.state === 'blocked' && server.waitingOn === obj.id) {
      this.wake(server, { ok: true, message: msg });
    } else if (obj.queue.length < QUEUE_LIMIT) {
      obj.queue.push(msg);
    } else {
      obj.queue.shift(); // a full queue drops its oldest message rather than growing without bound
      obj.queue.push(msg);
    }
    return { ok: true };
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
