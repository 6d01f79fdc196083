import type { WorldState } from '../core/state';
import { KernelError } from '../errors';
import type { Process } from '../types';
import { charge, chargeText, costOf, periodOf, VERBS, type Charge, type Tier, type Verb } from './kinetic';

/**
 * Energy accounting (the Kinetic economy): paying for verbs, moving tiers, and the two energy verdicts — a budget
 * that held, and a burst nothing slowed (budgets off).
 */
export class EnergyAccounts {
  private readonly frozenOnce = new WeakSet<Process>();
  private readonly bursts = new WeakMap<Process, { from: number; SPAWN: number; SEND: number; told: boolean }>();
  /** Work waiting for a process's refill (the shell's lines), by pid: it runs in the process's turn once it refilled. */
  private readonly waiting = new Map<number, () => void>();

  constructor(private readonly k: WorldState) {}

  /** Pay for `c` out of `p`'s balance, all or nothing; free while the "energy budgets" defense is off. */
  pay(p: Process, c: Charge): boolean {
    if (!this.k.defenses.energy) return true;
    if (!charge(p.meter, c)) return false;
    p.spent += costOf(c);
    return true;
  }

  /**
   * Pay for an operation run on the shell's behalf, or EAGAIN. The shell checks a line's cost first and waits for
   * its refill (`waitForRefill`), so a line meets this only if it does more than its command declares.
   */
  payOrThrow(p: Process, c: Charge): void {
    if (!this.pay(p, c)) throw new KernelError('EAGAIN', this.frozenWhy(p, c));
  }

  /** Whether `p` could pay `cost` joules now (always, with budgets off). */
  canPay(p: Process, cost: number): boolean {
    return !this.k.defenses.energy || p.meter.energy >= cost;
  }

  frozenWhy(p: Process, c: Charge): string {
    return `${this.k.who(p.pid)} has ${p.meter.energy} J and ${chargeText(c)} costs ${costOf(c)} J: frozen until its refill at ${p.meter.nextRefill} ms`;
  }

  /**
   * `p` cannot pay for work done on its behalf (a shell line): it freezes like a fiber at a verb, and `resume`
   * runs in its first turn after its refill (deterministic: the scheduler's turn, so a replay runs it there too).
   */
  waitForRefill(p: Process, c: Charge, resume: () => void): void {
    this.waiting.set(p.pid, resume);
    p.state = 'frozen';
    this.frozen(p, c);
  }

  /** Stop waiting (Ctrl-C): `p` is runnable again and nothing runs at its refill. */
  cancelWait(p: Process): void {
    if (!this.waiting.delete(p.pid)) return;
    if (p.state === 'frozen') p.state = 'ready';
  }

  /** `p` has its turn (the scheduler found it ready): run what waited for its refill, if anything did. */
  resumeWaiting(p: Process): void {
    const resume = this.waiting.get(p.pid);
    if (!resume) return;
    this.waiting.delete(p.pid);
    resume();
  }

  /** A refusal for want of energy, with when it returns (so a fiber can wait for it). */
  short(p: Process, verb: Verb): { ok: false; code: 'EAGAIN'; error: string; retryAt: number } {
    return { ok: false, code: 'EAGAIN', error: this.frozenWhy(p, verb), retryAt: p.meter.nextRefill };
  }

  /** Raise or lower a fiber's Spectrum tier (authority is checked by the caller: see the shell's `tier`). */
  setTier(pid: number, tier: Tier, by: number): void {
    const p = this.k.process(pid);
    if (by) this.payOrThrow(this.k.process(by), 'GRANT');
    const from = p.meter.tier;
    p.meter.tier = tier;
    p.meter.nextRefill = Math.min(p.meter.nextRefill, this.k.time + periodOf(tier));
    // A grant of energy, not of a cap: its facts have a tier where a cap grant's have a cap.
    this.k.record('grant', by, pid, `${this.k.who(pid)} moved from tier ${from} to ${tier} by ${by ? this.k.who(by) : 'the kernel'}`, 0, {
      pid,
      tier,
      was: from,
    });
  }

  /** A fiber could not pay for its next verb; the first time, say so once: the budget held (latency, not an error). */
  frozen(p: Process, c: Charge): void {
    if (this.frozenOnce.has(p)) return;
    this.frozenOnce.add(p);
    const m = p.meter;
    this.k.verdict(
      'held',
      p.pid,
      p.pid,
      `energy budget held: ${this.k.who(p.pid)} cannot pay its next ${chargeText(c)} (${costOf(c)} J, ${m.energy} J left of ${m.budget} J: ${Math.floor(m.budget / costOf(c))} per refill) and is frozen until its refill at ${m.nextRefill} ms (tier ${m.tier})`,
    );
  }

  /** With budgets off, a fiber running bursts of SPAWN (≥ 64) or SEND (≥ 2000) within a second gets one verdict. */
  unmetered(p: Process, verb: 'SPAWN' | 'SEND'): void {
    let b = this.bursts.get(p);
    if (b?.told) return;
    if (!b || this.k.time - b.from >= 1000) this.bursts.set(p, (b = { from: this.k.time, SPAWN: 0, SEND: 0, told: false }));
    const n = ++b[verb];
    if (n < (verb === 'SPAWN' ? 64 : 2000)) return;
    b.told = true;
    this.k.verdict(
      'breach',
      p.pid,
      p.pid,
      `no energy budget: ${this.k.who(p.pid)} ran ${n} ${verb}s in ${this.k.time - b.from + 1} ms; with budgets on it could pay for ${Math.floor(p.meter.budget / VERBS[verb])} per refill (energy budgets are off: nothing slows it)`,
    );
  }
}
