import { sha256 } from '@noble/hashes/sha2.js';
import { SHA256_LAYOUT as L, SHA256_SCALAR_BASE64, SHA256_SIMD_BASE64 } from './sha256simd';
import { SHA256_WASM_BASE64 } from './sha256wasm';

/**
 * SHA-256 at speed for the ledger: our own WebAssembly SHA-256 (sha256simd.ts, from scripts/gen-sha256-simd.mjs),
 * instantiated synchronously so the kernel stays synchronous. Its SIMD module hashes four independent messages at
 * once, one in each i32 lane of a v128 (a batch of leaves, or the nodes of one tree level), and takes a whole batch
 * per call: for a 65-byte Merkle node, crossing from JS into WebAssembly costs about as much as the hash. Measured in
 * bench/ledger.bench.ts (`hashing`). SHA-256 is SHA-256 whichever engine computes it, so replay stays byte for byte
 * the same: a known-answer test against noble's sha256() decides which engine is used — the SIMD module, else the
 * scalar one (a runtime without WebAssembly SIMD cannot compile the first), else noble (no WebAssembly, or one
 * that refuses to compile synchronously): slower, never different. hash-wasm's binary (sha256wasm.ts) is kept as an
 * engine to compare with (the bench), not chosen.
 */

// The few WebAssembly names used here; the kernel's lib has no WebAssembly types.
declare const WebAssembly:
  | {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    }
  | undefined;

export type ShaEngineName = 'simd' | 'scalar' | 'hash-wasm' | 'noble';

/** A SHA-256 state after some whole 64-byte blocks: where a message with that fixed prefix starts. */
export interface Midstate {
  /** The prefix (a multiple of 64 bytes). */
  readonly prefix: Uint8Array;
  /** hash-wasm's saved state for it (null until that engine is used). */
  wasm: Uint8Array | null;
  /** Our engines' state words for it (null until used). */
  words: Int32Array | null;
}

interface Engine {
  hash(msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void;
  hashAfter(mid: Midstate, msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void;
  node(a: Uint8Array, ao: number, b: Uint8Array, bo: number, out: Uint8Array, off: number): void;
  /** The `count` parents of the 2 count children hashes at src[so..] into dst[dOff..] (32 bytes each). */
  nodes(src: Uint8Array, so: number, count: number, dst: Uint8Array, dOff: number): void;
  /** Every message of the batch, each after its midstate, into out[off + 32 i]. */
  leaves(batch: LeafBatch, out: Uint8Array, off: number): void;
}

/**
 * Messages that all start with the same prefix (a Merkle leaf's tag block), gathered to be hashed in one call.
 * Each is stored padded as SHA-256 pads it (0x80, zeros, the bit length of prefix and message), so the WebAssembly
 * engines take the bytes as they are.
 */
/** Records hashed together (appends, an import): enough to amortize the call, few enough to stay in the cache. */
export const LEAF_BATCH = 256;

export class LeafBatch {
  bytes = new Uint8Array(1 << 16);
  /** Message i: its padded bytes start at at[i]; len[i] is its own length (unpadded). */
  at = new Int32Array(256);
  len = new Int32Array(256);
  count = 0;
  private used = 0;

  constructor(readonly mid: Midstate) {}

  /** Add msg[start, end). */
  add(msg: Uint8Array, start: number, end: number): void {
    const n = end - start;
    const size = (n + 9 + 63) & ~63;
    if (this.used + size > this.bytes.length) this.grow(this.used + size);
    if (this.count === this.at.length) {
      const at = new Int32Array(this.count * 2);
      at.set(this.at);
      this.at = at;
      const len = new Int32Array(this.count * 2);
      len.set(this.len);
      this.len = len;
    }
    const b = this.bytes;
    const p = this.used;
    if (n < 64) for (let i = 0; i < n; i++) b[p + i] = msg[start + i];
    else b.set(msg.subarray(start, end), p);
    b[p + n] = 0x80;
    for (let i = p + n + 1, stop = p + size - 4; i < stop; i++) b[i] = 0;
    const bits = (this.mid.prefix.length + n) * 8; // below 2^32: a message is far smaller than 512 MiB
    b[p + size - 4] = bits >>> 24;
    b[p + size - 3] = (bits >>> 16) & 0xff;
    b[p + size - 2] = (bits >>> 8) & 0xff;
    b[p + size - 1] = bits & 0xff;
    this.at[this.count] = p;
    this.len[this.count] = n;
    this.count++;
    this.used += size;
  }

  /** Bytes the padded messages take. */
  get size(): number {
    return this.used;
  }

  clear(): void {
    this.count = 0;
    this.used = 0;
  }

  private grow(need: number): void {
    let size = this.bytes.length;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.used));
    this.bytes = next;
  }
}

/** hash-wasm's input buffer is 16 KiB; longer messages go in chunks. */
const CHUNK = 16 * 1024;

function fromBase64(s: string): Uint8Array {
  const codes = new Uint8Array(128);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) codes[abc.charCodeAt(i)] = i;
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array((clean.length * 3) >> 2);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | codes[clean.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

interface OurSha {
  memory: { buffer: ArrayBuffer };
  blocks(sp: number, bp: number, nb: number): void;
  digest(sp: number, op: number): void;
  leaves(sp: number, n: number): void;
  nodes(n: number): void;
}

/** The SHA-256 initial state, as our engines' state words. */
const IV_WORDS = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
/** The most whole blocks one call takes from the arena (room is left for a message's last blocks). */
const ARENA_BLOCKS = (L.ARENA_SIZE >> 6) - 4;

/** Our WebAssembly SHA-256 (the SIMD or the scalar module: the same exports and memory layout). */
class OurEngine implements Engine {
  private readonly ex: OurSha;
  private readonly mem: Uint8Array;
  private readonly words: Int32Array;

  constructor(base64: string) {
    if (typeof WebAssembly === 'undefined') throw new Error('no WebAssembly');
    this.ex = new WebAssembly.Instance(new WebAssembly.Module(fromBase64(base64)), {}).exports as unknown as OurSha;
    this.mem = new Uint8Array(this.ex.memory.buffer);
    this.words = new Int32Array(this.ex.memory.buffer);
  }

  hash(msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void {
    this.words.set(IV_WORDS, L.STATE >> 2);
    this.absorb(msg, start, end, 0, out, off);
  }

  hashAfter(mid: Midstate, msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void {
    this.words.set(this.midWords(mid), L.STATE >> 2);
    this.absorb(msg, start, end, mid.prefix.length, out, off);
  }

  node(a: Uint8Array, ao: number, b: Uint8Array, bo: number, out: Uint8Array, off: number): void {
    const m = this.mem;
    for (let i = 0; i < 32; i++) m[L.SRC + i] = a[ao + i];
    for (let i = 0; i < 32; i++) m[L.SRC + 32 + i] = b[bo + i];
    this.ex.nodes(1);
    for (let i = 0; i < 32; i++) out[off + i] = m[L.DST + i];
  }

  nodes(src: Uint8Array, so: number, count: number, dst: Uint8Array, dOff: number): void {
    const m = this.mem;
    for (let done = 0; done < count;) {
      const n = Math.min(count - done, L.MAX_NODES);
      m.set(src.subarray(so + 64 * done, so + 64 * (done + n)), L.SRC);
      this.ex.nodes(n);
      dst.set(m.subarray(L.DST, L.DST + 32 * n), dOff + 32 * done);
      done += n;
    }
  }

  leaves(batch: LeafBatch, out: Uint8Array, off: number): void {
    const m = this.mem;
    const w = this.words;
    const { bytes, at, count } = batch;
    const words = this.midWords(batch.mid);
    let i = 0;
    while (i < count) {
      // As many messages as the arena and the descriptor table hold, copied in at once.
      const from = at[i];
      let j = i;
      while (j < count && j - i < L.MAX_MSGS && (j + 1 < count ? at[j + 1] : batch.size) - from <= L.ARENA_SIZE) j++;
      if (j === i) {
        // One message larger than the arena: on its own, in chunks.
        this.hashAfter(batch.mid, bytes, at[i], at[i] + batch.len[i], out, off + 32 * i);
        i++;
        continue;
      }
      const to = j < count ? at[j] : batch.size;
      m.set(bytes.subarray(from, to), L.ARENA);
      for (let k = i; k < j; k++) {
        const d = (L.DESC >> 2) + 2 * (k - i);
        w[d] = L.ARENA + at[k] - from;
        w[d + 1] = ((k + 1 < count ? at[k + 1] : batch.size) - at[k]) >> 6;
      }
      w.set(words, L.STATE >> 2);
      this.ex.leaves(L.STATE, j - i);
      out.set(m.subarray(L.OUT, L.OUT + 32 * (j - i)), off + 32 * i);
      i = j;
    }
  }

  /** The state words after mid.prefix (computed once per midstate). */
  private midWords(mid: Midstate): Int32Array {
    if (!mid.words) {
      this.words.set(IV_WORDS, L.STATE >> 2);
      for (let p = 0; p < mid.prefix.length; p += 64 * ARENA_BLOCKS) {
        const n = Math.min(mid.prefix.length - p, 64 * ARENA_BLOCKS);
        this.mem.set(mid.prefix.subarray(p, p + n), L.ARENA);
        this.ex.blocks(L.STATE, L.ARENA, n >> 6);
      }
      mid.words = this.words.slice(L.STATE >> 2, (L.STATE >> 2) + 8);
    }
    return mid.words;
  }

  /** From the state at STATE, after `before` bytes: msg[start, end), padded, then the digest into out[off..]. */
  private absorb(msg: Uint8Array, start: number, end: number, before: number, out: Uint8Array, off: number): void {
    const m = this.mem;
    let p = start;
    while (end - p > 64 * ARENA_BLOCKS) {
      m.set(msg.subarray(p, p + 64 * ARENA_BLOCKS), L.ARENA);
      this.ex.blocks(L.STATE, L.ARENA, ARENA_BLOCKS);
      p += 64 * ARENA_BLOCKS;
    }
    const n = end - p;
    if (n < 64) for (let i = 0; i < n; i++) m[L.ARENA + i] = msg[p + i];
    else m.set(msg.subarray(p, end), L.ARENA);
    const size = (n + 9 + 63) & ~63;
    m[L.ARENA + n] = 0x80;
    for (let i = L.ARENA + n + 1, stop = L.ARENA + size - 8; i < stop; i++) m[i] = 0;
    const bits = (before + end - start) * 8;
    const hi = Math.floor(bits / 0x1_0000_0000);
    const at = L.ARENA + size - 8;
    m[at] = hi >>> 24;
    m[at + 1] = (hi >>> 16) & 0xff;
    m[at + 2] = (hi >>> 8) & 0xff;
    m[at + 3] = hi & 0xff;
    m[at + 4] = bits >>> 24;
    m[at + 5] = (bits >>> 16) & 0xff;
    m[at + 6] = (bits >>> 8) & 0xff;
    m[at + 7] = bits & 0xff;
    this.ex.blocks(L.STATE, L.ARENA, size >> 6);
    this.ex.digest(L.STATE, L.OUT);
    for (let i = 0; i < 32; i++) out[off + i] = m[L.OUT + i];
  }
}

interface WasmSha {
  memory: { buffer: ArrayBuffer };
  Hash_GetBuffer(): number;
  Hash_Init(bits: number): void;
  Hash_Update(len: number): void;
  Hash_Final(): void;
  Hash_GetState(): number;
  Hash_Calculate(len: number, bits: number): void;
  STATE_SIZE: { value: number };
}

/** hash-wasm's SHA-256 binary (MIT), driven through its raw exports: for comparison in the bench. */
class HashWasmEngine implements Engine {
  private readonly ex: WasmSha;
  private readonly io: Uint8Array;
  /** All of the module's memory (it never grows: hash-wasm's SHA-256 works in a fixed buffer). */
  private readonly mem: Uint8Array;
  private readonly state: number;
  private readonly stateSize: number;

  constructor() {
    if (typeof WebAssembly === 'undefined') throw new Error('no WebAssembly');
    const inst = new WebAssembly.Instance(new WebAssembly.Module(fromBase64(SHA256_WASM_BASE64)), {});
    this.ex = inst.exports as unknown as WasmSha;
    this.io = new Uint8Array(this.ex.memory.buffer, this.ex.Hash_GetBuffer(), CHUNK);
    this.mem = new Uint8Array(this.ex.memory.buffer);
    this.state = this.ex.Hash_GetState();
    this.stateSize = new DataView(this.ex.memory.buffer).getUint32(this.ex.STATE_SIZE.value, true);
  }

  /** SHA-256(msg[start, end)) into out[off, off + 32). */
  hash(msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void {
    const io = this.io;
    const n = end - start;
    if (n <= CHUNK) {
      for (let i = 0; i < n; i++) io[i] = msg[start + i];
      this.ex.Hash_Calculate(n, 256);
    } else {
      this.ex.Hash_Init(256);
      this.feed(msg, start, end);
      this.ex.Hash_Final();
    }
    for (let i = 0; i < 32; i++) out[off + i] = io[i];
  }

  /** SHA-256(mid.prefix || msg[start, end)) into out[off, off + 32). */
  hashAfter(mid: Midstate, msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void {
    const mem = this.mem;
    if (!mid.wasm) {
      this.ex.Hash_Init(256);
      this.feed(mid.prefix, 0, mid.prefix.length);
      mid.wasm = mem.slice(this.state, this.state + this.stateSize);
    }
    const st = mid.wasm;
    for (let i = 0, at = this.state; i < st.length; i++) mem[at + i] = st[i];
    this.feed(msg, start, end);
    this.ex.Hash_Final();
    const io = this.io;
    for (let i = 0; i < 32; i++) out[off + i] = io[i];
  }

  /** SHA-256(0x01 || a[ao, ao + 32) || b[bo, bo + 32)) into out[off, off + 32): an RFC 6962 interior node. */
  node(a: Uint8Array, ao: number, b: Uint8Array, bo: number, out: Uint8Array, off: number): void {
    const io = this.io;
    io[0] = 1;
    for (let i = 0; i < 32; i++) io[1 + i] = a[ao + i];
    for (let i = 0; i < 32; i++) io[33 + i] = b[bo + i];
    this.ex.Hash_Calculate(65, 256);
    for (let i = 0; i < 32; i++) out[off + i] = io[i];
  }

  nodes(src: Uint8Array, so: number, count: number, dst: Uint8Array, dOff: number): void {
    for (let j = 0; j < count; j++) this.node(src, so + 64 * j, src, so + 64 * j + 32, dst, dOff + 32 * j);
  }

  leaves(batch: LeafBatch, out: Uint8Array, off: number): void {
    for (let i = 0; i < batch.count; i++)
      this.hashAfter(batch.mid, batch.bytes, batch.at[i], batch.at[i] + batch.len[i], out, off + 32 * i);
  }

  private feed(msg: Uint8Array, start: number, end: number): void {
    const io = this.io;
    for (let p = start; p < end; p += CHUNK) {
      const n = Math.min(CHUNK, end - p);
      if (n < 128) for (let i = 0; i < n; i++) io[i] = msg[p + i];
      else io.set(msg.subarray(p, p + n));
      this.ex.Hash_Update(n);
    }
  }
}

/** The same operations with noble (the fallback, and the reference the WebAssembly engines are tested against). */
const NOBLE: Engine = {
  hash(msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void {
    out.set(sha256(msg.subarray(start, end)), off);
  },
  hashAfter(mid: Midstate, msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void {
    out.set(sha256.create().update(mid.prefix).update(msg.subarray(start, end)).digest(), off);
  },
  node(a: Uint8Array, ao: number, b: Uint8Array, bo: number, out: Uint8Array, off: number): void {
    const msg = new Uint8Array(65);
    msg[0] = 1;
    msg.set(a.subarray(ao, ao + 32), 1);
    msg.set(b.subarray(bo, bo + 32), 33);
    out.set(sha256(msg), off);
  },
  nodes(src: Uint8Array, so: number, count: number, dst: Uint8Array, dOff: number): void {
    for (let j = 0; j < count; j++) NOBLE.node(src, so + 64 * j, src, so + 64 * j + 32, dst, dOff + 32 * j);
  },
  leaves(batch: LeafBatch, out: Uint8Array, off: number): void {
    for (let i = 0; i < batch.count; i++)
      NOBLE.hashAfter(batch.mid, batch.bytes, batch.at[i], batch.at[i] + batch.len[i], out, off + 32 * i);
  },
};

/**
 * Known answers: an engine must agree with noble's sha256() on messages of every length around the block
 * boundaries (one shot, after a midstate, multi-chunk), on single nodes, and on batches of nodes and of leaves whose
 * counts are not multiples of 4 and whose lengths differ within a group of four.
 */
function agrees(e: Engine): boolean {
  const msg = new Uint8Array(3 * CHUNK + 77);
  for (let i = 0; i < msg.length; i++) msg[i] = (i * 131 + 7) & 0xff;
  const a = new Uint8Array(32 * 11);
  const b = new Uint8Array(32 * 11);
  const same = () => a.every((x, i) => x === b[i]);
  const mid: Midstate = { prefix: msg.subarray(0, 64), wasm: null, words: null };
  for (const [s, t] of [
    [0, 0],
    [3, 58],
    [0, 55],
    [0, 56],
    [0, 64],
    [1, 120],
    [5, 300],
    [0, CHUNK],
    [2, msg.length],
  ]) {
    a.fill(0);
    b.fill(0);
    e.hash(msg, s, t, a, 0);
    NOBLE.hash(msg, s, t, b, 0);
    if (!same()) return false;
    e.hashAfter(mid, msg, s, t, a, 0);
    e.hashAfter(mid, msg, s, t, a, 32); // the second from the saved state
    NOBLE.hashAfter(mid, msg, s, t, b, 0);
    NOBLE.hashAfter(mid, msg, s, t, b, 32);
    if (!same()) return false;
  }
  e.node(msg, 9, msg, 100, a, 0);
  NOBLE.node(msg, 9, msg, 100, b, 0);
  if (!same()) return false;
  for (const n of [1, 4, 5, 11]) {
    e.nodes(msg, 3, n, a, 0);
    NOBLE.nodes(msg, 3, n, b, 0);
    if (!same()) return false;
    const batch = new LeafBatch(mid);
    for (let i = 0; i < n; i++) batch.add(msg, i, i + [0, 55, 56, 63, 64, 119, 120, 7, 200, 31, 150][i]);
    e.leaves(batch, a, 0);
    NOBLE.leaves(batch, b, 0);
    if (!same()) return false;
  }
  return true;
}

const MAKE: Record<ShaEngineName, () => Engine> = {
  simd: () => new OurEngine(SHA256_SIMD_BASE64),
  scalar: () => new OurEngine(SHA256_SCALAR_BASE64),
  'hash-wasm': () => new HashWasmEngine(),
  noble: () => NOBLE,
};

interface Chosen {
  engine: Engine;
  name: ShaEngineName;
  /** Why a faster engine is not in use. */
  why?: string;
}

/** The first engine of `order` that runs here and agrees with noble. */
function pick(order: readonly ShaEngineName[]): Chosen {
  const why: string[] = [];
  for (const name of order) {
    if (name === 'noble') return { engine: NOBLE, name, why: why.length ? why.join('; ') : undefined };
    try {
      const engine = MAKE[name]();
      if (agrees(engine)) return { engine, name, why: why.length ? why.join('; ') : undefined };
      why.push(`${name}: disagreed with noble on a known answer`);
    } catch (e) {
      why.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { engine: NOBLE, name: 'noble', why: why.join('; ') };
}

const ORDER: readonly ShaEngineName[] = ['simd', 'scalar', 'noble'];
let chosen = pick(ORDER);

/**
 * The engine in use. `force` is for tests and the bench: that engine if it runs here and agrees with noble (else
 * the next of simd, scalar, noble); 'best' chooses again as at load.
 */
export function shaEngine(force?: ShaEngineName | 'best'): { name: ShaEngineName; why?: string } {
  if (force === 'best') chosen = pick(ORDER);
  else if (force) chosen = pick(force === 'hash-wasm' ? ['hash-wasm', 'noble'] : ORDER.slice(ORDER.indexOf(force)));
  return { name: chosen.name, why: chosen.why };
}

/** True while a WebAssembly engine is in use (a cheap check for hot loops that have a noble fast path of their own). */
export function shaWasm(): boolean {
  return chosen.name !== 'noble';
}

/** SHA-256(msg[start, end)) into out[off, off + 32). */
export function shaInto(msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void {
  chosen.engine.hash(msg, start, end, out, off);
}

/** SHA-256(mid.prefix || msg[start, end)) into out[off, off + 32). */
export function shaAfterInto(mid: Midstate, msg: Uint8Array, start: number, end: number, out: Uint8Array, off: number): void {
  chosen.engine.hashAfter(mid, msg, start, end, out, off);
}

/** The RFC 6962 interior node SHA-256(0x01 || left || right) of a[ao..] and b[bo..], into out[off, off + 32). */
export function nodeInto(a: Uint8Array, ao: number, b: Uint8Array, bo: number, out: Uint8Array, off: number): void {
  chosen.engine.node(a, ao, b, bo, out, off);
}

/** One tree level: the `count` parents of the 2 count children at src[so..] (left, right, left, …) into dst[dOff..]. */
export function nodesInto(src: Uint8Array, so: number, count: number, dst: Uint8Array, dOff: number): void {
  chosen.engine.nodes(src, so, count, dst, dOff);
}

/** Every message of `batch` (each after the batch's midstate) into out[off + 32 i]; the batch is left as it was. */
export function leavesInto(batch: LeafBatch, out: Uint8Array, off: number): void {
  chosen.engine.leaves(batch, out, off);
}

export function midstate(prefix: Uint8Array): Midstate {
  if (prefix.length % 64 !== 0) throw new RangeError('a midstate prefix is whole 64-byte blocks');
  return { prefix: prefix.slice(), wasm: null, words: null };
}
