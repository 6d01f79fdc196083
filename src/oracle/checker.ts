import type { Kernel } from '../kernel/kernel';
import type { LedgerEntry, LedgerFacts } from '../kernel/sab/layout';

/**
 * The authority oracle's checker: the seeds' rules restated on their own, sharing no code with the kernel's
 * checks. After every step it reads what the world holds and what the ledger says happened, and reports each
 * rule the step broke. It imports the kernel only to read its tables and its ledger; every rule below is written
 * from the seed text (each names its seed), not from the kernel's implementation of it.
 */

export type Rule =
  | 'origin' // seed 000: a cap exists only as granted; every grant is recorded
  | 'widening' // seed 003 S1: MASK and GRANT only narrow; a delegated cap never holds more than its source
  | 'relabel' // seed 002: copying a client facet keeps its identity
  | 'machine' // seeds 000, 002: nothing crosses machines except an import over a pairing
  | 'pairing' // seed 001: what crosses a pairing is what its type allows, and only while it is live
  | 'diode' // seed 000: no command flows upstream
  | 'energy' // seed 003 S3: balances stay in [0, budget]; no fiber does more than its budget pays for
  | 'generation' // seed 002: a call through an old cookie never reaches a later generation's object
  | 'tofu' // seed 003 S4: a binding changes only by an ADMIN forget or a signed announcement
  | 'pledge' // seed 003 S2: promises only narrow, across spawn too; a file needs rw or storage
  | 'yield' // seed 004: the nearest owner holding the key catches, never the emitter; no bare sender of a caught key
  | 'hash' // seed 004 §8: an image_hash identifies a type, never authority: a vault pays only the Instance it was given
  | 'ledger'; // seed 000 / WORM: the ledger verifies

export interface Finding {
  rule: Rule;
  step: number;
  what: string;
}

interface CapView {
  slot: number;
  name: string;
  kind: string;
  target: string;
  targetMachine: number;
  rights: number;
  bounds?: { base: number; length: number };
  depth: number;
  since: number;
  badge: number;
  generation: number;
  pairing: number;
  origin: { how: string; from?: number; slot?: number };
}

interface ProcView {
  pid: number;
  machine: number;
  parent: number;
  pledge: number | null;
  exec: number | null;
  energy: number;
  budget: number;
  spent: number;
  nextRefill: number;
  caps: Map<number, CapView>;
}

interface Snapshot {
  time: number;
  procs: Map<number, ProcView>;
  pairings: Map<number, { a: number; b: number; type: string; live: boolean }>;
  bindings: Map<string, string>;
}

/** Seed 000's Diode: commands flow from console/orchestration down to the Totebox and on to the MediaKit. */
const LEVEL: Record<string, number> = { console: 0, orchestration: 0, totebox: 1, mediakit: 2 };
/** Seed 001's table of what each pairing type carries. */
const CARRIES: Record<string, string[]> = {
  ADMIN: ['meta', 'read', 'write', 'admin', 'telemetry'],
  INPUT: ['meta', 'read', 'write', 'telemetry'],
  USER: ['meta', 'read', 'telemetry'],
  INTERFACE: ['meta', 'telemetry'],
};
/** Seed 003 S3: the Spectrum tiers' refill periods (ms). */
const REFILL_MS: Record<string, number> = { photon: 8, matter: 16, gravity: 100, void: 1000 };
/** Seed 003 S1/S3: costs of the verbs the oracle can see in the ledger. */
const SPAWN_J = 500;
/** Seed 003 S1, the Law of Decay as the README states its parameters: exec, then write, then read go. */
const DECAY_ORDER = [4, 2, 1];

function decayed(rights: number, lost: number): number {
  let r = rights;
  for (const bit of DECAY_ORDER) {
    if (lost <= 0) break;
    if (r & bit) {
      r &= ~bit;
      lost--;
    }
  }
  return r;
}

export class Checker {
  readonly findings: Finding[] = [];
  private prev: Snapshot;
  private cursor: number;
  /** Who holds what, by the ledger's grant and release records: "pid/name" → the grant's seq. */
  private readonly recorded = new Map<string, number>();
  /** Every grant record's facts, by seq (a delegation names its source's). */
  private readonly grants = new Map<number, LedgerFacts>();
  steps = 0;

  /** `policy`: the scenario's pairings (seed 001: the type each pair may have; INPUT where it is silent). */
  constructor(
    private readonly k: Kernel,
    private readonly policy: readonly { a: string; b: string; type: string }[] = [],
  ) {
    this.cursor = 0;
    this.readLedger();
    this.prev = this.snapshot();
  }

  private find(rule: Rule, what: string): void {
    if (this.findings.length < 200) this.findings.push({ rule, step: this.steps, what });
  }

  private snapshot(): Snapshot {
    const k = this.k;
    const procs = new Map<number, ProcView>();
    for (const p of k.processes.values()) {
      const caps = new Map<number, CapView>();
      for (const [slot, s] of p.cnode.entries()) {
        const c = s.cap;
        const targetMachine =
          c.target.kind === 'process' ? (k.processes.get(c.target.pid)?.machine ?? -1) : (k.objects.get(c.target.id)?.machine ?? -1);
        caps.set(slot, {
          slot,
          name: s.name,
          kind: c.kind,
          target: c.target.kind === 'process' ? `p:${c.target.pid}` : `o:${c.target.id}`,
          targetMachine,
          rights: c.rights,
          ...(c.bounds ? { bounds: { ...c.bounds } } : {}),
          depth: c.depth,
          since: c.since,
          badge: c.badge,
          generation: c.generation,
          pairing: c.pairing ?? 0,
          origin: { ...c.origin } as CapView['origin'],
        });
      }
      procs.set(p.pid, {
        pid: p.pid,
        machine: p.machine,
        parent: p.parent,
        pledge: p.pledge,
        exec: p.execpromises,
        energy: p.meter.energy,
        budget: p.meter.budget,
        spent: p.spent,
        nextRefill: p.meter.nextRefill,
        caps,
      });
    }
    const pairings = new Map<number, { a: number; b: number; type: string; live: boolean }>();
    for (const pr of k.fleet.pairings) pairings.set(pr.id, { a: pr.a, b: pr.b, type: pr.type, live: pr.live });
    const bindings = new Map<string, string>();
    for (const m of k.machines) for (const [peer, b] of k.fleet.bindingsOf(m.id)) bindings.set(`${m.name}→${peer}`, b.cellId);
    return { time: k.time, procs, pairings, bindings };
  }

  private readLedger(): LedgerEntry[] {
    const from = this.cursor + 1;
    const to = this.k.ledger.length;
    const out: LedgerEntry[] = [];
    for (let s = from; s <= to; s += 1000) out.push(...this.k.ledger.page(s, Math.min(1000, to - s + 1)));
    this.cursor = to;
    for (const e of out) {
      const f = e.facts ?? {};
      if (e.kind === 'grant') this.granted(e);
      else if (e.kind === 'release' && typeof f.cap === 'string')
        this.recorded.delete(`${e.subject}/${f.cap}`); // the holder
      else if (e.kind === 'release' && typeof f.grants === 'string') {
        // A process's whole cnode at its end: the grant records of every slot it held.
        const gone = new Set(f.grants.split(' ').map(Number));
        for (const [key, seq] of this.recorded) if (gone.has(seq)) this.recorded.delete(key);
      }
    }
    return out;
  }

  /**
   * A grant record, by its facts (record format 2): who holds which cap of what, and whence. A copy or move names
   * the grant record of its source: it must exist, designate the same thing, and hold no right the source lacked.
   * Only boot wiring (the kernel, actor 0) hands out boot caps.
   */
  private granted(e: LedgerEntry): void {
    const f = e.facts ?? {};
    if (typeof f.cap !== 'string') return; // a grant of something else (a subject proof): no cap enters a cnode
    this.recorded.set(`${e.subject}/${f.cap}`, e.seq);
    this.grants.set(e.seq, f);
    if (f.origin === 'boot' && e.actor !== 0)
      this.find('origin', `grant ${e.seq}: a boot cap handed out by pid ${e.actor}, not the kernel`);
    if (f.origin !== 'grant' && f.origin !== 'move') return;
    const src = this.grants.get(Number(f.from));
    if (!src) return this.find('origin', `grant ${e.seq} (@${f.cap}) names source record ${f.from}, which granted nothing`);
    if (src.target !== f.target) this.find('widening', `grant ${e.seq} (@${f.cap}) designates ${f.target}, its source ${src.target}`);
    // Seed 002 from the record alone, so a chain made and gone within one step (a program's spawn) is judged too.
    if (src.kind === 'client' && f.kind === 'client' && Number(src.badge) !== Number(f.badge))
      this.find('relabel', `grant ${e.seq} (@${f.cap}) carries badge ${f.badge}, its source's record ${f.from} badge ${src.badge}`);
    if ((f.kind === 'channel' || f.kind === 'memory') && (Number(f.rights) & ~Number(src.rights)) !== 0)
      this.find('widening', `grant ${e.seq} (@${f.cap}) holds rights ${f.rights}, its source ${src.rights}`);
  }

  /** Check everything one step changed. `calls` are the oracle's own calls as a process in this step. */
  check(calls: readonly OracleCall[] = []): void {
    this.steps++;
    const k = this.k;
    const entries = this.readLedger();
    const now = this.snapshot();
    const prev = this.prev;
    const machineName = (id: number) => k.machines[id]?.name ?? `#${id}`;
    const levelOf = (id: number) => LEVEL[k.machines[id]?.role ?? ''] ?? 0;

    for (const p of now.procs.values()) {
      const before = prev.procs.get(p.pid);
      // Seed 003 S2: promises only narrow, across spawn too.
      if (before && p.pledge !== null && (before.pledge === null ? false : (p.pledge & ~before.pledge) !== 0))
        this.find('pledge', `pid ${p.pid}'s promises widened: ${before.pledge} → ${p.pledge}`);
      if (before && before.pledge !== null && p.pledge === null) this.find('pledge', `pid ${p.pid} became unpledged`);
      if (!before) {
        const parent = prev.procs.get(p.parent);
        if (parent) {
          const bound = (parent.pledge ?? ~0) & (parent.exec ?? ~0);
          const got = p.pledge ?? ~0;
          if ((got & ~bound) !== 0) this.find('pledge', `pid ${p.pid} started with promises its parent pid ${p.parent} could not pass on`);
        }
      }
      // Seed 003 S3: a balance is a u32 in [0, budget].
      if (p.energy < 0 || p.energy > p.budget) this.find('energy', `pid ${p.pid}'s balance ${p.energy} is outside [0, ${p.budget}]`);

      for (const c of p.caps.values()) {
        // Seed 000: a cap exists only as recorded.
        if (!this.recorded.has(`${p.pid}/${c.name}`)) this.find('origin', `pid ${p.pid} holds @${c.name} (${c.kind}) with no grant record`);
        // Seeds 000, 002: held on its target's machine; an import on the other end of its pairing.
        if (c.kind === 'import') {
          const pr = now.pairings.get(c.pairing);
          const ends = pr ? [pr.a, pr.b] : [];
          if (!ends.includes(p.machine) || !ends.includes(c.targetMachine) || p.machine === c.targetMachine)
            this.find('machine', `pid ${p.pid} on ${machineName(p.machine)} holds an import @${c.name} not across one of its pairings`);
        } else if (c.targetMachine !== p.machine && c.targetMachine !== -1) {
          this.find('machine', `pid ${p.pid} on ${machineName(p.machine)} holds @${c.name} (${c.kind}) of ${machineName(c.targetMachine)}`);
        }
        const old = before?.caps.get(c.slot);
        const same = old && old.name === c.name && old.target === c.target && old.kind === c.kind;
        if (same) {
          // MASK only narrows (stored rights and bounds).
          if ((c.rights & ~old.rights) !== 0) this.find('widening', `pid ${p.pid} @${c.name} rights widened ${old.rights} → ${c.rights}`);
          if (c.bounds && old.bounds && !within(c.bounds, old.bounds)) this.find('widening', `pid ${p.pid} @${c.name} bounds widened`);
          continue;
        }
        // A cap new to this slot: copied or moved from a source the oracle saw before this step.
        if ((c.origin.how === 'copied' || c.origin.how === 'moved') && c.origin.from !== undefined && c.origin.slot !== undefined) {
          const was = prev.procs.get(c.origin.from)?.caps.get(c.origin.slot);
          // Made and passed on within the step (a program spawned, and its spawn's grants): judged by the source as
          // it is now, if that still designates what the copy does (a slot reused since says nothing of it).
          const later = now.procs.get(c.origin.from)?.caps.get(c.origin.slot);
          const src = was ?? (later?.target === c.target ? later : undefined);
          if (!src) continue;
          if (src.target !== c.target) this.find('widening', `@${c.name} of pid ${p.pid} designates another object than its source`);
          if (src.kind === 'client' && c.kind === 'client' && src.badge !== c.badge)
            this.find('relabel', `pid ${p.pid}'s @${c.name} carries badge ${c.badge}, its source's was ${src.badge}`);
          if (src.kind === 'object' && src.generation !== c.generation)
            this.find('relabel', `pid ${p.pid}'s @${c.name} changed generation`);
          if (c.kind === 'channel' || c.kind === 'memory') {
            const limit = k.decay.depthLimit;
            const step = k.decay.ageStepMs;
            const eff = (x: CapView) => decayed(x.rights, Math.floor((now.time - x.since) / step) + Math.max(0, x.depth - limit + 1));
            if ((eff(c) & ~eff(src)) !== 0) this.find('widening', `pid ${p.pid}'s @${c.name} holds rights its source does not`);
            if (c.bounds && src.bounds && !within(c.bounds, src.bounds))
              this.find('widening', `pid ${p.pid}'s @${c.name} exceeds its source's bounds`);
          }
        }
      }
      // Seed 003 S3: what a fiber did in the step is paid from its balance and the refills the step brought.
      if (before) {
        const spawns = entries.filter((e) => e.kind === 'spawn' && e.actor === p.pid).length;
        const refills = Math.ceil((now.time - prev.time) / (REFILL_MS[k.process(p.pid).meter.tier] ?? 8)) + 1;
        const budget = before.energy + refills * p.budget;
        if (spawns * SPAWN_J > budget)
          this.find('energy', `pid ${p.pid} spawned ${spawns} times in one step (${spawns * SPAWN_J} J, at most ${budget} J paid for)`);
      }
    }

    // Seeds 000, 001: every cross-machine command that went through did so over a live pairing of a type that
    // carries it, downstream.
    for (const e of entries) {
      if (e.kind !== 'auth') continue;
      const m = /^(.*) (\w+) \((\w+)\) on (\S+)@(\S+): allowed by the (\w+) pairing (\S+) ⇄ (\S+)$/.exec(e.detail);
      if (!m) continue;
      const [, , method, access, , toName, type, aName, bName] = m;
      const caller = now.procs.get(e.actor) ?? prev.procs.get(e.actor);
      const to = k.machines.findIndex((x) => x.name === toName);
      const a = k.machines.findIndex((x) => x.name === aName);
      const b = k.machines.findIndex((x) => x.name === bName);
      const live = [...prev.pairings.values(), ...now.pairings.values()].some(
        (pr) => pr.live && ((pr.a === a && pr.b === b) || (pr.a === b && pr.b === a)) && pr.type === type,
      );
      if (!live) this.find('pairing', `${method} crossed ${aName} ⇄ ${bName} as ${type}, which was not a live pairing`);
      if (!CARRIES[type]?.includes(access))
        this.find('pairing', `${method} (${access}) crossed a ${type} pairing, which does not carry it`);
      if (caller && access !== 'telemetry' && levelOf(caller.machine) > levelOf(to))
        this.find('diode', `${method} (${access}) went upstream from ${machineName(caller.machine)} to ${toName}`);
    }

    // Seed 003 S4: a bound CellID changes only by a forget (then a fresh first contact) or a signed announcement.
    for (const [key, cell] of now.bindings) {
      const was = prev.bindings.get(key);
      if (was === undefined || was === cell) continue;
      const [self, peer] = key.split('→');
      const why = entries.some(
        (e) =>
          e.kind === 'pair' &&
          (e.detail.startsWith(`${self} forgot its binding for ${peer} `) ||
            (e.detail.startsWith(`${self} rebound ${peer} to CellID `) && e.detail.includes('signed by')) ||
            // The seed's admitted weakness: a MITM on first contact, and what the poisoned binding then accepts.
            (e.detail.startsWith(`${self} rebound ${peer} to CellID `) && e.detail.includes('poisoned first contact'))),
      );
      if (!why) this.find('tofu', `${self}'s binding for ${peer} changed without a forget or a signed announcement`);
    }
    // Seed 001: a machine acts only on pairings it is an end of, or over a live ADMIN pairing to an end; an end
    // never takes a type above the policy's; only a machine announces its own keys. (Boot wiring is actor 0;
    // mallory's staged MITM is the experimenter's.)
    const RANK: Record<string, number> = { INTERFACE: 0, USER: 1, INPUT: 2, ADMIN: 3 };
    const id = (name: string) => k.machines.findIndex((x) => x.name === name);
    // Seed 001: ADMIN is the owner's machine ↔ a Totebox, the master key for that Totebox (not for its holder).
    const adminOver = (by: number | undefined, end: number) =>
      k.machines[end]?.role === 'totebox' &&
      [...prev.pairings.values()].some(
        (pr) => pr.live && pr.type === 'ADMIN' && ((pr.a === by && pr.b === end) || (pr.b === by && pr.a === end)),
      );
    for (const e of entries) {
      if (e.actor === 0 || (e.kind !== 'pair' && e.kind !== 'unpair') || e.detail.includes('through mallory')) continue;
      const by = (prev.procs.get(e.actor) ?? now.procs.get(e.actor))?.machine;
      const m = /^(?:re-)?(?:paired|severed) (\S+) ↔ (\S+)(?: as (\w+)|: \w+ → (\w+)| \()/.exec(e.detail);
      if (m) {
        const [a, b, type] = [id(m[1]), id(m[2]), m[3] ?? m[4]];
        const end = by === a || by === b;
        if (!end && !adminOver(by, a) && !adminOver(by, b))
          this.find('pairing', `${machineName(by ?? -1)} acted on ${m[1]} ⇄ ${m[2]}, which it is no end of and holds no ADMIN over`);
        const allowed = this.policy.find((x) => (x.a === m[1] && x.b === m[2]) || (x.a === m[2] && x.b === m[1]))?.type ?? 'INPUT';
        if (end && type && RANK[type] > RANK[allowed])
          this.find('pairing', `${m[1]} ⇄ ${m[2]} became ${type}; the policy allows ${allowed}`);
      }
      const rebound = /^\S+ rebound (\S+) to CellID .* signed by/.exec(e.detail);
      if (rebound && by !== id(rebound[1])) this.find('tofu', `${machineName(by ?? -1)} announced new keys for ${rebound[1]}`);
    }
    // …and a forget is an ADMIN action on the machine that forgets: its own, or over a live ADMIN pairing to it.
    for (const e of entries) {
      const m = e.kind === 'pair' ? /^(\S+) forgot its binding for /.exec(e.detail) : null;
      if (!m) continue;
      const self = k.machines.findIndex((x) => x.name === m[1]);
      const by = (prev.procs.get(e.actor) ?? now.procs.get(e.actor))?.machine;
      if (by !== self && !adminOver(by, self))
        this.find('tofu', `${m[1]} forgot a binding at the word of ${machineName(by ?? -1)}, which holds no ADMIN over it`);
    }

    this.checkYields();
    this.checkSenders();
    this.checkVaults();

    // The oracle's own calls as processes: what they reached.
    for (const c of calls) {
      if (!c.ok) continue;
      if (c.capKind === 'object' && c.recordGeneration !== undefined && c.capGeneration !== c.recordGeneration)
        this.find(
          'generation',
          `pid ${c.pid}'s call through @${c.cap} (generation ${c.capGeneration}) reached generation ${c.recordGeneration}`,
        );
      if (c.capKind === 'fs' && c.pledge !== null && (c.pledge & c.fileBits) === 0)
        this.find('pledge', `pid ${c.pid}, pledged without rw or storage, reached a file through @${c.cap}`);
    }
    this.prev = now;
  }

  private routesSeen = 0;

  /**
   * Seed 004: the routes of the yields the step made. Walking owner edges from the emitter (the frames in flight,
   * innermost first: each frame's caller owns its callee), the catcher is the nearest owner whose snapshot at its
   * CALL holds the key — interposers that looked and passed it on aside — and never the emitter itself.
   */
  private checkYields(): void {
    const rt = this.k.chainWorldIfMade?.rt;
    if (!rt) return;
    rt.captureStacks = true;
    const fresh = Math.min(rt.routesLogged - this.routesSeen, rt.routes.length);
    this.routesSeen = rt.routesLogged;
    for (const r of rt.routes.slice(rt.routes.length - fresh)) {
      if (typeof r.caughtBy !== 'number' || !r.stack) continue;
      if (r.caughtBy === r.emitter) {
        this.find('yield', `instance ${r.emitter} caught its own ${r.key} yield`);
        continue;
      }
      let at = r.emitter;
      let expected: number | null = null;
      const owners: number[] = [];
      for (let i = r.stack.length - 1; i >= 0; i--) {
        const f = r.stack[i];
        if (f.callee !== at) continue;
        owners.push(f.caller);
        if (f.caller !== r.emitter && f.snapshot.includes(r.key) && !r.forwardedBy?.includes(f.caller)) {
          expected = f.caller;
          break;
        }
        at = f.caller;
      }
      if (!owners.includes(r.caughtBy))
        this.find('yield', `${r.key} from instance ${r.emitter} was caught by ${r.caughtBy}, no owner of it`);
      else if (expected !== null && expected !== r.caughtBy)
        this.find(
          'yield',
          `${r.key} from instance ${r.emitter} was caught by ${r.caughtBy}; the nearest owner holding the key is ${expected}`,
        );
    }
  }

  /**
   * Seed 004's forgery resistance: the handler hands out a registered key's YieldSender only inside AuthorityCaps
   * (opaque instances), never bare, and no descendant can mint one. So a sender for a key some other instance
   * catches, held in the cnode of an instance that is not opaque, is a forged authority.
   */
  private checkSenders(): void {
    const rt = this.k.chainWorldIfMade?.rt;
    if (!rt) return;
    const catchers = new Map<string, number[]>();
    // What each instance catches: the YieldReceiver in its declared yield_receiver_slot (seed 004).
    for (const i of rt.instances.values()) {
      const slot = i.image.yieldReceiverSlot;
      const r = slot === null ? null : i.cnode[slot];
      if (r?.kind === 'receiver') for (const key of r.keys) catchers.set(key, [...(catchers.get(key) ?? []), i.id]);
    }
    for (const i of rt.instances.values()) {
      if (i.image.opaque) continue;
      for (const c of i.cnode) {
        if (c?.kind !== 'sender' || c.key.startsWith('kernel:')) continue;
        const by = catchers.get(c.key)?.filter((id) => id !== i.id) ?? [];
        if (by.length && !this.forged.has(`${i.id}/${c.key}`)) {
          this.forged.add(`${i.id}/${c.key}`);
          this.find('yield', `${i.image.name} #${i.id} holds a bare YieldSender for ${c.key}, which instance ${by.join(', ')} catches`);
        }
      }
    }
  }
  private readonly forged = new Set<string>();

  /** Seed 004 §8: a vault's payout log names only the very Instance it was given, never a look-alike of its type. */
  private checkVaults(): void {
    const rt = this.k.chainWorldIfMade?.rt;
    if (!rt) return;
    for (const i of rt.instances.values()) {
      const { paidTo, trusted } = i.state;
      if (i.image.name !== 'Vault' || paidTo === undefined || paidTo === trusted || this.forged.has(`vault ${i.id}`)) continue;
      this.forged.add(`vault ${i.id}`);
      this.find(
        'hash',
        `vault #${i.id} paid instance ${String(paidTo)}, not the instance ${String(trusted)} it was given: a type taken as authority`,
      );
    }
  }

  /**
   * WORM: the ledger verifies (every record against its hash, every checkpoint's signature). The one check that
   * runs the kernel's own code: the ledger's verifier, the same an export's auditor runs.
   */
  verifyLedger(): void {
    const r = this.k.ledger.verify();
    if (!r.ok) this.find('ledger', `the ledger does not verify: ${JSON.stringify(r).slice(0, 200)}`);
  }
}

export interface OracleCall {
  pid: number;
  cap: string;
  capKind: string;
  ok: boolean;
  capGeneration?: number;
  recordGeneration?: number;
  pledge: number | null;
  /** The promise bits that would allow a file operation (rw, storage). */
  fileBits: number;
}

function within(inner: { base: number; length: number }, outer: { base: number; length: number }): boolean {
  return inner.base >= outer.base && inner.base + inner.length <= outer.base + outer.length;
}
