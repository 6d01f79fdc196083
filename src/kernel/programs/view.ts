/**
 * What the Programs tab reads (rare bulk reads, on change): the world's user programs, and a program's latest
 * run — what it printed and how it ended — as the kernel recorded it (its spawn, console and exit or kill
 * record), never guessed by the page.
 */
import type { ProgramRunView, UserProgramView } from '../host-api';
import type { Kernel } from '../kernel';
import type { Ledger } from '../ledger/ledger';

/** Lines of a run's output the tab is given (the newest). */
export const PROGRAM_RUN_LINES = 200;
/** Verdicts of a run the tab is given: every breach (to this many), and the newest few of the rest. */
export const BREACHES_SHOWN = 20;
export const VERDICTS_SHOWN = 3;
/** Console lines read back (newest first) for a run's output: a bound on the read, not on the program. */
const CONSOLE_SCAN = 50_000;

export function programsView(k: Kernel): UserProgramView[] {
  return [...k.userPrograms.values()]
    .map((p) => ({ name: p.name, source: p.source, summary: p.summary, run: p.run ?? `run "${p.name}"` }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Each user program's newest spawn, found from the spawn records (read once: each call reads only the records
 * appended since), and a run's end once found. Starts over for another ledger (a boot, a restore, time travel).
 */
export class ProgramRuns {
  private ledger: Ledger | null = null;
  private scanned = 0;
  private latest = new Map<string, { pid: number; seq: number }>();
  /** Every spawn seen: who started each pid, and with which program (to tell a run from a program's own copies). */
  private parent = new Map<number, number>();
  private programOf = new Map<number, string>();
  private ends = new Map<number, { seq: number; code: number; reason: string }>();

  view(k: Kernel, name: string): ProgramRunView | null {
    this.catchUp(k);
    const run = this.latest.get(String(name));
    if (!run) return null;
    const alive = k.processes.get(run.pid);
    const end = alive ? null : this.end(k, run);
    return {
      pid: run.pid,
      name: alive?.name ?? this.nameOf(k, run.seq),
      ...this.output(k, run.pid),
      end,
      verdicts: this.verdicts(k, run, end?.seq ?? k.ledger.length),
    };
  }

  /**
   * What the kernel said of this run while it ran: verdicts whose actor or subject is its process or one it
   * started (a program's exit code is its own, so an exit 0 may be a breach won, and a refusal may end in exit 0
   * too). Every breach is kept (up to BREACHES_SHOWN), and the newest VERDICTS_SHOWN of the rest.
   */
  private verdicts(k: Kernel, run: { pid: number; seq: number }, upTo: number): ProgramRunView['verdicts'] {
    const l = k.ledger;
    const breaches: ProgramRunView['verdicts'] = [];
    const others: ProgramRunView['verdicts'] = [];
    for (let seq = l.previousOfKind('verdict', upTo, run.seq); seq > 0; seq = l.previousOfKind('verdict', seq - 1, run.seq)) {
      const e = l.page(seq, 1)[0];
      if (!e || !(this.within(run.pid, e.actor) || this.within(run.pid, e.subject))) continue;
      const v = { seq, outcome: typeof e.facts?.outcome === 'string' ? e.facts.outcome : 'info', detail: e.detail };
      if (v.outcome === 'breach') {
        if (breaches.length < BREACHES_SHOWN) breaches.push(v);
      } else if (others.length < VERDICTS_SHOWN) others.push(v);
      if (breaches.length >= BREACHES_SHOWN && others.length >= VERDICTS_SHOWN) break;
    }
    return [...breaches, ...others].sort((a, b) => a.seq - b.seq);
  }

  private catchUp(k: Kernel): void {
    const l = k.ledger;
    if (l !== this.ledger) {
      this.ledger = l;
      this.scanned = 0;
      this.latest.clear();
      this.ends.clear();
      this.parent.clear();
      this.programOf.clear();
    }
    const found: { pid: number; seq: number; program: string; actor: number }[] = [];
    for (let seq = l.previousOfKind('spawn', l.length, this.scanned); seq > 0; seq = l.previousOfKind('spawn', seq - 1, this.scanned)) {
      const e = l.page(seq, 1)[0];
      const f = e?.facts;
      if (typeof f?.program === 'string' && typeof f.pid === 'number') found.push({ pid: f.pid, seq, program: f.program, actor: e.actor });
    }
    this.scanned = l.length;
    for (let i = found.length - 1; i >= 0; i--) {
      const { pid, seq, program, actor } = found[i];
      this.parent.set(pid, actor);
      this.programOf.set(pid, program);
      // A run is one the shell (or a built-in) started: a user program's own spawns (copies of itself) are its doing.
      const by = this.programOf.get(actor);
      if (!(by !== undefined && k.userPrograms.has(by))) this.latest.set(program, { pid, seq });
    }
    // Built-ins spawn too: only user programs are asked for, so the map holds a few names more, never wrong ones.
  }

  /** The run's own process or one it started (its children's, and theirs). */
  private within(run: number, pid: number): boolean {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 0 && hops < 10_000; p = this.parent.get(p), hops++)
      if (p === run) return true;
    return false;
  }

  private nameOf(k: Kernel, spawnSeq: number): string {
    const d = k.ledger.page(spawnSeq, 1)[0]?.detail ?? '';
    const m = /^(.*) \(pid \d+\) runs /.exec(d);
    return m ? m[1] : '';
  }

  /** The newest lines the process printed (the console keeps every line with its pid). */
  private output(k: Kernel, pid: number): Pick<ProgramRunView, 'lines' | 'cut'> {
    const lines: ProgramRunView['lines'] = [];
    let cut = 0;
    const c = k.console;
    for (let i = c.length - 1, stop = Math.max(0, c.length - CONSOLE_SCAN); i >= stop; i--) {
      if (c[i].pid !== pid) continue;
      if (lines.length < PROGRAM_RUN_LINES) lines.push({ text: c[i].text, style: c[i].style });
      else cut++;
    }
    return { lines: lines.reverse(), cut };
  }

  /** Its exit or kill record, the first after its spawn that names it (there is exactly one). */
  private end(k: Kernel, run: { pid: number; seq: number }): ProgramRunView['end'] {
    const known = this.ends.get(run.pid);
    if (known) return known;
    const l = k.ledger;
    for (const kind of ['exit', 'kill'] as const) {
      for (let seq = l.previousOfKind(kind, l.length, run.seq); seq > 0; seq = l.previousOfKind(kind, seq - 1, run.seq)) {
        const e = l.page(seq, 1)[0];
        if (e?.facts?.pid !== run.pid) continue;
        const code = kind === 'kill' ? 137 : typeof e.facts.code === 'number' ? e.facts.code : 0;
        const end = { seq, code, reason: e.detail };
        this.ends.set(run.pid, end);
        return end;
      }
    }
    return null;
  }
}
