import { refillIfDue } from '../energy/kinetic';
import type { Process } from '../types';
import type { SyscallResult } from '../programs/abi';

/**
 * The scheduler: one tick is 1 ms of virtual time, in which every process has a turn, in pid order (a snapshot
 * taken as the tick begins: a process spawned during a tick first runs in the next, one reaped is skipped by its
 * state). A turn refills and wakes the fiber if due, lets a server take the calls waiting for it, and, if the
 * fiber is ready, runs its verbs.
 *
 * It runs in slices of bounded work, with a cursor inside a tick, so that a heavy world (thousands of fibers, a
 * tick that itself takes seconds) never holds the worker: between slices it answers pings and commands. A command
 * that arrives inside a tick is logged with the tick and how many turns of it had been taken (`within`), and a
 * replay stops at exactly that turn, so slicing never changes what happens.
 */

/** Most verbs one fiber runs in its turn: energy is the limit, this only keeps an unmetered fiber from stalling. */
export const MAX_VERBS_PER_TICK = 64;

/** Work units (a turn is 1, each verb 1 more): the least a slice may be given, so it can always take a turn. */
export const MIN_SLICE = 1 + MAX_VERBS_PER_TICK;

/** What a woken fiber resumes with (one frozen object for all of them). */
export const RESUMED: SyscallResult = Object.freeze({ ok: true });

/** What the scheduler needs of the kernel. */
export interface Schedulable {
  readonly processes: ReadonlyMap<number, Process>;
  /** Virtual ms, and ticks begun. */
  readonly time: number;
  readonly ticks: number;
  /** A tick begins: the clock moves 1 ms. */
  beginTick(): void;
  /** A server takes calls waiting on its endpoints (at most MAX_VERBS_PER_TICK a tick); returns how many. */
  serveQueues(p: Process): number;
  /** Run a ready fiber's verbs (at most `limit`, MAX_VERBS_PER_TICK by default); returns how many it ran. */
  runFiber(p: Process, limit?: number): number;
}

export class Scheduler {
  /** Processes in pid order, rebuilt only when one is spawned or reaped (not every tick). */
  private order: Process[] | null = null;
  /** The tick in progress: its snapshot and how many of it have had their turn; null between ticks. */
  private open: { order: Process[]; next: number } | null = null;
  /** Work done so far, in units (for the slice bounds and their tests). */
  work = 0;

  constructor(private readonly k: Schedulable) {}

  /** A process came or went: the next tick takes a new snapshot. */
  invalidate(): void {
    this.order = null;
  }

  /** Inside a tick: how many of its processes have had their turn. Undefined between ticks. */
  get within(): number | undefined {
    return this.open?.next;
  }

  /** Is the world at or past tick `tick` — with `within` turns of it taken, or (without) that tick complete? */
  reached(tick: number, within?: number): boolean {
    const t = this.k.ticks;
    if (t !== tick) return t > tick;
    if (!this.open) return true;
    return within !== undefined && this.open.next >= within;
  }

  /**
   * Run toward (`tick`, `within`) doing at most `budget` units of work; true once there. A turn is begun only if
   * it fits (1 + at most MAX_VERBS_PER_TICK verbs), so no call does more work than its budget.
   */
  runTo(tick: number, within?: number, budget = Infinity): boolean {
    const k = this.k;
    const limit = Math.max(budget, MIN_SLICE);
    let used = 0;
    try {
      for (;;) {
        if (this.reached(tick, within)) return true;
        if (!this.open) {
          k.beginTick();
          this.open = { order: (this.order ??= [...k.processes.values()]), next: 0 };
        }
        const o = this.open;
        const end = k.ticks === tick && within !== undefined ? Math.min(within, o.order.length) : o.order.length;
        while (o.next < end) {
          if (used + MIN_SLICE > limit) return false;
          const p = o.order[o.next++];
          used++;
          if (refillIfDue(p.meter, k.time) && p.state === 'frozen') p.state = 'ready';
          if (p.state === 'sleeping' && p.wakeAt <= k.time) {
            p.state = 'ready';
            p.resume = RESUMED;
          }
          // A server's calls and its fiber's verbs share the turn's bound.
          const served = k.serveQueues(p);
          used += served;
          if (p.state === 'ready' && served < MAX_VERBS_PER_TICK) used += k.runFiber(p, MAX_VERBS_PER_TICK - served);
        }
        if (o.next >= o.order.length) this.open = null;
      }
    } finally {
      this.work += used;
    }
  }

  /** Run `n` more ticks whole (the tick in progress, if any, counts as begun). Unbounded: tests and headless runs. */
  step(n = 1): void {
    this.runTo(this.k.ticks + n);
  }
}
