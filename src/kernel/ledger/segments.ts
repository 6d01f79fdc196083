import { LEDGER_KINDS, ledgerKindCode, type LedgerEntry, type LedgerKind } from '../sab/layout';
import { decodeUtf8 } from '../sab/utf8';
import { HASH_BYTES, writeWtf8 } from './chain';
import { factsText, parseFacts } from './facts';
import { isPowerOfTwo, STORED_LEVEL } from './merkle';

/**
 * Sealed ledger segments: a full run of records packed into one byte block, columns side by side, so a long
 * session costs a worker bytes per record instead of a JS object each, and the block can leave memory
 * altogether (a SegmentStore over a file: see the kernel worker's spill to the origin-private file system).
 *
 *   u32 n, u32 flags, u32 detailBytes, u32 factsBytes
 *   f64 time[n]
 *   actor[n], subject[n], object[n]        i32 each if FLAG_INT (all of them fit), else f64
 *   u8  hash[32 n]                         the hash stored for each record at append (its RFC 6962 leaf
 *                                          hash: the Merkle tree reads its leaves back from here)
 *   u8  node[32 m]                         FLAG_NODES: the Merkle tree's interior nodes over these records from
 *                                          level STORED_LEVEL up to the segment's own root (excluded), level by
 *                                          level, lowest first (segmentNodeCount: m = n/32 - 2 for n = 2^s)
 *   u32 detailEnd[n]                       cumulative end of each detail in the bytes below
 *   u32 factsEnd[n]                        cumulative end of each record's facts in the facts bytes
 *   u8  kind[n]                            index into LEDGER_KINDS
 *   u8  details[detailBytes]               UTF-8, exactly the bytes the chain hashes (WTF-8 for a lone
 *                                          surrogate, FLAG_WTF8), so a verify copies them straight in
 *   u8  facts[factsBytes]                  each record's facts as canonical JSON (facts.ts; empty for none),
 *                                          likewise the bytes the chain hashes
 *
 * Host byte order: a block is only read back by the worker that wrote it. Every string comes back exactly as
 * appended (a lone surrogate included).
 */

const HEADER = 16;
const FLAG_INT = 1;
const FLAG_WTF8 = 2;
const FLAG_NODES = 4;

/**
 * The interior nodes a sealed segment of n records keeps (merkle.ts STORED_LEVEL up to its root, excluded): only
 * for a segment that is a whole subtree of its own, n = 2^s above 2^STORED_LEVEL; else none.
 */
export function segmentNodeCount(n: number): number {
  if (n <= 2 ** STORED_LEVEL || !isPowerOfTwo(n)) return 0;
  return n / 2 ** (STORED_LEVEL - 1) - 2;
}

/** Where node k (counted within the segment) of height `level` is among a segment's nodes, in nodes. */
export function segmentNodeIndex(n: number, level: number, k: number): number {
  let at = 0;
  for (let l = STORED_LEVEL; l < level; l++) at += n / 2 ** l;
  return at + k;
}

declare const TextDecoder: { new (): { decode(bytes: Uint8Array): string } };
const utf8 = new TextDecoder(); // in every runtime the kernel runs in (Node, workers); the kernel's lib omits its type

/** The code a kind is stored as; throws for a kind the ledger does not know (a kernel bug, never input). */
export function kindCode(kind: string): number {
  const c = ledgerKindCode(kind);
  if (c === undefined) throw new RangeError(`unknown ledger kind "${kind}"`);
  return c;
}

function offsets(n: number, flags: number) {
  const time = HEADER;
  const nums = time + 8 * n;
  const hashes = nums + (flags & FLAG_INT ? 12 : 24) * n;
  const nodes = hashes + HASH_BYTES * n;
  const detailEnd = nodes + (flags & FLAG_NODES ? HASH_BYTES * segmentNodeCount(n) : 0);
  const factsEnd = detailEnd + 4 * n;
  const kinds = factsEnd + 4 * n;
  const details = kinds + n;
  return { time, nums, hashes, nodes, detailEnd, factsEnd, kinds, details };
}

const ANY_SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /\p{Cs}/u;

const isInt = (x: number) => (x | 0) === x && !Object.is(x, -0);

/**
 * Pack records (seq-consecutive) and their stored hashes (32 bytes each, from `hashes[0]`) into one block.
 * `facts[i]` is record i's facts as canonical text, when the caller kept it (the ledger does, from the append).
 */
export function encodeSegment(
  records: readonly LedgerEntry[],
  hashes: Uint8Array,
  facts?: readonly string[],
  /** The tree's interior nodes over these records (segmentNodeCount of them), if the tree hands them over. */
  nodes?: Uint8Array,
): Uint8Array {
  const n = records.length;
  if (nodes && nodes.length !== HASH_BYTES * segmentNodeCount(n))
    throw new RangeError(`a segment of ${n} records keeps ${segmentNodeCount(n)} tree nodes, not ${nodes.length / HASH_BYTES}`);
  const texts = facts ?? records.map((e) => factsText(e.facts));
  let most = 0;
  let ints = true;
  let wtf8 = false;
  for (let i = 0; i < n; i++) {
    const e = records[i];
    most += 3 * (e.detail.length + texts[i].length);
    ints &&= isInt(e.actor) && isInt(e.subject) && isInt(e.object);
    // A lone surrogate: standard UTF-8 decoders would replace it. (The plain class is quick; \p{Cs} is exact.)
    wtf8 ||= ANY_SURROGATE.test(e.detail) && LONE_SURROGATE.test(e.detail);
  }
  const flags = (ints ? FLAG_INT : 0) | (wtf8 ? FLAG_WTF8 : 0) | (nodes ? FLAG_NODES : 0);
  const o = offsets(n, flags);
  const block = new Uint8Array(o.details + most);
  const buf = block.buffer;
  const time = new Float64Array(buf, o.time, n);
  const nums = ints ? new Int32Array(buf, o.nums, 3 * n) : new Float64Array(buf, o.nums, 3 * n);
  const ends = new Uint32Array(buf, o.detailEnd, n);
  const factsEnds = new Uint32Array(buf, o.factsEnd, n);
  let p = o.details;
  for (let i = 0; i < n; i++) {
    const e = records[i];
    time[i] = e.time;
    nums[i] = e.actor;
    nums[n + i] = e.subject;
    nums[2 * n + i] = e.object;
    block[o.kinds + i] = kindCode(e.kind);
    p = writeWtf8(block, p, e.detail);
    ends[i] = p - o.details;
  }
  const factsAt = p;
  for (let i = 0; i < n; i++) {
    p = writeWtf8(block, p, texts[i]);
    factsEnds[i] = p - factsAt;
  }
  block.set(hashes.subarray(0, HASH_BYTES * n), o.hashes);
  if (nodes) block.set(nodes, o.nodes);
  new Uint32Array(buf, 0, 4).set([n, flags, factsAt - o.details, p - factsAt]);
  return block.slice(0, p); // the room a detail could have needed, given back
}

/** A block read back: its columns as views (no copies), and records built on demand. */
export class Segment {
  readonly n: number;
  /** Size of the block. */
  readonly bytes: number;
  readonly time: Float64Array;
  readonly nums: Int32Array | Float64Array;
  /** The stored hashes: record i's at [32 i, 32 i + 32). */
  readonly hashes: Uint8Array;
  /** The tree's interior nodes over these records (segmentNodeIndex), or empty: the block keeps none. */
  readonly nodes: Uint8Array;
  readonly kinds: Uint8Array;
  /** Record i's detail, encoded, is details[start(i), end(i)). */
  readonly details: Uint8Array;
  /** Record i's facts, as canonical JSON, are facts[factsStart(i), factsEnd(i)). */
  readonly facts: Uint8Array;
  private readonly ends: Uint32Array;
  private readonly factsEnds: Uint32Array;
  private readonly wtf8: boolean;
  private entries: LedgerEntry[] | null = null;

  /** `block` must start at offset 0 of its buffer (a block as written, or a fresh read of one). */
  constructor(
    block: Uint8Array,
    /** The seq of the first record. */
    readonly firstSeq: number,
  ) {
    const buf = block.buffer;
    const [n, flags, detailBytes, factsBytes] = new Uint32Array(buf, 0, 4);
    const o = offsets(n, flags);
    if (block.byteOffset !== 0 || block.length !== o.details + detailBytes + factsBytes) throw new RangeError('not a whole ledger segment');
    this.n = n;
    this.bytes = block.length;
    this.wtf8 = (flags & FLAG_WTF8) !== 0;
    this.time = new Float64Array(buf, o.time, n);
    this.nums = flags & FLAG_INT ? new Int32Array(buf, o.nums, 3 * n) : new Float64Array(buf, o.nums, 3 * n);
    this.hashes = new Uint8Array(buf, o.hashes, HASH_BYTES * n);
    this.nodes = new Uint8Array(buf, o.nodes, o.detailEnd - o.nodes);
    this.ends = new Uint32Array(buf, o.detailEnd, n);
    this.factsEnds = new Uint32Array(buf, o.factsEnd, n);
    this.kinds = new Uint8Array(buf, o.kinds, n);
    this.details = new Uint8Array(buf, o.details, detailBytes);
    this.facts = new Uint8Array(buf, o.details + detailBytes, factsBytes);
  }

  kind(i: number): LedgerKind {
    return LEDGER_KINDS[this.kinds[i]];
  }

  actor(i: number): number {
    return this.nums[i];
  }

  subject(i: number): number {
    return this.nums[this.n + i];
  }

  object(i: number): number {
    return this.nums[2 * this.n + i];
  }

  start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1];
  }

  end(i: number): number {
    return this.ends[i];
  }

  detail(i: number): string {
    const bytes = this.details.subarray(this.start(i), this.ends[i]);
    return this.wtf8 ? decodeUtf8(bytes) : utf8.decode(bytes);
  }

  /**
   * Every record's detail decoded in one call, for a search over the whole ledger (in Chromium a call per record
   * took about half its time): `text`, and where record i's detail is in it, [at[i], at[i + 1]). Null for a block
   * with a lone surrogate (those decode one by one).
   */
  allDetails(): { text: string; at: Uint32Array } | null {
    if (this.wtf8) return null;
    const text = utf8.decode(this.details);
    const at = new Uint32Array(this.n + 1);
    // All ASCII: a byte is a character. Else count UTF-16 units: a byte that is not a continuation starts a
    // character, and a four-byte one takes two.
    if (text.length === this.details.length) at.set(this.ends, 1);
    else
      for (let i = 0, b = 0, units = 0, d = this.details; i < this.n; i++) {
        for (const stop = this.ends[i]; b < stop; b++) if ((d[b] & 0xc0) !== 0x80) units += d[b] >= 0xf0 ? 2 : 1;
        at[i + 1] = units;
      }
    return { text, at };
  }

  factsStart(i: number): number {
    return i === 0 ? 0 : this.factsEnds[i - 1];
  }

  factsEnd(i: number): number {
    return this.factsEnds[i];
  }

  /** Canonical JSON is well-formed (JSON.stringify escapes a lone surrogate), so plain UTF-8 reads it back. */
  factsOf(i: number): string {
    const start = this.factsStart(i);
    return start === this.factsEnds[i] ? '' : utf8.decode(this.facts.subarray(start, this.factsEnds[i]));
  }

  /** Record i as the ledger hands it out (built once per segment, then kept while the segment is cached). */
  entry(i: number): LedgerEntry {
    this.entries ??= [];
    const known = this.entries[i];
    if (known) return known;
    const facts = parseFacts(this.factsOf(i));
    return (this.entries[i] = Object.freeze({
      seq: this.firstSeq + i,
      time: this.time[i],
      kind: this.kind(i),
      actor: this.actor(i),
      subject: this.subject(i),
      object: this.object(i),
      detail: this.detail(i),
      ...(facts ? { facts } : {}),
    }));
  }
}

/** Where a sealed block went: whatever the store needs to read it back. */
export interface SegmentRef {
  readonly bytes: number;
}

/**
 * Keeps sealed blocks. `put` takes ownership of the bytes; `get` returns a block starting at offset 0 of its
 * buffer. `owner` is the ledger the block belongs to: a store that outlives ledgers can reuse a block's space
 * once its ledger is gone.
 */
export interface SegmentStore {
  put(bytes: Uint8Array, owner: object): SegmentRef;
  get(ref: SegmentRef): Uint8Array;
  /** Bytes of sealed blocks this store holds in memory (0 for one that keeps them in a file). */
  readonly residentBytes: number;
  /** Where the blocks are, in words (for `tables`). */
  readonly where: string;
}

interface MemoryRef extends SegmentRef {
  readonly block: Uint8Array;
}

/** The default: blocks stay in memory, packed (well under half of what the same records cost as JS objects). */
export class MemorySegmentStore implements SegmentStore {
  residentBytes = 0;
  readonly where: string = 'in memory, packed';

  put(bytes: Uint8Array): SegmentRef {
    this.residentBytes += bytes.length;
    return { bytes: bytes.length, block: bytes } as MemoryRef;
  }

  get(ref: SegmentRef): Uint8Array {
    return (ref as MemoryRef).block;
  }
}

/** The part of FileSystemSyncAccessHandle a file store uses (a fake in tests, the real one in the worker). */
export interface SyncFile {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
}

interface FileRef extends SegmentRef {
  readonly at: number;
}

/**
 * Blocks in one file, shared by every ledger in the worker: a ledger keeps only where its blocks are, so its
 * memory no longer grows with its length. When a ledger is gone (a replay for time travel, a replaced world) its
 * blocks' space is reused, so the file grows with the live ledgers, not with every ledger ever built. Reads are
 * synchronous, which the origin-private file system offers dedicated workers. If the file refuses a write (the
 * disk quota), blocks from then on stay in memory: a full disk never loses a record.
 */
export class FileSegmentStore implements SegmentStore {
  private end = 0;
  /** Freed extents, reused first-fit (blocks are about the same size, so this rarely splits much). */
  private free: { at: number; bytes: number }[] = [];
  private readonly owners = new FinalizationRegistry<FileRef[]>((refs) => this.release(refs));
  private readonly byOwner = new WeakMap<object, FileRef[]>();
  private readonly fallback = new MemorySegmentStore();
  private failed: string | null = null;

  constructor(private readonly file: SyncFile) {
    file.truncate(0);
  }

  get residentBytes(): number {
    return this.fallback.residentBytes;
  }

  get where(): string {
    return this.failed
      ? `in a file until it refused a write (${this.failed}); since then in memory`
      : 'in a file (the origin-private file system)';
  }

  /** Bytes of the file holding live blocks, and the file's size. */
  usage(): { live: number; file: number } {
    return { live: this.end - this.free.reduce((n, f) => n + f.bytes, 0), file: this.end };
  }

  put(bytes: Uint8Array, owner: object): SegmentRef {
    if (this.failed) return this.fallback.put(bytes);
    const at = this.allocate(bytes.length);
    try {
      if (this.file.write(bytes, { at }) !== bytes.length) throw new Error('a short write');
    } catch (e) {
      this.failed = e instanceof Error ? e.message : String(e);
      this.release([{ at, bytes: bytes.length }]);
      return this.fallback.put(bytes);
    }
    const ref: FileRef = { at, bytes: bytes.length };
    let refs = this.byOwner.get(owner);
    if (!refs) {
      refs = [];
      this.byOwner.set(owner, refs);
      this.owners.register(owner, refs, owner);
    }
    refs.push(ref);
    return ref;
  }

  get(ref: SegmentRef): Uint8Array {
    if ('block' in ref) return this.fallback.get(ref);
    const out = new Uint8Array(ref.bytes);
    if (this.file.read(out, { at: (ref as FileRef).at }) !== ref.bytes)
      throw new Error('the ledger spill file is shorter than what was written to it');
    return out;
  }

  /** This ledger is done with: its blocks' space is free now (the finalizer does the same for one dropped). */
  forget(owner: object): void {
    const refs = this.byOwner.get(owner);
    if (!refs) return;
    this.byOwner.delete(owner);
    this.owners.unregister(owner);
    this.release(refs);
  }

  private release(refs: readonly FileRef[]): void {
    for (const r of refs) this.free.push({ at: r.at, bytes: r.bytes });
  }

  private allocate(bytes: number): number {
    const i = this.free.findIndex((f) => f.bytes >= bytes);
    if (i < 0) {
      const at = this.end;
      this.end += bytes;
      return at;
    }
    const f = this.free[i];
    if (f.bytes === bytes) this.free.splice(i, 1);
    else this.free[i] = { at: f.at + bytes, bytes: f.bytes - bytes };
    return f.at;
  }
}

let defaultStore: () => SegmentStore = () => new MemorySegmentStore();

/** Where ledgers keep their sealed segments from now on (the kernel worker points this at a file when it can). */
export function setSegmentStore(make: () => SegmentStore): void {
  defaultStore = make;
}

export function newSegmentStore(): SegmentStore {
  return defaultStore();
}
