import type { Kernel } from '../kernel';
import { evaluate, type Check, type CheckResult } from './check';

/** One step of a lesson: what to achieve, a hint (usually the command), and the check that says it is done. */
export interface LessonStep {
  goal: string;
  hint: string;
  check: Check;
}

export interface LessonSpec {
  title: string;
  steps: readonly LessonStep[];
}

export interface StepStatus {
  index: number;
  goal: string;
  hint: string;
  /** done: its check passed while it was the current step; current: the one being worked on; ahead: not reached. */
  state: 'done' | 'current' | 'ahead';
  ok: boolean;
  why: string;
}

/**
 * A lesson in progress. Steps are done in order: the current step's check is evaluated against ledger records
 * made since the step became current (so an earlier attempt does not count) and the state now; when it passes,
 * the next step becomes current. Call `advance` after every command (and after time passes).
 */
export class LessonProgress {
  current = 0;
  /** The ledger length when the current step became current: its records come after this seq. */
  since: number;
  private readonly passed: CheckResult[] = [];
  /** The current step's failing result from the last advance, and the state it was taken in: status reuses it. */
  private pending: { result: CheckResult; at: string } | null = null;

  constructor(
    readonly lesson: LessonSpec,
    kernel: Kernel,
  ) {
    this.since = kernel.ledger.length;
  }

  get done(): boolean {
    return this.current >= this.lesson.steps.length;
  }

  /** Evaluate the current step; while it passes, move on. Returns how many steps were completed by this call. */
  advance(kernel: Kernel): number {
    let n = 0;
    while (!this.done) {
      const r = evaluate(kernel, this.lesson.steps[this.current].check, this.since);
      if (!r.ok) {
        this.pending = { result: r, at: stateKey(kernel) };
        break;
      }
      this.passed.push(r);
      this.current++;
      this.since = kernel.ledger.length;
      n++;
    }
    return n;
  }

  /** Every step: done ones with why they passed, the current one with why it does not pass yet. */
  status(kernel: Kernel): StepStatus[] {
    return this.lesson.steps.map((s, index) => {
      if (index < this.current) return { index, goal: s.goal, hint: s.hint, state: 'done', ...this.passed[index] };
      if (index === this.current) {
        const r = this.pending?.at === stateKey(kernel) ? this.pending.result : evaluate(kernel, s.check, this.since);
        return { index, goal: s.goal, hint: s.hint, state: 'current', ...r };
      }
      return { index, goal: s.goal, hint: s.hint, state: 'ahead', ok: false, why: `not reached: step ${this.current + 1} is not done yet` };
    });
  }
}

/** What a check can depend on has not changed while the ledger length, the topology and the clock stay put. */
const stateKey = (kernel: Kernel) => `${kernel.ledger.length}:${kernel.topology}:${kernel.ticks}`;
