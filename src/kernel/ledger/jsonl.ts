import { ed25519 } from '@noble/curves/ed25519.js';
import { ledgerKindCode, type LedgerEntry, type LedgerFacts, type LedgerKind } from '../sab/layout';
import { ChainHasher, checkpointMessage, fromHex, HASH_BYTES, hashIsHex, LEAF_MIDSTATE, toHex, type RecordFormat } from './chain';
import { LEAF_BATCH, LeafBatch, leavesInto } from './sha';
import { factsProblem, factsText, sealFacts } from './facts';
import { MerkleTree } from './merkle';
import { openCheckpoint, openTreeHead, parseVkey, type VerifierKey } from './note';

/**
 * The ledger's export format: JSON lines, UTF-8, every line ending in "\n", nothing else in the file.
 *
 * Version 3 (record format 3, chain.ts: each record a leaf of an RFC 6962 Merkle tree), what the ledger writes:
 *
 *   line 1   {"format":"capplay-ledger","version":3,"entries":N,"checkpointEvery":K,"origin":"<log name>","vkey":"<name+id+key>" or null}
 *   entry    {"seq":1,"time":0,"kind":"boot","actor":0,"subject":0,"object":0,"detail":"…","facts":{…},"hash":"<64 hex>"}
 *   …        one line per entry, seq 1..N in order; `hash` is its RFC 6962 leaf hash
 *   ckpt     {"checkpoint":"<the C2SP signed note, as a JSON string>"}   right after entry S, for tree size S
 *
 * A checkpoint is a C2SP tlog-checkpoint signed note (note.ts): origin, size, base64 Merkle root, a blank line,
 * "— <key name> <base64(key ID || Ed25519 signature)>". `vkey` is the signer's signed-note verifier key: since the
 * kernel stopped signing, the co-signer's (a browser installation's WebCrypto key, or the CLI's key file), whose
 * name is its own; exports from before carry a key derived from the seed, named after the origin. An unsigned
 * export has `"vkey":null` and each checkpoint is the bare tree head (the three lines, no signature). The root commits to
 * every record 1..S, so each checkpoint vouches for the whole log up to it; a standard signed-note verifier with
 * the vkey checks the note, and any RFC 6962 implementation recomputes the root from the leaves
 * (SHA-256(0x00 || LEAF_TAG || encode(record)), chain.ts).
 *
 * Versions 2 and 1 (older exports, still verified) are a hash chain: the header has "publicKey":"<64 hex>" instead
 * of origin and vkey, each entry a "prev" (the previous entry's hash) before its "hash", and each checkpoint is
 * {"checkpoint":{"size":S,"root":"<64 hex>","sig":"<128 hex>"}}, the root the chain head at S and the signature over
 * CHECKPOINT_TAG || u64 size || root || u32 checkpointEvery. Version 2 entries carry `"facts"`; version 1 ones never.
 *
 * There is a checkpoint after every entry whose seq is a multiple of K, and the file always ends with one
 * covering entry N (signed at export time when N is not a multiple of K). Hex is lowercase. Numbers are
 * JavaScript's shortest round-trip spelling; a non-finite time, actor, subject or object is written as the
 * string "NaN", "Infinity" or "-Infinity". Each line has exactly one spelling: keys in this order, no spaces,
 * strings as JSON.stringify writes them. The verifier rejects any other spelling, so any edit to a line — even
 * one that keeps the same values — is reported.
 *
 * What verification proves: every entry's hash is its contents' hash (an edit is found at that entry), each
 * checkpoint's root is the tree root (version 3) or chain head (1, 2) at its size, and every checkpoint is signed
 * by the header's key. `entries` must equal the signed final size. In version 3, `checkpointEvery` is not signed: it
 * only says where checkpoints must be, and dropping some cannot hide an edit, since the last one's root commits to
 * every entry. The header's key itself is vouched for by nothing in the file: someone who rewrites the whole file
 * can sign it with a key of their own, so pin the expected key (`verifyExport(text, { publicKey })`) whenever it
 * is known, and say whose it is (verifyText.ts signerOf: this installation's, unknown, seed-derived, none). An
 * unsigned file proves only that it is internally consistent: anyone can rewrite and recompute it. Likewise a file cut back to an earlier checkpoint, header edited to match, is a valid shorter ledger:
 * compare `entries.length` with what you expect.
 */
export const LEDGER_FORMAT = 'capplay-ledger';
/** The version an export is written in: the record format. Versions 1, 2 and 3 are read. */
export const LEDGER_FORMAT_VERSION = 3;

/** Default import limits: refuse bigger input instead of spending memory and time on it. */
export const MAX_IMPORT_CHARS = 64 * 1024 * 1024;
export const MAX_IMPORT_LINES = 2_000_000;
export const MAX_LINE_CHARS = 1024 * 1024;
/**
 * Each checkpoint costs an Ed25519 verification (2–3 ms on a slow core). A file signed with its own key could
 * put one after every entry; this bounds the work (10,000 is 41M entries at the default interval).
 */
export const MAX_IMPORT_CHECKPOINTS = 10_000;

const ZERO_HEX = '0'.repeat(2 * HASH_BYTES);

// ── writing ────────────────────────────────────────────────────────────────────────────────────────────────────

function num(x: number): string {
  return Number.isFinite(x) ? String(x) : `"${String(x)}"`;
}

/** A version 1 or 2 header. */
function headerLine(entries: number, every: number, publicKeyHex: string, version: RecordFormat): string {
  return `{"format":"${LEDGER_FORMAT}","version":${version},"entries":${entries},"checkpointEvery":${every},"publicKey":"${publicKeyHex}"}`;
}

/** A version 3 header (vkey null: unsigned). */
function headerLineV3(entries: number, every: number, origin: string, vkey: string | null): string {
  return `{"format":"${LEDGER_FORMAT}","version":3,"entries":${entries},"checkpointEvery":${every},"origin":${JSON.stringify(origin)},"vkey":${JSON.stringify(vkey)}}`;
}

function entryLine(
  seq: number,
  time: number,
  kind: string,
  actor: number,
  subject: number,
  object: number,
  detail: string,
  /** The facts' canonical text, "" for none (and always "" in a version 1 line). */
  facts: string,
  /** The previous entry's hash (versions 1 and 2), null in version 3. */
  prev: string | null,
  hash: string,
): string {
  return `{"seq":${seq},"time":${num(time)},"kind":${JSON.stringify(kind)},"actor":${num(actor)},"subject":${num(subject)},"object":${num(object)},"detail":${JSON.stringify(detail)}${facts ? `,"facts":${facts}` : ''}${prev === null ? '' : `,"prev":"${prev}"`},"hash":"${hash}"}`;
}

function checkpointLine(size: number, root: string, sig: string): string {
  return `{"checkpoint":{"size":${size},"root":"${root}","sig":"${sig}"}}`;
}

function noteLine(note: string): string {
  return `{"checkpoint":${JSON.stringify(note)}}`;
}

/** The text of a version 3 export: `heads` are every tree head it carries, the last one for `n` (none when empty). */
export function exportLines<H extends { size: number }>(
  n: number,
  /** Visits every record in order with its stored hash (at `hashes[off]`). */
  each: (visit: (e: LedgerEntry, hashes: Uint8Array, off: number) => void) => void,
  heads: readonly H[],
  every: number,
  origin: string,
  /** The signer's verifier key, or null for an unsigned export. */
  vkey: string | null,
  /** A head as its signed note, or its bare body when unsigned. */
  note: (h: H) => string,
): string {
  const chunks: string[] = [headerLineV3(n, every, origin, vkey) + '\n'];
  let lines: string[] = [];
  let ci = 0;
  each((e, hashes, off) => {
    const hash = toHex(hashes, off, HASH_BYTES);
    lines.push(entryLine(e.seq, e.time, e.kind, e.actor, e.subject, e.object, e.detail, factsText(e.facts), null, hash));
    while (ci < heads.length && heads[ci].size === e.seq) lines.push(noteLine(note(heads[ci++])));
    if (lines.length >= 4096) {
      chunks.push(lines.join('\n') + '\n');
      lines = [];
    }
  });
  if (lines.length) chunks.push(lines.join('\n') + '\n');
  return chunks.join('');
}

// ── verifying ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface VerifyExportOptions {
  /** The public key the ledger is expected to be signed with (32 bytes or 64 hex). Strongly recommended. */
  publicKey?: Uint8Array | string;
  /** Refuse text longer than this many characters. Default MAX_IMPORT_CHARS (64 Mi). */
  maxChars?: number;
  /** Refuse text with more lines than this. Default MAX_IMPORT_LINES (2,000,000). */
  maxLines?: number;
  /** Refuse any line longer than this many characters. Default MAX_LINE_CHARS (1 Mi). */
  maxLineChars?: number;
  /** Refuse files with more checkpoints than this. Default MAX_IMPORT_CHECKPOINTS (10,000). */
  maxCheckpoints?: number;
  /** Give back the entries read (default). False: only count them, so a big import does not hold them all. */
  collect?: boolean;
  /** Sees the leaf hashes and checkpoint notes as they are read (version 3): a proof maker (exportProof.ts). */
  observe?: ExportObserver;
}

/**
 * What a proof maker needs from an export, handed over as the verifier reads it (version 3 only). It is what the
 * file claims: trust it only if the verdict is ok (every hash and note was then checked).
 */
export interface ExportObserver {
  /** Entry `seq`'s "hash" (its RFC 6962 leaf hash, 64 hex). */
  leaf(seq: number, hash: string): void;
  /** The checkpoint for tree size `size`: its note (signed, or the bare tree head of an unsigned export). */
  checkpoint(size: number, note: string): void;
  /** The one entry whose record is wanted (an inclusion proof's leaf), and where to hand it. */
  record?: { seq: number; got(e: LedgerEntry): void };
}

/** Where verification stopped, and why, in one sentence. */
export interface ExportBad {
  /** 1-based line number (0 when the problem is the text as a whole). */
  line: number;
  /** The entry concerned: for an entry line, the seq that line should carry. */
  seq?: number;
  /** 1-based index of the checkpoint concerned, for a checkpoint that fails. */
  checkpoint?: number;
  /** For a failing checkpoint: the entries it covers that no earlier good checkpoint vouches for. */
  range?: [number, number];
  reason: string;
}

export type VerifyExportResult =
  | {
      ok: true;
      entries: LedgerEntry[];
      count: number;
      /** Each checkpoint's size and root, and its signature (none in an unsigned export). */
      checkpoints: { size: number; root: Uint8Array; sig?: Uint8Array }[];
      /** The signer's Ed25519 public key; null for an unsigned export. */
      publicKey: Uint8Array | null;
      checkpointEvery: number;
      /** Version 3: the Merkle tree root over every entry; 1 and 2: the chain head (the last entry's hash). */
      head: Uint8Array;
      /** The record format the file is in (its header's version). */
      version: RecordFormat;
      /** Version 3: the log's name and the signer's signed-note verifier key (null: unsigned). */
      origin?: string;
      vkey?: string | null;
    }
  | { ok: false; firstBad: ExportBad };

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

function fail(line: number, reason: string, extra: Omit<ExportBad, 'line' | 'reason'> = {}): { ok: false; firstBad: ExportBad } {
  return { ok: false, firstBad: { line, ...extra, reason } };
}

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: Json | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a ${v.length}-character string` : `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** A number field: a JSON number, or one of the three strings for non-finite values. */
function readNum(v: Json | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}

function numProblem(name: string, value: number | undefined, raw: Json | undefined): string | null {
  if (value !== undefined) return null;
  return raw === undefined ? `the "${name}" field is missing` : `"${name}" should be a number, found ${describe(raw)}`;
}

function isCount(v: Json | undefined, min: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

function parseLine(line: string): Json | undefined {
  try {
    return JSON.parse(line) as Json;
  } catch {
    return undefined;
  }
}

function positiveLimit(v: number | undefined, dflt: number): number {
  return typeof v === 'number' && v > 0 ? v : dflt;
}

function pinnedKeyHex(k: Uint8Array | string | undefined): string | null | undefined {
  if (k === undefined) return undefined;
  if (typeof k === 'string') return HEX64.test(k.toLowerCase()) ? k.toLowerCase() : null;
  return k instanceof Uint8Array && k.length === 32 ? toHex(k) : null;
}

/**
 * Check an exported ledger. The text is untrusted: this never throws, and on failure names the first thing
 * wrong — the line, the entry (seq) or checkpoint, and what is wrong with it — in one sentence.
 */
export function verifyExport(text: string, options: VerifyExportOptions = {}): VerifyExportResult {
  if (typeof text !== 'string') return fail(0, `expected the export as text, got ${text === null ? 'null' : typeof text}`);
  const v = new ExportVerifier(options);
  if (!v.stopped && text.length > v.maxChars)
    return fail(0, `the file is ${text.length} characters long, over the ${v.maxChars}-character limit; it was not verified`);
  v.push(text);
  return v.end();
}

function unexpected(err: unknown): { ok: false; firstBad: ExportBad } {
  let why = 'unknown error';
  try {
    why = err instanceof Error ? err.message : String(err);
  } catch {
    /* keep the generic text */
  }
  return fail(0, `the verifier failed unexpectedly (${why}); the file was not verified`);
}

/**
 * The same check over text that arrives in pieces (a file read as a stream): push each piece, then end(). Holds
 * one line at a time, so a file far bigger than any string (`maxChars` defaults to MAX_IMPORT_CHARS here too; a
 * stream sets its own) verifies in constant memory with `collect: false`. Stops at the first problem; never throws.
 */
export class ExportVerifier {
  private readonly lines: Generator<void, VerifyExportResult, Line | null>;
  readonly maxChars: number;
  private readonly maxLineChars: number;
  private rest = '';
  private chars = 0;
  private result: VerifyExportResult | null = null;

  constructor(options: VerifyExportOptions = {}) {
    this.maxChars = positiveLimit(options?.maxChars, MAX_IMPORT_CHARS);
    this.maxLineChars = positiveLimit(options?.maxLineChars, MAX_LINE_CHARS);
    this.lines = verifyLines(options ?? {});
    this.step(undefined);
  }

  /** True once a problem was found (end() says which). */
  get stopped(): boolean {
    return this.result !== null;
  }

  /** Characters pushed so far. */
  get read(): number {
    return this.chars;
  }

  /** The next piece of the text. */
  push(chunk: string): void {
    if (this.result) return;
    this.chars += chunk.length;
    if (this.chars > this.maxChars) {
      this.result = fail(0, `the file is more than ${this.maxChars} characters long, over the limit; it was not verified past that`);
      return;
    }
    let text = this.rest + chunk;
    let pos = 0;
    for (let end = text.indexOf('\n'); end !== -1 && !this.result; end = text.indexOf('\n', pos)) {
      this.step({ text: text.slice(pos, end), cutOff: false });
      pos = end + 1;
    }
    text = text.slice(pos);
    // A line longer than any allowed is reported now, not held on to.
    if (!this.result && text.length > this.maxLineChars) this.step({ text, cutOff: false });
    this.rest = this.result ? '' : text;
  }

  /** The text is complete: the verdict. */
  end(): VerifyExportResult {
    if (!this.result && this.rest) this.step({ text: this.rest, cutOff: true });
    this.rest = '';
    if (!this.result) this.step(null);
    return this.result ?? fail(0, 'the verifier stopped without a verdict; the file was not verified');
  }

  private step(line: Line | null | undefined): void {
    try {
      const r = this.lines.next(line as Line | null);
      if (r.done) this.result = r.value;
    } catch (err) {
      this.result = unexpected(err);
    }
  }
}

/** One line of the file (without its newline); cutOff: the text ended without one. */
interface Line {
  text: string;
  cutOff: boolean;
}

/** The verifier proper: fed the file line by line (null: the end), it returns at the first problem or the verdict. */
function* verifyLines(options: VerifyExportOptions): Generator<void, VerifyExportResult, Line | null> {
  const maxChars = positiveLimit(options.maxChars, MAX_IMPORT_CHARS);
  const maxLines = positiveLimit(options.maxLines, MAX_IMPORT_LINES);
  const maxLineChars = positiveLimit(options.maxLineChars, MAX_LINE_CHARS);
  const maxCheckpoints = positiveLimit(options.maxCheckpoints, MAX_IMPORT_CHECKPOINTS);
  const pinned = pinnedKeyHex(options.publicKey);
  if (pinned === null) return fail(0, 'the expected public key given to the verifier is not 32 bytes (64 hex digits)');
  void maxChars; // checked by the driver, on the characters as they come

  // Header.
  const first = yield;
  if (first === null) return fail(1, 'the file is empty: there is no header line');
  const headerText = first.text;
  if (headerText.charCodeAt(0) === 0xfeff)
    return fail(1, 'the file starts with a byte-order mark (U+FEFF), which an export never has (was it re-saved by an editor?)');
  let lineNo = 1;
  if (headerText.length > maxLineChars)
    return fail(1, `line 1 (the header) is ${headerText.length} characters long, over the ${maxLineChars}-character line limit`);
  if (headerText.endsWith('\r'))
    return fail(
      1,
      'line 1 ends in a carriage return — CRLF line endings (was the file converted after export?) or an edit; exports end lines with \\n only',
    );
  const header = parseLine(headerText);
  if (header === undefined)
    return fail(1, 'line 1 (the header) is not valid JSON — this is not a capplay ledger export, or its header was damaged');
  if (!isObj(header)) return fail(1, `line 1 (the header) should be a JSON object, found ${describe(header)}`);
  if (header.format !== LEDGER_FORMAT) {
    return fail(
      1,
      header.format === undefined
        ? `line 1 has no "format" field: the header line is missing or this is not a capplay ledger export`
        : `line 1: format is ${describe(header.format)}, not "${LEDGER_FORMAT}"`,
    );
  }
  const version = header.version;
  if (version !== 1 && version !== 2 && version !== 3)
    return fail(
      1,
      typeof version === 'number' && version > LEDGER_FORMAT_VERSION
        ? `line 1: version ${version} is newer than this verifier reads (versions 1 to ${LEDGER_FORMAT_VERSION}): a newer capplay's export`
        : `line 1: unsupported version ${describe(version)} — this verifier reads versions 1 to ${LEDGER_FORMAT_VERSION}`,
    );
  const declared = header.entries;
  const every = header.checkpointEvery;
  if (!isCount(declared, 0)) return fail(1, `line 1: "entries" should be a whole number >= 0, found ${describe(declared)}`);
  if (!isCount(every, 1)) return fail(1, `line 1: "checkpointEvery" should be a whole number >= 1, found ${describe(every)}`);
  let publicKey: Uint8Array | null = null;
  let noteKey: VerifierKey | null = null;
  const origin = header.origin;
  const vkey = header.vkey;
  if (version === 3) {
    if (typeof origin !== 'string') return fail(1, `line 1: "origin" should be the log's name, found ${describe(origin)}`);
    if (typeof vkey !== 'string' && vkey !== null)
      return fail(1, `line 1: "vkey" should be a signed-note verifier key (or null: unsigned), found ${describe(vkey)}`);
    // The signer's key has a name of its own (a co-signer's), or the origin (an export from when the kernel signed).
    const k = vkey === null ? null : parseVkey(vkey);
    if (typeof k === 'string') return fail(1, `line 1: "vkey" is not a usable verifier key: ${k}`);
    if (headerLineV3(declared, every, origin, vkey) !== headerText)
      return fail(
        1,
        'line 1: the header is not in canonical form (extra, missing or reordered fields, or a different spelling) — it was edited',
      );
    noteKey = k;
    publicKey = k ? k.publicKey.slice() : null;
  } else {
    const keyHex = header.publicKey;
    if (typeof keyHex !== 'string' || !HEX64.test(keyHex))
      return fail(1, `line 1: "publicKey" should be 64 lowercase hex digits, found ${describe(keyHex)}`);
    if (headerLine(declared, every, keyHex, version) !== headerText)
      return fail(
        1,
        'line 1: the header is not in canonical form (extra, missing or reordered fields, or a different spelling) — it was edited',
      );
    publicKey = fromHex(keyHex);
    if (!ed25519.utils.isValidPublicKey(publicKey, false)) return fail(1, 'line 1: "publicKey" is not a valid Ed25519 public key');
  }
  if (pinned !== undefined && publicKey === null) return fail(1, `line 1: the file is unsigned, not signed by the expected key ${pinned}`);
  if (pinned !== undefined && pinned !== toHex(publicKey!))
    return fail(1, `line 1: the file is signed by public key ${toHex(publicKey!)}, not the expected ${pinned}`);

  /**
   * Version 3: the entries' leaves are hashed LEAF_BATCH at a time (one call into the hashing engine, not one per
   * entry). An entry waits in `pending` until then; every verdict first settles what is pending, so a bad hash
   * is still named before anything wrong further down the file.
   */
  const batch = version === 3 ? new LeafBatch(LEAF_MIDSTATE) : null;
  const hasher = new ChainHasher(version, 512, batch);
  /** Version 3: the roots-only Merkle tree over the entries read. */
  const tree = new MerkleTree(() => {}, false);
  const leaves = new Uint8Array(LEAF_BATCH * HASH_BYTES);
  const pending: { hash: string; lineNo: number; seq: number }[] = [];
  /** Hash the pending entries; the first whose leaf hash is not its "hash", or null (the tree then has them all). */
  const settle = (): { ok: false; firstBad: ExportBad } | null => {
    if (!batch || !pending.length) return null;
    leavesInto(batch, leaves, 0);
    batch.clear();
    const bad = pending.findIndex((p, i) => !hashIsHex(leaves, i * HASH_BYTES, p.hash));
    if (bad >= 0) {
      const { hash, lineNo: line, seq } = pending[bad];
      const at = `entry ${seq} (line ${line})`;
      return HEX64.test(hash)
        ? fail(line, `${at}: contents do not match its hash — altered after it was written`, { seq })
        : fail(line, `${at}: "hash" should be 64 lowercase hex digits, found ${describe(hash)}`, { seq });
    }
    tree.appendMany(leaves, 0, pending.length);
    pending.length = 0;
    return null;
  };
  /** A verdict of failure, after what is pending is settled (an earlier entry's bad hash comes first). */
  const stop = (line: number, reason: string, extra: Omit<ExportBad, 'line' | 'reason'> = {}) => settle() ?? fail(line, reason, extra);
  const entries: LedgerEntry[] = [];
  const collect = options.collect ?? true;
  const observe = options.observe;
  const checkpoints: { size: number; root: Uint8Array; sig?: Uint8Array }[] = [];
  let count = 0; // entries read
  let headHex = ZERO_HEX;
  let headLine = 1;
  let pendingCheckpoint = 0; // an entry whose seq is a multiple of `every` still waiting for its checkpoint
  let lastCheckpointSize = 0;

  for (;;) {
    const got = yield;
    if (got === null) {
      const unsettled = settle();
      if (unsettled) return unsettled;
      break;
    }
    const { text: line, cutOff } = got;
    lineNo++;
    const next = count + 1;
    if (lineNo > maxLines)
      return stop(lineNo, `the file has more than ${maxLines} lines, over the line limit; it was not verified past line ${maxLines}`);
    if (line.length > maxLineChars)
      return stop(lineNo, `line ${lineNo} is ${line.length} characters long, over the ${maxLineChars}-character line limit`, { seq: next });

    if (line.endsWith('\r'))
      return stop(
        lineNo,
        `line ${lineNo} ends in a carriage return — CRLF line endings (was the file converted after export?) or an edit; exports end lines with \\n only`,
        { seq: next },
      );
    if (line.length === 0) return stop(lineNo, `line ${lineNo} is empty (entry ${next} or a checkpoint was expected)`, { seq: next });
    const v = parseLine(line);
    if (v === undefined) {
      if (cutOff)
        return stop(
          lineNo,
          `line ${lineNo} is cut off: the file ends in the middle of a line — truncated after entry ${count} (the header declares ${declared})`,
          { seq: next },
        );
      return stop(
        lineNo,
        `line ${lineNo} is not valid JSON (entry ${next} or a checkpoint was expected there) — the line was damaged or edited`,
        { seq: next },
      );
    }
    if (!isObj(v)) return stop(lineNo, `line ${lineNo} should be a JSON object, found ${describe(v)}`, { seq: next });

    // ── a checkpoint line ──
    if ('checkpoint' in v) {
      const c = v.checkpoint;
      const index = checkpoints.length + 1;
      if (index > maxCheckpoints)
        return stop(
          lineNo,
          `the file has more than ${maxCheckpoints} checkpoints, over the limit (each costs a signature check); it was not verified past line ${lineNo - 1}`,
          { checkpoint: index },
        );
      if (version === 3) {
        const unsettled = settle();
        if (unsettled) return unsettled;
        const r = checkNote(c, line, lineNo, index, count, lastCheckpointSize, noteKey, origin as string, tree, every, declared);
        if ('firstBad' in r) return r;
        observe?.checkpoint(r.size, c as string);
        checkpoints.push(r);
        lastCheckpointSize = r.size;
        pendingCheckpoint = 0;
        continue;
      }
      if (!isObj(c)) return stop(lineNo, `line ${lineNo}: "checkpoint" should be an object, found ${describe(c)}`, { checkpoint: index });
      const { size, root, sig } = c;
      if (!isCount(size, 1))
        return stop(lineNo, `checkpoint ${index} (line ${lineNo}): "size" should be a whole number >= 1, found ${describe(size)}`, {
          checkpoint: index,
        });
      if (typeof root !== 'string' || !HEX64.test(root))
        return stop(lineNo, `checkpoint ${index} (line ${lineNo}): "root" should be 64 lowercase hex digits, found ${describe(root)}`, {
          checkpoint: index,
        });
      if (typeof sig !== 'string' || !HEX128.test(sig))
        return stop(lineNo, `checkpoint ${index} (line ${lineNo}): "sig" should be 128 lowercase hex digits, found ${describe(sig)}`, {
          checkpoint: index,
        });
      if (checkpointLine(size, root, sig) !== line)
        return stop(
          lineNo,
          `checkpoint ${index} (line ${lineNo}) is not in canonical form (extra, missing or reordered fields, or a different spelling) — it was edited`,
          { checkpoint: index },
        );
      if (size > count) {
        return stop(
          lineNo,
          `checkpoint ${index} (line ${lineNo}) claims ${size} entries but only ${count} precede it — ${entriesRange(count + 1, size)} missing (deleted, or the file was truncated)`,
          { checkpoint: index, seq: count + 1 },
        );
      }
      if (size === lastCheckpointSize)
        return stop(lineNo, `checkpoint ${index} (line ${lineNo}) repeats the checkpoint for size ${size}`, { checkpoint: index });
      if (size < count)
        return stop(
          lineNo,
          `checkpoint ${index} (line ${lineNo}) is for size ${size} but follows entry ${count} — checkpoints were moved or entries inserted`,
          { checkpoint: index, seq: size },
        );
      const from = lastCheckpointSize + 1;
      const covers = `checkpoint ${index} (line ${lineNo}), which covers entries 1..${size}`;
      const since =
        from === 1
          ? `entries 1..${size} cannot be trusted`
          : `entries up to ${from - 1} are vouched for by the checkpoint before it, so the change lies in entries ${from}..${size}`;
      if (root !== headHex) {
        return stop(
          lineNo,
          `${covers}: its root is not the hash of entry ${size} — entries were rewritten (and their hashes recomputed) after they were signed; ${since}`,
          { checkpoint: index, range: [from, size] },
        );
      }
      const rootBytes = fromHex(root);
      if (!ed25519.verify(fromHex(sig), checkpointMessage(size, rootBytes, every), publicKey!, { zip215: false })) {
        return stop(
          lineNo,
          `${covers}: its signature does not verify under the header's public key — the checkpoint was forged or entries were rewritten after they were signed; ${since}`,
          { checkpoint: index, range: [from, size] },
        );
      }
      checkpoints.push({ size, root: rootBytes, sig: fromHex(sig) });
      lastCheckpointSize = size;
      pendingCheckpoint = 0;
      continue;
    }

    // ── an entry line ──
    if (pendingCheckpoint) {
      return stop(
        lineNo,
        `the checkpoint after entry ${pendingCheckpoint} is missing (one is due every ${every} entries): line ${lineNo} holds an entry instead`,
        { seq: pendingCheckpoint },
      );
    }
    const at = `entry ${next} (line ${lineNo})`;
    const where = { seq: next };
    const { seq, kind, detail, prev, hash } = v;
    if (seq === undefined) return stop(lineNo, `${at}: the "seq" field is missing`, where);
    if (!isCount(seq, 1)) return stop(lineNo, `${at}: "seq" should be a whole number >= 1, found ${describe(seq)}`, where);
    if (seq !== next) {
      const why =
        seq > next ? `${entriesRange(next, seq - 1)} missing (deleted, or moved further down)` : 'entries are out of order or duplicated';
      return stop(lineNo, `line ${lineNo} holds seq ${seq} where entry ${next} was expected — ${why}`, where);
    }
    if (next > declared) return stop(lineNo, `${at}: the header declares only ${declared} entries`, where);
    const time = readNum(v.time);
    const actor = readNum(v.actor);
    const subject = readNum(v.subject);
    const object = readNum(v.object);
    const badNum =
      numProblem('time', time, v.time) ??
      numProblem('actor', actor, v.actor) ??
      numProblem('subject', subject, v.subject) ??
      numProblem('object', object, v.object);
    if (badNum) return stop(lineNo, `${at}: ${badNum}`, where);
    if (typeof kind !== 'string')
      return stop(
        lineNo,
        kind === undefined ? `${at}: the "kind" field is missing` : `${at}: "kind" should be a string, found ${describe(kind)}`,
        where,
      );
    if (typeof detail !== 'string')
      return stop(
        lineNo,
        detail === undefined ? `${at}: the "detail" field is missing` : `${at}: "detail" should be a string, found ${describe(detail)}`,
        where,
      );
    // Cheap shape checks here; the full hex check runs only on the failure paths below (a hex string that
    // matches the recomputed chain is necessarily well formed).
    if (version < 3 && (typeof prev !== 'string' || prev.length !== 64))
      return stop(
        lineNo,
        prev === undefined
          ? `${at}: the "prev" field is missing`
          : `${at}: "prev" should be 64 lowercase hex digits, found ${describe(prev)}`,
        where,
      );
    if (typeof hash !== 'string' || hash.length !== 64)
      return stop(
        lineNo,
        hash === undefined
          ? `${at}: the "hash" field is missing`
          : `${at}: "hash" should be 64 lowercase hex digits, found ${describe(hash)}`,
        where,
      );
    let facts: LedgerFacts | undefined;
    if (v.facts !== undefined) {
      if (version === 1)
        return stop(lineNo, `${at}: a version 1 export has no "facts" (records had none before version 2) — the line was edited`, where);
      const why = factsProblem(v.facts);
      if (why) return stop(lineNo, `${at}: "facts" ${why}`, where);
      facts = sealFacts(v.facts as LedgerFacts);
    }
    const spelled = factsText(facts);
    if (entryLine(seq, time!, kind, actor!, subject!, object!, detail, spelled, version < 3 ? (prev as string) : null, hash) !== line) {
      return stop(
        lineNo,
        `${at} is not in canonical form (extra, missing or reordered fields, or a different spelling of a value) — it was edited`,
        where,
      );
    }
    if (version < 3 && prev !== headHex) {
      if (!HEX64.test(prev as string))
        return stop(lineNo, `${at}: "prev" should be 64 lowercase hex digits, found ${describe(prev)}`, where);
      const before = next === 1 ? 'the chain start (64 zeros)' : `the hash of entry ${next - 1} (line ${headLine})`;
      return stop(
        lineNo,
        `${at}: chain break — its "prev" is not ${before}; entries were removed, inserted or reordered, or a hash was edited`,
        where,
      );
    }
    hasher.push(seq, time!, kind, actor!, subject!, object!, detail, spelled);
    if (batch) {
      pending.push({ hash, lineNo, seq: next });
      if (pending.length === LEAF_BATCH) {
        const bad = settle();
        if (bad) return bad;
      }
    } else if (!hasher.headIsHex(hash)) {
      if (!HEX64.test(hash)) return stop(lineNo, `${at}: "hash" should be 64 lowercase hex digits, found ${describe(hash)}`, where);
      return stop(lineNo, `${at}: contents do not match its hash — altered after it was written`, where);
    }
    if (ledgerKindCode(kind) === undefined)
      return stop(lineNo, `${at}: kind ${JSON.stringify(kind)} is not one this verifier knows (a newer kernel's export?)`, where);
    if (observe && version === 3) observe.leaf(seq, hash);
    const wanted = observe && version === 3 && observe.record?.seq === seq;
    if (collect || wanted) {
      const e: LedgerEntry = Object.freeze({
        seq,
        time: time!,
        kind: kind as LedgerKind,
        actor: actor!,
        subject: subject!,
        object: object!,
        detail,
        ...(facts ? { facts } : {}),
      });
      if (collect) entries.push(e);
      if (wanted) observe.record!.got(e);
    }
    count = next;
    headHex = hash;
    headLine = lineNo;
    if (count % every === 0) pendingCheckpoint = count;
  }

  const endLine = lineNo;
  if (count < declared)
    return stop(
      endLine,
      `the file is truncated: the header declares ${declared} entries but it ends after entry ${count} (line ${endLine})`,
      { seq: count + 1 },
    );
  if (pendingCheckpoint)
    return stop(
      endLine,
      `the checkpoint after entry ${pendingCheckpoint} is missing (one is due every ${every} entries): the file ends at line ${endLine}`,
      { seq: pendingCheckpoint },
    );
  if (count > 0 && lastCheckpointSize !== count) {
    return stop(
      endLine,
      `entries ${lastCheckpointSize + 1}..${count} are not covered by any signed checkpoint — an export always ends with one, so the final checkpoint line was removed`,
      { seq: lastCheckpointSize + 1 },
    );
  }
  const head = new Uint8Array(HASH_BYTES);
  hasher.headInto(head, 0);
  if (version === 3)
    return {
      ok: true,
      entries,
      count,
      checkpoints,
      publicKey,
      checkpointEvery: every,
      head: tree.root(),
      version,
      origin: origin as string,
      vkey: vkey as string,
    };
  return { ok: true, entries, count, checkpoints, publicKey, checkpointEvery: every, head, version };
}

/**
 * A version 3 checkpoint line: its signed note opened with the header's key (or, unsigned, its bare tree head read),
 * and its root checked against the tree.
 */
function checkNote(
  c: Json | undefined,
  line: string,
  lineNo: number,
  index: number,
  count: number,
  lastSize: number,
  key: VerifierKey | null,
  origin: string,
  tree: MerkleTree,
  every: number,
  declared: number,
): { size: number; root: Uint8Array; sig?: Uint8Array } | { ok: false; firstBad: ExportBad } {
  const at = `checkpoint ${index} (line ${lineNo})`;
  const where = { checkpoint: index };
  if (typeof c !== 'string') return fail(lineNo, `${at}: "checkpoint" should be a signed note (a string), found ${describe(c)}`, where);
  if (noteLine(c) !== line)
    return fail(lineNo, `${at} is not in canonical form (extra or reordered fields, or a different spelling) — it was edited`, where);
  // The size first, so a moved or cut checkpoint is named as such; then the signature and the root.
  const sizeText = c.split('\n')[1] ?? '';
  const size = /^[1-9][0-9]{0,15}$/.test(sizeText) ? Number(sizeText) : NaN;
  if (size > count)
    return fail(
      lineNo,
      `${at} claims ${size} entries but only ${count} precede it — ${entriesRange(count + 1, size)} missing (deleted, or the file was truncated)`,
      { checkpoint: index, seq: count + 1 },
    );
  if (size === lastSize) return fail(lineNo, `${at} repeats the checkpoint for size ${size}`, where);
  if (size < count)
    return fail(lineNo, `${at} is for size ${size} but follows entry ${count} — checkpoints were moved or entries inserted`, {
      checkpoint: index,
      seq: size,
    });
  // The interval is not signed in version 3, so where checkpoints may stand is fixed by it: a multiple of it, or the end.
  if (Number.isFinite(size) && size % every !== 0 && size !== declared)
    return fail(lineNo, `${at} is for size ${size}, where none is due (one every ${every} entries, and one after the last)`, where);
  const from = lastSize + 1;
  const covers = `${at}, which covers entries 1..${count}`;
  const since =
    from === 1
      ? `entries 1..${count} cannot be trusted`
      : `entries up to ${from - 1} are vouched for by the checkpoint before it, so the change lies in entries ${from}..${count}`;
  const opened = key ? openCheckpoint(c, key) : openTreeHead(c);
  if (typeof opened === 'string')
    return fail(
      lineNo,
      key
        ? `${covers}: its signed note does not check out under the header's key (${opened}) — forged or edited; ${since}`
        : `${covers}: it is not a bare tree head, as an unsigned export ("vkey":null) holds (${opened}) — edited; ${since}`,
      { checkpoint: index, range: [from, count] },
    );
  if (opened.origin !== origin)
    return fail(lineNo, `${at}: its origin ${JSON.stringify(opened.origin)} is not the header's ${JSON.stringify(origin)}`, where);
  const root = tree.root();
  if (root.some((x, i) => x !== opened.root[i]))
    return fail(
      lineNo,
      `${covers}: its root is not the Merkle root of the entries — entries were rewritten (and their hashes recomputed) after they were signed; ${since}`,
      { checkpoint: index, range: [from, count] },
    );
  return 'sig' in opened
    ? { size: opened.size, root: opened.root, sig: opened.sig as Uint8Array }
    : { size: opened.size, root: opened.root };
}

/** "entry 20 is" or "entries 20..24 are", for messages about missing entries. */
function entriesRange(from: number, to: number): string {
  return from === to ? `entry ${from} is` : `entries ${from}..${to} are`;
}
