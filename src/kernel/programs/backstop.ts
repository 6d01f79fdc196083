/**
 * The wall-clock backstop for user programs. The tick budget (user.ts) bounds what a step computes, but some
 * single engine operations cost far more than their one tick (=== on two 4 MiB strings, `in` on a prototype chain
 * 60,000 deep): a step can stay inside its budget and still hold the worker for minutes. So a live world also
 * watches the clock, and a step that runs past LIMIT_MS is cut at its next interrupt check (every 10,000 op
 * ticks; an interrupt cannot be caught). A step that reaches none for seconds (a few operations that never end)
 * is the page's to cut: it sees the step's place, published in the state buffer, stay put, replaces the worker
 * and replays the session with the cut logged, before the step runs.
 *
 * A cut depends on the machine, so it is logged: `{ pid, step, check }` names the step (the process's step count)
 * and the interrupt check in it (0: before the step runs). A replay is never timed: it cuts only where the log
 * says, at the same check, so the same log gives the same ledger bytes on every machine.
 */

/** Where a step was cut: the process, its step (1 = its first run), and the interrupt check in it (0 = before it ran). */
export interface Cut {
  readonly pid: number;
  readonly step: number;
  readonly check: number;
}

/** How long one step may hold the worker in a live world before it is cut (ms). */
export const LIMIT_MS = 1000;

export class Backstop {
  /** Live only: the wall clock. Null while replaying and in worlds that are not watched (tests, headless replays). */
  clock: (() => number) | null = null;
  /** The host logs a cut made live. */
  onCut: ((c: Cut) => void) | null = null;
  /** Where user code is now, for a watchdog outside the worker: at each step's start and end, and each check in it. */
  onProgress: ((pid: number, step: number, check: number) => void) | null = null;
  /** Cuts the clock made in this world (live, or in a timed replay). */
  readonly made: Cut[] = [];
  /** Cuts the log holds that have not happened yet, by pid. */
  private readonly expected = new Map<number, Cut>();

  /** A logged cut: the replay cuts this step at this entry when it comes. */
  expect(c: Cut): void {
    this.expected.set(c.pid, c);
  }

  /** A fork of the past keeps only the cuts its log holds (a replay of the whole log knew the dropped future's too). */
  keepOnly(pids: ReadonlySet<number>): void {
    for (const pid of [...this.expected.keys()]) if (!pids.has(pid)) this.expected.delete(pid);
  }

  /** The check at which this step is to be cut by the log (undefined: none). */
  logged(pid: number, step: number): number | undefined {
    const c = this.expected.get(pid);
    if (!c || c.step !== step) return undefined;
    this.expected.delete(pid);
    return c.check;
  }
}

/** Does this value name a cut (a session log's `cut` field)? The reason, or null. */
export function cutProblem(v: unknown): string | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'a cut is { pid, step, check }';
  const c = v as Record<string, unknown>;
  const extra = Object.keys(c).find((k) => k !== 'pid' && k !== 'step' && k !== 'check');
  if (extra !== undefined) return `unknown field ${JSON.stringify(extra)}`;
  const int = (x: unknown, lo: number) => Number.isInteger(x) && (x as number) >= lo && (x as number) <= 0x7fffffff;
  if (!int(c.pid, 1)) return 'pid: a process id (a whole number from 1)';
  if (!int(c.step, 1)) return 'step: the step cut (a whole number from 1)';
  if (!int(c.check, 0)) return 'check: the interrupt check in the step it was cut at (a whole number from 0)';
  return null;
}
