import type { Kernel } from '../kernel';
import {
  CAP,
  CAP_KINDS,
  H,
  LEDGER,
  LEDGER_DETAIL_BYTES,
  LEDGER_KINDS,
  MACHINE,
  OBJ,
  OBJECT_KINDS,
  PROC,
  PROC_STATES,
  TARGET_KINDS,
  type SabViews,
} from './layout';
import { encodeUtf8Into } from './utf8';

const capKindIndex = new Map(CAP_KINDS.map((k, i) => [k, i]));
const objKindIndex = new Map(OBJECT_KINDS.map((k, i) => [k, i]));
const stateIndex = new Map(PROC_STATES.map((k, i) => [k, i]));
const targetIndex = new Map(TARGET_KINDS.map((k, i) => [k, i]));
const ledgerKindIndex = new Map(LEDGER_KINDS.map((k, i) => [k, i]));

/**
 * Writes kernel state into the SAB. Tables are rewritten whole on each publish (cheap: a few thousand words),
 * while strings and ledger events are appended incrementally since the last publish.
 */
export class Publisher {
  private stringsPublished = 1; // id 0 is the empty string
  private stringBytes = 0;
  private ledgerPublished = 0;

  constructor(readonly views: SabViews) {}

  /** Start over (a new kernel was booted into the same buffer). */
  reset(): void {
    this.stringsPublished = 1;
    this.stringBytes = 0;
    this.ledgerPublished = 0;
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
      c[PROC.ENERGY][row] = 0;
      c[PROC.TIER][row] = 0;
      c[PROC.FLAGS][row] = 0;
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
        c[CAP.BADGE][row] = s.cap.badge;
        c[CAP.NAME][row] = k.intern(s.name);
        c[CAP.RIGHTS][row] = 0;
        c[CAP.FLAGS][row] = 0;
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
      row++;
    }
    h[H.OBJ_ROWS] = row;

    k.machines.forEach((m, i) => {
      v.machine[MACHINE.ID][i] = m.id;
      v.machine[MACHINE.NAME][i] = k.intern(m.name);
    });
    h[H.MACHINE_ROWS] = k.machines.length;

    // Ledger: only the newest `ring` events can be in the ring; older ones stay in the worker.
    const ring = v.layout.capacity.ledgerRing;
    const total = k.ledger.length;
    const from = Math.max(this.ledgerPublished + 1, total - ring + 1);
    for (const e of k.ledger.page(from, total - from + 1)) {
      const r = (e.seq - 1) % ring;
      v.ledger[LEDGER.SEQ][r] = e.seq;
      v.ledger[LEDGER.KIND][r] = ledgerKindIndex.get(e.kind)!;
      v.ledger[LEDGER.ACTOR][r] = e.actor;
      v.ledger[LEDGER.SUBJECT][r] = e.subject;
      v.ledgerTime[r] = e.time;
      v.ledger[LEDGER.DETAIL_LEN][r] = encodeUtf8Into(e.detail, v.ledgerDetail, r * LEDGER_DETAIL_BYTES, LEDGER_DETAIL_BYTES);
    }
    this.ledgerPublished = total;
    h[H.LEDGER_HEAD] = total;

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
