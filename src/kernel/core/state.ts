import { type Cap, type CapTarget, type Origin, type Slot } from '../caps/cnode';
import { DEFAULT_DECAY, effectiveRights, nextDecayAt, type DecayRule } from '../caps/algebra';
import { KernelError } from '../errors';
import { Ledger, ledgerOrigin } from '../ledger/ledger';
import { Prng } from '../prng';
import { Backstop } from '../programs/backstop';
import type { UserProgramDef } from '../programs/user';
import {
  DEFAULT_CAPACITY,
  DEFENSES,
  type Capacity,
  type ConsoleStyle,
  type DefenseId,
  type LedgerEntry,
  type LedgerFacts,
  type LedgerKind,
  type VerdictOutcome,
} from '../sab/layout';
import { utf8Length } from '../sab/utf8';
import type { ConsoleEntry, KernelObject, KernelState, Machine, Process } from '../types';

/**
 * The state core: the tables (machines, processes, objects, and the caps in each process's cnode), cap insert
 * and release, the ledger's `record`, string interning, the defenses' switches, the console and the clock's
 * counters. No policy: who may do what is decided above it (the CALL router, the handlers, the sandbox, energy).
 */
export class WorldState implements KernelState {
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
  /** The Law of Decay's parameters (the scenario may set them). */
  decay: DecayRule = { ...DEFAULT_DECAY };
  /** The earliest time a channel or memory cap loses a right: the picture changes then, so topology moves. */
  nextDecay = Infinity;
  readonly defenses: Record<DefenseId, boolean> = Object.fromEntries(DEFENSES.map((d) => [d.id, true])) as Record<DefenseId, boolean>;
  /** What programs printed to the terminal (append-only, like the ledger). */
  readonly console: ConsoleEntry[] = [];
  /** The process the terminal is attached to (`run`, `wait`), 0 for the shell prompt, and its prompt. */
  foreground = 0;
  prompt = '';
  /** Lines typed to the foreground program, not yet read. */
  readonly stdin: string[] = [];
  /** Exit codes of processes that have ended, for `wait` (kept small: one number per pid). */
  readonly exitCodes = new Map<number, number>();
  /** Programs the scenario file brings (JavaScript run in the QuickJS sandbox), by name; none shadows a built-in. */
  readonly userPrograms = new Map<string, UserProgramDef>();
  /** The wall-clock backstop for user programs' steps: off unless the host watches this world (backstop.ts). */
  readonly backstop = new Backstop();
  nextPid = 1;
  private nextObject = 1;
  private capCount = 0;
  readonly prng: Prng;
  private readonly strings = new Map<string, number>([['', 0]]);
  readonly stringList: string[] = [''];
  private stringBytes = 0;

  constructor(
    readonly seed: number,
    capacity: Capacity = DEFAULT_CAPACITY,
  ) {
    this.capacity = capacity;
    this.prng = new Prng(seed);
    // The WORM ledger signs nothing (its tree heads are co-signed by whoever exports: the page, or the CLI); it
    // names its log after the seed (boot adds the scenario's name before the first record).
    this.ledger.setOrigin(ledgerOrigin(null, seed));
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

  // ── ledger and console ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * Ledger a record: its prose (`detail`) and, when it has any, its facts (the structured fields). A verdict goes
   * through `verdict`, a process's own text through `appended`.
   */
  record(
    kind: Exclude<LedgerKind, 'verdict' | 'appended'>,
    actor: number,
    subject: number,
    detail: string,
    object = 0,
    facts?: LedgerFacts,
  ): LedgerEntry {
    return this.ledger.append(this.time, kind, actor, subject, detail, object, facts);
  }

  deny(actor: number, subject: number, what: string, why: string, object = 0, facts?: LedgerFacts): void {
    this.record('deny', actor, subject, `denied: ${what}: ${why}`, object, facts);
  }

  /**
   * A verdict: how an attack demo or a defense ended, for the banner and the checks. The outcome is a field, not
   * read from the prose: the defense held, the attack succeeded (a breach), or the kernel only says what happened.
   * `more` adds facts (a breach the seeds admit says which weakness: `weakness`).
   */
  verdict(outcome: VerdictOutcome, actor: number, subject: number, detail: string, object = 0, more?: LedgerFacts): LedgerEntry {
    return this.ledger.append(this.time, 'verdict', actor, subject, detail, object, more ? { ...more, outcome } : { outcome });
  }

  /**
   * A process's own text, appended through service-fs (seed 000): its own kind, authored (actor) by the process
   * that wrote it, so nothing reads it as the kernel's word — a grant, a verdict or a provenance step.
   */
  appended(author: number, server: number, detail: string, object: number, facts: LedgerFacts): LedgerEntry {
    return this.ledger.append(this.time, 'appended', author, server, detail, object, facts);
  }

  write(pid: number, text: string, style: ConsoleStyle = 'out'): void {
    for (const line of text.split('\n')) this.console.push({ pid, style, text: line });
  }

  // ── machines, objects, processes ───────────────────────────────────────────────────────────────────────────

  addMachine(name: string, role?: string): Machine {
    if (this.machines.length >= this.capacity.machines)
      throw new KernelError('ECAPACITY', `machine table is full (${this.capacity.machines})`);
    this.intern(name);
    const m = { id: this.machines.length, name, ...(role ? { role } : {}) };
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
    const obj: KernelObject = { id: this.nextObject++, kind, machine, owner, name, counter: 0 };
    this.objects.set(obj.id, obj);
    this.topology++;
    return obj;
  }

  process(pid: number): Process {
    const p = this.processes.get(pid);
    if (!p) throw new KernelError('ESRCH', `no process with pid ${pid}`);
    return p;
  }

  who(pid: number): string {
    const p = this.processes.get(pid);
    return p ? `${p.name} (pid ${pid})` : `pid ${pid}`;
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

  // ── caps ───────────────────────────────────────────────────────────────────────────────────────────────────

  reserveCaps(n: number): void {
    if (this.capCount + n > this.capacity.caps) {
      throw new KernelError('ECAPACITY', `cap table is full (${this.capacity.caps} caps)`);
    }
  }

  /** Put a cap into a process's cnode and ledger the grant (granter 0 = kernel/boot wiring). */
  insertCap(granter: number, to: Process, name: string, cap: Cap): number {
    // The machine boundary rests on this one door (seeds 000, 002): a cap is held only on its target's machine,
    // an import only on the importing end of its pairing. A scenario file is refused earlier, naming the field;
    // this is the one check every path into a cnode passes (a ledgered EXDEV denial).
    const home = this.homeOf(cap);
    if (home !== to.machine) {
      const why = `EXDEV: ${this.describeCap(cap)} belongs on ${this.machines[home]?.name ?? 'no machine'} and ${this.who(to.pid)} runs on ${this.machines[to.machine].name}: nothing crosses machines except an import over a pairing`;
      this.deny(granter, to.pid, `@${name} for ${this.who(to.pid)}`, why, cap.target.kind === 'object' ? cap.target.id : 0);
      throw new KernelError('EXDEV', why.slice(7));
    }
    this.reserveCaps(1);
    this.noteDecay(cap);
    this.intern(name);
    const slot = to.cnode.insert(name, cap);
    this.capCount++;
    const kept = this.heldRecord(cap);
    if (kept) kept.record!.holders++;
    this.topology++;
    const held = to.cnode.get(slot)!;
    held.granted = this.record(
      'grant',
      granter,
      to.pid,
      `${this.who(to.pid)} holds @${held.name}: ${this.describeCap(cap)} (${describeOrigin(cap.origin, this)})`,
      cap.target.kind === 'object' ? cap.target.id : 0,
      this.grantFacts(held.name, cap, to),
    ).seq;
    return slot;
  }

  /**
   * A grant record's facts: which slot, what cap, held where, and its origin — boot, a grant (copy) or a move
   * from another slot, a mint, an import, a spawn's handle — with `from`, the seq of the grant record that put
   * the source cap in its slot (0 when there is no source slot).
   */
  private grantFacts(name: string, cap: Cap, to: Process): LedgerFacts {
    const o = cap.origin;
    const origin =
      o.how === 'copied'
        ? 'grant'
        : o.how === 'moved'
          ? 'move'
          : o.how === 'minted'
            ? cap.kind === 'import'
              ? 'import'
              : 'mint'
            : o.how === 'spawned'
              ? 'spawn'
              : 'boot';
    const from = o.how === 'copied' || o.how === 'moved' ? (this.processes.get(o.from)?.cnode.get(o.slot)?.granted ?? 0) : 0;
    return {
      cap: name,
      kind: cap.kind,
      target: cap.target.kind === 'object' ? `o:${cap.target.id}` : `p:${cap.target.pid}`,
      machine: to.machine,
      origin,
      from,
      rights: cap.rights,
      depth: cap.depth,
      badge: cap.badge,
      ...(cap.kind === 'import' && cap.pairing ? { pairing: cap.pairing } : {}),
    };
  }

  /** The machine a cap may be held on: its target's; an import's, the end of its pairing that imported it. */
  homeOf(cap: Cap): number {
    const there = cap.target.kind === 'process' ? this.processes.get(cap.target.pid)?.machine : this.objects.get(cap.target.id)?.machine;
    if (cap.kind !== 'import') return there ?? -1;
    const ends = this.pairingEnds(cap.pairing ?? 0);
    return ends ? (ends[0] === there ? ends[1] : ends[0]) : -1;
  }

  /** The two machines of a pairing (the Kernel's fleet knows them). */
  protected pairingEnds(_id: number): readonly [number, number] | undefined {
    return undefined;
  }

  /** Drop a cap from a cnode (a committed move, a release), with a ledger record of why. */
  releaseSlot(p: Process, slot: number, why: string): void {
    const s = p.cnode.remove(slot);
    if (!s) return;
    this.capCount--;
    this.topology++;
    this.record(
      'release',
      p.pid,
      p.pid,
      `${this.who(p.pid)} no longer holds @${s.name}: ${why}`,
      s.cap.target.kind === 'object' ? s.cap.target.id : 0,
      { cap: s.name, from: s.granted },
    );
    this.unhold([s], p.pid, why);
  }

  /** Caps removed from cnodes without a record each (a reaped process's table, caps to a dead server). */
  forgetCaps(slots: readonly Slot[], by: number, how: string): void {
    this.capCount -= slots.length;
    this.unhold(slots, by, how);
  }

  /** The live service object a cap keeps alive: one of its current generation (a stale cookie keeps nothing). */
  private heldRecord(cap: Cap) {
    if (cap.kind !== 'object' || cap.target.kind !== 'object') return undefined;
    const obj = this.objects.get(cap.target.id);
    return obj?.record && obj.record.state === 'live' && obj.record.generation === cap.generation ? obj : undefined;
  }

  private unhold(slots: readonly Slot[], by: number, how: string): void {
    for (const s of slots) {
      const obj = this.heldRecord(s.cap);
      if (obj && --obj.record!.holders === 0) this.lastCapGone(obj, by, how);
    }
  }

  /** The last cap to a live service object went: the services concern decides what that ends (kernel.ts). */
  protected lastCapGone(_obj: KernelObject, _by: number, _how: string): void {}

  // ── the Law of Decay's clock ───────────────────────────────────────────────────────────────────────────────

  /** A channel or memory cap's rights now, after the Law of Decay. */
  effective(cap: Cap): number {
    return effectiveRights(cap.rights, this.decay, this.time - cap.since, cap.depth);
  }

  noteDecay(cap: Cap): void {
    if (cap.kind !== 'channel' && cap.kind !== 'memory') return;
    const at = nextDecayAt(cap.rights, this.decay, cap.since, this.time, cap.depth);
    if (at !== null && at < this.nextDecay) this.nextDecay = at;
  }

  /** Some cap just lost a right to the Law of Decay: redraw, and find the next moment one will. */
  decayed(): void {
    this.topology++;
    this.nextDecay = Infinity;
    for (const p of this.processes.values()) for (const [, s] of p.cnode.entries()) this.noteDecay(s.cap);
  }
}

export function describeOrigin(o: Origin, k: Pick<WorldState, 'who'>): string {
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
