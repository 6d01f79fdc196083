import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { LedgerEntry, LedgerFacts, LedgerKind } from '../sab/layout';
import { ChainHasher, HASH_BYTES, LEAF_MIDSTATE, recordLeaf } from './chain';
import { factsText, sealFacts } from './facts';
import { exportLines } from './jsonl';
import { interiorNodes, MerkleTree } from './merkle';
import { checkpointBody, ledgerOrigin, signedNote, validKeyName, vkey } from './note';
import {
  encodeSegment,
  kindCode,
  newSegmentStore,
  Segment,
  segmentNodeCount,
  segmentNodeIndex,
  type SegmentRef,
  type SegmentStore,
} from './segments';
import { LEAF_BATCH, LeafBatch, leavesInto } from './sha';

export { GENESIS, RECORD_FORMAT, toHex, type Checkpoint, type RecordFormat } from './chain';
export { ledgerOrigin } from './note';
export {
  LEDGER_FORMAT,
  LEDGER_FORMAT_VERSION,
  MAX_IMPORT_CHARS,
  MAX_IMPORT_CHECKPOINTS,
  MAX_IMPORT_LINES,
  MAX_LINE_CHARS,
  verifyExport,
} from './jsonl';
export type { ExportBad, VerifyExportOptions, VerifyExportResult } from './jsonl';

/** A tree head: the tree size and its RFC 6962 root. The kernel emits them unsigned; the page (or the CLI) co-signs them. */
export interface TreeHead {
  readonly size: number;
  readonly root: Uint8Array;
}

/**
 * A co-signature for an export of the first `size` records: the signer's key name and Ed25519 public key, and one
 * signature per tree head `exportHeads(size)` lists, in that order, each over that head's checkpoint body.
 */
export interface Cosignature {
  name: string;
  publicKey: Uint8Array;
  size: number;
  sigs: Uint8Array[];
}

/**
 * Entries per tree head when none is given. Measured on this project's 2-core Xeon (Node 20, noble, the
 * hash chain of record format 2; the tree's cost per entry is of the same order): hashing an entry cost ~5 µs, an
 * Ed25519 signature ~1–1.5 ms, a verification ~2.5–3.5 ms. So a checkpoint adds ~1.2/N µs to every append and
 * ~3/N ms to verifying each entry: at N = 1024 that is a third of verify time (1M entries: +2.9 s), at 4096
 * ~17%, at 8192 ~8%, at 16384 ~4%. 8192 keeps signatures under a tenth of both costs while a rewrite is still
 * pinned to an 8192-entry window; and an export is covered up to its last entry whatever N is, because
 * `exportJsonl` signs the head at the end of every file. bench/ledger.bench.ts prints the sweep.
 */
export const DEFAULT_CHECKPOINT_EVERY = 8192;

const DEFAULT_KEY_TEXT = 'capplay-ledger/v1 default signing key (public: for demos and tests only)';

/**
 * The key `new Ledger()` signed with before the kernel stopped signing: SHA-256 of a constant. Kept so the importer
 * can name it (anyone can compute it: its signatures prove integrity at most, never authorship).
 */
export const DEFAULT_SIGNING_KEY: Uint8Array = sha256(utf8ToBytes(DEFAULT_KEY_TEXT));

/**
 * The checkpoint key the kernel derived from a scenario seed before it stopped signing (HKDF-SHA256, in the style
 * of the machine identities). The seed is public, so anyone with the scenario can make this signature: the
 * importer uses it only to recognise old exports (and forgeries) and say that they prove integrity, not authorship.
 */
export function ledgerKeyFromSeed(seed: number | string): Uint8Array {
  const ikm = utf8ToBytes(typeof seed === 'number' ? `n:${seed}` : `s:${seed}`);
  return hkdf(sha256, ikm, utf8ToBytes(LEDGER_KDF_SALT), utf8ToBytes('ed25519-checkpoint-signing'), 32);
}

/** HKDF salt of ledgerKeyFromSeed; bump the version to re-key every scenario's ledger. */
export const LEDGER_KDF_SALT = 'capplay/ledger/checkpoint/v1';

export interface LedgerOptions {
  /** The log's name: every tree head's origin line. Default: DEFAULT_ORIGIN. */
  origin?: string;
  /** Keep a tree head after every this many entries (integer >= 1). Default: DEFAULT_CHECKPOINT_EVERY. */
  checkpointEvery?: number;
  /** Records per sealed segment. Default: SEGMENT_RECORDS. */
  segmentRecords?: number;
  /** Where sealed segments go. Default: newSegmentStore() (memory, or the worker's spill file). */
  store?: SegmentStore;
}

/** Records per sealed segment: a block of roughly 0.5–1 MB. */
export const SEGMENT_RECORDS = 8192;
/** Sealed segments kept decoded: a page being scrolled and its neighbours. */
const SEGMENT_CACHE = 4;
/** Records verify() hashes together. */
const VERIFY_BATCH = 256;
/** About what one hot record costs as a frozen JS object with its detail string (for residentBytes). */
const RECORD_OBJECT_BYTES = 160;

/** Record `seq` (a hot entry, or record j of a sealed segment) and the hash stored for it at `hashes[off]`; false stops. */
export type RecordVisitor = (seq: number, record: LedgerEntry | Segment, j: number, hashes: Uint8Array, off: number) => boolean;

export interface LedgerVerifyResult {
  ok: boolean;
  /** Entries checked (all of them when ok). */
  entries: number;
  /** Checkpoints checked (all of them when ok). */
  checkpoints: number;
  firstBad?: { seq: number; reason: string };
}

const MAX_CHECKPOINT_EVERY = 2 ** 31;

/** The origin of a ledger given none (a kernel's is set from its scenario and seed: ledgerOrigin). */
export const DEFAULT_ORIGIN = ledgerOrigin(null, 'default');

/** An inclusion proof: record `seq` is leaf seq - 1 of the tree of `treeSize` records whose root is `root`. */
export interface InclusionProof {
  seq: number;
  treeSize: number;
  /** LEAF_TAG || encode(record): what the leaf hash hashes (after 0x00). */
  leaf: Uint8Array;
  leafHash: Uint8Array;
  /** RFC 6962 PATH: the siblings from the leaf up. */
  path: Uint8Array[];
  root: Uint8Array;
  /** The unsigned tree head for treeSize: its checkpoint body (origin, size, base64 root). */
  head: string;
}

/** A consistency proof: the tree of `from` records is a prefix of the tree of `to`. */
export interface ConsistencyProof {
  from: number;
  to: number;
  path: Uint8Array[];
  fromRoot: Uint8Array;
  toRoot: Uint8Array;
  fromHead: string;
  toHead: string;
}

/** Where an incremental verification stands: the record hasher, the roots-only tree over the leaves checked so far. */
interface Checked {
  /** Encodes each record into `leaves`, hashed a batch at a time. */
  hasher: ChainHasher;
  leaves: LeafBatch;
  tree: MerkleTree;
  next: number;
  ci: number;
}

/** A search over a ledger, run a step at a time (Ledger.find). */
export interface LedgerFind {
  /** The seqs found so far, oldest first. */
  readonly seqs: number[];
  /** Read at most `budget` more records; true once the end of the ledger is reached. */
  step(budget: number): boolean;
}

/**
 * The audit ledger: append-only, one record per spawn, exit, kill, grant, release, mint, close, revoke, denial,
 * defense toggle, verdict and clock change. Records carry virtual time, so a replay reproduces the ledger exactly.
 * Besides its prose (`detail`) a record may carry facts: its structured fields (record formats 2 and 3, chain.ts).
 *
 * WORM: there is no modify or delete API, and every record is a leaf of an RFC 6962 Merkle tree (chain.ts,
 * merkle.ts) kept as it grows. Every `checkpointEvery` entries the ledger keeps a tree head (size and root, the
 * body of a C2SP checkpoint: note.ts); the root commits to every record before it, and any record's inclusion, or
 * any two sizes' consistency, can be proved (proveInclusion, proveConsistency). The ledger signs nothing: it is
 * synchronous and deterministic and holds no secret, so its heads are unsigned, and whoever exports co-signs them
 * (exportHeads, then exportJsonl with a Cosignature: the page with its installation's WebCrypto key, the CLI with a
 * key file), or the export is unsigned and says so. `verify()` re-derives every leaf and root and checks every
 * head; `verifyExport()` checks an export without trusting anything in the file except, optionally, a pinned key.
 *
 * Storage: the newest records are JS objects (the hot segment); every `segmentRecords` of them are sealed into one
 * packed block (segments.ts) and handed to a SegmentStore, memory by default, a file in the kernel worker. Reads
 * (pages, filters, verify, export) take blocks back from the store, so what is verified is what is stored.
 */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export class Ledger {
  /** Records of the segment being filled, oldest first; sealed segments went to the store. */
  private hot: LedgerEntry[] = [];
  /** Their hashes: record i of the hot segment at [32 i, 32 i + 32). Grows by doubling up to a segment. */
  private hotHashes = new Uint8Array(HASH_BYTES * 256);
  /** Their facts' canonical text ("" for none), as hashed at append: what sealing packs. */
  private hotFacts: string[] = [];
  /** Sealed segments, oldest first: where each one's block is. */
  private sealed: SegmentRef[] = [];
  /** And each one's kind column, kept here (a byte a record), so a filter never reads a block back. */
  private sealedKinds: Uint8Array[] = [];
  /** Chosen at the first seal, so a worker that sets up its spill file after boot still spills its first ledger. */
  private store: SegmentStore | null;
  /** The few sealed segments read last (a scrolled page, a filter, the walk of a verify). */
  private readonly cache = new Map<number, Segment>();
  readonly segmentRecords: number;
  private cps: TreeHead[] = [];
  /**
   * Records appended but not hashed yet: the newest `pending` hot records. Their leaves wait in `leaves` and are
   * hashed together (with the tree levels above them) by hashPending(), which every read of a hash, a root or the tree
   * runs first: a batch keeps the SIMD engine's four lanes busy and crosses into WebAssembly once, not per record.
   */
  private readonly leaves = new LeafBatch(LEAF_MIDSTATE);
  private pending = 0;
  private readonly chain = new ChainHasher(undefined, undefined, this.leaves);
  /**
   * The RFC 6962 tree over the records' leaf hashes (merkle.ts); leaves are read back from where the records are,
   * and a sealed segment keeps the tree's interior nodes over its records (segments of 2^s records: the default).
   */
  private readonly tree: MerkleTree;
  readonly checkpointEvery: number;
  #origin: string = DEFAULT_ORIGIN;
  /** Tree heads computed on demand for sizes that have none stored, the few most recent. */
  private readonly headsNow = new Map<number, TreeHead>();

  constructor(options: LedgerOptions = {}) {
    const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    if (!Number.isInteger(every) || every < 1 || every > MAX_CHECKPOINT_EVERY)
      throw new RangeError(`checkpointEvery must be an integer from 1 to ${MAX_CHECKPOINT_EVERY}`);
    const seg = options.segmentRecords ?? SEGMENT_RECORDS;
    if (!Number.isInteger(seg) || seg < 1 || seg > 1 << 20) throw new RangeError('segmentRecords must be an integer from 1 to 2^20');
    this.checkpointEvery = every;
    this.segmentRecords = seg;
    const sealed = segmentNodeCount(seg)
      ? {
          segmentLevel: Math.log2(seg),
          read: (level: number, k: number, out: Uint8Array, off: number) => this.sealedNodeInto(level, k, out, off),
        }
      : null;
    this.tree = new MerkleTree((i, out, off) => this.leafInto(i, out, off), true, sealed);
    this.store = options.store ?? null;
    if (options.origin !== undefined) this.setOrigin(options.origin);
  }

  /** Name the log (the tree heads' origin line). Only before the first append. */
  setOrigin(origin: string): void {
    if (this.length > 0) throw new Error('the ledger origin can only be set before the first append');
    if (!validKeyName(origin)) throw new RangeError(`a ledger origin must be non-empty, without spaces or '+': ${JSON.stringify(origin)}`);
    this.#origin = origin;
  }

  /** The log's name: the origin line of every tree head. */
  get origin(): string {
    return this.#origin;
  }

  get length(): number {
    return this.sealed.length * this.segmentRecords + this.hot.length;
  }

  /** Where sealed segments are kept, in words. */
  get storage(): string {
    return (this.store ?? newSegmentStore()).where;
  }

  /** What the ledger holds in this worker's memory, roughly: hot records, the kind columns, cached segments, blocks a memory store keeps. */
  residentBytes(): number {
    this.hashPending();
    let cached = 0;
    for (const s of this.cache.values()) cached += s.bytes;
    return (
      this.hot.length * RECORD_OBJECT_BYTES +
      this.hotHashes.length +
      this.sealedKinds.length * this.segmentRecords +
      this.tree.residentBytes() +
      cached +
      (this.store?.residentBytes ?? 0)
    );
  }

  /** What the Merkle tree keeps resident: its compact range and the complete nodes from STORED_LEVEL up (merkle.ts). */
  treeBytes(): number {
    this.hashPending();
    return this.tree.residentBytes();
  }

  append(time: number, kind: LedgerKind, actor: number, subject: number, detail: string, object = 0, facts?: LedgerFacts): LedgerEntry {
    kindCode(kind); // a kind the ledger cannot store is refused before anything changes
    const sealed = sealFacts(facts); // and so are facts it cannot store
    const text = factsText(sealed);
    const seq = this.length + 1;
    const entry: LedgerEntry = Object.freeze(
      sealed ? { seq, time, kind, actor, subject, object, detail, facts: sealed } : { seq, time, kind, actor, subject, object, detail },
    );
    this.chain.push(seq, time, kind, actor, subject, object, detail, text);
    const off = this.hot.length * HASH_BYTES;
    if (off + HASH_BYTES > this.hotHashes.length) {
      const grown = new Uint8Array(this.hotHashes.length * 2);
      grown.set(this.hotHashes);
      this.hotHashes = grown;
    }
    this.hot.push(entry);
    this.hotFacts.push(text);
    if (++this.pending === LEAF_BATCH || seq % this.checkpointEvery === 0 || this.hot.length === this.segmentRecords) this.hashPending();
    if (seq % this.checkpointEvery === 0) this.cps.push({ size: seq, root: this.tree.rootAt(seq) });
    if (this.hot.length === this.segmentRecords) this.seal();
    return entry;
  }

  /** Hash the pending records' leaves into hotHashes and add them to the tree. */
  private hashPending(): void {
    if (this.pending === 0) return;
    const off = (this.hot.length - this.pending) * HASH_BYTES;
    leavesInto(this.leaves, this.hotHashes, off);
    this.tree.appendMany(this.hotHashes, off, this.pending);
    this.leaves.clear();
    this.pending = 0;
  }

  /** The hot segment is full: pack it into a block for the store and start the next. */
  private seal(): void {
    this.hashPending();
    this.store ??= newSegmentStore();
    const nodes = segmentNodeCount(this.segmentRecords) ? this.tree.sealNodes(this.length - this.hot.length) : undefined;
    const block = encodeSegment(this.hot, this.hotHashes, this.hotFacts, nodes);
    this.sealedKinds.push(new Segment(block, this.length - this.hot.length + 1).kinds.slice());
    this.sealed.push(this.store.put(block, this));
    this.hot = [];
    this.hotFacts = [];
  }

  /** Sealed segment i, read back (and kept among the few cached). */
  private segment(i: number): Segment {
    let s = this.cache.get(i);
    if (s) {
      this.cache.delete(i); // re-insert: the map's order is least recently used first
    } else {
      s = new Segment(this.store!.get(this.sealed[i]), i * this.segmentRecords + 1);
      if (this.cache.size >= SEGMENT_CACHE) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(i, s);
    return s;
  }

  /** Records with seq in [from, from + count). */
  page(from: number, count: number): LedgerEntry[] {
    const start = Math.max(1, from);
    const end = Math.min(this.length, start + Math.max(0, count) - 1);
    const out: LedgerEntry[] = [];
    const per = this.segmentRecords;
    const hotFirst = this.sealed.length * per + 1;
    let seq = start;
    while (seq <= end && seq < hotFirst) {
      const si = Math.floor((seq - 1) / per);
      const seg = this.segment(si);
      for (const stop = Math.min(end, (si + 1) * per); seq <= stop; seq++) out.push(seg.entry(seq - 1 - si * per));
    }
    for (; seq <= end; seq++) out.push(this.hot[seq - hotFirst]);
    return out;
  }

  /** The seqs of every record of one kind, oldest first (a filter over the whole ledger, for the UI). */
  seqsOfKind(kind: LedgerKind): Int32Array {
    const code = kindCode(kind);
    const out = new Int32Array(this.length);
    let n = 0;
    const per = this.segmentRecords;
    for (let i = 0; i < this.sealed.length; i++) {
      const kinds = this.sealedKinds[i];
      for (let j = 0; j < kinds.length; j++) if (kinds[j] === code) out[n++] = i * per + j + 1;
    }
    for (const e of this.hot) if (e.kind === kind) out[n++] = e.seq;
    return out.slice(0, n);
  }

  /**
   * A search for every record of `kind` (any, when null) that passes `test` (a text search), run a few records
   * at a time: `step(budget)` reads at most `budget` more and says whether it has reached the end of the ledger
   * (which may grow between steps); `seqs` holds the matches so far, oldest first. A record of another kind costs
   * a byte of the kind column (a block with none of that kind is not read at all); each sealed block is read
   * once, without pushing the pages someone is looking at out of the cache, and its details are decoded together,
   * never built into records.
   */
  find(kind: LedgerKind | null, test: (kind: LedgerKind, actor: number, detail: string) => boolean): LedgerFind {
    const code = kind === null ? -1 : kindCode(kind);
    const per = this.segmentRecords;
    const seqs: number[] = [];
    let i = 0; // the next record's index
    let held: { si: number; seg: Segment; details: ReturnType<Segment['allDetails']> } | null = null;
    const step = (budget: number): boolean => {
      const end = Math.min(this.length, i + Math.max(1, Math.floor(budget)));
      while (i < end && i < this.sealed.length * per) {
        const si = Math.floor(i / per);
        const j0 = i - si * per;
        const j1 = Math.min(end, (si + 1) * per) - si * per;
        i += j1 - j0;
        const kinds = this.sealedKinds[si];
        if (code >= 0 && !kinds.subarray(j0, j1).includes(code)) continue;
        if (held?.si !== si) {
          const seg = this.cache.get(si) ?? new Segment(this.store!.get(this.sealed[si]), si * per + 1);
          // All the block's details in one call, unless the kind asked for is a small part of it.
          let wanted = kinds.length;
          if (code >= 0) wanted = kinds.reduce((n, k) => (k === code ? n + 1 : n), 0);
          held = { si, seg, details: wanted * 4 >= kinds.length ? seg.allDetails() : null };
        }
        const { seg, details } = held;
        for (let j = j0; j < j1; j++) {
          if (code >= 0 && kinds[j] !== code) continue;
          const detail = details ? details.text.slice(details.at[j], details.at[j + 1]) : seg.detail(j);
          if (test(seg.kind(j), seg.actor(j), detail)) seqs.push(seg.firstSeq + j);
        }
      }
      for (const hotStart = this.sealed.length * per; i < end; i++) {
        const e = this.hot[i - hotStart];
        if ((kind === null || e.kind === kind) && test(e.kind, e.actor, e.detail)) seqs.push(i + 1);
      }
      return i >= this.length;
    };
    return { seqs, step };
  }

  /** The newest seq at or below `before` and above `after` whose record is of `kind`; 0 if none. Reads only kinds. */
  previousOfKind(kind: LedgerKind, before: number, after = 0): number {
    const code = kindCode(kind);
    const per = this.segmentRecords;
    const hotFirst = this.sealed.length * per + 1;
    for (let seq = Math.min(Math.floor(before), this.length); seq > after; seq--) {
      if (
        seq >= hotFirst ? this.hot[seq - hotFirst].kind === kind : this.sealedKinds[Math.floor((seq - 1) / per)][(seq - 1) % per] === code
      )
        return seq;
    }
    return 0;
  }

  /** Entry `seq`'s subject, read from its segment's column (no record built); undefined if there is no such entry. */
  subjectOf(seq: number): number | undefined {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.length) return undefined;
    const per = this.segmentRecords;
    const hotFirst = this.sealed.length * per + 1;
    if (seq >= hotFirst) return this.hot[seq - hotFirst].subject;
    return this.segment(Math.floor((seq - 1) / per)).subject((seq - 1) % per);
  }

  last(n: number): LedgerEntry[] {
    const k = Math.max(0, Math.min(Math.floor(n) || 0, this.length));
    return this.page(this.length - k + 1, k);
  }

  /** The Merkle tree root over every record (SHA-256 of nothing while empty): what a checkpoint now would sign. */
  headHash(): Uint8Array {
    this.hashPending();
    return this.tree.root();
  }

  /** Leaf `index`'s hash (record index + 1's) into out[off, off + 32), from the hot records or its sealed segment. */
  private leafInto(index: number, out: Uint8Array, off: number): void {
    this.hashPending();
    const per = this.segmentRecords;
    const hotStart = this.sealed.length * per;
    const src = index >= hotStart ? this.hotHashes : this.segment(Math.floor(index / per)).hashes;
    const at = (index >= hotStart ? index - hotStart : index % per) * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) out[off + i] = src[at + i];
  }

  /** Interior node k of height `level` of the tree, kept by the sealed segment it lies in, into out[off..]. */
  private sealedNodeInto(level: number, k: number, out: Uint8Array, off: number): void {
    const per = this.segmentRecords;
    const perSegment = per / 2 ** level;
    const si = Math.floor(k / perSegment);
    const at = segmentNodeIndex(per, level, k - si * perSegment) * HASH_BYTES;
    const nodes = this.segment(si).nodes;
    for (let i = 0; i < HASH_BYTES; i++) out[off + i] = nodes[at + i];
  }

  /** The leaf hash of entry `seq` (a copy), or undefined if there is no such entry. */
  hashAt(seq: number): Uint8Array | undefined {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.length) return undefined;
    this.hashPending();
    const per = this.segmentRecords;
    const hotFirst = this.sealed.length * per + 1;
    if (seq >= hotFirst) return this.hotHashes.slice((seq - hotFirst) * HASH_BYTES, (seq - hotFirst + 1) * HASH_BYTES);
    const j = (seq - 1) % per;
    return this.segment(Math.floor((seq - 1) / per)).hashes.slice(j * HASH_BYTES, (j + 1) * HASH_BYTES);
  }

  /**
   * Visit records from index `from` (0-based) to `to` in order, with the hash stored for each: a hot record as
   * it is, a sealed one as record j of its segment (read one block at a time). Stops when the visitor returns false.
   */
  private scan(from: number, to: number, visit: RecordVisitor): void {
    this.hashPending();
    const per = this.segmentRecords;
    const hotStart = this.sealed.length * per;
    let i = from;
    while (i < to && i < hotStart) {
      const si = Math.floor(i / per);
      // A long walk reads each block once without pushing the pages someone is looking at out of the cache.
      const seg = this.cache.get(si) ?? new Segment(this.store!.get(this.sealed[si]), si * per + 1);
      const stop = Math.min(to, (si + 1) * per);
      for (let j = i - si * per; i < stop; i++, j++) if (!visit(i + 1, seg, j, seg.hashes, j * HASH_BYTES)) return;
    }
    // The seq is the record's place, not what the record says: a record moved elsewhere does not hash alike.
    for (; i < to; i++) if (!visit(i + 1, this.hot[i - hotStart], 0, this.hotHashes, (i - hotStart) * HASH_BYTES)) return;
  }

  /** The tree heads kept so far, oldest first, one per `checkpointEvery` entries (copies). */
  checkpoints(): TreeHead[] {
    return this.cps.map((c) => ({ size: c.size, root: c.root.slice() }));
  }

  /** The tree head for tree size `size` (1..length): the stored one, or computed now from the tree. */
  checkpointAt(size: number): TreeHead {
    if (!Number.isInteger(size) || size < 1 || size > this.length)
      throw new RangeError(`no tree of size ${size} (the ledger holds ${this.length})`);
    const i = size % this.checkpointEvery === 0 ? size / this.checkpointEvery - 1 : -1;
    let c = i >= 0 && this.cps[i]?.size === size ? this.cps[i] : this.headsNow.get(size);
    if (!c) {
      // On demand (a proof to the head, an export): keep a few, a proof panel asks for the same size again.
      this.hashPending(); // the tree must hold every leaf before a root is read
      c = { size, root: this.tree.rootAt(size) };
      if (this.headsNow.size >= 8) this.headsNow.delete(this.headsNow.keys().next().value!);
      this.headsNow.set(size, c);
    }
    return { size, root: c.root.slice() };
  }

  /** A tree head as its checkpoint body (note.ts): what a co-signer signs, and an unsigned export carries. */
  headBody(c: TreeHead): string {
    return checkpointBody(this.#origin, c.size, c.root);
  }

  /**
   * The tree heads an export of the first `size` records carries, in order: every stored one up to `size`, and one
   * for `size` itself (so the tail after the last stored head is covered too). Empty for an empty export.
   */
  exportHeads(size = this.length): TreeHead[] {
    if (!Number.isInteger(size) || size < 0 || size > this.length)
      throw new RangeError(`no export of ${size} entries (the ledger holds ${this.length})`);
    const heads: TreeHead[] = this.cps.filter((c) => c.size <= size).map((c) => ({ size: c.size, root: c.root.slice() }));
    if (size > 0 && heads[heads.length - 1]?.size !== size) heads.push(this.checkpointAt(size));
    return heads;
  }

  /** Record `seq` is in the tree of `treeSize` records (default: all): its leaf, the RFC 6962 path, the tree head (unsigned). */
  proveInclusion(seq: number, treeSize = this.length): InclusionProof {
    if (!Number.isInteger(treeSize) || treeSize < 1 || treeSize > this.length)
      throw new RangeError(`no tree of size ${treeSize} (the ledger holds ${this.length})`);
    if (!Number.isInteger(seq) || seq < 1 || seq > treeSize) throw new RangeError(`entry ${seq} is not in a tree of ${treeSize} entries`);
    this.hashPending();
    const c = this.checkpointAt(treeSize);
    const [r] = this.page(seq, 1);
    const { leaf, leafHash } = recordLeaf(r, factsText(r.facts));
    return {
      seq,
      treeSize,
      leaf,
      leafHash,
      path: this.tree.inclusionProof(seq - 1, treeSize),
      root: c.root,
      head: this.headBody(c),
    };
  }

  /** The tree of `from` records is a prefix of the tree of `to` (1 <= from <= to <= length): RFC 6962 PROOF and both tree heads. */
  proveConsistency(from: number, to: number): ConsistencyProof {
    const b = this.checkpointAt(to);
    if (!Number.isInteger(from) || from < 1 || from > to) throw new RangeError(`no consistency proof from ${from} to ${to} entries`);
    const a = this.checkpointAt(from);
    return {
      from,
      to,
      path: (this.hashPending(), this.tree.consistencyProof(from, to)),
      fromRoot: a.root,
      toRoot: b.root,
      fromHead: this.headBody(a),
      toHead: this.headBody(b),
    };
  }

  /**
   * Re-derive every record's leaf hash from the record (read back from wherever it is kept) and compare it with the
   * stored hash, rebuild the tree's roots from them, and check each tree head's root against the tree at its size.
   * Stops at the first problem.
   */
  verify(): LedgerVerifyResult {
    return this.verifyFrom(Ledger.fresh());
  }

  private static fresh(): Checked {
    // Roots only: the verifying tree needs no kept nodes and never reads a leaf back.
    const leaves = new LeafBatch(LEAF_MIDSTATE);
    return { hasher: new ChainHasher(undefined, undefined, leaves), leaves, tree: new MerkleTree(() => {}, false), next: 0, ci: 0 };
  }

  /** verify's batch: the stored hashes, and the ones re-derived. */
  private readonly verifyWant = new Uint8Array(VERIFY_BATCH * HASH_BYTES);
  private readonly verifyGot = new Uint8Array(VERIFY_BATCH * HASH_BYTES);

  /** Where the last incremental verification stopped: the tree's roots over the entries already checked. */
  private checked: Checked | null = null;

  /**
   * Verify only what was appended since the last call (the entries before were checked and there is no API to
   * change them), so a status that is kept current costs time per new entry, not per entry ever written.
   */
  verifyNew(max = Infinity): LedgerVerifyResult {
    this.checked ??= Ledger.fresh();
    const r = this.verifyFrom(this.checked, max);
    if (!r.ok) this.checked = null; // start over next time, and report the same break
    return r;
  }

  /** Check entries from `at.next` on, advancing `at` (its tree holds the roots so far). */
  private verifyFrom(at: Checked, max = Infinity): LedgerVerifyResult {
    const total = this.length;
    const n = Math.min(total, at.next + max);
    const every = this.checkpointEvery;
    const { hasher, leaves, tree } = at;
    const cps = this.cps;
    let ci = at.ci;
    let bad: LedgerVerifyResult | null = null;
    // Records are re-encoded into a batch and hashed together (the stored hashes copied beside them), up to a record
    // where a checkpoint is due: only there does the tree's root matter.
    const want = this.verifyWant;
    let first = at.next; // the batch's first record index
    const check = (last: number): boolean => {
      const got = this.verifyGot;
      leavesInto(leaves, got, 0);
      const count = last - first;
      for (let k = 0; k < count; k++) {
        let d = 0;
        for (let i = k * HASH_BYTES, stop = i + HASH_BYTES; i < stop; i++) d |= got[i] ^ want[i];
        if (d !== 0) {
          const seq = first + k + 1;
          const reason = `entry ${seq}: contents do not match its hash — altered after it was written`;
          bad = { ok: false, entries: seq - 1, checkpoints: ci, firstBad: { seq, reason } };
          return false;
        }
      }
      tree.appendMany(want, 0, count);
      leaves.clear();
      first = last;
      // Checkpoints are checked where they were signed, so a bad one is reported before the entries after it.
      const seq = last;
      let signedHere = false;
      for (; ci < cps.length && cps[ci].size <= seq; ci++) {
        const why =
          cps[ci].size === seq ? this.checkCheckpoint(ci, tree) : `checkpoint ${ci + 1} is for size ${cps[ci].size}, out of order`;
        if (why) {
          bad = { ok: false, entries: seq, checkpoints: ci, firstBad: { seq, reason: why } };
          return false;
        }
        signedHere = true;
      }
      if (seq % every === 0 && !signedHere) {
        bad = { ok: false, entries: seq, checkpoints: ci, firstBad: { seq, reason: `the checkpoint after entry ${seq} is missing` } };
        return false;
      }
      at.next = seq;
      at.ci = ci;
      return true;
    };
    leaves.clear();
    this.scan(at.next, n, (seq, r, j, hashes, off) => {
      if (r instanceof Segment)
        hasher.pushBytes(
          seq,
          r.time[j],
          r.kind(j),
          r.actor(j),
          r.subject(j),
          r.object(j),
          r.details,
          r.start(j),
          r.end(j),
          r.facts,
          r.factsStart(j),
          r.factsEnd(j),
        );
      // A hot record's facts are re-spelled from the record itself, not taken from what append kept for sealing.
      else hasher.push(seq, r.time, r.kind, r.actor, r.subject, r.object, r.detail, factsText(r.facts));
      const k = (seq - 1 - first) * HASH_BYTES;
      for (let i = 0; i < HASH_BYTES; i++) want[k + i] = hashes[off + i];
      const segmentEnd = r instanceof Segment && j === r.n - 1 && r.nodes.length > 0;
      if (seq - first === VERIFY_BATCH || seq === n || seq % every === 0 || (ci < cps.length && cps[ci].size <= seq) || segmentEnd) {
        if (!check(seq)) return false;
        // The tree's nodes a sealed segment keeps, against the ones its records' hashes (just checked) make.
        if (segmentEnd && !sameBytes(interiorNodes(r.hashes, 0, r.n), r.nodes)) {
          const from = seq - r.n + 1;
          const reason = `entries ${from}..${seq}: the tree nodes stored with them do not match their hashes — the stored segment was altered`;
          bad = { ok: false, entries: from - 1, checkpoints: ci, firstBad: { seq: from, reason } };
          return false;
        }
      }
      return true;
    });
    if (bad) return bad;
    if (n < total) return { ok: true, entries: n, checkpoints: ci }; // checked so far; more to come
    if (ci < cps.length) {
      const c = cps[ci];
      return {
        ok: false,
        entries: n,
        checkpoints: ci,
        firstBad: { seq: c.size, reason: `checkpoint ${ci + 1} claims ${c.size} entries but the ledger holds ${n}` },
      };
    }
    return { ok: true, entries: n, checkpoints: cps.length };
  }

  /**
   * Write the first `size` records (default: all) as JSON lines (see jsonl.ts for the format) with the tree heads
   * `exportHeads(size)` lists: as C2SP signed notes when a co-signature is given (each signature is checked first,
   * so an export that does not verify is never written), else unsigned, and the header says so (`"vkey":null`).
   * A pure function of the ledger and the signatures: what a replay compares is `exportJsonl()`, with none.
   */
  exportJsonl(cosign: Cosignature | null = null, size = this.length): string {
    const heads = this.exportHeads(cosign ? cosign.size : size);
    const n = heads.length ? heads[heads.length - 1].size : 0;
    let key: string | null = null;
    let note = (h: TreeHead) => this.headBody(h);
    if (cosign) {
      if (!validKeyName(cosign.name)) throw new RangeError(`the co-signer's key name ${JSON.stringify(cosign.name)} is not allowed`);
      if (!(cosign.publicKey instanceof Uint8Array) || cosign.publicKey.length !== 32)
        throw new RangeError("the co-signer's public key is not 32 bytes");
      if (!Array.isArray(cosign.sigs) || cosign.sigs.length !== heads.length)
        throw new RangeError(`an export of ${n} entries has ${heads.length} tree heads to sign, not ${cosign.sigs?.length}`);
      const sigOf = new Map<number, Uint8Array>();
      heads.forEach((h, i) => {
        const sig = cosign.sigs[i];
        const body = utf8ToBytes(this.headBody(h));
        if (!(sig instanceof Uint8Array) || sig.length !== 64 || !ed25519.verify(sig, body, cosign.publicKey, { zip215: false }))
          throw new RangeError(`the co-signature of the tree head at ${h.size} entries does not verify under the co-signer's key`);
        sigOf.set(h.size, sig);
      });
      key = vkey(cosign.name, cosign.publicKey);
      note = (h) => signedNote(this.headBody(h), cosign.name, cosign.publicKey, sigOf.get(h.size)!);
    }
    const each = (visit: (e: LedgerEntry, hashes: Uint8Array, off: number) => void) =>
      this.scan(0, n, (_seq, r, j, hashes, off) => (visit(r instanceof Segment ? r.entry(j) : r, hashes, off), true));
    return exportLines<TreeHead>(n, each, heads, this.checkpointEvery, this.#origin, key, note);
  }

  private checkCheckpoint(ci: number, tree: MerkleTree): string | null {
    const c = this.cps[ci];
    const from = ci === 0 ? 1 : this.cps[ci - 1].size + 1;
    const covers = `tree head ${ci + 1} (entries 1..${c.size}; new since the previous head: ${from}..${c.size})`;
    const root = tree.root();
    if (root.some((x, i) => x !== c.root[i])) return `${covers}: its root is not the Merkle tree root at ${c.size} entries`;
    return null;
  }
}
