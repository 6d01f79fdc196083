import defaultScenario from '../scenarios/default.json';
import type { BootResult, Completion, ExecResult, KernelHostApi, LedgerImport, LedgerStatus, LessonStatus, MachineView, SandboxView, Session, TravelState, YieldView } from './host-api';
import { verifyLedgerText } from './ledger/verifyText';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TYPE_MEANS } from './pairing/fleet';
import { promisesText } from './sandbox/pledge';
import { permsText } from './sandbox/unveil';
import { KernelError } from './errors';
import type { Kernel } from './kernel';
import { DEFAULT_CAPACITY, H, ledgerKindCode, SabViews, sameCapacity, type Capacity, type LedgerEntry, type LedgerKind } from './sab/layout';
import { Publisher } from './sab/publish';
import { boot, BootError } from './scenario/boot';
import { capacityFor } from './scenario/capacity';
import { loadScenario } from './scenario/load';
import type { Scenario } from './scenario/schema';
import { Shell } from './shell/shell';
import { yieldView } from './yield/view';
import { LessonProgress } from './lessons/progress';
import { MAX_RESTORE_TICKS, sessionProblem } from './sessionCheck';

/** A command as applied: the tick it ran at and the line. Scenario + seed + this log reproduce a session. */
export interface LoggedCommand {
  at: number;
  line: string;
  /** A line typed to the foreground program rather than the shell. */
  input?: true;
  /** Ctrl-C on the foreground program. */
  interrupt?: true;
}

/** Longest stretch of virtual time one `advance` call may cover, so a stalled tab cannot freeze the worker. */
const MAX_ADVANCE_MS = 2000;

/**
 * Owns the kernel, the shell and the state buffer; what the worker exposes. DOM-free so Node tests and
 * benchmarks drive it exactly as the worker does.
 */
export class KernelHost implements KernelHostApi {
  views: SabViews;
  private publisher: Publisher;
  kernel!: Kernel;
  private shell!: Shell;
  scenario!: Scenario;
  readonly log: LoggedCommand[] = [];
  /** What was booted, so a session can be saved, shared and replayed. */
  scenarioText = '';
  seed = 1;
  private generation = 0;
  private carry = 0;
  /** The scenario's lesson, if it has one: which step is current, and wrong tries at it (for the hint). */
  private lesson: { progress: LessonProgress; tries: number } | null = null;
  /** While time travelling: the live session, parked (the published state is a replay of its past). */
  private live: { kernel: Kernel; shell: Shell; log: LoggedCommand[]; marks: { units: number[]; lengths: number[]; total: number } | null } | null = null;

  /**
   * `capacity` fixes the state tables for every scenario this host boots (tests use small ones); without it each
   * scenario gets tables sized for it (scenario/capacity.ts).
   */
  constructor(
    private readonly fixedCapacity?: Capacity,
    private readonly shared = typeof SharedArrayBuffer !== 'undefined',
  ) {
    this.views = SabViews.create(fixedCapacity ?? DEFAULT_CAPACITY, shared);
    this.publisher = new Publisher(this.views);
    const r = this.boot();
    if (!r.ok) throw new Error(`the default scenario is invalid: ${r.errors.join('; ')}`);
  }

  boot(scenarioText?: string, seed?: number): BootResult {
    const loaded = loadScenario(scenarioText ?? defaultScenario);
    if (!loaded.ok) return loaded;
    const capacity = this.fixedCapacity ?? capacityFor(loaded.scenario);
    let kernel: Kernel;
    try {
      kernel = boot(loaded.scenario, seed ?? loaded.scenario.seed ?? 1, capacity);
    } catch (e) {
      // A BootError names the field (processes[4].caps[0]: …); anything else is a bug, said as such.
      return { ok: false, errors: [e instanceof BootError ? e.message : `boot failed: ${e instanceof Error ? e.message : String(e)}`] };
    }
    if (!sameCapacity(capacity, this.views.layout.capacity)) this.resize(capacity);
    this.kernel = kernel;
    this.scenario = loaded.scenario;
    this.scenarioText = scenarioText ?? JSON.stringify(defaultScenario);
    this.seed = kernel.seed;
    this.shell = shellOf(kernel);
    this.log.length = 0;
    this.live = null;
    this.lesson = loaded.scenario.lesson ? { progress: new LessonProgress(loaded.scenario.lesson, kernel), tries: 0 } : null;
    this.republish();
    return { ok: true, name: loaded.scenario.name };
  }

  /**
   * This scenario needs other table sizes: publish into a new state buffer from now on, and flag the old one as
   * moved so the UI fetches the new one (its frame loop checks the flag) and the old memory can go.
   */
  private resize(capacity: Capacity): void {
    const old = this.views;
    this.views = SabViews.create(capacity, this.shared);
    this.publisher = new Publisher(this.views);
    Atomics.store(old.header, H.MOVED, 1);
  }

  /** A different kernel is now the one shown: the UI starts its feeds again (a new generation). */
  private republish(): void {
    this.generation++;
    this.carry = 0;
    this.publisher.reset();
    this.publish();
  }

  // ── lessons ────────────────────────────────────────────────────────────────────────────────────────────────

  /** After a command: the current step may be done now; if not, that was a try (the hint shows after one). */
  private lessonAfterCommand(): void {
    const l = this.lesson;
    if (!l || l.progress.done || this.live) return;
    if (l.progress.advance(this.kernel) > 0) l.tries = 0;
    else l.tries++;
  }

  /** The lesson's steps, each checked by the kernel: done (green), current (with why not yet), or ahead. */
  lessonStatus(): LessonStatus | null {
    const l = this.lesson;
    if (!l || this.live) return null;
    if (l.progress.advance(this.kernel) > 0) l.tries = 0; // time passing can finish a step too
    return { title: l.progress.lesson.title, current: l.progress.current, done: l.progress.done, tries: l.tries, steps: l.progress.status(this.kernel) };
  }

  // ── the WORM ledger ──────────────────────────────────────────────────────────────────────────────────────────

  ledgerFind(kind: string): Int32Array {
    return ledgerKindCode(kind) !== undefined ? this.kernel.ledger.seqsOfKind(kind as LedgerKind) : new Int32Array(0);
  }

  ledgerVerify(): LedgerStatus {
    const l = this.kernel.ledger;
    // Incremental: entries already checked stay checked (there is no API to change them), so a live status
    // costs time per new entry. `ledger verify` in the shell re-derives the whole chain.
    // At most VERIFY_SLICE new records per call, so a burst of a million never stalls the worker for seconds.
    const r = l.verifyNew(VERIFY_SLICE);
    return { ok: r.ok, entries: r.entries, total: l.length, checkpoints: r.checkpoints, publicKey: bytesToHex(l.publicKey), ...(r.firstBad ? { firstBad: r.firstBad } : {}) };
  }

  ledgerExport(): string {
    return this.kernel.ledger.exportJsonl();
  }

  ledgerImport(text: string): LedgerImport {
    return verifyLedgerText(String(text), this.kernel.ledger.publicKey);
  }

  // ── sessions: save, share, restore ───────────────────────────────────────────────────────────────────────────

  /** Scenario + seed + command log + the tick reached: enough to rebuild this session exactly. */
  session(): Session {
    const kernel = this.live?.kernel ?? this.kernel;
    return { scenario: this.scenarioText, seed: this.seed, log: [...(this.live?.log ?? this.log)], ticks: kernel.ticks };
  }

  /**
   * Rebuild a saved or shared session by replay. Untrusted input: anything malformed is refused whole with a
   * reason, and the running session is left as it was.
   */
  restore(session: Session): BootResult {
    const problem = sessionProblem(session);
    if (problem) return { ok: false, errors: [problem] };
    const r = this.boot(session.scenario, session.seed); // a boot that fails has changed nothing
    if (!r.ok) return r;
    applyLog(this.kernel, this.shell, session.log, this.log);
    this.kernel.step(Math.max(0, Math.min(session.ticks, MAX_RESTORE_TICKS) - this.kernel.ticks));
    this.publish();
    return r;
  }

  // ── time travel ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Show the session as it was when its ledger had `seq` records: replay scenario + seed + log from the start up
   * to there (deterministic), and publish that instead of the live state, which is parked meanwhile.
   */
  travel(seq: number, direction: 'back' | 'forward' = 'back'): TravelState {
    if (!this.live) this.live = { kernel: this.kernel, shell: this.shell, log: [...this.log], marks: null };
    const live = this.live;
    const target = Math.max(1, Math.min(Math.floor(Number(seq)) || 1, live.kernel.ledger.length));
    const fresh = () => {
      const k = boot(this.scenario, this.seed, this.views.layout.capacity);
      return { kernel: k, shell: shellOf(k) };
    };
    // Once per visit to the past: replay the whole session, noting after which unit (a tick or a command) the
    // ledger grew and to what. Every scrub after that is a single replay to exactly the right unit.
    if (!live.marks) {
      const r = fresh();
      const marks = { units: [0], lengths: [r.kernel.ledger.length], total: 0 };
      const totalUnits = applyLog(r.kernel, r.shell, live.log, [], {
        stop: () => false,
        untilTick: live.kernel.ticks,
        onUnit: (units) => {
          if (r.kernel.ledger.length !== marks.lengths[marks.lengths.length - 1]) {
            marks.units.push(units);
            marks.lengths.push(r.kernel.ledger.length);
          }
        },
      });
      marks.total = totalUnits;
      live.marks = marks;
    }
    // A command's records come together: back shows the last state with at most `target` records, forward the
    // first with at least `target` (so a step forward always moves).
    const { units, lengths, total } = live.marks;
    let stopAt: number;
    if (direction === 'forward') {
      const j = lengths.findIndex((n) => n >= target);
      stopAt = j < 0 ? total : units[j];
    } else {
      const j = lengths.findIndex((n) => n > target);
      stopAt = j < 0 ? total : j === 0 ? 0 : units[j] - 1;
    }
    const { kernel, shell } = fresh();
    const applied: LoggedCommand[] = [];
    applyLog(kernel, shell, live.log, applied, { maxUnits: stopAt, untilTick: live.kernel.ticks });
    kernel.running = false;
    this.kernel = kernel;
    this.shell = shell;
    this.log.splice(0, this.log.length, ...applied);
    this.republish();
    return this.travelState();
  }

  /** Where the shown state is, against the live session. */
  travelState(): TravelState {
    return { traveling: this.live !== null, seq: this.kernel.ledger.length, total: (this.live?.kernel ?? this.kernel).ledger.length };
  }

  /** Back to the live session, as it was left. */
  travelEnd(): TravelState {
    if (this.live) {
      this.kernel = this.live.kernel;
      this.shell = this.live.shell;
      this.log.splice(0, this.log.length, ...this.live.log);
      this.live = null;
      this.republish();
    }
    return this.travelState();
  }

  /** "Resume from here": the past being shown becomes the live session (a fork; the old future is dropped). */
  travelFork(): TravelState {
    if (this.live) {
      this.live = null;
      this.kernel.running = true;
      this.republish();
    }
    return this.travelState();
  }

  buffer(): SharedArrayBuffer {
    return this.views.buffer as SharedArrayBuffer;
  }

  exec(line: string): ExecResult {
    if (this.live) return { lines: [{ text: 'you are looking at the past: "resume from here" to fork the session, or go back to live first', style: 'error' }] };
    const text = String(line);
    this.log.push({ at: this.kernel.ticks, line: text });
    try {
      return this.shell.exec(text);
    } catch (e) {
      // A bug, not bad input: report it in the terminal and keep the session alive.
      return { lines: [{ text: `internal error: ${e instanceof Error ? e.message : String(e)}`, style: 'error' }] };
    } finally {
      this.lessonAfterCommand();
      this.publish();
    }
  }

  input(line: string): void {
    if (this.live) return;
    const text = String(line).slice(0, 4096);
    this.log.push({ at: this.kernel.ticks, line: text, input: true });
    this.kernel.input(text);
    this.publish();
  }

  interrupt(): void {
    if (this.live) return;
    const fg = this.kernel.foreground;
    if (!fg) return;
    this.log.push({ at: this.kernel.ticks, line: '', interrupt: true });
    interruptForeground(this.kernel, this.shell);
    this.publish();
  }

  complete(line: string, cursor: number): Completion {
    return this.shell.complete(String(line), Number(cursor) || 0);
  }

  ledgerPage(from: number, count: number): LedgerEntry[] {
    return this.kernel.ledger.page(Math.max(1, Math.floor(from)), Math.min(10_000, Math.max(0, Math.floor(count))));
  }

  sandbox(pid: number): SandboxView | null {
    const p = this.kernel.processes.get(Number(pid));
    if (!p) return null;
    return {
      pledge: promisesText(p.pledge),
      execpromises: p.execpromises === null ? '(none: children are not bounded)' : promisesText(p.execpromises),
      unveil: p.unveil.entries ? [...p.unveil.entries].sort((a, b) => a.path.localeCompare(b.path)).map((e) => ({ path: e.path, perms: permsText(e.perms) })) : null,
      locked: p.unveil.locked,
    };
  }

  yieldView(): YieldView {
    return yieldView(this.kernel.chainWorld);
  }

  machineView(id: number): MachineView | null {
    const k = this.kernel;
    const m = k.machines[Number(id)];
    if (!m) return null;
    const f = k.fleet;
    const me = f.identity(m.name);
    const peerOf = (p: { a: number; b: number }) => k.machines[p.a === m.id ? p.b : p.a].name;
    return {
      name: m.name,
      role: m.role ?? '(none)',
      diodeLevel: f.level(m),
      staticPublicKey: bytesToHex(me.staticKeyPair.publicKey),
      signingPublicKey: bytesToHex(me.signingKeyPair.publicKey),
      cellId: me.cellIdText,
      keyGeneration: f.generation(m.name),
      pairings: f.pairings.filter((p) => p.live && (p.a === m.id || p.b === m.id)).map((p) => ({ peer: peerOf(p), type: p.type, means: TYPE_MEANS[p.type], mitm: p.mitm, since: p.since })),
      bindings: [...f.bindingsOf(m.id)].map(([peer, b]) => ({ peer, cellId: b.cellId, how: b.how, since: b.since })),
      handshakes: f.handshakes
        .filter((h) => h.label.split(/[ (),→]+/).includes(m.name))
        .map((h) => ({
          id: h.id,
          label: h.label,
          type: h.type,
          protocol: h.protocol,
          ok: h.ok,
          outcome: h.outcome,
          steps: h.steps.map((s) => ({ index: s.index, from: s.from, to: s.to, tokens: s.tokens, dh: s.dh.map((d) => `${d.formula}${d.agree === false ? ' ✕ sides disagree' : d.agree ? ' ✓' : ''}`), length: s.length, altered: s.altered, learns: s.learns, ok: s.ok })),
        })),
    };
  }

  ping(): number {
    return 0;
  }

  /** Real time passed: run the clock forward by `realMs × speed` if it is running, then publish. */
  advance(realMs: number): void {
    const k = this.kernel;
    if (k.running && !this.live) {
      this.carry = Math.min(this.carry + realMs * k.speed, MAX_ADVANCE_MS);
      const ticks = Math.floor(this.carry);
      this.carry -= ticks;
      if (ticks > 0) k.step(ticks);
    }
    this.publish();
  }

  publish(): void {
    this.publisher.publish(this.kernel, {
      scenarioName: this.kernel.intern(this.scenario.name),
      scenarioGen: this.generation,
      selfPid: this.kernel.processes.has(this.shell.pid) ? this.shell.pid : 0,
    });
  }
}

/** Rebuild a session from scenario + seed + command log: the basis of replay and reload-restore. */
export function replay(scenarioText: string, seed: number, log: readonly LoggedCommand[], capacity?: Capacity): KernelHost {
  const host = new KernelHost(capacity, false);
  const r = host.boot(scenarioText, seed);
  if (!r.ok) throw new Error(r.errors.join('; '));
  applyLog(host.kernel, (host as unknown as { shell: Shell }).shell, log, host.log);
  return host;
}

/** Records the ledger panel's live status checks per call (about 50 ms of hashing on this project's machine), so
 * other requests (a filter, a page of old records) never wait long behind it. */
const VERIFY_SLICE = 10_000;

function shellOf(kernel: Kernel): Shell {
  return new Shell(kernel, [...kernel.processes.values()].find((p) => p.program === 'shell')!.pid);
}

/**
 * Apply a command log to a freshly booted kernel, each command at its tick, recording what was applied into
 * `applied`. Replay advances in units (one tick, or one command); with `stop` or `maxUnits` it goes one unit
 * at a time and halts as soon as `stop()` holds or `maxUnits` were applied, running on after the last command
 * at most to `untilTick`. Returns the number of units applied.
 */
function applyLog(
  kernel: Kernel,
  shell: Shell,
  log: readonly LoggedCommand[],
  applied: LoggedCommand[],
  opts: { stop?: () => boolean; maxUnits?: number; untilTick?: number; onUnit?: (units: number) => void } = {},
): number {
  applied.length = 0;
  const limited = opts.stop !== undefined || opts.maxUnits !== undefined;
  let units = 0;
  const halt = () => (opts.maxUnits !== undefined && units >= opts.maxUnits) || (opts.stop?.() ?? false);
  for (const c of log) {
    if (limited) {
      while (kernel.ticks < c.at) {
        if (halt()) return units;
        kernel.step(1);
        units++;
        opts.onUnit?.(units);
      }
      if (halt()) return units;
    } else kernel.step(c.at - kernel.ticks);
    applied.push(c);
    units++;
    if (c.interrupt) interruptForeground(kernel, shell);
    else if (c.input) kernel.input(c.line);
    else {
      try {
        shell.exec(c.line);
      } catch {
        // the live session reported it as an internal error; replay carries on the same way
      }
    }
    opts.onUnit?.(units);
  }
  // Time ran on after the last command: so may the replay, up to where the live session is.
  if (limited) {
    while (!halt() && kernel.ticks < (opts.untilTick ?? 0)) {
      kernel.step(1);
      units++;
      opts.onUnit?.(units);
    }
  }
  return units;
}

/** Ctrl-C: the shell kills the foreground program with its handle; if it cannot (say it is out of energy), the kernel does. */
function interruptForeground(kernel: Kernel, shell: Shell): void {
  const fg = kernel.foreground;
  if (!fg) return;
  try {
    kernel.kill(kernel.holdsHandle(shell.pid, fg) ? shell.pid : 0, fg);
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    kernel.kill(0, fg);
  }
}
