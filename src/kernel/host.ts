import defaultScenario from '../content/scenarios/default.json';
import { FIND_SUPERSEDED, REPLAY_STOPPED } from './host-api';
import type {
  BootResult,
  Completion,
  Logged,
  RestoreProgress,
  SessionDelta,
  ExecResult,
  KernelHostApi,
  LedgerCosignature,
  LedgerImport,
  LedgerProofCosignature,
  LedgerProofView,
  LedgerStatus,
  LessonStatus,
  MachineView,
  ProgramCheck,
  ProgramRunView,
  SandboxView,
  UserProgramView,
  Session,
  TravelState,
  YieldView,
} from './host-api';
import { importResult, ledgerImportStream, verifyLedgerText } from './ledger/verifyText';
import type { ExportVerifier } from './ledger/jsonl';
import { signedNote, toBase64, vkey } from './ledger/note';
import { inclusionProblem, inclusionProofJson } from './ledger/proofs';
import { ledgerMatcher } from '../text/ledgerRow';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TYPE_MEANS } from './pairing/fleet';
import { grantsInForce, provenance, type GrantInForce, type Provenance } from './caps/provenance';
import { promisesText } from './sandbox/pledge';
import { permsText } from './sandbox/unveil';
import type { Kernel } from './kernel';
import {
  CUT_RING_SIZE,
  DEFAULT_CAPACITY,
  H,
  ledgerKindCode,
  SabViews,
  sameCapacity,
  type Capacity,
  type LedgerEntry,
  type LedgerKind,
} from './sab/layout';
import { Publisher } from './sab/publish';
import { boot, BootError } from './scenario/boot';
import { capacityFor } from './scenario/capacity';
import { loadScenario } from './scenario/load';
import { MAX_PROGRAM_SOURCE, type Scenario } from './scenario/schema';
import { Shell } from './shell/shell';
import { EvidenceTally, tallyLedger } from './yield/evidence';
import { yieldView } from './yield/view';
import { LessonProgress } from './checks/progress';
import { MAX_LOG, MAX_SESSION_TICKS, sessionProblem } from './session/check';
import { internalError, interruptForeground, Replay, UnitReplay, type LoggedCommand } from './session/replay';
import { ScriptRun, type ScriptStep } from './session/script';
import { TranscriptRecorder } from './session/transcript';
import { MIN_SLICE } from './scheduler/scheduler';
import type { Cut } from './programs/backstop';
import { compileCheck } from './programs/compile';
import { ENGINE_VERSION } from './programs/engine';
import { defineUserProgram, type ProgramDefinition } from './programs/define';
import { ProgramRuns, programsView } from './programs/view';

export type { LoggedCommand };

/** Most virtual time the clock may fall behind real time (a stalled tab, a world too heavy to keep up). */
const MAX_ADVANCE_MS = 2000;
/** Work per scheduler slice between checks of the worker's time budget (a few ms even in the heaviest world). */
const SLICE_UNITS = 1024;

const LOG_FULL = `the session's command log is full (${MAX_LOG.toLocaleString('en')} commands, the most a saved session holds), so nothing more can be kept: Share → Export session saves it; Reset or a fresh playground starts a new one`;

/** The longest line a session logs (what the session check accepts). */
const MAX_LINE = 4096;

/** A restore replays this long (wall-clock ms) between pauses, so pings and reads wait at most about that. */
const RESTORE_SLICE_MS = 8;

/** Records a ledger text search reads between checks of the worker's time budget (a millisecond or two). */
const FIND_SLICE = 1024;

/** The worker's clock and a way to let its event loop run (the kernel itself has neither). */
export interface HostTiming {
  now(): number;
  pause(): Promise<void>;
  /**
   * Time replays too (a grader replaying a submission): a step that holds the host past the backstop's limit is
   * cut there as well, and noted in the world's backstop.made, since a replay cut by the clock depends on the
   * machine (a grade from it would).
   */
  cutReplays?: boolean;
}
/** In Node nothing else waits: never pause. */
const NO_TIMING: HostTiming = { now: () => 0, pause: () => Promise.resolve() };

/** After which replay unit (a tick, or a command) the ledger grew, and to what: what a scrub replays to. */
interface Marks {
  units: number[];
  lengths: number[];
  total: number;
}

/** A booted world not yet shown, with what the host keeps beside it. */
interface World {
  kernel: Kernel;
  shell: Shell;
  scenario: Scenario;
  text: string;
  capacity: Capacity;
  lesson: { progress: LessonProgress; tries: number } | null;
}

/**
 * Owns the kernel, the shell and the state buffer; what the worker exposes. DOM-free so Node tests and
 * benchmarks drive it exactly as the worker does.
 */
/** The page's installation key as the worker receives it: 32 bytes, or none. */
const installationKeyOf = (k: unknown): Uint8Array | null => (k instanceof Uint8Array && k.length === 32 ? k : null);

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
  /** Bumps whenever the log is replaced rather than appended to (a boot, a restore, a fork of the past). */
  sessionId = 0;
  /** Whether the clock ran at the point of the past shown (it is shown paused). */
  private pastRunning = true;
  /** Ledger searches so far: a text search superseded by a newer one stops between slices. */
  private finds = 0;
  /** Where the running user step is published (backstop.ts): the state buffer's header, and the one before a resize. */
  private stepHeaders: Int32Array[];
  /** Time-travel requests so far: a scrub superseded by a newer one stops between slices. */
  private travels = 0;
  /** A restore replaying aside, in slices; the world shown is untouched until it is done. */
  private restoring: { world: World; replay: Replay } | null = null;
  /** A scenario's script running in the world shown (`load`): the clock and the terminal wait for it. */
  private scripting: ScriptRun | null = null;
  /** The scenario's lesson, if it has one: which step is current, and wrong tries at it (for the hint). */
  private lesson: { progress: LessonProgress; tries: number } | null = null;
  /** While time travelling: the live session, parked (the published state is a replay of its past). */
  private live: { kernel: Kernel; shell: Shell; log: LoggedCommand[]; marks: Promise<Marks | null> | null } | null = null;

  /**
   * `capacity` fixes the state tables for every scenario this host boots (tests use small ones); without it each
   * scenario gets tables sized for it (scenario/capacity.ts).
   */
  constructor(
    private readonly fixedCapacity?: Capacity,
    private readonly shared = typeof SharedArrayBuffer !== 'undefined',
    private readonly timing: HostTiming = NO_TIMING,
  ) {
    this.views = SabViews.create(fixedCapacity ?? DEFAULT_CAPACITY, shared);
    this.stepHeaders = [this.views.header];
    this.publisher = new Publisher(this.views);
    const r = this.boot();
    if (!r.ok) throw new Error(`the default scenario is invalid: ${r.errors.join('; ')}`);
  }

  boot(scenarioText?: string, seed?: number): BootResult {
    const w = this.prepare(scenarioText, seed);
    if (!w.ok) return w;
    this.install(w.world, []);
    return { ok: true, name: w.world.scenario.name };
  }

  /** Validate and boot a scenario aside; nothing shown changes (a restore replays into it before it is installed). */
  private prepare(scenarioText?: string, seed?: number): { ok: true; world: World } | { ok: false; errors: string[] } {
    const loaded = loadScenario(scenarioText ?? defaultScenario);
    if (!loaded.ok) return loaded;
    const capacity = this.fixedCapacity ?? capacityFor(loaded.scenario);
    let kernel: Kernel;
    try {
      kernel = this.watched(boot(loaded.scenario, seed ?? loaded.scenario.seed ?? 1, capacity));
      if (this.timing.cutReplays) kernel.backstop.clock = () => this.timing.now();
    } catch (e) {
      // A BootError names the field (processes[4].caps[0]: …); anything else is a bug, said as such.
      return { ok: false, errors: [e instanceof BootError ? e.message : `boot failed: ${e instanceof Error ? e.message : String(e)}`] };
    }
    const lesson = loaded.scenario.lesson ? { progress: new LessonProgress(loaded.scenario.lesson, kernel), tries: 0 } : null;
    return {
      ok: true,
      world: {
        kernel,
        shell: shellOf(kernel),
        scenario: loaded.scenario,
        text: scenarioText ?? JSON.stringify(defaultScenario),
        capacity,
        lesson,
      },
    };
  }

  /** Make a prepared world (and the commands already applied to it) the one shown. */
  private install(w: World, log: LoggedCommand[]): void {
    if (!sameCapacity(w.capacity, this.views.layout.capacity)) this.resize(w.capacity);
    const before = [this.kernel, this.live?.kernel];
    this.kernel = w.kernel;
    this.goLive(w.kernel);
    this.scenario = w.scenario;
    this.scenarioText = w.text;
    this.seed = w.kernel.seed;
    this.shell = w.shell;
    replaceAll(this.log, log);
    this.live = null;
    for (const k of before) this.drop(k);
    this.scripting = null; // a script belongs to the world it ran in
    this.lesson = w.lesson;
    this.sessionId++;
    this.republish();
  }

  /**
   * This scenario needs other table sizes: publish into a new state buffer from now on, and flag the old one as
   * moved so the UI fetches the new one (its frame loop checks the flag) and the old memory can go.
   */
  private resize(capacity: Capacity): void {
    const old = this.views;
    this.views = SabViews.create(capacity, this.shared);
    this.stepHeaders = [old.header, this.views.header];
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
    return {
      title: l.progress.lesson.title,
      current: l.progress.current,
      done: l.progress.done,
      tries: l.tries,
      steps: l.progress.status(this.kernel),
    };
  }

  // ── the WORM ledger ──────────────────────────────────────────────────────────────────────────────────────────

  async ledgerFind(kind: string | null, text = ''): Promise<Int32Array> {
    const asked = ++this.finds;
    if (kind !== null && ledgerKindCode(String(kind)) === undefined) return new Int32Array(0);
    const ledger = this.kernel.ledger;
    const match = ledgerMatcher(String(text));
    if (!match) return kind === null ? Int32Array.from({ length: ledger.length }, (_, i) => i + 1) : ledger.seqsOfKind(kind as LedgerKind);
    // The text is read record by record (about a microsecond each), so a long ledger is searched in slices: the
    // worker answers meanwhile, and a newer search (the next keystroke) or another ledger (time travel) stops
    // this one. Up to the ledger's length when the last slice runs: it may grow while this one searches.
    const search = ledger.find(kind as LedgerKind | null, match);
    const done = await this.sliced(
      () => search.step(FIND_SLICE),
      () => this.finds === asked && this.kernel.ledger === ledger,
    );
    if (!done) throw new Error(FIND_SUPERSEDED);
    return Int32Array.from(search.seqs);
  }

  ledgerVerify(): LedgerStatus {
    const l = this.kernel.ledger;
    // Incremental: entries already checked stay checked (there is no API to change them), so a live status
    // costs time per new entry. `ledger verify` in the shell re-derives every leaf and root.
    // At most VERIFY_SLICE new records per call, so a burst of a million never stalls the worker for seconds.
    const r = l.verifyNew(VERIFY_SLICE);
    return {
      ok: r.ok,
      entries: r.entries,
      total: l.length,
      checkpoints: r.checkpoints,
      ...(r.firstBad ? { firstBad: r.firstBad } : {}),
    };
  }

  ledgerHeads(): { size: number; bodies: string[] } {
    const l = this.kernel.ledger;
    return { size: l.length, bodies: l.exportHeads().map((h) => l.headBody(h)) };
  }

  ledgerExport(cosign: LedgerCosignature | null = null): { text: string } | { problem: string } {
    const l = this.kernel.ledger;
    if (cosign && (!Number.isInteger(cosign.size) || cosign.size < 0 || cosign.size > l.length))
      return { problem: `the heads were signed for ${cosign.size} entries; this ledger holds ${l.length} (another scenario?)` };
    try {
      return { text: l.exportJsonl(cosign) };
    } catch (e) {
      return { problem: e instanceof Error ? e.message : String(e) };
    }
  }

  ledgerProve(seq: number, cosign: LedgerProofCosignature | null = null): LedgerProofView | null {
    // The live ledger even while time travelling: the proof is about the record as the session holds it now.
    const l = (this.live?.kernel ?? this.kernel).ledger;
    const size = cosign ? cosign.size : l.length;
    if (!Number.isInteger(seq) || seq < 1 || !Number.isInteger(size) || seq > size || size > l.length) return null;
    const p = l.proveInclusion(seq, size);
    // The page's signature of this head makes it a signed note; the proof is then checked under the page's key.
    const signed =
      cosign && cosign.publicKey instanceof Uint8Array && cosign.publicKey.length === 32 && cosign.sig instanceof Uint8Array
        ? { vkey: vkey(String(cosign.name), cosign.publicKey), note: signedNote(p.head, String(cosign.name), cosign.publicKey, cosign.sig) }
        : null;
    const key = signed?.vkey ?? null;
    const note = signed?.note ?? p.head;
    return {
      seq,
      treeSize: p.treeSize,
      leafHash: bytesToHex(p.leafHash),
      path: p.path.map(bytesToHex),
      root: toBase64(p.root),
      head: p.head,
      vkey: key,
      problem: cosign && !signed ? 'the co-signature is not a 32-byte public key and a signature' : inclusionProblem(p, key, note),
      json: inclusionProofJson(p, key, note),
    };
  }

  /** The streamed import under way (Import… of a big file). */
  private importing: ExportVerifier | null = null;

  ledgerImportBegin(): void {
    this.importing = ledgerImportStream();
  }

  ledgerImportPiece(text: string): { read: number; stopped: boolean } {
    const v = (this.importing ??= ledgerImportStream());
    v.push(String(text));
    return { read: v.read, stopped: v.stopped };
  }

  ledgerImportEnd(installationKey: Uint8Array | null = null): LedgerImport {
    const v = this.importing ?? ledgerImportStream();
    this.importing = null;
    return importResult(v.end(), installationKeyOf(installationKey));
  }

  ledgerImport(text: string, installationKey: Uint8Array | null = null): LedgerImport {
    return verifyLedgerText(String(text), installationKeyOf(installationKey));
  }

  // ── sessions: save, share, restore ───────────────────────────────────────────────────────────────────────────

  /** Scenario + seed + command log + the tick reached: enough to rebuild this session exactly. */
  session(): Session {
    const kernel = this.live?.kernel ?? this.kernel;
    return { scenario: this.scenarioText, seed: this.seed, log: [...(this.live?.log ?? this.log)], ticks: kernel.ticks };
  }

  /**
   * What the page has not saved yet: the commands from `from` on, if `id` is still this session's; otherwise (a
   * boot, a restore or a fork replaced the log) the whole session, scenario and all.
   */
  sessionSince(id: number, from: number): SessionDelta {
    const kernel = this.live?.kernel ?? this.kernel;
    const log = this.live?.log ?? this.log;
    const same = id === this.sessionId && from >= 0 && from <= log.length;
    const start = same ? Math.floor(from) : 0;
    return {
      id: this.sessionId,
      scenario: same ? null : this.scenarioText,
      seed: this.seed,
      from: start,
      log: log.slice(start),
      ticks: kernel.ticks,
    };
  }

  /**
   * Rebuild a saved or shared session by replay. Untrusted input: anything malformed is refused whole with a
   * reason, and the running session is left as it was. The replay runs aside in slices, pausing between them
   * (the worker answers pings and reads meanwhile, and `restoreStop` can end it); the restored world is shown
   * only when it is done.
   */
  async restore(session: Session): Promise<BootResult> {
    const r = this.startRestore(session);
    if (!r.ok) return r;
    const mine = this.restoring;
    let done: 'more' | BootResult = 'more';
    const finished = await this.sliced(
      () => (done = this.stepRestore(SLICE_UNITS)) !== 'more',
      () => this.restoring === mine,
    );
    return finished && done !== 'more' ? done : { ok: false, errors: [REPLAY_STOPPED] };
  }

  /** The same, all at once (tests and the headless runner, where nothing else waits). */
  restoreNow(session: Session): BootResult {
    const r = this.startRestore(session);
    if (!r.ok) return r;
    const done = this.stepRestore(Infinity);
    return done === 'more' ? { ok: false, errors: ['the replay did not finish'] } : done;
  }

  /** Check a session and boot its scenario aside, ready to replay; a restore under way is dropped. */
  startRestore(session: Session): BootResult {
    this.dropRestore();
    const problem = sessionProblem(session) ?? engineProblem(session.log);
    if (problem) return { ok: false, errors: [problem] };
    const w = this.prepare(session.scenario, session.seed); // a boot that fails has changed nothing
    if (!w.ok) return w;
    const transcript = new TranscriptRecorder(w.world.kernel);
    const replay = new Replay(w.world.kernel, w.world.shell, session.log, session.ticks, transcript);
    const lesson = w.world.lesson;
    if (lesson) replay.onCommand = () => void lesson.progress.advance(w.world.kernel);
    this.restoring = { world: w.world, replay };
    return { ok: true, name: w.world.scenario.name };
  }

  /** Replay on for at most `budget` work units; when done, the restored world replaces the one shown. */
  stepRestore(budget: number): 'more' | BootResult {
    const r = this.restoring;
    if (!r) return { ok: false, errors: ['no restore is under way'] };
    if (!r.replay.run(Math.max(budget, MIN_SLICE))) return 'more';
    this.restoring = null;
    this.install(r.world, r.replay.applied);
    return { ok: true, name: r.world.scenario.name, transcript: r.replay.transcript!.finish(r.world.kernel) };
  }

  /** How far the restore (or the script) under way has come, or null when there is none. */
  restoreProgress(): RestoreProgress | null {
    return this.restoring?.replay.progress ?? this.scripting?.progress ?? null;
  }

  /** Stop the restore under way (its world is dropped, the one shown stays as it was), or the script under way. */
  restoreStop(): void {
    this.dropRestore();
    this.scripting = null;
  }

  /** A restore under way is dropped, and its world with it. */
  private dropRestore(): void {
    const aside = this.restoring?.world.kernel;
    this.restoring = null;
    this.drop(aside);
  }

  /**
   * A world no longer shown, parked or being restored: its user programs' engines (16 MiB each) go now rather
   * than when it is collected (a scrub through time makes one world per step).
   */
  private drop(k: Kernel | undefined): void {
    if (k && k !== this.kernel && k !== this.live?.kernel && k !== this.restoring?.world.kernel) k.dropPrograms();
  }

  // ── a scenario's script ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Boot a scenario and run its script as `capplay run` does (ScriptRun: each line, what `clock step` owes, its
   * wait), in slices so the worker keeps answering; the clock and the terminal wait meanwhile, so the ledger is
   * the headless run's byte for byte. A boot, restore or time travel meanwhile ends the script where it is.
   */
  async load(scenarioText: string, seed?: number): Promise<BootResult> {
    const booted = this.boot(scenarioText, seed);
    const steps = this.scenario.script ?? [];
    if (!booted.ok || !steps.length) return booted;
    const transcript = new TranscriptRecorder(this.kernel);
    const run = this.startScript((line) => {
      transcript.command(this.kernel, { line });
      const r = this.run(line);
      transcript.result(r);
      return r;
    });
    const finished = await this.sliced(
      () => run.run(SLICE_UNITS),
      () => this.scripting === run && !this.live,
    );
    if (this.scripting === run) this.scripting = null;
    this.publish();
    return {
      ...booted,
      transcript: transcript.finish(run.kernel),
      script: { ran: run.done, lines: steps.length, stopped: !finished },
    };
  }

  /** The booted scenario's script, all at once (the headless runner); `onStep` hears each line and what it printed. */
  runScriptNow(onStep?: (step: ScriptStep, result: ExecResult) => void): void {
    const run = this.startScript((line) => this.run(line), onStep);
    run.run(Infinity);
    this.scripting = null;
  }

  private startScript(exec: (line: string) => ExecResult, onStep?: (step: ScriptStep, result: ExecResult) => void): ScriptRun {
    this.scripting = new ScriptRun(this.kernel, this.scenario.script ?? [], exec, onStep);
    return this.scripting;
  }

  /** Why a typed line is not run while a script is (null: none is). */
  private scriptRunning(): string | null {
    const s = this.scripting;
    return s
      ? `the scenario's script is running (line ${Math.min(s.done + 1, s.steps.length)} of ${s.steps.length}): this line was not run; wait for the script, or Stop it`
      : null;
  }

  // ── time travel ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Show the session as it was when its ledger had `seq` records: replay scenario + seed + log from the start up
   * to there (deterministic), and publish that instead of the live state, which is parked meanwhile.
   */
  async travel(seq: number, direction: 'back' | 'forward' = 'back'): Promise<TravelState> {
    if (!this.live) {
      this.live = { kernel: this.kernel, shell: this.shell, log: [...this.log], marks: null };
      this.pastRunning = this.kernel.running;
    }
    const live = this.live;
    const asked = ++this.travels;
    const target = Math.max(1, Math.min(Math.floor(Number(seq)) || 1, live.kernel.ledger.length));
    const fresh = () => {
      const k = this.watched(boot(this.scenario, this.seed, this.views.layout.capacity));
      return { kernel: k, shell: shellOf(k) };
    };
    // Once per visit to the past: replay the whole session, noting where the ledger grew (markUnits); a newer
    // scrub waits for the same pass rather than start it again. Every scrub after it is a single replay to
    // exactly the right unit. Both run in slices, like a restore: a long session never holds the worker.
    live.marks ??= this.markUnits(live, fresh());
    const marks = await live.marks;
    if (!marks || this.travels !== asked || this.live !== live) return this.travelState();
    // A command's records come together: back shows the last state with at most `target` records, forward the
    // first with at least `target` (so a step forward always moves).
    const { units, lengths, total } = marks;
    let stopAt: number;
    if (direction === 'forward') {
      const j = lengths.findIndex((n) => n >= target);
      stopAt = j < 0 ? total : units[j];
    } else {
      const j = lengths.findIndex((n) => n > target);
      stopAt = j < 0 ? total : j === 0 ? 0 : units[j] - 1;
    }
    const { kernel, shell } = fresh();
    const pass = new UnitReplay(kernel, shell, live.log, live.kernel.ticks, { maxUnits: stopAt });
    if (
      !(await this.sliced(
        () => pass.run(SLICE_UNITS),
        () => this.travels === asked && this.live === live,
      ))
    )
      return this.travelState();
    // The past is shown frozen; a fork gives it back the clock state it really had (a replay of the fork has it).
    this.pastRunning = kernel.running;
    kernel.running = false;
    const shown = this.kernel;
    this.kernel = kernel;
    this.drop(shown);
    this.shell = shell;
    replaceAll(this.log, pass.applied);
    this.republish();
    return this.travelState();
  }

  /** Replay the whole live session once, noting after which unit the ledger grew and to what (null: it went away). */
  private async markUnits(live: NonNullable<KernelHost['live']>, r: { kernel: Kernel; shell: Shell }): Promise<Marks | null> {
    const marks: Marks = { units: [0], lengths: [r.kernel.ledger.length], total: 0 };
    const pass = new UnitReplay(r.kernel, r.shell, live.log, live.kernel.ticks, {
      onUnit: (units) => {
        if (r.kernel.ledger.length !== marks.lengths[marks.lengths.length - 1]) {
          marks.units.push(units);
          marks.lengths.push(r.kernel.ledger.length);
        }
      },
    });
    if (
      !(await this.sliced(
        () => pass.run(SLICE_UNITS),
        () => this.live === live,
      ))
    )
      return null;
    marks.total = pass.units;
    this.drop(r.kernel); // only its marks are kept
    return marks;
  }

  /**
   * Run `step` until it says it is done, pausing every RESTORE_SLICE_MS so the worker answers meanwhile; false if
   * `current()` stops holding across a pause (a newer request, or the session went away).
   */
  private async sliced(step: () => boolean, current: () => boolean): Promise<boolean> {
    let end = this.timing.now() + RESTORE_SLICE_MS;
    for (;;) {
      if (!current()) return false;
      if (step()) return true;
      if (this.timing.now() >= end) {
        await this.timing.pause();
        end = this.timing.now() + RESTORE_SLICE_MS;
      }
    }
  }

  /** Where the shown state is, against the live session. */
  travelState(): TravelState {
    return { traveling: this.live !== null, seq: this.kernel.ledger.length, total: (this.live?.kernel ?? this.kernel).ledger.length };
  }

  /** Back to the live session, as it was left. */
  travelEnd(): TravelState {
    if (this.live) {
      const past = this.kernel;
      this.kernel = this.live.kernel;
      this.shell = this.live.shell;
      replaceAll(this.log, this.live.log);
      this.live = null;
      this.drop(past);
      this.republish();
    }
    return this.travelState();
  }

  /** "Resume from here": the past being shown becomes the live session (a fork; the old future is dropped). */
  travelFork(): TravelState {
    if (this.live && this.kernel === this.live.kernel) return this.travelEnd(); // no past shown yet: nothing to fork
    if (this.live) {
      const future = this.live.kernel;
      this.live = null;
      this.drop(future); // the old future is dropped
      this.kernel.running = this.pastRunning;
      this.kernel.backstop.keepOnly(new Set(this.log.flatMap((c) => (c.cut ? [c.cut.pid] : []))));
      this.goLive(this.kernel);
      this.sessionId++; // the log is now the past's: the old future is dropped
      this.republish();
    }
    return this.travelState();
  }

  buffer(): SharedArrayBuffer {
    return this.views.buffer as SharedArrayBuffer;
  }

  exec(line: string): ExecResult {
    const busy = this.scriptRunning();
    if (busy) return { lines: [{ text: busy, style: 'error' }] };
    return this.run(line);
  }

  /** Run and log one shell line (a typed one, or a script's). */
  private run(line: string): ExecResult {
    if (this.live) {
      const why = this.kernel === this.live.kernel ? 'going back in time: the replay is under way' : 'you are looking at the past';
      return { lines: [{ text: `${why}: "resume from here" to fork the session, or go back to live first`, style: 'error' }] };
    }
    const text = String(line);
    if (text.length > MAX_LINE)
      return {
        lines: [
          {
            text: `a line holds at most ${MAX_LINE.toLocaleString('en')} characters (this one has ${text.length.toLocaleString('en')}); nothing was run`,
            style: 'error',
          },
        ],
      };
    const logged = this.logCommand({ line: text });
    if (!logged) return { lines: [{ text: LOG_FULL, style: 'error' }] };
    try {
      return { ...this.shell.exec(text), logged };
    } catch (e) {
      // A bug, not bad input: report it in the terminal and keep the session alive.
      return { lines: [{ text: internalError(e), style: 'error' }], logged };
    } finally {
      this.lessonAfterCommand();
      this.publish();
    }
  }

  input(line: string): Logged | null {
    if (this.live || this.scripting) return null;
    const text = String(line).slice(0, MAX_LINE);
    const logged = this.logCommand({ line: text, input: true });
    if (!logged) return this.refuseFull();
    this.kernel.lifecycle.input(text);
    this.publish();
    return logged;
  }

  interrupt(): Logged | null {
    if (
      this.live ||
      this.scripting ||
      (!this.kernel.foreground && !this.shell.waitingLines && !this.kernel.processes.get(this.shell.pid)?.waiting)
    )
      return null;
    const logged = this.logCommand({ line: '', interrupt: true });
    if (!logged) return this.refuseFull();
    interruptForeground(this.kernel, this.shell);
    this.publish();
    return logged;
  }

  /** A line or Ctrl-C that could not be kept is not run; the terminal says why (a program has the foreground). */
  private refuseFull(): null {
    this.kernel.write(0, LOG_FULL, 'err');
    this.publish();
    return null;
  }

  /**
   * Log a command where it runs (its tick, and inside it how many turns were taken, so a replay stops there
   * too), unless the log holds all a saved session may: then it is not run at all, and the caller says so.
   * What is returned lets the page keep the command before its output shows (a crash right after keeps it).
   */
  private logCommand(c: Omit<LoggedCommand, 'at' | 'within'>): Logged | null {
    if (this.log.length >= MAX_LOG) return null;
    const k = this.kernel;
    const within = k.scheduler.within;
    const command: LoggedCommand = within === undefined ? { at: k.ticks, ...c } : { at: k.ticks, within, ...c };
    this.log.push(command);
    return { session: this.sessionId, index: this.log.length - 1, command };
  }

  // ── the wall-clock backstop (programs/backstop.ts) ──────────────────────────────────────────────────────────

  /**
   * Every world this host runs (live, restoring, or a replay of the past) says where user code is, in the state
   * buffer, as it goes: the page cuts a step that stays put for seconds by replacing the worker and replaying
   * with that cut logged. Written to the buffer before a resize too, which the page may still be reading.
   */
  private watched(k: Kernel): Kernel {
    k.backstop.onProgress = (pid, step, check) => {
      const session = k === this.restoring?.world.kernel ? -1 : this.sessionId;
      for (const h of this.stepHeaders) {
        h[H.STEP_N] = step;
        h[H.STEP_CHECK] = check;
        h[H.STEP_SESSION] = session;
        h[H.STEP_PID] = pid;
      }
    };
    return k;
  }

  /** The world shown is live: its steps are timed (when this host has a clock), and a cut is logged. */
  private goLive(k: Kernel): void {
    k.backstop.clock = this.timing === NO_TIMING ? null : () => this.timing.now();
    k.backstop.onCut = (c) => this.logCut(k, c);
  }

  /**
   * Log a cut the clock made, where the world is now (its place in the log does not matter to a replay: see
   * LoggedCommand.cut), and put it in the state buffer's ring of recent cuts too, so a page whose copy of the
   * session does not have it yet can add it if the worker goes. A full log cannot take it: the terminal says so.
   */
  private logCut(k: Kernel, cut: Cut): void {
    if (k !== this.kernel || this.live) return;
    if (this.log.length >= MAX_LOG) {
      k.write(0, `pid ${cut.pid} was cut by the wall-clock backstop, but the session log is full: a replay may differ from here`, 'err');
      return;
    }
    const within = k.scheduler.within;
    this.log.push(within === undefined ? { at: k.ticks, line: '', cut } : { at: k.ticks, within, line: '', cut });
    for (const h of this.stepHeaders) {
      const n = h[H.CUTS];
      const at = H.CUT_RING + (n % CUT_RING_SIZE) * 4;
      h[at] = cut.pid;
      h[at + 1] = cut.step;
      h[at + 2] = cut.check;
      h[at + 3] = this.sessionId;
      Atomics.store(h, H.CUTS, n + 1);
    }
  }

  // ── user programs: the Programs tab ─────────────────────────────────────────────────────────────────────────

  programs(): UserProgramView[] {
    return programsView(this.kernel);
  }

  /** Define a program as the experimenter: checked, then logged and applied where it stands (like a typed line). */
  defineProgram(program: ProgramDefinition): { ok: true; logged: Logged } | { ok: false; error: string } {
    if (this.live) return { ok: false, error: 'you are looking at the past: go back to live (or resume from here) to define a program' };
    const busy = this.scriptRunning();
    if (busy) return { ok: false, error: busy };
    if (!program || typeof program !== 'object') return { ok: false, error: 'a program definition is { name, source, summary }' };
    const p: ProgramDefinition = {
      name: program.name,
      source: program.source,
      summary: program.summary,
      ...(program.run !== undefined && { run: program.run }),
      engine: ENGINE_VERSION, // pinned in the log: budgets count this engine's ops
    };
    if (this.log.length >= MAX_LOG) return { ok: false, error: LOG_FULL };
    // A refused definition changes nothing and is not logged; one that is made is logged where it was made.
    const error = defineUserProgram(this.kernel, p, this.shell.pid);
    if (error) return { ok: false, error };
    const logged = this.logCommand({ line: '', program: p })!;
    this.lessonAfterCommand();
    this.publish();
    return { ok: true, logged };
  }

  checkProgram(source: string): ProgramCheck {
    return compileCheck(String(source).slice(0, MAX_PROGRAM_SOURCE + 1));
  }

  private runs = new ProgramRuns();

  programRun(name: string): ProgramRunView | null {
    return this.runs.view(this.kernel, String(name));
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
      execpromises: p.execpromises === null ? '(none: its promises alone bound its children)' : promisesText(p.execpromises),
      unveil: p.unveil.entries
        ? [...p.unveil.entries].sort((a, b) => a.path.localeCompare(b.path)).map((e) => ({ path: e.path, perms: permsText(e.perms) }))
        : null,
      locked: p.unveil.locked,
    };
  }

  provenance(pid: number, slot: number): Provenance | null {
    const s = this.kernel.processes.get(Number(pid))?.cnode.get(Number(slot));
    return s ? provenance(this.kernel.ledger, Number(pid), s.granted) : null;
  }

  grantsInForce(pid: number): GrantInForce[] | null {
    const p = this.kernel.processes.get(Number(pid));
    return p ? grantsInForce(this.kernel.ledger, p.cnode.entries()) : null;
  }

  /** The V1–V9 evidence read from the ledger so far (a new ledger — boot, restore, travel — starts a new tally). */
  private evidence: { ledger: unknown; tally: EvidenceTally } | null = null;

  yieldView(): YieldView {
    const ledger = this.kernel.ledger;
    if (this.evidence?.ledger !== ledger) this.evidence = { ledger, tally: new EvidenceTally() };
    return yieldView(this.kernel.chainWorld, tallyLedger(this.evidence.tally, ledger));
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
      pairings: f.pairings
        .filter((p) => p.live && (p.a === m.id || p.b === m.id))
        .map((p) => ({ peer: peerOf(p), type: p.type, means: TYPE_MEANS[p.type], mitm: p.mitm, since: p.since })),
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
          steps: h.steps.map((s) => ({
            index: s.index,
            from: s.from,
            to: s.to,
            tokens: s.tokens,
            dh: s.dh.map((d) => `${d.formula}${d.agree === false ? ' ✕ sides disagree' : d.agree ? ' ✓' : ''}`),
            length: s.length,
            altered: s.altered,
            learns: s.learns,
            ok: s.ok,
          })),
        })),
    };
  }

  ping(): number {
    return 0;
  }

  /**
   * Real time passed: run the clock forward by `realMs × speed` if it is running (and any ticks `clock step` still
   * owes), in slices of SLICE_UNITS until `outOfTime()` says stop; then publish. A world too heavy to keep up falls
   * behind real time (at most MAX_ADVANCE_MS) rather than holding the worker.
   */
  advance(realMs: number, outOfTime: () => boolean = () => false): void {
    const k = this.kernel;
    if (!this.live && !this.restoring && !this.scripting) {
      if (k.running) this.carry = Math.min(this.carry + realMs * k.speed, MAX_ADVANCE_MS);
      const before = k.ticks;
      const target = Math.min(before + Math.max(Math.floor(this.carry), k.stepsOwed), MAX_SESSION_TICKS);
      while (!k.scheduler.runTo(target, undefined, SLICE_UNITS) && !outOfTime());
      this.carry = Math.max(0, this.carry - (k.ticks - before));
    }
    this.publish();
  }

  /** Run whatever `clock step` still owes, all at once (the headless runner, which has no driver). */
  settle(): void {
    this.kernel.runOwed();
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
  const r = host.restoreNow({ scenario: scenarioText, seed, log: [...log], ticks: 0 });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return host;
}

/** A definition written for another engine would not replay the same (budgets count its ops): refused whole. */
function engineProblem(log: Session['log']): string | null {
  for (let i = 0; i < log.length; i++) {
    const e = log[i].program?.engine;
    if (e !== undefined && e !== ENGINE_VERSION)
      return `session.log[${i}].program.engine: written for ${e}; this build runs user programs on ${ENGINE_VERSION}`;
  }
  return null;
}

/** Records the ledger panel's live status checks per call (about 50 ms of hashing on this project's machine), so
 * other requests (a filter, a page of old records) never wait long behind it. */
const VERIFY_SLICE = 10_000;

function shellOf(kernel: Kernel): Shell {
  return new Shell(kernel, [...kernel.processes.values()].find((p) => p.program === 'shell')!.pid);
}

/** Replace an array's contents in place (a spread of 250,000 commands would overflow the call stack). */
function replaceAll<T>(to: T[], from: readonly T[]): void {
  to.length = 0;
  for (const x of from) to.push(x);
}
