import type { ExecResult } from '../host-api';
import type { Kernel } from '../kernel';
import type { Scenario } from '../scenario/schema';
import { MIN_SLICE } from '../scheduler/scheduler';

export type ScriptStep = NonNullable<Scenario['script']>[number];

/**
 * A scenario's script, run as the headless runner (`capplay run`) and the browser both run it — one code path, so
 * the same scenario and seed give the same ledger bytes: each line as a typed shell line (logged, so a reload
 * replays it), then what `clock step` owes, then its `wait` in virtual time. Resumable in slices of bounded work
 * like a replay (a line counts one unit), so an hour of a big world never holds the worker.
 */
export class ScriptRun {
  /** Lines done (each with its wait). */
  done = 0;
  private phase: 'line' | 'owed' | 'wait' = 'line';
  private target = 0;
  private shown: ExecResult = { lines: [] };
  /** Where the waits alone bring the clock (`clock step` lines add to it). */
  private readonly endTick: number;

  constructor(
    readonly kernel: Kernel,
    readonly steps: readonly ScriptStep[],
    private readonly exec: (line: string) => ExecResult,
    /** After each line and its wait: what the line printed. */
    private readonly onStep?: (step: ScriptStep, result: ExecResult) => void,
  ) {
    this.endTick = kernel.ticks + steps.reduce((t, s) => t + (s.wait ?? 0), 0);
  }

  /** Lines done of how many, and the virtual time reached of what the waits add up to (for the progress banner). */
  get progress(): { commands: number; totalCommands: number; ticks: number; totalTicks: number } {
    const ticks = this.kernel.ticks;
    return { commands: this.done, totalCommands: this.steps.length, ticks, totalTicks: Math.max(ticks, this.endTick) };
  }

  /** Work on for at most `budget` scheduler units; true once every line has run with its wait. */
  run(budget = Infinity): boolean {
    const k = this.kernel;
    const sched = k.scheduler;
    const start = sched.work;
    const left = () => budget - (sched.work - start);
    while (this.done < this.steps.length) {
      if (left() < MIN_SLICE) return false;
      const step = this.steps[this.done];
      if (this.phase === 'line') {
        this.shown = this.exec(step.line);
        sched.work++;
        this.phase = 'owed';
      }
      if (this.phase === 'owed') {
        if (!k.runOwed(left())) return false;
        // As `kernel.step(wait)`: so many ticks from where the line and its owed steps left the clock.
        this.target = k.ticks + (step.wait ?? 0);
        this.phase = 'wait';
      }
      if (step.wait && !sched.runTo(this.target, undefined, left())) return false;
      this.phase = 'line';
      this.done++;
      this.onStep?.(step, this.shown);
    }
    return true;
  }
}
