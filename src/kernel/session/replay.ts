import { KernelError } from '../errors';
import type { Kernel } from '../kernel';
import type { Cut } from '../programs/backstop';
import { defineUserProgram, type ProgramDefinition } from '../programs/define';
import { MIN_SLICE } from '../scheduler/scheduler';
import type { Shell } from '../shell/shell';
import type { ExecResult } from '../host-api';
import type { TranscriptRecorder } from './transcript';

/** A command as applied: where it ran and the line. Scenario + seed + this log reproduce a session. */
export interface LoggedCommand {
  at: number;
  /** It ran inside tick `at`, after this many of its turns (the scheduler runs in slices); absent: between ticks. */
  within?: number;
  line: string;
  /** A line typed to the foreground program rather than the shell. */
  input?: true;
  /** Ctrl-C on the foreground program. */
  interrupt?: true;
  /** The experimenter defined (or redefined) a user program (the Programs tab's Run); `line` is then ''. */
  program?: ProgramDefinition;
  /**
   * The wall-clock backstop cut a user program's step (`line` is ''): a replay does too. Its place in the log
   * does not matter (the step is named by pid and step count, and pids are never reused): a replay knows every
   * cut in its log before it starts, so one made inside a long command (`clock step`) is there when the step is.
   */
  cut?: Cut;
}

/** Apply one logged command exactly as the live session did; a shell line's output is returned (as it showed). */
export function applyCommand(kernel: Kernel, shell: Shell, c: LoggedCommand): ExecResult | undefined {
  if (c.interrupt) interruptForeground(kernel, shell);
  // A definition the live session refused was never logged, so one refused here (a forged log) changes nothing.
  else if (c.program) defineUserProgram(kernel, c.program, shell.pid);
  else if (c.cut)
    return undefined; // known from the start (Replay's constructor)
  else if (c.input) kernel.lifecycle.input(c.line);
  else {
    try {
      return shell.exec(c.line);
    } catch (e) {
      // the live session reported it as an internal error; replay carries on the same way
      return { lines: [{ text: internalError(e), style: 'error' }] };
    }
  }
  return undefined;
}

/** How a bug (not bad input) in a shell line is reported in the terminal. */
export const internalError = (e: unknown) => `internal error: ${e instanceof Error ? e.message : String(e)}`;

/**
 * Ctrl-C: lines waiting for the shell's energy are cancelled; else the shell kills the foreground program with its
 * handle, and if it cannot (say it is out of energy), the kernel does.
 * A shell call waiting for its reply is cancelled too (the server is told).
 */
export function interruptForeground(kernel: Kernel, shell: Shell): void {
  const lines = shell.cancelWaiting();
  const call = kernel.queues.cancel(shell.pid, 'interrupted (Ctrl-C)'); // the server is told
  if (lines || call) return;
  const fg = kernel.foreground;
  if (!fg) return;
  try {
    kernel.kill(kernel.lifecycle.holdsHandle(shell.pid, fg) ? shell.pid : 0, fg);
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    kernel.kill(0, fg);
  }
}

/**
 * A replay of a command log onto a freshly booted kernel, run in slices of bounded work (the scheduler's units;
 * a command counts one), so that a long one never holds the worker and can be stopped between slices. Each
 * command runs where the live session ran it (its tick, and turn within it); then time runs on to `untilTick`.
 */
export class Replay {
  protected next = 0;
  readonly applied: LoggedCommand[] = [];
  /**
   * Told before each command (time has run to it) and after it: a restore advances the lesson there, as the live
   * session did after each command and as time passed (a step's records count only after the step before it).
   */
  onCommand?: () => void;

  constructor(
    readonly kernel: Kernel,
    readonly shell: Shell,
    readonly log: readonly LoggedCommand[],
    readonly untilTick: number,
    /** Records what a terminal showed (a restore's; time travel needs none). */
    readonly transcript?: TranscriptRecorder,
  ) {
    for (const c of log) if (c.cut) kernel.backstop.expect(c.cut);
  }

  /** Commands applied so far, and how far virtual time has come of the ticks to replay. */
  get progress(): { commands: number; totalCommands: number; ticks: number; totalTicks: number } {
    const last = this.log.length ? this.log[this.log.length - 1].at : 0;
    return { commands: this.next, totalCommands: this.log.length, ticks: this.kernel.ticks, totalTicks: Math.max(last, this.untilTick) };
  }

  /** Work on for at most `budget` units; true once the whole log is applied and time has reached `untilTick`. */
  run(budget = Infinity): boolean {
    const sched = this.kernel.scheduler;
    const start = sched.work;
    const left = () => budget - (sched.work - start);
    while (this.next < this.log.length) {
      const c = this.log[this.next];
      if (left() < MIN_SLICE || !sched.runTo(c.at, c.within, left())) return false;
      this.applyNext();
    }
    return left() >= MIN_SLICE && sched.runTo(this.untilTick, undefined, left());
  }

  /** Run the next command where the live session ran it (its tick, and turn within it); a command is a unit of work. */
  protected applyNext(): void {
    const c = this.log[this.next++];
    this.kernel.scheduler.runTo(c.at, c.within);
    this.onCommand?.();
    // A program definition or a cut showed nothing in the terminal as typed: its transcript skips it too.
    const typed = !c.program && !c.cut;
    if (typed) this.transcript?.command(this.kernel, c);
    const shown = applyCommand(this.kernel, this.shell, c);
    if (typed) this.transcript?.result(shown);
    this.onCommand?.();
    this.applied.push(c);
    this.kernel.scheduler.work++;
  }
}

/**
 * Time travel's replay: one unit at a time (a tick, or a command with the part of its tick before it), stopping
 * after `maxUnits`, and telling `onUnit` after each so the caller can note where the ledger grew. Runs on after
 * the last command at most to `untilTick`. Resumable, in slices like Replay: `run` works at most `budget`
 * scheduler units (and at least one unit of replay) and says whether it is done.
 */
export class UnitReplay extends Replay {
  units = 0;

  constructor(
    kernel: Kernel,
    shell: Shell,
    log: readonly LoggedCommand[],
    untilTick: number,
    readonly opts: { maxUnits?: number; onUnit?: (units: number) => void } = {},
  ) {
    super(kernel, shell, log, untilTick);
  }

  override run(budget = Infinity): boolean {
    const { kernel, log, opts } = this;
    const sched = kernel.scheduler;
    const start = sched.work;
    const halted = () => opts.maxUnits !== undefined && this.units >= opts.maxUnits;
    do {
      if (halted()) return true;
      const c = this.next < log.length ? log[this.next] : null;
      if (!c && kernel.ticks >= this.untilTick) return true;
      // Whole ticks up to the command's; a command inside a tick takes the start of that tick with it.
      if (!c || kernel.ticks + 1 < c.at || (kernel.ticks < c.at && c.within === undefined)) kernel.step(1);
      else this.applyNext();
      this.units++;
      opts.onUnit?.(this.units);
    } while (sched.work - start < budget);
    return false;
  }
}
