import type { ConsoleStyle, LedgerEntry } from './sab/layout';
import type { ProgramCheck } from './programs/compile';
import type { GrantInForce, Provenance } from './caps/provenance';

export type { GrantInForce, Provenance, ProvHow, ProvStep } from './caps/provenance';

export type { ProgramCheck };

/** One line of shell output. Text is untrusted (names come from scenario files): the UI sanitizes it. */
export interface OutputLine {
  text: string;
  style?: 'error' | 'dim' | 'ok' | 'head';
}

export interface ExecResult {
  lines: OutputLine[];
  /** A file the command produced for the user to save (`ledger export`). */
  /** A file for the page to offer; `ledger`: the ledger's export, which the page co-signs (ledgerHeads, ledgerExport). */
  download?: { name: string; text: string } | { name: string; ledger: true };
  /** The command asked for the screen to be cleared (`clear`). */
  clear?: boolean;
  /** The terminal is now attached to this process (`run`, `wait`): send typed lines with `input` until it ends. */
  foreground?: number;
  /** The command as logged (absent: it was not run, the error says why). */
  logged?: Logged;
}

/** A command as the session logged it: which session (it changes when the log is replaced), where, and what. */
export interface Logged {
  session: number;
  index: number;
  command: Session['log'][number];
}

export interface Completion {
  /** Replace the line from this index up to the cursor with one of the candidates. */
  from: number;
  candidates: string[];
}

/** The yield world for the yields view (a rare bulk read, after a yield command). */
export type HopRole = 'emitter' | 'owner' | 'catcher' | 'kernel' | 'fault';

/** Yield routing (seed 004) for the yields view and the graph: a rare bulk read, refreshed on yield records. */
export interface YieldView {
  /** Routes so far (the number of the newest), so a view can tell a new route from the same one re-read. */
  count: number;
  routes: {
    key: string;
    /** Graph node ids: "y:<instance>", "y:kernel", or "" for the fault (which has no node). */
    hops: { id: string; name: string; role: HopRole }[];
    fault?: string;
    /** The CALLs in flight at the yield, outermost first: each is an owner edge (caller → callee). */
    stack: { callerId: string; calleeId: string; caller: string; callee: string; keys: string[] }[];
  }[];
  /**
   * The instances worth drawing (the chain, what it holds, and everything on the newest route), or null before
   * the first yield, so the graph only grows a yield runtime once the session uses one.
   */
  world: { id: string; name: string; image: string; opaque: boolean; keys: string[]; holds: string[] }[] | null;
  properties: { id: string; name: string; status: string; note: string }[];
}

/** A machine's identity, pairings, TOFU+ bindings and recent handshakes, for the inspector (a rare bulk read). */
export interface MachineView {
  name: string;
  role: string;
  diodeLevel: number;
  staticPublicKey: string;
  signingPublicKey: string;
  cellId: string;
  keyGeneration: number;
  pairings: { peer: string; type: string; means: string; mitm: boolean; since: number }[];
  bindings: { peer: string; cellId: string; how: string; since: number }[];
  handshakes: {
    id: number;
    label: string;
    type: string;
    protocol: string;
    ok: boolean;
    outcome: string;
    steps: {
      index: number;
      from: string;
      to: string;
      tokens: string[];
      dh: string[];
      length: number;
      altered: boolean;
      learns: string;
      ok: boolean;
    }[];
  }[];
}

/** A fiber's sandbox, for the inspector (a rare bulk read). */
export interface SandboxView {
  pledge: string;
  execpromises: string;
  /** null: nothing unveiled yet, everything visible. */
  unveil: { path: string; perms: string }[] | null;
  locked: boolean;
}

/** Everything needed to rebuild a session exactly: saved on every change, shared in links, replayed on reload. */
export interface Session {
  scenario: string;
  seed: number;
  /** Each command at the tick it ran at; `within`: it ran inside that tick, after that many turns of it. */
  log: {
    at: number;
    within?: number;
    line: string;
    input?: true;
    interrupt?: true;
    /** A user program the experimenter defined mid-session (`line` is ''): see KernelHostApi.defineProgram. */
    program?: { name: string; source: string; summary: string; run?: string; engine?: string };
    /**
     * The wall-clock backstop cut a user program's step (`line` is ''): its pid, step and interrupt check. A
     * replay cuts the same step at the same check, wherever the entry is in the log (src/kernel/programs/backstop.ts).
     */
    cut?: { pid: number; step: number; check: number };
  }[];
  /** The virtual tick reached (time runs on after the last command). */
  ticks: number;
}

/** The part of the session the page has not saved: see `sessionSince`. */
export interface SessionDelta {
  id: number;
  /** The scenario text when the whole session follows (the log was replaced), else null. */
  scenario: string | null;
  seed: number;
  /** Index in the session's log of `log[0]`. */
  from: number;
  log: Session['log'];
  ticks: number;
}

/** The WORM ledger's verification: every record's hash, the Merkle tree and every tree head, checked in the worker (the kernel signs none). */
export interface LedgerStatus {
  ok: boolean;
  /** Records verified so far (a big burst is checked a slice per call)… */
  entries: number;
  /** …of this many in the ledger. */
  total: number;
  /** Tree heads checked (unsigned: the kernel signs nothing; an export is co-signed). */
  checkpoints: number;
  firstBad?: { seq: number; reason: string };
}

/** A co-signature of the tree heads ledgerHeads listed: the signer's key name, Ed25519 public key and signatures. */
export interface LedgerCosignature {
  name: string;
  publicKey: Uint8Array;
  size: number;
  sigs: Uint8Array[];
}

/**
 * Who signed a verified export and what that proves: this installation's key, an unknown one, a key anyone can
 * derive (the scenario seed's, or the old demo key), an older export's kernel key, or no signature at all.
 */
export interface LedgerSigner {
  kind: 'installation' | 'unknown' | 'seed' | 'legacy' | 'unsigned';
  /** The signed-note key name and key ID (8 hex), for a version 3 export. */
  name?: string;
  keyId?: string;
  /** SHA-256 of the public key, hex. */
  fingerprint?: string;
  /** In one sentence: which key, and what a verification under it proves. */
  proves: string;
}

/** An imported ledger export, verified: how much checked out (and its record format) and who signed it, or the first bad entry and why. */
export type LedgerImport =
  | { ok: true; entries: number; checkpoints: number; signer: LedgerSigner; format: 1 | 2 | 3 }
  | { ok: false; line: number; seq?: number; reason: string };

/**
 * One record's RFC 6962 inclusion proof in the live ledger, checked in the worker the way a verifier holding only
 * the proof and the kernel's unsigned tree head would (src/kernel/ledger/proofs.ts).
 */
export interface LedgerProofView {
  seq: number;
  treeSize: number;
  /** Hex: the record's leaf hash, and the path from it to the root. */
  leafHash: string;
  path: string[];
  /** Base64, as the checkpoint note writes it. */
  root: string;
  /** The kernel's unsigned tree head for treeSize (its checkpoint body): what the page co-signs for a signed proof. */
  head: string;
  /** The co-signer's verifier key when the proof carries a signed note; null: the unsigned head. */
  vkey: string | null;
  /** Null when the proof checks out (under vkey, when signed), else why not. */
  problem: string | null;
  /** The proof as one JSON line (the documented proof format), to copy. */
  json: string;
}

/** The page's co-signature of one tree head (a proof's, at `size`): key name, Ed25519 public key, signature of the head. */
export interface LedgerProofCosignature {
  name: string;
  publicKey: Uint8Array;
  size: number;
  sig: Uint8Array;
}

/** A lesson in progress: every step as the kernel checks it. The hint is for after a wrong try. */
export interface LessonStatus {
  title: string;
  current: number;
  done: boolean;
  /** Commands run at the current step without finishing it. */
  tries: number;
  steps: { index: number; goal: string; hint: string; state: 'done' | 'current' | 'ahead'; ok: boolean; why: string }[];
}

/** Time travel: which ledger record the shown state ends at, of how many in the live session. */
export interface TravelState {
  traveling: boolean;
  seq: number;
  total: number;
}

/** A restore replaying in the worker: commands applied and virtual ms reached, of how many. */
export interface RestoreProgress {
  commands: number;
  totalCommands: number;
  ticks: number;
  totalTicks: number;
}

/** A user program as the Programs tab lists it: the scenario's and those defined this session. */
export interface UserProgramView {
  name: string;
  source: string;
  summary: string;
  /** The shell line Run types: the program's own `run`, or `run "<name>"`. */
  run: string;
}

/** A user program's latest run, as the kernel tells it: what it printed, and how it ended (null: still running). */
export interface ProgramRunView {
  pid: number;
  /** The process's name (a `run … as` may rename it). */
  name: string;
  /** What it printed, newest last (at most PROGRAM_RUN_LINES; `cut` says how many earlier ones are not here). */
  lines: { text: string; style: ConsoleStyle }[];
  cut: number;
  /** The exit or kill record: its exit code (137 for a kill) and the kernel's reason. */
  end: { seq: number; code: number; reason: string } | null;
  /**
   * The kernel's verdicts on it while it ran (actor or subject: it or a process it started), oldest first: every
   * breach (to BREACHES_SHOWN) and the newest VERDICTS_SHOWN of the rest.
   */
  verdicts: { seq: number; outcome: string; detail: string }[];
}

/** What a ledger search answers when a newer one (or another ledger) took its place. */
export const FIND_SUPERSEDED = 'a newer ledger search took its place';

/** What a restore that was stopped answers (the world shown is unchanged). */
export const REPLAY_STOPPED = 'the replay was stopped';

/**
 * One line of what the terminal showed while commands ran: a command (the shell's prompt, or a program's when the
 * line was typed to it), a shell line's own output, or what a program printed. Text is untrusted.
 */
export type TranscriptEntry =
  | { kind: 'command'; line: string; prompt?: string; interrupt?: true }
  | { kind: 'output'; text: string; style?: OutputLine['style'] }
  | { kind: 'console'; text: string; style: ConsoleStyle };

/** The transcript of a replay or a script: its newest commands and what they printed (bounded). */
export interface Transcript {
  entries: TranscriptEntry[];
  /** Commands replayed (or run) in all… */
  commands: number;
  /** …of which the earlier ones not in `entries`. */
  hidden: number;
}

export type BootResult =
  | {
      ok: true;
      name: string;
      /** A restore's replay, or a loaded scenario's script, as a terminal would have shown it. */
      transcript?: Transcript;
      /** A scenario's script ran (`load`): how many lines of how many, and whether it was stopped before its end. */
      script?: { ran: number; lines: number; stopped: boolean };
    }
  | { ok: false; errors: string[] };

/**
 * What the kernel worker exposes over comlink: commands and rare bulk reads only. State reaches the UI through
 * the SharedArrayBuffer, never through per-event messages.
 */
export interface KernelHostApi {
  /** Boot a scenario (JSON text; the default scenario when omitted). An invalid file leaves the running world untouched. */
  boot(scenarioText?: string, seed?: number): BootResult;
  /**
   * Boot a scenario and run its `script` exactly as the headless runner does (each line, then what `clock step`
   * owes, then its wait in virtual time), in slices like a restore; the terminal's own lines are refused meanwhile.
   */
  load(scenarioText: string, seed?: number): Promise<BootResult>;
  /** The state buffer (shared, not copied). */
  buffer(): SharedArrayBuffer;
  /** Run one shell line as the shell process. */
  exec(line: string): ExecResult;
  /** A line typed while a program is in the foreground (it reads it through its stdio cap); null if not logged. */
  input(line: string): Logged | null;
  /**
   * Ctrl-C: cancels shell lines waiting for energy, or else kills the foreground program (the shell holds its
   * handle); null (not logged) when there is neither.
   */
  interrupt(): Logged | null;
  /** Tab completion for a partial line. */
  complete(line: string, cursor: number): Completion;
  /** Ledger records with seq in [from, from + count), including ones the SAB ring no longer holds. */
  ledgerPage(from: number, count: number): LedgerEntry[];
  /** Promises, execpromises and unveiled paths of a process (null if there is no such process). */
  sandbox(pid: number): SandboxView | null;
  /** The chain of custody of the cap in `slot` of process `pid`, from the kernel's records (null: no such cap). */
  provenance(pid: number, slot: number): Provenance | null;
  /** The grants in force in a process's cap table: how and when (the record) it got each (null: no such process). */
  grantsInForce(pid: number): GrantInForce[] | null;
  /** Recent yield routes (newest last), with their call stacks, and the V1–V9 table. */
  yieldView(): YieldView;
  /** A machine's keys, CellID, pairings, bindings and the handshakes it took part in. */
  machineView(id: number): MachineView | null;
  /**
   * The seqs of every ledger record of one kind (any, when null) whose row holds `text` (src/text/ledgerRow.ts:
   * case aside, in its kind, actor or cleaned detail; blank: any record), oldest first: the ledger panel's filter
   * and search over the whole ledger. A text search runs in slices; a newer search supersedes it (it rejects with
   * FIND_SUPERSEDED), and so does another ledger being shown (time travel, a new scenario).
   */
  ledgerFind(kind: string | null, text?: string): Promise<Int32Array>;
  /** The running scenario's lesson, if it has one. */
  lessonStatus(): LessonStatus | null;
  /** Verify the ledger's records, tree and tree heads (incrementally: what was checked stays checked). */
  ledgerVerify(): LedgerStatus;
  /**
   * The tree heads an export of the ledger as it stands carries (its size, and each head's checkpoint body, in
   * order): what the page co-signs before asking for the export. The kernel signs nothing.
   */
  ledgerHeads(): { size: number; bodies: string[] };
  /**
   * The ledger as JSONL with its tree heads: co-signed (the first `cosign.size` records, one signature per head
   * ledgerHeads listed, each checked before it is written), or unsigned without one. A problem (a signature that
   * does not verify, a size the ledger no longer has) is said, never thrown.
   */
  ledgerExport(cosign?: LedgerCosignature | null): { text: string } | { problem: string };
  /**
   * Prove record `seq` is in the live ledger's tree (null for no such record, or a size it does not have), and check
   * the proof. With `cosign` (the page signed the head ledgerProve gave for that size), the proof carries the signed
   * note and its vkey, and is checked under it; the kernel signs nothing.
   */
  ledgerProve(seq: number, cosign?: LedgerProofCosignature | null): LedgerProofView | null;
  /**
   * An export too big for one piece (over 64 MiB), verified as it is read: begin, the pieces in order (each says
   * how much was read and whether a problem was found already), then the verdict. One at a time; begin starts over.
   */
  ledgerImportBegin(): void;
  ledgerImportPiece(text: string): { read: number; stopped: boolean };
  ledgerImportEnd(installationKey?: Uint8Array | null): LedgerImport;
  /**
   * Verify an exported ledger (untrusted text): never throws; names the first bad entry, or who signed it and what
   * that proves (`installationKey`: this installation's public key, to recognise its own exports).
   */
  ledgerImport(text: string, installationKey?: Uint8Array | null): LedgerImport;
  /** The session as it stands: scenario text, seed, command log and tick. */
  session(): Session;
  /** Only what changed since the page last read: the commands from `from`, if session `id` is still the one. */
  sessionSince(id: number, from: number): SessionDelta;
  /**
   * Rebuild a saved or shared session by replay; a malformed one is refused and nothing changes. The worker
   * replays in slices (answering pings meanwhile) and shows the restored world only when the replay is done.
   */
  restore(session: Session): Promise<BootResult>;
  /** How far a restore (or a scenario's script) under way has come (null: none is). */
  restoreProgress(): RestoreProgress | null;
  /**
   * Stop a restore under way: the world shown stays as it was, and the restore resolves as stopped. A script under
   * way stops after the line it is at (what ran stays: it is in the log).
   */
  restoreStop(): void;
  /**
   * Show the session as it was at ledger record `seq` (deterministic replay); the live state is parked. A
   * command's records come together: 'back' shows the last state with at most `seq` records, 'forward' the
   * first with at least `seq`.
   */
  travel(seq: number, direction?: 'back' | 'forward'): Promise<TravelState>;
  travelState(): TravelState;
  /** Back to the live session. */
  travelEnd(): TravelState;
  /** Resume from the state shown: it becomes the live session. */
  travelFork(): TravelState;
  /** The running world's user programs (the scenario's, and those defined this session), in name order. */
  programs(): UserProgramView[];
  /**
   * An experimenter's control (outside the world, free, ledgered as a `program` record, out of every process's
   * reach): define or redefine a user program, checked exactly as a scenario file's `programs` entry is (name,
   * sizes, no built-in's name, at most 16 per world). Logged in the session (`program` entry) so replay, time
   * travel, links and files reproduce it. Processes already running keep the source they were spawned with.
   */
  defineProgram(program: {
    name: string;
    source: string;
    summary: string;
    run?: string;
  }): { ok: true; logged: Logged } | { ok: false; error: string };
  /** Compile `source` with the sandbox engine (nothing runs): its first syntax error, line and column, if any. */
  checkProgram(source: string): ProgramCheck;
  /** The latest run of user program `name` in the world shown (null: it has not run). */
  programRun(name: string): ProgramRunView | null;
  /** Does nothing: the comlink round trip the benchmark compares with a SAB read. */
  ping(): number;
}

/** The kernel worker's surface: the host, plus a way to crash the worker for real (to show recovery). */
export interface KernelWorkerApi extends KernelHostApi {
  crash(): void;
  /** For `npm run bench` only: append synthetic ledger records. */
  benchFillLedger(n: number): number;
  /** For `npm run bench` only: µs per SHA-256 of 65 / 150 / 300 bytes in this worker, by each synchronous engine, one per call and batched (shaBench.ts). */
  benchHashing(): Promise<Record<string, Record<string, number>>>;
}
