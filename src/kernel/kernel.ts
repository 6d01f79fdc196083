import { capProblem } from './caps/validity';
import type { Cap } from './caps/cnode';
import { type DecayRule } from './caps/algebra';
import { call } from './call/router';
import { WorldState } from './core/state';
import { EnergyAccounts } from './energy/accounts';
import { KernelError, type ErrorCode } from './errors';
import { Fleet } from './pairing/fleet';
import { Imports } from './pairing/imports';
import { Lifecycle } from './process/lifecycle';
import { DEFAULT_CAPACITY, DEFENSES, type Capacity, type DefenseId } from './sab/layout';
import { Sandbox } from './sandbox/monitor';
import { runFiber } from './scheduler/fibers';
import { Scheduler, type Schedulable } from './scheduler/scheduler';
import { EndpointQueues } from './services/queue';
import { ServiceRecords } from './services/records';
import { MAX_SESSION_TICKS } from './session/check';
import { ProofAuthority } from './subject/proof';
import type { CallOptions, CallResult, KernelObject, Process, SpawnOptions } from './types';
import { ChainWorld } from './yield/world';

export type { DecayRule };

/**
 * The kernel: the state core (core/state.ts) with the concerns that decide on it wired together — the CALL router
 * and its per-kind handlers (call/), the process lifecycle, the sandbox, energy, service records, imports across
 * pairings, the scheduler — plus the clock and the defenses' switches. Pure and deterministic: all time is virtual
 * (one tick = 1 ms) and all randomness comes from the seed.
 */
export class Kernel extends WorldState implements Schedulable {
  /** Ticks `clock step` asked for that have not run yet: the worker runs them in slices, paused or not. */
  stepsOwed = 0;
  running = true;
  speed = 1;
  readonly scheduler: Scheduler = new Scheduler(this);
  readonly proofs: ProofAuthority;
  readonly energy = new EnergyAccounts(this);
  readonly queues: EndpointQueues = new EndpointQueues(this);
  readonly lifecycle = new Lifecycle(this, this.energy, this.queues, () => this.scheduler.invalidate());
  readonly sandbox = new Sandbox(this, (p, why) => this.lifecycle.reap(p, 'killed', 134, why));
  readonly services: ServiceRecords;
  /** Machine keys, pairings, TOFU+ bindings and the Diode (seeds 000, 001; Nexus S4). */
  readonly fleet: Fleet;
  readonly imports: Imports;
  private chainWorldIfAny: ChainWorld | null = null;

  constructor(seed: number, capacity: Capacity = DEFAULT_CAPACITY) {
    super(seed, capacity);
    this.proofs = new ProofAuthority(seed);
    this.services = new ServiceRecords(this, this.proofs, (ep, ticket, reply) => this.queues.answer(ep, ticket, reply));
    this.fleet = new Fleet(this);
    this.imports = new Imports(this, this.fleet);
  }

  protected override pairingEnds(id: number): readonly [number, number] | undefined {
    const p = this.fleet.pairing(id);
    return p && [p.a, p.b];
  }

  /** CALL through a cap in `caller`'s cnode (call/router.ts: the one door every call goes through). */
  call(caller: number, capName: string, method: string, opts?: CallOptions): CallResult {
    return call(this, caller, capName, method, opts);
  }

  /** Why a cap no longer works, or null if it does (caps/validity.ts). */
  capProblem(cap: Cap): { code: ErrorCode; error: string } | null {
    return capProblem(this, cap);
  }

  spawn(parent: number, program: string, opts?: SpawnOptions): Process {
    return this.lifecycle.spawn(parent, program, opts);
  }

  exit(pid: number, code: number, why?: string): void {
    this.lifecycle.exit(pid, code, why);
  }

  kill(by: number, pid: number): void {
    this.lifecycle.kill(by, pid);
  }

  /**
   * This world is being dropped (the host shows another): end its user programs' fibers so their engines are
   * disposed now (their `finally`). Nothing is recorded: the world is not run again.
   */
  dropPrograms(): void {
    for (const p of this.processes.values()) {
      if (!p.fiber || !this.userPrograms.has(p.program)) continue;
      try {
        p.fiber.return(undefined);
      } catch {
        // a fiber that cannot end cleanly is left to the collector (its sandbox's FinalizationRegistry)
      }
    }
  }

  /** The last cap to a live service object went (drop, move, its holder's exit): the service ends the object. */
  protected override lastCapGone(obj: KernelObject, by: number, how: string): void {
    this.services.released(obj, by, how);
  }

  createUserSession(machine: number, subject: string): KernelObject {
    const s = this.createObject('session', machine, 0, `UserSession ${subject}`);
    s.subject = subject;
    return s;
  }

  // ── defenses and the yield world (seed 004) ────────────────────────────────────────────────────────────────

  setDefense(id: DefenseId, on: boolean, by: number): void {
    if (this.defenses[id] === on) return;
    this.defenses[id] = on;
    if (id === 'interpose') this.chainWorldIfAny?.setInterposition(on);
    const label = DEFENSES.find((d) => d.id === id)!.label;
    this.record('defense', by, 0, `${label} turned ${on ? 'on' : 'off'}`, 0, { defense: id, on: on ? 1 : 0 });
  }

  /** The chain world if something has made it (for inspection: reading it makes nothing). */
  get chainWorldIfMade(): ChainWorld | null {
    return this.chainWorldIfAny;
  }

  /** The chain world the shell's yield commands act on, made on first use. */
  get chainWorld(): ChainWorld {
    return (this.chainWorldIfAny ??= new ChainWorld(this.defenses.interpose));
  }

  // ── the scheduler's side ───────────────────────────────────────────────────────────────────────────────────

  /** Advance virtual time by `n` ticks of 1 ms (the scheduler runs every process's turn). */
  step(n = 1): void {
    this.scheduler.step(n);
  }

  /** Run what `clock step` still owes, with at most `budget` units of work; true when nothing is owed. */
  runOwed(budget = Infinity): boolean {
    return this.scheduler.runTo(this.ticks + this.stepsOwed, undefined, budget);
  }

  /** The scheduler begins a tick: the clock moves 1 ms, and caps due to decay do. */
  beginTick(): void {
    this.time += 1;
    this.ticks++;
    if (this.stepsOwed > 0) this.stepsOwed--;
    if (this.time >= this.nextDecay) this.decayed();
    // A saved session holds at most a week of virtual time: the clock stops there, saying why. Here, in the
    // tick itself, so a replay reaching that tick stops it the same way.
    if (this.ticks === MAX_SESSION_TICKS) {
      this.stepsOwed = 0;
      this.setRunning(false, 0);
      this.record(
        'clock',
        0,
        0,
        'clock stopped: the session holds a week of virtual time, the most a saved session may; export it or start a fresh one',
      );
    }
  }

  /** A process's turn: as a server it first takes calls waiting on its endpoints, then its fiber runs the verbs left. */
  serveQueues(p: Process): number {
    return this.queues.serve(p);
  }

  runFiber(p: Process, limit?: number): number {
    // What waited for this process's refill (a shell line) runs first, in its turn; it may have to wait again.
    this.energy.resumeWaiting(p);
    if (p.state !== 'ready') return 1;
    return runFiber(this, p, limit);
  }

  // ── clock control ──────────────────────────────────────────────────────────────────────────────────────────

  setRunning(running: boolean, by: number): void {
    if (this.running === running) return;
    this.running = running;
    this.record('clock', by, 0, running ? 'clock running' : 'clock paused');
  }

  setSpeed(speed: number, by: number): void {
    if (!(speed > 0 && speed <= 100)) throw new KernelError('EINVAL', `speed must be a number in (0, 100], got ${speed}`);
    this.speed = speed;
    this.record('clock', by, 0, `clock speed ×${speed}`);
  }
}
