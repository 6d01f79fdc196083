import type { Kernel } from '../kernel';
import type { PendingCall } from '../types';
import {
  CAP,
  CAP_FLAG,
  CAP_KINDS,
  CONSOLE,
  CONSOLE_LINE_BYTES,
  CONSOLE_STYLES,
  DEFENSES,
  H,
  OBJECT_STATES,
  ORIGINS,
  LEDGER,
  LEDGER_DETAIL_BYTES,
  ledgerKindCode,
  MACHINE,
  OBJ,
  OBJECT_KINDS,
  PROC,
  PROC_FLAG,
  PROC_STATES,
  TARGET_KINDS,
  type SabViews,
  VERDICT_OUTCOMES,
  verdictOutcome,
} from './layout';
import { nextDecayAt } from '../caps/algebra';
import { tierIndex } from '../energy/kinetic';
import { encodeUtf8Into } from './utf8';

const capKindIndex = new Map(CAP_KINDS.map((k, i) => [k, i]));
const objKindIndex = new Map(OBJECT_KINDS.map((k, i) => [k, i]));
const stateIndex = new Map(PROC_STATES.map((k, i) => [k, i]));
const targetIndex = new Map(TARGET_KINDS.map((k, i) => [k, i]));
const originIndex = new Map(ORIGINS.map((k, i) => [k, i]));
const objStateIndex = new Map(OBJECT_STATES.map((k, i) => [k, i]));
const consoleStyleIndex = new Map(CONSOLE_STYLES.map((k, i) => [k, i]));

/**
 * Writes kernel state into the SAB. Tables are rewritten whole on each publish (cheap: a few thousand words),
 * while strings and ledger events are appended incrementally since the last publish.
 */
export class Publisher {
  private stringsPublished = 1; // id 0 is the empty string
  private stringBytes = 0;
  private ledgerPublished = 0;
  private consolePublished = 0;
  private readonly places = new Map<PendingCall, number>();

  constructor(readonly views: SabViews) {}

  /** Start over (a new kernel was booted into the same buffer). */
  reset(): void {
    this.stringsPublished = 1;
    this.stringBytes = 0;
    this.ledgerPublished = 0;
    this.consolePublished = 0;
    Atomics.store(this.views.header, H.STRING_COUNT, 1);
  }

  publish(k: Kernel, extra: { scenarioName: number; scenarioGen: number; selfPid: number }): void {
    const v = this.views;
    const h = v.header;
    // Strings first, outside the lock: append-only, exposed by the count written last.
    const list = k.stringList;
    for (let id = this.stringsPublished; id < list.length; id++) {
      const n = encodeUtf8Into(list[id], v.stringBytes, this.stringBytes, v.stringBytes.length - this.stringBytes);
      v.stringOffset[id] = this.stringBytes;
      v.stringLength[id] = n;
      this.stringBytes += n;
    }
    this.stringsPublished = list.length;
    Atomics.store(h, H.STRING_COUNT, list.length);
    h[H.STRING_BYTES] = this.stringBytes;

    // Each waiting caller's place in its endpoint's queue, from one pass over the queues that hold any.
    this.places.clear();
    for (const q of k.queues.nonEmpty()) q.forEach((call, i) => this.places.set(call, i + 1));

    Atomics.add(h, H.SEQ, 1); // odd: writing
    let row = 0;
    for (const p of k.processes.values()) {
      const c = v.proc;
      c[PROC.PID][row] = p.pid;
      c[PROC.STATE][row] = stateIndex.get(p.state)!;
      c[PROC.MACHINE][row] = p.machine;
      c[PROC.PARENT][row] = p.parent;
      c[PROC.NAME][row] = k.intern(p.name);
      c[PROC.PROGRAM][row] = k.intern(p.program);
      c[PROC.CAPS][row] = p.cnode.size;
      c[PROC.RUNS][row] = p.runs;
      c[PROC.ENERGY][row] = p.meter.energy | 0; // u32 in Int32 bits
      c[PROC.TIER][row] = tierIndex(p.meter.tier);
      c[PROC.BUDGET][row] = p.meter.budget | 0;
      c[PROC.LATENCY][row] = Math.min(p.latency, 0x7fffffff);
      c[PROC.NEXT_REFILL][row] = Math.min(p.meter.nextRefill, 0x7fffffff);
      c[PROC.SPENT][row] = p.spent | 0;
      c[PROC.PLEDGE][row] = p.pledge ?? -1;
      c[PROC.EXECPROMISES][row] = p.execpromises ?? -1;
      c[PROC.UNVEILS][row] = p.unveil.entries ? p.unveil.entries.length : -1;
      c[PROC.FLAGS][row] = p.unveil.locked ? PROC_FLAG.UNVEIL_LOCKED : 0;
      const w = p.waiting;
      c[PROC.WAITING][row] = w ? w.endpoint.id : 0;
      c[PROC.WAIT_PLACE][row] = w && w.state === 'queued' ? (this.places.get(w) ?? 0) : 0;
      row++;
    }
    h[H.PROC_ROWS] = row;

    row = 0;
    for (const p of k.processes.values()) {
      for (const [slot, s] of p.cnode.entries()) {
        const c = v.cap;
        c[CAP.HOLDER][row] = p.pid;
        c[CAP.SLOT][row] = slot;
        c[CAP.KIND][row] = capKindIndex.get(s.cap.kind)!;
        c[CAP.TARGET_KIND][row] = targetIndex.get(s.cap.target.kind)!;
        c[CAP.TARGET][row] = s.cap.target.kind === 'process' ? s.cap.target.pid : s.cap.target.id;
        const cap = s.cap;
        const obj = cap.target.kind === 'object' ? k.objects.get(cap.target.id) : undefined;
        const o = cap.origin;
        c[CAP.BADGE][row] = cap.badge;
        c[CAP.NAME][row] = k.intern(s.name);
        c[CAP.RIGHTS][row] = 0;
        c[CAP.FLAGS][row] = (cap.badge !== cap.sourceBadge ? CAP_FLAG.RELABELED : 0) | (k.capProblem(cap) ? CAP_FLAG.DEAD : 0);
        c[CAP.IFACE][row] = obj?.record ? k.intern(obj.record.iface) : 0;
        c[CAP.GENERATION][row] = cap.generation;
        c[CAP.TAG][row] = obj?.record?.tag ?? 0;
        c[CAP.ORIGIN][row] = originIndex.get(o.how)!;
        c[CAP.ORIGIN_PID][row] = o.how === 'minted' ? o.by : o.how === 'copied' || o.how === 'moved' ? o.from : 0;
        c[CAP.ORIGIN_SLOT][row] = o.how === 'copied' || o.how === 'moved' ? o.slot : -1;
        c[CAP.SOURCE_BADGE][row] = cap.sourceBadge;
        const metered = cap.kind === 'channel' || cap.kind === 'memory';
        c[CAP.RIGHTS][row] = cap.rights;
        // Imports: what the pairing (and the Diode) let through right now, as ACCESS_BITS.
        c[CAP.EFFECTIVE][row] = metered ? k.effective(cap) : cap.kind === 'import' ? k.imports.importAccess(p.machine, cap) : 0;
        c[CAP.DEPTH][row] = cap.depth;
        c[CAP.NEXT_DECAY][row] = metered ? Math.min(nextDecayAt(cap.rights, k.decay, cap.since, k.time, cap.depth) ?? -1, 0x7fffffff) : -1;
        c[CAP.BOUNDS_BASE][row] = cap.bounds?.base ?? 0;
        c[CAP.BOUNDS_LEN][row] = cap.bounds?.length ?? 0;
        row++;
      }
    }
    h[H.CAP_ROWS] = row;

    row = 0;
    for (const o of k.objects.values()) {
      const c = v.obj;
      c[OBJ.ID][row] = o.id;
      c[OBJ.KIND][row] = objKindIndex.get(o.kind)!;
      c[OBJ.MACHINE][row] = o.machine;
      c[OBJ.OWNER][row] = o.owner;
      c[OBJ.NAME][row] = k.intern(o.name);
      c[OBJ.COUNTER][row] = o.counter;
      c[OBJ.PARENT][row] = o.record?.endpoint ?? 0;
      c[OBJ.IFACE][row] = o.record ? k.intern(o.record.iface) : 0;
      c[OBJ.GENERATION][row] = o.record?.generation ?? 0;
      c[OBJ.STATE][row] = objStateIndex.get(o.record?.state ?? 'live')!;
      c[OBJ.EPOCH][row] = o.epoch ?? 0;
      c[OBJ.QUEUED][row] = o.service?.queue.length ?? 0;
      c[OBJ.IN_FLIGHT][row] = o.service?.inFlight.length ?? 0;
      row++;
    }
    h[H.OBJ_ROWS] = row;

    k.machines.forEach((m, i) => {
      v.machine[MACHINE.ID][i] = m.id;
      v.machine[MACHINE.NAME][i] = k.intern(m.name);
      v.machine[MACHINE.DETAIL][i] = k.intern(k.fleet.describe(m));
    });
    h[H.MACHINE_ROWS] = k.machines.length;

    // Ledger: only the newest `ring` events can be in the ring; older ones stay in the worker.
    const ring = v.layout.capacity.ledgerRing;
    const total = k.ledger.length;
    const from = Math.max(this.ledgerPublished + 1, total - ring + 1);
    for (const e of k.ledger.page(from, total - from + 1)) {
      const r = (e.seq - 1) % ring;
      v.ledger[LEDGER.SEQ][r] = e.seq;
      v.ledger[LEDGER.KIND][r] = ledgerKindCode(e.kind)!;
      v.ledger[LEDGER.ACTOR][r] = e.actor;
      v.ledger[LEDGER.SUBJECT][r] = e.subject;
      v.ledger[LEDGER.OBJECT][r] = e.object;
      const outcome = verdictOutcome(e);
      v.ledger[LEDGER.OUTCOME][r] = outcome ? VERDICT_OUTCOMES.indexOf(outcome) + 1 : 0;
      v.ledgerTime[r] = e.time;
      v.ledger[LEDGER.DETAIL_LEN][r] = encodeUtf8Into(e.detail, v.ledgerDetail, r * LEDGER_DETAIL_BYTES, LEDGER_DETAIL_BYTES);
    }
    this.ledgerPublished = total;
    h[H.LEDGER_HEAD] = total;

    const lines = v.layout.capacity.consoleLines;
    const written = k.console.length;
    for (let n = Math.max(this.consolePublished + 1, written - lines + 1); n <= written; n++) {
      const line = k.console[n - 1];
      const r = (n - 1) % lines;
      v.console[CONSOLE.PID][r] = line.pid;
      v.console[CONSOLE.STYLE][r] = consoleStyleIndex.get(line.style)!;
      v.console[CONSOLE.LEN][r] = encodeUtf8Into(line.text, v.consoleText, r * CONSOLE_LINE_BYTES, CONSOLE_LINE_BYTES);
    }
    this.consolePublished = written;
    h[H.CONSOLE_HEAD] = written;
    h[H.FOREGROUND] = k.foreground;
    h[H.PROMPT] = k.intern(k.prompt);
    h[H.DEFENSES] = DEFENSES.reduce((bits, d, i) => bits | (k.defenses[d.id] ? 1 << i : 0), 0);

    v.time[0] = k.time;
    h[H.TOPOLOGY] = k.topology;
    h[H.CLOCK_RUNNING] = k.running ? 1 : 0;
    h[H.SPEED_MILLI] = Math.round(k.speed * 1000);
    h[H.TICKS] = k.ticks | 0;
    h[H.SCENARIO_NAME] = extra.scenarioName;
    h[H.SCENARIO_GEN] = extra.scenarioGen;
    h[H.SELF_PID] = extra.selfPid;
    Atomics.add(h, H.SEQ, 1); // even: done
  }
}
