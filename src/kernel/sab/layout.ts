/**
 * The SharedArrayBuffer layout: the one kernel module the UI imports.
 *
 * One writer (the kernel worker) publishes a full picture of kernel state into the buffer; readers (the UI, once
 * per animation frame) copy it out under a seqlock. Everything is struct-of-arrays: one Int32Array column per
 * field, `capacity` rows long, rows packed densely from 0 to the row count in the header.
 *
 *   header      HEADER_WORDS Int32 words (see H) + a Float64 for virtual time at byte HEADER_TIME_BYTE
 *   processes   PROC_COLUMNS × capacity.processes Int32        (dense, ordered by pid)
 *   caps        CAP_COLUMNS × capacity.caps Int32               (dense, ordered by holder pid, then slot)
 *   objects     OBJ_COLUMNS × capacity.objects Int32            (dense, ordered by object id)
 *   machines    MACHINE_COLUMNS × capacity.machines Int32
 *   ledger ring LEDGER_COLUMNS × capacity.ledgerRing Int32, a Float64 time column, and a fixed UTF-8 detail
 *               field of LEDGER_DETAIL_BYTES per event; event seq s (1-based) lives in row (s - 1) % ledgerRing.
 *               Of a record's facts only a verdict's outcome travels (LEDGER.OUTCOME); the rest stay in the worker
 *   strings     append-only: offset and length columns × capacity.strings, then capacity.stringBytes of UTF-8
 *   console     CONSOLE_COLUMNS × capacity.consoleLines Int32 and CONSOLE_LINE_BYTES of UTF-8 per line: what
 *               programs wrote to the terminal; line n (1-based) lives in row (n - 1) % consoleLines
 *
 * Seqlock: the writer makes H.SEQ odd, writes, then makes it even again. A reader loads SEQ, retries while it is
 * odd, copies, and retries if SEQ changed meanwhile. Strings are append-only and written before the count that
 * exposes them, so they can be read outside the lock.
 */

import { decodeUtf8 } from './utf8';

export interface Capacity {
  processes: number;
  caps: number;
  objects: number;
  machines: number;
  ledgerRing: number;
  strings: number;
  stringBytes: number;
  consoleLines: number;
}

export const DEFAULT_CAPACITY: Capacity = {
  processes: 1024,
  caps: 16384,
  objects: 1024,
  machines: 16,
  ledgerRing: 4096,
  strings: 16384,
  stringBytes: 512 * 1024,
  consoleLines: 1024,
};

/** The largest table a scenario may ask for (explicitly or by its size): the state buffer stays tens of MB. */
export const CAPACITY_LIMITS: Capacity = {
  processes: 16_384,
  caps: 524_288,
  objects: 65_536,
  machines: 16,
  ledgerRing: 65_536,
  strings: 262_144,
  stringBytes: 16 << 20,
  consoleLines: 16_384,
};

export const SAB_MAGIC = 0x43415050; // "CAPP"
export const SAB_VERSION = 2; // 2: the ledger ring's OUTCOME column

/** Header word indexes (Int32). */
export const H = {
  MAGIC: 0,
  VERSION: 1,
  SEQ: 2,
  TOPOLOGY: 3,
  PROC_ROWS: 4,
  CAP_ROWS: 5,
  OBJ_ROWS: 6,
  MACHINE_ROWS: 7,
  LEDGER_HEAD: 8, // seq of the newest event written (0 = none)
  STRING_COUNT: 9,
  STRING_BYTES: 10,
  CLOCK_RUNNING: 11, // 1 running, 0 paused
  SPEED_MILLI: 12, // speed × 1000
  TICKS: 13, // scheduler quanta run (wraps at 2^31)
  SCENARIO_NAME: 14, // string id
  SCENARIO_GEN: 15, // bumps when a scenario is (re)loaded
  CAP_PROCESSES: 16,
  CAP_CAPS: 17,
  CAP_OBJECTS: 18,
  CAP_MACHINES: 19,
  CAP_LEDGER: 20,
  CAP_STRINGS: 21,
  CAP_STRING_BYTES: 22,
  SELF_PID: 23, // the shell's pid
  CAP_CONSOLE: 24,
  CONSOLE_HEAD: 25, // lines written to the console (terminal output from programs), 0 = none
  FOREGROUND: 26, // pid the terminal is attached to (run / wait), 0 = the shell prompt
  PROMPT: 27, // string id of the foreground program's prompt
  DEFENSES: 28, // bit i set = DEFENSES[i] is on
  MOVED: 29, // 1 = the writer moved to a new, differently sized buffer (a scenario needed other tables): ask for it
  // Where user program code runs now (programs/backstop.ts), written as it goes, so the page sees a step that
  // never ends (and the worker's own recent cuts, which its copy of the session may not have yet):
  STEP_PID: 34, // the process (0 = no user step is running)
  STEP_N: 35, // its step
  STEP_CHECK: 36, // interrupt checks in that step so far
  STEP_SESSION: 37, // the session of the world it runs in (the host's sessionId), -1 for a restore replaying aside
  CUTS: 38, // cuts the worker's clock made so far; the newest CUT_RING_SIZE are at CUT_RING
  CUT_RING: 39, // CUT_RING_SIZE × (pid, step, check, session)
} as const;
export const CUT_RING_SIZE = 4;
export const HEADER_WORDS = 64;
export const HEADER_TIME_BYTE = 32 * 4; // Float64 virtual time in ms

/** ENERGY is the u32 balance (stored as Int32 bits: read it with >>> 0), TIER an index into TIERS, LATENCY the
 * virtual ms its last syscall waited (frozen, or in an endpoint's queue), NEXT_REFILL a virtual time. */
export const PROC = {
  PID: 0,
  STATE: 1,
  MACHINE: 2,
  PARENT: 3,
  NAME: 4,
  PROGRAM: 5,
  CAPS: 6,
  RUNS: 7,
  ENERGY: 8,
  TIER: 9,
  FLAGS: 10,
  BUDGET: 11,
  LATENCY: 12,
  NEXT_REFILL: 13,
  SPENT: 14,
  PLEDGE: 15,
  EXECPROMISES: 16,
  UNVEILS: 17,
  WAITING: 18, // the endpoint (object id) whose reply its CALL waits for, 0 if none
  WAIT_PLACE: 19, // its place in that endpoint's queue (1 = next), 0 = taken by the server (in flight)
} as const;
export const PROC_COLUMNS = 20;
/** PROC.PLEDGE / EXECPROMISES: promise bits (PROMISES order), -1 = unpledged. PROC.UNVEILS: entries, -1 = none
 * yet (all visible); PROC.FLAGS bit 1 = unveil locked. */
export const PROC_FLAG = { UNVEIL_LOCKED: 1 } as const;
/**
 * Cap rows. IFACE is a string id (service objects), GENERATION the receiver record generation the cap was
 * minted under, TAG a short opaque tag for the receiver selector (never the selector itself), ORIGIN_* how the
 * holder obtained it (ORIGINS index, the pid and slot it came from or the minter's pid), SOURCE_BADGE the badge
 * of the cap it was derived from (differs from BADGE only after a relabel), FLAGS see CAP_FLAG.
 */
export const CAP = {
  HOLDER: 0,
  SLOT: 1,
  KIND: 2,
  TARGET_KIND: 3,
  TARGET: 4,
  BADGE: 5,
  NAME: 6,
  RIGHTS: 7, // channels, memory regions: rights as minted or masked (before the Law of Decay)
  FLAGS: 8,
  IFACE: 9,
  GENERATION: 10,
  TAG: 11,
  ORIGIN: 12,
  ORIGIN_PID: 13,
  ORIGIN_SLOT: 14,
  SOURCE_BADGE: 15,
  EFFECTIVE: 16, // rights after the Law of Decay (channels, memory regions)
  DEPTH: 17, // delegation depth
  NEXT_DECAY: 18, // virtual ms when it next loses a right, -1 if never
  BOUNDS_BASE: 19,
  BOUNDS_LEN: 20,
} as const;
export const CAP_COLUMNS = 21;
export const CAP_FLAG = { RELABELED: 1, DEAD: 2 } as const;
/** Service objects are kernel objects too (one per receiver record): PARENT is their endpoint's object id. */
export const OBJ = {
  ID: 0,
  KIND: 1,
  MACHINE: 2,
  OWNER: 3,
  NAME: 4,
  COUNTER: 5,
  PARENT: 6,
  IFACE: 7,
  GENERATION: 8,
  STATE: 9,
  EPOCH: 10,
  QUEUED: 11, // endpoints: calls waiting in the queue for the server
  IN_FLIGHT: 12, // endpoints: calls the server took and has not answered yet
} as const;
export const OBJ_COLUMNS = 13;
/** DETAIL: a string id for the machine's role and pairings, shown on its box ("totebox · paired alpha USER"). */
export const MACHINE = { ID: 0, NAME: 1, DETAIL: 2 } as const;
export const MACHINE_COLUMNS = 3;
/** OBJECT: the kernel object an event concerns (e.g. what a refused grant tried to reach), 0 if none. OUTCOME: a
 * verdict's outcome, 1 + its index in VERDICT_OUTCOMES (0 for any other record). */
export const LEDGER = { SEQ: 0, KIND: 1, ACTOR: 2, SUBJECT: 3, DETAIL_LEN: 4, OBJECT: 5, OUTCOME: 6 } as const;
export const LEDGER_COLUMNS = 7;
export const CONSOLE = { PID: 0, STYLE: 1, LEN: 2 } as const;
export const CONSOLE_COLUMNS = 3;
export const CONSOLE_LINE_BYTES = 512;
export const CONSOLE_STYLES = ['out', 'err', 'sys'] as const;
export type ConsoleStyle = (typeof CONSOLE_STYLES)[number];
export const LEDGER_DETAIL_BYTES = 192;

/** Process states, as stored in PROC.STATE. */
export const PROC_STATES = ['free', 'ready', 'running', 'blocked', 'sleeping', 'frozen', 'exited', 'killed'] as const;
export type ProcState = (typeof PROC_STATES)[number];

/** Cap kinds, as stored in CAP.KIND. Append only: indexes are part of the layout. */
export const CAP_KINDS = [
  'none',
  'endpoint',
  'client',
  'spawner',
  'process',
  'object',
  'minter',
  'session',
  'channel',
  'memory',
  'fs',
  'import',
  'pairing',
] as const;
export type CapKind = (typeof CAP_KINDS)[number];

/** What a cap points at, as stored in CAP.TARGET_KIND. */
export const TARGET_KINDS = ['object', 'process', 'machine'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Kernel object kinds, as stored in OBJ.KIND. Append only. */
export const OBJECT_KINDS = ['none', 'endpoint', 'spawner', 'service', 'session', 'channel', 'region', 'vfs', 'pairing'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** What a holder may do with a cap of each kind (shown in the inspector). */
export const CAP_RIGHTS: Record<CapKind, string> = {
  none: '',
  endpoint: 'recv, return, mint',
  client: 'call',
  spawner: 'spawn',
  process: 'wait, kill',
  object: 'call',
  minter: 'mint',
  session: 'derive proof',
  channel: 'per its rights bits (r read, w write, x exec)',
  memory: 'per its rights bits, within its bounds',
  fs: 'open, read, write, list files (within its pledge and unveil)',
  import: 'call a service on a paired machine, attenuated by the pairing type (and the Diode)',
  pairing: "this machine's service-pairing: pair, unpair, import, announce its own keys, forget a binding",
};

/** How a holder obtained a cap, as stored in CAP.ORIGIN. */
export const ORIGINS = ['boot', 'minted', 'copied', 'moved', 'spawned'] as const;
export type OriginHow = (typeof ORIGINS)[number];

/** Service object record states, as stored in OBJ.STATE. */
export const OBJECT_STATES = ['live', 'closed', 'revoked'] as const;
export type ObjectState = (typeof OBJECT_STATES)[number];

/** Defense toggles, bit i of H.DEFENSES. Append only. */
/** `short` is the top bar's label; `label` is the full name (ledger, shell, tooltips). */
export const DEFENSES = [
  { id: 'gate0', label: 'Gate 0 relabel check', short: 'Gate 0' },
  { id: 'energy', label: 'Energy budgets', short: 'budgets' },
  { id: 'sandbox', label: 'pledge/unveil', short: 'pledge/unveil' },
  { id: 'interpose', label: 'mint/merge interposition', short: 'interposition' },
  { id: 'hashauth', label: 'image_hash ≠ authority', short: 'hash ≠ authority' },
  { id: 'tofu', label: 'TOFU+ binding check', short: 'TOFU+' },
  { id: 'diode', label: 'Diode (commands flow downstream only)', short: 'Diode' },
  { id: 'generation', label: 'receiver generation check', short: 'generations' },
] as const;
export type DefenseId = (typeof DEFENSES)[number]['id'];

/** Ledger event kinds, as stored in LEDGER.KIND. Append only. */
export const LEDGER_KINDS = [
  'boot',
  'spawn',
  'exit',
  'kill',
  'grant',
  'release',
  'deny',
  'clock',
  'error',
  'mint',
  'close',
  'revoke',
  'defense',
  'verdict',
  'mask',
  'map',
  'abort',
  'pledge',
  'unveil',
  'yield',
  'pair',
  'unpair',
  'auth',
  'cancel', // a CALL ended without its reply: its caller gave up (killed, Ctrl-C) or its server went
  'program', // the experimenter defined (or redefined) a user program mid-session (the Programs tab's Run)
  'appended', // a process's own text, appended through service-fs (seed 000): its author's word, never the kernel's
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];
const LEDGER_KIND_CODES = new Map<string, number>(LEDGER_KINDS.map((k, i) => [k, i]));
/** A kind's index in LEDGER_KINDS (how the ring and sealed segments store it); undefined for an unknown kind. */
export const ledgerKindCode = (kind: string): number | undefined => LEDGER_KIND_CODES.get(kind);

export interface Layout {
  capacity: Capacity;
  bytes: number;
  procOffset: number;
  capOffset: number;
  objOffset: number;
  machineOffset: number;
  ledgerOffset: number;
  ledgerTimeOffset: number;
  ledgerDetailOffset: number;
  stringIndexOffset: number;
  stringBytesOffset: number;
  consoleOffset: number;
  consoleTextOffset: number;
}

const align8 = (n: number) => (n + 7) & ~7;

/** Same table sizes: a state buffer laid out for one serves the other. */
export function sameCapacity(a: Capacity, b: Capacity): boolean {
  return (Object.keys(a) as (keyof Capacity)[]).every((k) => a[k] === b[k]);
}

export function computeLayout(capacity: Capacity): Layout {
  for (const [k, v] of Object.entries(capacity)) {
    if (!Number.isInteger(v) || v <= 0 || v > 1 << 24) throw new RangeError(`capacity.${k} must be an integer in 1..2^24, got ${v}`);
  }
  let at = HEADER_WORDS * 4;
  const take = (n: number) => {
    const start = at;
    at = align8(at + n);
    return start;
  };
  const procOffset = take(PROC_COLUMNS * capacity.processes * 4);
  const capOffset = take(CAP_COLUMNS * capacity.caps * 4);
  const objOffset = take(OBJ_COLUMNS * capacity.objects * 4);
  const machineOffset = take(MACHINE_COLUMNS * capacity.machines * 4);
  const ledgerOffset = take(LEDGER_COLUMNS * capacity.ledgerRing * 4);
  const ledgerTimeOffset = take(capacity.ledgerRing * 8);
  const ledgerDetailOffset = take(capacity.ledgerRing * LEDGER_DETAIL_BYTES);
  const stringIndexOffset = take(2 * capacity.strings * 4);
  const stringBytesOffset = take(capacity.stringBytes);
  const consoleOffset = take(CONSOLE_COLUMNS * capacity.consoleLines * 4);
  const consoleTextOffset = take(capacity.consoleLines * CONSOLE_LINE_BYTES);
  return {
    capacity,
    bytes: at,
    procOffset,
    capOffset,
    objOffset,
    machineOffset,
    ledgerOffset,
    ledgerTimeOffset,
    ledgerDetailOffset,
    stringIndexOffset,
    stringBytesOffset,
    consoleOffset,
    consoleTextOffset,
  };
}

/** Typed-array views over one buffer. Column c of a table is `table.subarray(c * rows, (c + 1) * rows)`. */
export class SabViews {
  readonly layout: Layout;
  readonly header: Int32Array;
  readonly time: Float64Array;
  readonly proc: Int32Array[];
  readonly cap: Int32Array[];
  readonly obj: Int32Array[];
  readonly machine: Int32Array[];
  readonly ledger: Int32Array[];
  readonly ledgerTime: Float64Array;
  readonly ledgerDetail: Uint8Array;
  readonly stringOffset: Int32Array;
  readonly stringLength: Int32Array;
  readonly stringBytes: Uint8Array;
  readonly console: Int32Array[];
  readonly consoleText: Uint8Array;

  constructor(
    readonly buffer: SharedArrayBuffer | ArrayBuffer,
    capacity?: Capacity,
  ) {
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    if (!capacity) {
      if (header[H.MAGIC] !== SAB_MAGIC || header[H.VERSION] !== SAB_VERSION) {
        throw new Error(`not a capplay state buffer (magic ${header[H.MAGIC]}, version ${header[H.VERSION]})`);
      }
      capacity = {
        processes: header[H.CAP_PROCESSES],
        caps: header[H.CAP_CAPS],
        objects: header[H.CAP_OBJECTS],
        machines: header[H.CAP_MACHINES],
        ledgerRing: header[H.CAP_LEDGER],
        strings: header[H.CAP_STRINGS],
        stringBytes: header[H.CAP_STRING_BYTES],
        consoleLines: header[H.CAP_CONSOLE],
      };
    }
    const layout = computeLayout(capacity);
    if (buffer.byteLength < layout.bytes) throw new RangeError(`state buffer is ${buffer.byteLength} bytes; layout needs ${layout.bytes}`);
    this.layout = layout;
    this.header = header;
    this.time = new Float64Array(buffer, HEADER_TIME_BYTE, 1);
    const columns = (offset: number, count: number, rows: number) =>
      Array.from({ length: count }, (_, c) => new Int32Array(buffer, offset + c * rows * 4, rows));
    this.proc = columns(layout.procOffset, PROC_COLUMNS, capacity.processes);
    this.cap = columns(layout.capOffset, CAP_COLUMNS, capacity.caps);
    this.obj = columns(layout.objOffset, OBJ_COLUMNS, capacity.objects);
    this.machine = columns(layout.machineOffset, MACHINE_COLUMNS, capacity.machines);
    this.ledger = columns(layout.ledgerOffset, LEDGER_COLUMNS, capacity.ledgerRing);
    this.ledgerTime = new Float64Array(buffer, layout.ledgerTimeOffset, capacity.ledgerRing);
    this.ledgerDetail = new Uint8Array(buffer, layout.ledgerDetailOffset, capacity.ledgerRing * LEDGER_DETAIL_BYTES);
    this.stringOffset = new Int32Array(buffer, layout.stringIndexOffset, capacity.strings);
    this.stringLength = new Int32Array(buffer, layout.stringIndexOffset + capacity.strings * 4, capacity.strings);
    this.stringBytes = new Uint8Array(buffer, layout.stringBytesOffset, capacity.stringBytes);
    this.console = columns(layout.consoleOffset, CONSOLE_COLUMNS, capacity.consoleLines);
    this.consoleText = new Uint8Array(buffer, layout.consoleTextOffset, capacity.consoleLines * CONSOLE_LINE_BYTES);
  }

  static create(capacity: Capacity = DEFAULT_CAPACITY, shared = true): SabViews {
    const bytes = computeLayout(capacity).bytes;
    const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const views = new SabViews(buffer, capacity);
    const h = views.header;
    h[H.MAGIC] = SAB_MAGIC;
    h[H.VERSION] = SAB_VERSION;
    h[H.CAP_PROCESSES] = capacity.processes;
    h[H.CAP_CAPS] = capacity.caps;
    h[H.CAP_OBJECTS] = capacity.objects;
    h[H.CAP_MACHINES] = capacity.machines;
    h[H.CAP_LEDGER] = capacity.ledgerRing;
    h[H.CAP_STRINGS] = capacity.strings;
    h[H.CAP_STRING_BYTES] = capacity.stringBytes;
    h[H.CAP_CONSOLE] = capacity.consoleLines;
    return views;
  }
}

/** One frame's copy of the state, in plain (non-shared) arrays the UI can keep. Reused frame to frame. */
export class Frame {
  seq = 0;
  time = 0;
  topology = 0;
  procRows = 0;
  capRows = 0;
  objRows = 0;
  machineRows = 0;
  ledgerHead = 0;
  stringCount = 0;
  running = false;
  speed = 1;
  ticks = 0;
  scenarioName = 0;
  scenarioGen = 0;
  selfPid = 0;
  consoleHead = 0;
  foreground = 0;
  prompt = 0;
  defenses = 0;
  readonly proc: Int32Array[];
  readonly cap: Int32Array[];
  readonly obj: Int32Array[];
  readonly machine: Int32Array[];

  constructor(capacity: Capacity) {
    const cols = (n: number, rows: number) => Array.from({ length: n }, () => new Int32Array(rows));
    this.proc = cols(PROC_COLUMNS, capacity.processes);
    this.cap = cols(CAP_COLUMNS, capacity.caps);
    this.obj = cols(OBJ_COLUMNS, capacity.objects);
    this.machine = cols(MACHINE_COLUMNS, capacity.machines);
  }
}

function copyColumns(from: Int32Array[], to: Int32Array[], rows: number) {
  for (let c = 0; c < from.length; c++) to[c].set(from[c].subarray(0, rows));
}

/**
 * Run `read` under the seqlock: skipped while the writer is mid-publish (odd SEQ), retried if SEQ moved during
 * the read. Null if the writer kept the lock for `maxTries` attempts, or died holding it: callers try next frame.
 */
function underSeqlock<T>(h: Int32Array, maxTries: number, read: (seq: number) => T): T | null {
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const s1 = Atomics.load(h, H.SEQ);
    if (s1 & 1) continue;
    const result = read(s1);
    if (Atomics.load(h, H.SEQ) === s1) return result;
  }
  return null;
}

/**
 * Copy the current state into `frame` under the seqlock. Returns false if the writer kept the lock busy for
 * `maxTries` attempts (the caller simply tries again next frame).
 */
export function readFrame(v: SabViews, frame: Frame, maxTries = 8): boolean {
  const h = v.header;
  const copied = underSeqlock(h, maxTries, (seq) => {
    const procRows = h[H.PROC_ROWS];
    const capRows = h[H.CAP_ROWS];
    const objRows = h[H.OBJ_ROWS];
    const machineRows = h[H.MACHINE_ROWS];
    copyColumns(v.proc, frame.proc, procRows);
    copyColumns(v.cap, frame.cap, capRows);
    copyColumns(v.obj, frame.obj, objRows);
    copyColumns(v.machine, frame.machine, machineRows);
    return {
      seq,
      procRows,
      capRows,
      objRows,
      machineRows,
      time: v.time[0],
      topology: h[H.TOPOLOGY],
      ledgerHead: h[H.LEDGER_HEAD],
      stringCount: h[H.STRING_COUNT],
      running: h[H.CLOCK_RUNNING] === 1,
      speed: h[H.SPEED_MILLI] / 1000,
      ticks: h[H.TICKS],
      scenarioName: h[H.SCENARIO_NAME],
      scenarioGen: h[H.SCENARIO_GEN],
      selfPid: h[H.SELF_PID],
      consoleHead: h[H.CONSOLE_HEAD],
      foreground: h[H.FOREGROUND],
      prompt: h[H.PROMPT],
      defenses: h[H.DEFENSES],
    };
  });
  if (!copied) return false;
  Object.assign(frame, copied); // only a consistent copy lands in the frame's scalar fields
  return true;
}

/**
 * What a record says in fields, for the checks and the UI (record format 2): a grant's cap and its origin, a
 * verdict's outcome, a spawn's pid and parent… Keys are identifiers, values strings or finite numbers.
 */
export type LedgerFacts = Readonly<Record<string, string | number>>;

/** How a verdict ended: the defense held, the attack succeeded (a breach), or the kernel only says what happened. */
export const VERDICT_OUTCOMES = ['held', 'breach', 'info'] as const;
export type VerdictOutcome = (typeof VERDICT_OUTCOMES)[number];

/** The outcome of a verdict record (undefined for any other record, or one without it). */
export function verdictOutcome(e: Pick<LedgerEntry, 'kind' | 'facts'>): VerdictOutcome | undefined {
  const o = e.kind === 'verdict' ? e.facts?.outcome : undefined;
  return (VERDICT_OUTCOMES as readonly unknown[]).includes(o) ? (o as VerdictOutcome) : undefined;
}

export interface LedgerEntry {
  seq: number;
  time: number;
  kind: LedgerKind;
  actor: number;
  subject: number;
  /** The kernel object the event concerns (0 if none): what a refused grant tried to reach, a minted object… */
  object: number;
  detail: string;
  /** The record's structured fields, present only when it has some. Read from the SAB ring: a verdict's outcome only. */
  facts?: LedgerFacts;
}

export interface ConsoleLine {
  n: number;
  pid: number;
  style: ConsoleStyle;
  text: string;
}

/**
 * Read ledger events with seq in [from, head] still present in the ring, under the seqlock. Events older than
 * the ring holds are skipped; `firstAvailable` tells the caller where the ring starts so it can fetch the gap
 * from the worker. Null if the lock stayed busy for `maxTries` attempts.
 */
export function readLedger(
  v: SabViews,
  from: number,
  max = Infinity,
  maxTries = 8,
): { entries: LedgerEntry[]; firstAvailable: number; head: number } | null {
  const ring = v.layout.capacity.ledgerRing;
  return underSeqlock(v.header, maxTries, () => {
    const head = v.header[H.LEDGER_HEAD];
    const firstAvailable = Math.max(1, head - ring + 1);
    const entries: LedgerEntry[] = [];
    for (let seq = Math.max(from, firstAvailable); seq <= head && entries.length < max; seq++) {
      const row = (seq - 1) % ring;
      const len = Math.min(v.ledger[LEDGER.DETAIL_LEN][row], LEDGER_DETAIL_BYTES);
      const at = row * LEDGER_DETAIL_BYTES;
      const outcome = VERDICT_OUTCOMES[v.ledger[LEDGER.OUTCOME][row] - 1];
      entries.push({
        seq: v.ledger[LEDGER.SEQ][row],
        time: v.ledgerTime[row],
        kind: LEDGER_KINDS[v.ledger[LEDGER.KIND][row]] ?? 'error',
        actor: v.ledger[LEDGER.ACTOR][row],
        subject: v.ledger[LEDGER.SUBJECT][row],
        object: v.ledger[LEDGER.OBJECT][row],
        detail: decodeUtf8(v.ledgerDetail.subarray(at, at + len)),
        ...(outcome ? { facts: { outcome } } : {}),
      });
    }
    return { entries, firstAvailable, head };
  });
}

/** Console lines numbered [from, head] still in the ring (older ones are gone: the UI reports how many). */
export function readConsole(
  v: SabViews,
  from: number,
  maxTries = 8,
): { lines: ConsoleLine[]; firstAvailable: number; head: number } | null {
  const ring = v.layout.capacity.consoleLines;
  return underSeqlock(v.header, maxTries, () => {
    const head = v.header[H.CONSOLE_HEAD];
    const firstAvailable = Math.max(1, head - ring + 1);
    const lines: ConsoleLine[] = [];
    for (let n = Math.max(from, firstAvailable); n <= head; n++) {
      const row = (n - 1) % ring;
      const len = Math.min(v.console[CONSOLE.LEN][row], CONSOLE_LINE_BYTES);
      const at = row * CONSOLE_LINE_BYTES;
      lines.push({
        n,
        pid: v.console[CONSOLE.PID][row],
        style: CONSOLE_STYLES[v.console[CONSOLE.STYLE][row]] ?? 'out',
        text: decodeUtf8(v.consoleText.subarray(at, at + len)),
      });
    }
    return { lines, firstAvailable, head };
  });
}

/**
 * Resolves string ids published by the kernel; caches decoded strings. The table is append-only within one
 * scenario generation; a reboot starts it over, so call `sync` with each frame to drop a stale cache.
 */
export class StringTable {
  private cache: string[] = [''];
  private generation = -1;
  /** `clean` is applied once per string as it is decoded (the page strips control characters from names). */
  constructor(
    private v: SabViews,
    private clean: (s: string) => string = (s) => s,
  ) {}

  sync(frame: Frame): void {
    if (frame.scenarioGen !== this.generation) {
      this.generation = frame.scenarioGen;
      this.cache = [''];
    }
  }

  get(id: number): string {
    if (id <= 0) return '';
    const cached = this.cache[id];
    if (cached !== undefined) return cached;
    if (id >= Atomics.load(this.v.header, H.STRING_COUNT)) return `#${id}`;
    const off = this.v.stringOffset[id];
    const s = this.clean(decodeUtf8(this.v.stringBytes.subarray(off, off + this.v.stringLength[id])));
    this.cache[id] = s;
    return s;
  }
}
