import { sha256 } from '@noble/hashes/sha2.js';
import { nodeInto, nodesInto } from './sha';

/**
 * The RFC 6962 Merkle tree over the ledger's records (RFC 6962 §2.1, RFC 9162 §2.1): leaf hash =
 * SHA-256(0x00 || leaf), interior node = SHA-256(0x01 || left || right), the tree over n leaves split at the largest
 * power of two below n. Each record format 3 entry's hash is its leaf hash (chain.ts); a checkpoint's root is the
 * tree's root at its size, so it commits to every record before it.
 *
 * Kept incrementally: appending a leaf merges the compact range (the roots of the perfect subtrees that make up
 * the tree, one per set bit of the size — at most 53 hashes). Complete nodes at height STORED_LEVEL and above (one
 * per 2^STORED_LEVEL leaves) are kept: with the ledger's sealed segments those below a segment's root (sealNodes),
 * here the rest (the segments' roots and above, and the segment being filled); anything lower is recomputed from
 * the leaf hashes, which the ledger keeps with every record (hot, or in its sealed segment). So a proof costs at
 * most 2^STORED_LEVEL - 1 node hashes plus a lookup per level and reads one sealed segment, and resident memory is
 * about a node per sealed segment.
 *
 * Sizes and indices are plain numbers (up to 2^53): no 32-bit bit operations on them.
 */

export const HASH = 32;
/** Lowest level whose complete nodes are kept (a node per 64 leaves). */
export const STORED_LEVEL = 6;
/** appendMany hashes perfect subtrees of at most 2^BATCH_LEVELS leaves at once (a ledger segment's 8,192). */
const BATCH_LEVELS = 13;
/** The root of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** SHA-256(0x00 || data): an RFC 6962 leaf hash (for tests and verifiers; the ledger hashes its records in chain.ts). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  const msg = new Uint8Array(1 + data.length);
  msg.set(data, 1);
  return sha256(msg);
}

/** SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH);
  nodeInto(left, 0, right, 0, out, 0);
  return out;
}

/** The largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Writes leaf `index`'s hash at out[off, off + 32). */
export type LeafReader = (index: number, out: Uint8Array, off: number) => void;

/**
 * A tree whose leaves are sealed in segments of 2^segmentLevel (the ledger's): each sealed segment takes its
 * interior nodes from STORED_LEVEL up to its own root with it (sealNodes), and the tree reads them back from there.
 */
export interface SealedNodes {
  readonly segmentLevel: number;
  /** Writes node k of height `level`, one a sealed segment holds, at out[off..]. */
  read(level: number, k: number, out: Uint8Array, off: number): void;
}

/**
 * The interior nodes of the perfect subtree over the n = 2^s leaf hashes at leaves[off..], from STORED_LEVEL up to
 * its root (excluded), level by level, lowest first: what a sealed segment keeps (segments.ts).
 */
export function interiorNodes(leaves: Uint8Array, off: number, n: number): Uint8Array {
  const s = Math.log2(n);
  const out = new Uint8Array(HASH * Math.max(0, n / 2 ** (STORED_LEVEL - 1) - 2));
  const level = leaves.slice(off, off + n * HASH);
  let at = 0;
  for (let l = 1; l < s; l++) {
    nodesInto(level, 0, n >> l, level, 0); // in place: parent k is written below children 2k and 2k + 1
    if (l >= STORED_LEVEL) {
      out.set(level.subarray(0, (n >> l) * HASH), at);
      at += (n >> l) * HASH;
    }
  }
  return out;
}

export class MerkleTree {
  /** Number of leaves. */
  size = 0;
  /** The compact range: roots of the perfect subtrees, largest first, 32 bytes each. */
  private readonly stack = new Uint8Array(64 * HASH);
  private top = 0;
  /**
   * levels[L - STORED_LEVEL]: the complete nodes of height L kept here, in order (node k covers leaves
   * [k 2^L, (k + 1) 2^L)), from node `base` on: the ones before went with their sealed segment.
   */
  private readonly levels: { bytes: Uint8Array; n: number; base: number }[] = [];
  /** appendMany's level being hashed. */
  private scratch = new Uint8Array(0);

  constructor(
    /** Reads a leaf hash back, for proofs and past roots; appends never call it. */
    private readonly leafAt: LeafReader,
    /** Keep complete nodes (for proofs). False: only the compact range (a verifier that needs roots only). */
    private readonly keep = true,
    /** Where sealed segments keep their interior nodes, if the leaves are sealed in segments (see sealNodes). */
    private readonly sealed: SealedNodes | null = null,
  ) {}

  /**
   * The 2^segmentLevel leaves from `lo` on were sealed: their interior nodes from STORED_LEVEL up to the segment's
   * root (excluded), lowest level first, to be kept with the segment — and no longer here. Segments seal in order.
   */
  sealNodes(lo: number): Uint8Array {
    const s = this.sealed?.segmentLevel ?? 0;
    const n = 2 ** s;
    if (!this.keep || s <= STORED_LEVEL || lo % n !== 0 || lo + n > this.size) throw new RangeError(`no sealed segment at leaf ${lo}`);
    const out = new Uint8Array(HASH * (n / 2 ** (STORED_LEVEL - 1) - 2));
    let at = 0;
    for (let level = STORED_LEVEL; level < s; level++) {
      const l = this.levels[level - STORED_LEVEL];
      const count = n / 2 ** level;
      if (l.base !== lo / 2 ** level || l.n < count) throw new Error(`the nodes of level ${level} before leaf ${lo} went elsewhere`);
      out.set(l.bytes.subarray(0, count * HASH), at);
      at += count * HASH;
      l.bytes.copyWithin(0, count * HASH, l.n * HASH);
      l.n -= count;
      l.base += count;
    }
    return out;
  }

  /** Append the leaf hash at leaf[off, off + 32). */
  append(leaf: Uint8Array, off: number): void {
    this.push(leaf, off, 0);
  }

  /**
   * Append the `count` leaf hashes at leaves[off..] (32 bytes each): the same tree as `count` appends, but each
   * perfect subtree the new leaves make is hashed a level at a time (nodesInto: one batch per level, the four lanes
   * of the SIMD engine busy), not a node at a time.
   */
  appendMany(leaves: Uint8Array, off: number, count: number): void {
    for (let i = 0; i < count;) {
      // The largest perfect subtree that starts at the current size and fits in what is left.
      let level = 0;
      while (level < BATCH_LEVELS && this.size % 2 ** (level + 1) === 0 && 2 ** (level + 1) <= count - i) level++;
      if (level < 2) {
        this.push(leaves, off + HASH * i++, 0);
        continue;
      }
      const n = 2 ** level;
      if (this.scratch.length < (n / 2) * HASH) this.scratch = new Uint8Array((n / 2) * HASH);
      const s = this.scratch;
      nodesInto(leaves, off + HASH * i, n / 2, s, 0);
      for (let l = 1; ; l++) {
        // Complete nodes are kept in order: everything left of this subtree is complete already.
        if (this.keep && l >= STORED_LEVEL) for (let k = 0; k < n >> l; k++) this.keepNode(l, s, k * HASH);
        if (l === level) break;
        nodesInto(s, 0, n >> (l + 1), s, 0); // in place: parent k is written below children 2k and 2k + 1
      }
      this.push(s, 0, level);
      i += n;
    }
  }

  /** Push the root of a perfect subtree of height `level` (at src[at..]) that starts at the current size, and merge. */
  private push(src: Uint8Array, at: number, level: number): void {
    const s = this.stack;
    let t = this.top * HASH;
    for (let i = 0; i < HASH; i++) s[t + i] = src[at + i];
    this.top++;
    const added = 2 ** level;
    let idx = this.size / added;
    while (idx % 2 === 1) {
      this.top--;
      t = (this.top - 1) * HASH;
      nodeInto(s, t, s, t + HASH, s, t);
      level++;
      idx = (idx - 1) / 2;
      if (this.keep && level >= STORED_LEVEL) this.keepNode(level, s, t);
    }
    this.size += added;
  }

  /** The root over all leaves so far (EMPTY_ROOT for none). */
  root(): Uint8Array {
    if (this.top === 0) return EMPTY_ROOT.slice();
    const out = this.stack.slice((this.top - 1) * HASH, this.top * HASH);
    for (let j = this.top - 2; j >= 0; j--) nodeInto(this.stack, j * HASH, out, 0, out, 0);
    return out;
  }

  /** The root the tree had at `size` leaves (size <= this.size). */
  rootAt(size: number): Uint8Array {
    this.checkSize(size);
    if (size === this.size) return this.root();
    if (size === 0) return EMPTY_ROOT.slice();
    return this.range(0, size);
  }

  /** RFC 6962 §2.1.1 PATH(index, D[0:size]): the siblings from the leaf up. */
  inclusionProof(index: number, size: number): Uint8Array[] {
    this.checkSize(size);
    if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
    const out: Uint8Array[] = [];
    let lo = 0;
    let hi = size;
    const path: Uint8Array[] = [];
    while (hi - lo > 1) {
      const k = splitPoint(hi - lo);
      if (index < lo + k) {
        path.push(this.range(lo + k, hi));
        hi = lo + k;
      } else {
        path.push(this.range(lo, lo + k));
        lo += k;
      }
    }
    for (let i = path.length - 1; i >= 0; i--) out.push(path[i]);
    return out;
  }

  /** RFC 6962 §2.1.2 PROOF(m, D[0:n]): what shows the tree at m leaves is a prefix of the tree at n. */
  consistencyProof(m: number, n: number): Uint8Array[] {
    this.checkSize(n);
    if (!Number.isInteger(m) || m < 0 || m > n) throw new RangeError(`no consistency proof from size ${m} to ${n}`);
    if (m === 0 || m === n) return [];
    const path: Uint8Array[] = [];
    // SUBPROOF(m, D[lo:hi], whole) unrolled: each step adds one node, deepest last, so reverse at the end.
    let lo = 0;
    let hi = n;
    let whole = true;
    for (;;) {
      const size = hi - lo;
      if (m === size) {
        if (!whole) path.push(this.range(lo, hi));
        break;
      }
      const k = splitPoint(size);
      if (m <= k) {
        path.push(this.range(lo + k, hi));
        hi = lo + k;
      } else {
        path.push(this.range(lo, lo + k));
        lo += k;
        m -= k;
        whole = false;
      }
    }
    return path.reverse();
  }

  /** Bytes the kept nodes and the compact range take. */
  residentBytes(): number {
    return this.stack.length + this.levels.reduce((n, l) => n + l.bytes.length, 0);
  }

  /** MTH(D[lo:hi]) for 0 <= lo < hi <= size, from kept nodes where whole ones exist, else from the leaves. */
  private range(lo: number, hi: number): Uint8Array {
    const out = new Uint8Array(HASH);
    this.rangeInto(lo, hi, out, 0);
    return out;
  }

  private rangeInto(lo: number, hi: number, out: Uint8Array, off: number): void {
    const n = hi - lo;
    if (n === 1) return this.leafAt(lo, out, off);
    const k = splitPoint(n);
    if (k * 2 === n && lo % n === 0) return this.perfectInto(lo, Math.log2(n), out, off);
    // [lo, lo + k) is a perfect aligned subtree (lo is a multiple of k here, as every split of [0, size) keeps it).
    const right = new Uint8Array(HASH);
    this.rangeInto(lo + k, hi, right, 0);
    this.perfectInto(lo, Math.log2(k), out, off);
    nodeInto(out, off, right, 0, out, off);
  }

  /** The node of height `level` over leaves [lo, lo + 2^level), lo aligned. */
  private perfectInto(lo: number, level: number, out: Uint8Array, off: number): void {
    if (this.keep && level >= STORED_LEVEL) {
      const l = this.levels[level - STORED_LEVEL];
      const k = lo / 2 ** level;
      if (k < l.base) return this.sealed!.read(level, k, out, off);
      const at = (k - l.base) * HASH;
      for (let i = 0; i < HASH; i++) out[off + i] = l.bytes[at + i];
      return;
    }
    // From its leaves, a level at a time (in place: parent k is written below children 2k and 2k + 1).
    const n = 2 ** level;
    const s = new Uint8Array(n * HASH);
    for (let j = 0; j < n; j++) this.leafAt(lo + j, s, j * HASH);
    for (let k = n / 2; k >= 1; k /= 2) nodesInto(s, 0, k, s, 0);
    for (let i = 0; i < HASH; i++) out[off + i] = s[i];
  }

  private keepNode(level: number, src: Uint8Array, at: number): void {
    while (this.levels.length <= level - STORED_LEVEL) this.levels.push({ bytes: new Uint8Array(HASH * 16), n: 0, base: 0 });
    const l = this.levels[level - STORED_LEVEL];
    if ((l.n + 1) * HASH > l.bytes.length) {
      const grown = new Uint8Array(l.bytes.length * 2);
      grown.set(l.bytes);
      l.bytes = grown;
    }
    l.bytes.set(src.subarray(at, at + HASH), l.n * HASH);
    l.n++;
  }

  private checkSize(size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > this.size) throw new RangeError(`the tree has ${this.size} leaves, not ${size}`);
  }
}

// ── verifying (RFC 9162 §2.1.3.2 and §2.1.4.2), for anyone holding only hashes ──────────────────────────────────

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const odd = (x: number) => x % 2 === 1;
/** Exact for every safe integer (Math.log2 rounds: log2(2^49 - 1) is 49). */
export function isPowerOfTwo(x: number): boolean {
  if (x < 1) return false;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}
const half = (x: number) => Math.floor(x / 2);

/** The root an inclusion proof leads to, or why it cannot be one (RFC 9162 §2.1.3.2). */
export function rootFromInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Uint8Array | string {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return `leaf index ${index} is not below the tree size ${size}`;
  if (leafHash.length !== HASH || proof.some((p) => p.length !== HASH)) return 'a hash in the proof is not 32 bytes';
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return 'the proof is longer than the tree is deep';
    if (odd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!odd(fn))
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else r = hashChildren(r, p);
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return 'the proof is shorter than the tree is deep';
  return r;
}

/** True if `proof` shows the leaf hash at `index` is in the tree of `size` leaves with this root. */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const r = rootFromInclusion(index, size, leafHash, proof);
  return typeof r !== 'string' && equal(r, root);
}

/** Null if `proof` shows the tree of size1 leaves (root1) is a prefix of the tree of size2 (root2); else why not (RFC 9162 §2.1.4.2). */
export function consistencyProblem(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): string | null {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1)
    return `sizes ${size1} and ${size2}: the second must be at least the first`;
  if (proof.some((p) => p.length !== HASH)) return 'a hash in the proof is not 32 bytes';
  if (size1 === size2) return proof.length === 0 && equal(root1, root2) ? null : 'equal sizes need equal roots and an empty proof';
  if (size1 === 0) return proof.length === 0 ? null : 'a proof from the empty tree is empty';
  if (proof.length === 0) return 'the proof is empty';
  const path = [...proof];
  if (isPowerOfTwo(size1)) path.unshift(root1);
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return 'the proof is longer than needed';
    if (odd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!odd(fn))
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else sr = hashChildren(sr, c);
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return 'the proof is shorter than needed';
  if (!equal(fr, root1)) return `the proof does not lead to the root of the tree at size ${size1}`;
  if (!equal(sr, root2)) return `the proof does not lead to the root of the tree at size ${size2}`;
  return null;
}
