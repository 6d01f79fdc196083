import { _SHA256, sha256 } from '@noble/hashes/sha2.js';
import type { LedgerEntry } from '../sab/layout';
import { midstate as shaMidstate, shaAfterInto, shaWasm, type LeafBatch, type Midstate } from './sha';

/**
 * The canonical byte encoding of one ledger record and its hash. Shared by the in-memory ledger (append, verify)
 * and the verifier of exported files, so both hash the same bytes.
 *
 * Record format 3 (what the ledger writes): each record is a leaf of an RFC 6962 Merkle tree (merkle.ts):
 *
 *   leaf_i     = LEAF_TAG || encode(entry_i)                 (the RFC's leaf input)
 *   leafHash_i = SHA-256( 0x00 || leaf_i )                  (RFC 6962 §2.1 leaf hash)
 *   encode(e)  = u64 seq || f64 time || str kind || f64 actor || f64 subject || f64 object || str detail || str facts
 *
 * LEAF_TAG is the 63 bytes "capplay-ledger/v3 entry" then zero bytes, so 0x00 || LEAF_TAG is exactly one SHA-256
 * block (ENTRY_TAG_V3): its compression is done once (the midstate) and each record only pays for its own bytes.
 * `facts` is the record's facts as canonical JSON (facts.ts: keys sorted, no spaces), "" when it has none. No
 * record names the one before it: the tree, not a chain, commits to the order, and a checkpoint's root to every
 * record up to its size.
 *
 * Record formats 1 and 2, still read from older exports, are a hash chain:
 *
 *   hash_i = SHA-256( ENTRY_TAG || hash_{i-1} || encode(entry_i) )        hash_0 = GENESIS (32 zero bytes)
 *
 * with ENTRY_TAG "capplay-ledger/v2 entry" (format 2, the encoding above) or "capplay-ledger/v1 entry" (format 1,
 * the same without `str facts`), each zero-padded to 64 bytes.
 *
 * All integers and floats are big-endian. f64 is IEEE-754 binary64 with -0 written as +0 and every NaN as the
 * one quiet NaN 7ff8000000000000, so equal numbers always encode alike. `str` is a u32 byte length then the
 * string's UTF-8 (a lone surrogate, which UTF-8 cannot express, is written in its 3-byte generalized form
 * ED xx xx — WTF-8 — rather than replaced by U+FFFD, so two different strings never encode alike).
 *
 * The tags differ between the formats, so a record can never verify under another format's encoding.
 */

/** The record formats: 3 (Merkle leaves) is written; 2 (a chain, with facts) and 1 (without) are read from older exports. */
export type RecordFormat = 1 | 2 | 3;
export const RECORD_FORMAT: RecordFormat = 3;

export const HASH_BYTES = 32;

/** The chain's starting point, the "previous hash" of entry 1: 32 zero bytes. (Nothing here reads this array.) */
export const GENESIS: Uint8Array = new Uint8Array(HASH_BYTES);

const ENTRY_TAG_V3_TEXT = 'capplay-ledger/v3 entry';
const ENTRY_TAG_TEXT = 'capplay-ledger/v2 entry';
const ENTRY_TAG_V1_TEXT = 'capplay-ledger/v1 entry';
/** Formats 1 and 2 sign (size, root, interval) alike: the root already depends on the format. (Format 3 signs notes: note.ts.) */
const CHECKPOINT_TAG_TEXT = 'capplay-ledger/v1 checkpoint';

function asciiBytes(s: string, size = s.length): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Record format 3's leaf prefix: the tag text, zero-padded to 63 bytes. */
export const LEAF_TAG: Uint8Array = asciiBytes(ENTRY_TAG_V3_TEXT, 63);
/** 0x00 || LEAF_TAG: the first SHA-256 block of every format 3 leaf hash. */
export const ENTRY_TAG_V3: Uint8Array = new Uint8Array([0, ...LEAF_TAG]);
/** 64 bytes: the tag text, zero-padded to one SHA-256 block (record format 2). */
export const ENTRY_TAG: Uint8Array = asciiBytes(ENTRY_TAG_TEXT, 64);
/** The same for record format 1. */
export const ENTRY_TAG_V1: Uint8Array = asciiBytes(ENTRY_TAG_V1_TEXT, 64);
/** The tag text then one zero byte; the checkpoint message is this || u64 size || root || u32 checkpointEvery. */
export const CHECKPOINT_TAG: Uint8Array = asciiBytes(CHECKPOINT_TAG_TEXT, CHECKPOINT_TAG_TEXT.length + 1);

/** A signed statement by the ledger's key: "the chain had `size` entries and its head hash was `root`". */
export interface Checkpoint {
  /** Number of entries covered: entries 1..size. */
  readonly size: number;
  /** The chain head at that size: the hash of entry `size`. */
  readonly root: Uint8Array;
  /** Ed25519 over checkpointMessage(size, root, checkpointEvery). */
  readonly sig: Uint8Array;
}

/**
 * The bytes a checkpoint signs: CHECKPOINT_TAG || u64 size || root || u32 checkpointEvery (big-endian). The
 * interval is signed too, so the one header field a verifier relies on that nothing else vouches for cannot
 * be edited without breaking every signature.
 */
export function checkpointMessage(size: number, root: Uint8Array, checkpointEvery: number): Uint8Array {
  const t = CHECKPOINT_TAG.length;
  const msg = new Uint8Array(t + 8 + HASH_BYTES + 4);
  msg.set(CHECKPOINT_TAG, 0);
  const view = new DataView(msg.buffer);
  view.setUint32(t, Math.floor(size / 0x1_0000_0000), false);
  view.setUint32(t + 4, size >>> 0, false);
  msg.set(root.subarray(0, HASH_BYTES), t + 8);
  view.setUint32(t + 8 + HASH_BYTES, checkpointEvery >>> 0, false);
  return msg;
}

/**
 * noble's SHA-256, driven block by block. The chain pads each message itself in its scratch buffer and runs
 * noble's compression function over it from the precomputed midstate: no hasher object, DataView or subarray
 * is allocated per record, which is about a fifth of the cost of chaining an entry through the public
 * update()/digestInto() path. `process`, `set` and the state words are noble's documented protected members
 * (sha2.d.ts), reached by subclassing; a known-answer self-test against the public `sha256()` below decides
 * whether this path is used at all, so a change inside noble can only make the chain slower, never wrong.
 */
class BlockSha256 extends _SHA256 {
  /** Set the chaining state. */
  load(s: Int32Array): void {
    this.set(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
  }

  /** Copy the chaining state out. */
  save(s: Int32Array): void {
    s[0] = this.A;
    s[1] = this.B;
    s[2] = this.C;
    s[3] = this.D;
    s[4] = this.E;
    s[5] = this.F;
    s[6] = this.G;
    s[7] = this.H;
  }

  /** Compress the 64-byte blocks of `view` from `start` to `end`. */
  blocks(view: DataView, start: number, end: number): void {
    for (let off = start; off < end; off += 64) this.process(view, off);
  }

  /** Write the state, big-endian, as the 32-byte digest at the start of `view`. */
  digestTo(view: DataView): void {
    view.setInt32(0, this.A, false);
    view.setInt32(4, this.B, false);
    view.setInt32(8, this.C, false);
    view.setInt32(12, this.D, false);
    view.setInt32(16, this.E, false);
    view.setInt32(20, this.F, false);
    view.setInt32(24, this.G, false);
    view.setInt32(28, this.H, false);
  }
}

// SHA-256 state after absorbing each format's tag: the public hasher for the slow path, the 8 words for the fast one.
function midstate(tag: Uint8Array): { hasher: _SHA256; words: Int32Array; wasm: Midstate } {
  const words = new Int32Array(8);
  const b = new BlockSha256();
  b.update(tag); // exactly one block: processed, nothing buffered
  b.save(words);
  return { hasher: sha256.create().update(tag), words, wasm: shaMidstate(tag) };
}
const MID = { 1: midstate(ENTRY_TAG_V1), 2: midstate(ENTRY_TAG), 3: midstate(ENTRY_TAG_V3) } as const;
/** Where every format 3 leaf hash starts (after 0x00 || LEAF_TAG): the midstate a LeafBatch of records needs. */
export const LEAF_MIDSTATE: Midstate = MID[3].wasm;

/** A format 3 record's leaf input (LEAF_TAG || encode(e)) and leaf hash, for a proof (`facts`: their canonical text). */
export function recordLeaf(e: LedgerEntry, facts: string): { leaf: Uint8Array; leafHash: Uint8Array } {
  const h = new ChainHasher(3);
  h.push(e.seq, e.time, e.kind, e.actor, e.subject, e.object, e.detail, facts);
  const leafHash = new Uint8Array(HASH_BYTES);
  h.headInto(leafHash, 0);
  return { leaf: h.leafInput(), leafHash };
}

/** Fixed part of a record after the tag: prev 32 + seq 8 + time 8 + kind len 4 + 3 floats 24 + detail len 4 + facts len 4. */
const FIXED = HASH_BYTES + 8 + 8 + 4 + 24 + 4 + 4;
/** Room for SHA-256 padding after a message: 0x80, zeros, 8-byte length. */
const PAD = 72;

/**
 * Record hashing: feed it records in order and it yields each record's hash — format 3 its leaf hash, formats 1
 * and 2 the chain hash. Holds one scratch buffer (the message) whose first 32 bytes are always the last hash (the
 * "head"), so in a chain the digest of one record lands exactly where the next record's "previous hash" goes; format
 * 3 hashes from byte 32 on and leaves the previous hash out. One instance per ledger or file, of one record format;
 * not re-entrant.
 */
export class ChainHasher {
  private buf: Uint8Array;
  private view: DataView;
  private readonly block = new BlockSha256();
  private readonly h: _SHA256 = sha256.create();
  private readonly mid: { hasher: _SHA256; words: Int32Array; wasm: Midstate };
  /** Formats 2 and 3 write `str facts` after the detail. */
  private readonly withFacts: boolean;
  /** Where the hashed message starts in the buffer: 0 (with the previous hash) in a chain, 32 for a leaf. */
  private readonly from: number;
  /** The end of the last record's encoding. */
  private last = 0;

  constructor(
    readonly format: RecordFormat = RECORD_FORMAT,
    initialCapacity = 512,
    /**
     * Format 3 only: records are not hashed one by one but added to this batch (made with LEAF_MIDSTATE), whose
     * owner hashes them all in one call (leavesInto) when it needs them. The head then stays as it was.
     */
    private readonly batch: LeafBatch | null = null,
  ) {
    if (batch && (format !== 3 || batch.mid !== LEAF_MIDSTATE)) throw new Error('only format 3 leaves are hashed in batches');
    this.buf = new Uint8Array(Math.max(FIXED + PAD + 64, initialCapacity));
    this.view = new DataView(this.buf.buffer);
    this.mid = MID[format];
    this.withFacts = format >= 2;
    this.from = format === 3 ? HASH_BYTES : 0;
  }

  /** Format 3: the last record's leaf input (LEAF_TAG || encode(e)), the bytes an RFC 6962 verifier hashes. */
  leafInput(): Uint8Array {
    const out = new Uint8Array(LEAF_TAG.length + this.last - HASH_BYTES);
    out.set(LEAF_TAG);
    out.set(this.buf.subarray(HASH_BYTES, this.last), LEAF_TAG.length);
    return out;
  }

  /** Copy the current head (the last record's hash, or the start) into `out` at `off`. */
  headInto(out: Uint8Array, off: number): void {
    const b = this.buf;
    for (let i = 0; i < HASH_BYTES; i++) out[off + i] = b[i];
  }

  /** The current head as lowercase hex. */
  headHex(): string {
    return toHex(this.buf, 0, HASH_BYTES);
  }

  /** True if the current head, in lowercase hex, is `hex`. */
  headIsHex(hex: string): boolean {
    return hashIsHex(this.buf, 0, hex);
  }

  /** True if the current head equals the 32 bytes of `other` at `off`. */
  headEquals(other: Uint8Array, off: number): boolean {
    const b = this.buf;
    let diff = 0;
    for (let i = 0; i < HASH_BYTES; i++) diff |= b[i] ^ other[off + i];
    return diff === 0;
  }

  /** Chain one record: the head becomes its hash. `facts` is their canonical text (format 2; "" for none). */
  push(seq: number, time: number, kind: string, actor: number, subject: number, object: number, detail: string, facts = ''): void {
    let p = this.writeStr(this.writeFixed(seq, time, kind, actor, subject, object, 3 * (detail.length + facts.length)), detail);
    if (this.withFacts) p = this.writeStr(p, facts);
    this.digest(p);
  }

  /**
   * The same as push, with the detail and the facts given as their encoded bytes (a sealed segment's columns):
   * no string is built.
   */
  pushBytes(
    seq: number,
    time: number,
    kind: string,
    actor: number,
    subject: number,
    object: number,
    details: Uint8Array,
    start: number,
    end: number,
    facts: Uint8Array,
    factsStart: number,
    factsEnd: number,
  ): void {
    const p = this.writeFixed(seq, time, kind, actor, subject, object, end - start + factsEnd - factsStart);
    let q = this.writeBytes(p, details, start, end);
    if (this.withFacts) q = this.writeBytes(q, facts, factsStart, factsEnd);
    this.digest(q);
  }

  /** u32 length then bytes[start, end), at `at`; returns the position after it. */
  private writeBytes(at: number, bytes: Uint8Array, start: number, end: number): number {
    this.view.setUint32(at, end - start, false);
    const buf = this.buf;
    // Short runs (most facts, many details) copy faster by hand than through subarray + set.
    if (end - start < 64) for (let i = start, o = at + 4; i < end; i++, o++) buf[o] = bytes[i];
    else buf.set(bytes.subarray(start, end), at + 4);
    return at + 4 + end - start;
  }

  /** Everything of a record but its strings after the kind, after the previous hash; room for `moreBytes` more. Returns where the detail goes. */
  private writeFixed(seq: number, time: number, kind: string, actor: number, subject: number, object: number, moreBytes: number): number {
    const need = FIXED + 3 * kind.length + moreBytes + PAD;
    if (need > this.buf.length) this.grow(need);
    const view = this.view;
    view.setUint32(32, Math.floor(seq / 0x1_0000_0000), false);
    view.setUint32(36, seq >>> 0, false);
    writeF64(view, 40, time);
    const p = this.writeStr(48, kind);
    writeF64(view, p, actor);
    writeF64(view, p + 8, subject);
    writeF64(view, p + 16, object);
    return p + 24;
  }

  /** Hash ENTRY_TAG || buf[0, len) into buf[0, 32): WebAssembly when it runs (sha.ts), else noble block by block. */
  private digest(len: number): void {
    this.last = len;
    if (this.batch) this.batch.add(this.buf, this.from, len);
    else if (shaWasm() && !TESTING_NOBLE) shaAfterInto(this.mid.wasm, this.buf, this.from, len, this.buf, 0);
    else if (FAST) this.digestFast(len);
    else this.digestSlow(len);
  }

  private digestFast(len: number): void {
    const buf = this.buf;
    const view = this.view;
    const from = this.from;
    const end = from + ((len - from + 9 + 63) & ~63);
    buf[len] = 0x80;
    buf.fill(0, len + 1, end - 8);
    const bits = (64 + len - from) * 8; // the tag block counts too
    view.setUint32(end - 8, Math.floor(bits / 0x1_0000_0000), false);
    view.setUint32(end - 4, bits >>> 0, false);
    const b = this.block;
    b.load(this.mid.words);
    b.blocks(view, from, end);
    b.digestTo(view);
  }

  private digestSlow(len: number): void {
    const h = this.h;
    this.mid.hasher._cloneInto(h);
    h.update(this.buf.subarray(this.from, len));
    h.digestInto(this.buf); // writes bytes 0..31: the new head, i.e. the next record's "previous hash"
  }

  /** u32 length then the string's bytes, at `at`; returns the position after it. */
  private writeStr(at: number, s: string): number {
    const buf = this.buf;
    const start = at + 4;
    let p = start;
    const n = s.length;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i < n) p = writeWtf8(buf, p, s, i);
    this.view.setUint32(at, p - start, false);
    return p;
  }

  private grow(need: number): void {
    let size = this.buf.length;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, HASH_BYTES));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

function writeF64(view: DataView, at: number, x: number): void {
  if (x !== x) {
    view.setUint32(at, 0x7ff80000, false);
    view.setUint32(at + 4, 0, false);
  } else view.setFloat64(at, x + 0, false); // x + 0 turns -0 into +0
}

/** UTF-8 of s from index i on (lone surrogates as WTF-8), written at p; returns the position after it. */
export function writeWtf8(buf: Uint8Array, p: number, s: string, i = 0): number {
  const n = s.length;
  for (; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) buf[p++] = c;
    else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 63);
          buf[p++] = 0x80 | ((c >> 6) & 63);
          buf[p++] = 0x80 | (c & 63);
          continue;
        }
      }
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 63);
      buf[p++] = 0x80 | (c & 63);
    }
  }
  return p;
}

/** True if the 32 bytes at bytes[off..] are, in lowercase hex, `hex`. Compares character codes: no string is built. */
export function hashIsHex(bytes: Uint8Array, off: number, hex: string): boolean {
  if (hex.length !== 2 * HASH_BYTES) return false;
  for (let i = 0; i < HASH_BYTES; i++) {
    const x = bytes[off + i] << 1;
    if (hex.charCodeAt(2 * i) !== HEX_CODES[x] || hex.charCodeAt(2 * i + 1) !== HEX_CODES[x + 1]) return false;
  }
  return true;
}

const HEX_CODES = new Uint16Array(512); // the two character codes of each byte's hex
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX_CODES[2 * i] = h.charCodeAt(0);
  HEX_CODES[2 * i + 1] = h.charCodeAt(1);
}
const HEX_SCRATCH = new Uint16Array(128);

/** Lowercase hex of `n` bytes of `b` from `off`, as one flat string. */
export function toHex(b: Uint8Array, off = 0, n = b.length - off): string {
  const codes = n <= 64 ? HEX_SCRATCH : new Uint16Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = b[off + i] << 1;
    codes[2 * i] = HEX_CODES[x];
    codes[2 * i + 1] = HEX_CODES[x + 1];
  }
  return String.fromCharCode.apply(null, codes.subarray(0, 2 * n) as unknown as number[]);
}

/** Bytes of a lowercase hex string the caller has already checked (even length, [0-9a-f] only). */
export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}

/** Known-answer test: the fast path must agree with the public sha256() (1-, 2- and 3-block messages, and padding that spills into a block of its own), in both formats. */
function fastPathAgrees(): boolean {
  TESTING_NOBLE = true;
  try {
    for (const format of [1, 2, 3] as const)
      for (const n of [0, 40, 55, 56, 63, 64, 100, 119, 120, 200]) {
        const detail = 'x'.repeat(n) + '→';
        const facts = n % 3 ? `{"n":${n}}` : '';
        FAST = true;
        const fast = new ChainHasher(format);
        fast.push(1, 2.5, 'boot', 3, 4, 5, detail, facts);
        FAST = false;
        const slow = new ChainHasher(format);
        slow.push(1, 2.5, 'boot', 3, 4, 5, detail, facts);
        if (fast.headHex() !== slow.headHex()) return false;
        if (format === 3 && fast.headHex() !== toHex(sha256(new Uint8Array([0, ...fast.leafInput()])))) return false;
      }
    // And the slow path against a one-shot sha256 of the whole message (format 2, facts "{}" as a stand-in).
    const probe = new ChainHasher(2);
    probe.push(7, -0, 'spawn', 1, 2, 3, 'ab', '{}');
    const msg = new Uint8Array(64 + FIXED + 5 + 2 + 2);
    msg.set(ENTRY_TAG, 0);
    const v = new DataView(msg.buffer);
    let p = 64 + 32;
    v.setUint32(p + 4, 7, false);
    p += 16; // seq, time = +0
    v.setUint32(p, 5, false);
    for (let i = 0; i < 5; i++) msg[p + 4 + i] = 'spawn'.charCodeAt(i);
    p += 9;
    v.setFloat64(p, 1, false);
    v.setFloat64(p + 8, 2, false);
    v.setFloat64(p + 16, 3, false);
    v.setUint32(p + 24, 2, false);
    msg[p + 28] = 0x61;
    msg[p + 29] = 0x62;
    v.setUint32(p + 30, 2, false);
    msg[p + 34] = 0x7b;
    msg[p + 35] = 0x7d;
    return probe.headHex() === toHex(sha256(msg));
  } catch {
    return false;
  } finally {
    TESTING_NOBLE = false;
  }
}

/** While the self-test below runs: noble's paths, whatever engine sha.ts chose. */
let TESTING_NOBLE = false;
let FAST = false;
FAST = fastPathAgrees();

/** Whether the chain uses the block-level fast path (false only if noble's internals changed). For tests. */
export function chainFastPath(): boolean {
  return FAST;
}
