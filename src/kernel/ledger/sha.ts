import { sha256 } from '@noble/hashes/sha2.js';
import { SHA256_WASM_BASE64 } from './sha256wasm';

/**
 * SHA-256 at speed for the ledger: hash-wasm's WebAssembly compression function (sha256wasm.ts), instantiated
 * synchronously so the kernel stays synchronous, driven through its raw exports (its JavaScript wrapper costs more
 * than the hash for our 65–300-byte messages). Measured in bench/ledger.bench.ts (`hashing`): about twice as fast
 * as noble's block function on a 65-byte Merkle node here. SHA-256 is SHA-256 whichever engine computes it, so
 * replay stays byte for byte the same: a known-answer test against noble's sha256() below decides whether the
 * WebAssembly path is used at all (a runtime without WebAssembly, or one that refuses to compile it synchronously,
 * keeps noble — slower, never different).
 */

// The few WebAssembly names used here; the kernel's lib has no WebAssembly types.
declare const WebAssembly:
  | {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    }
  | undefined;

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

/** A SHA-256 state after some whole 64-byte blocks: where a message with that fixed prefix starts. */
export interface Midstate {
  /** The prefix (a multiple of 64 bytes). */
  readonly prefix: Uint8Array;
  /** The WebAssembly engine's saved state for it (null until the engine is used). */
  wasm: Uint8Array | null;
}

class WasmEngine {
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

/** The same operations with noble (the fallback, and the reference the WebAssembly engine is tested against). */
const NOBLE = {
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
};

type Engine = typeof NOBLE;

/** Known answers: the WebAssembly engine must agree with noble on empty, 1-block, padding-spill, multi-chunk and midstate inputs. */
function agrees(e: Engine): boolean {
  const msg = new Uint8Array(3 * CHUNK + 77);
  for (let i = 0; i < msg.length; i++) msg[i] = (i * 131 + 7) & 0xff;
  const a = new Uint8Array(32);
  const b = new Uint8Array(32);
  const same = () => a.every((x, i) => x === b[i]);
  for (const [s, t] of [
    [0, 0],
    [3, 58],
    [0, 64],
    [1, 120],
    [5, 300],
    [0, CHUNK],
    [2, msg.length],
  ]) {
    e.hash(msg, s, t, a, 0);
    NOBLE.hash(msg, s, t, b, 0);
    if (!same()) return false;
    const mid: Midstate = { prefix: msg.subarray(0, 64), wasm: null };
    e.hashAfter(mid, msg, s, t, a, 0);
    e.hashAfter(mid, msg, s, t, a, 0); // the second from the saved state
    NOBLE.hashAfter(mid, msg, s, t, b, 0);
    if (!same()) return false;
  }
  e.node(msg, 9, msg, 100, a, 0);
  NOBLE.node(msg, 9, msg, 100, b, 0);
  return same();
}

function pick(): { engine: Engine; name: 'webassembly' | 'noble'; why?: string } {
  try {
    const w = new WasmEngine();
    if (agrees(w)) return { engine: w, name: 'webassembly' };
    return { engine: NOBLE, name: 'noble', why: 'the WebAssembly engine disagreed with noble on a known answer' };
  } catch (e) {
    return { engine: NOBLE, name: 'noble', why: e instanceof Error ? e.message : String(e) };
  }
}

let chosen = pick();

/** The engine in use; `force` is for tests and the bench (compare both). */
export function shaEngine(force?: 'webassembly' | 'noble'): { name: 'webassembly' | 'noble'; why?: string } {
  if (force === 'noble') chosen = { engine: NOBLE, name: 'noble', why: 'forced' };
  else if (force === 'webassembly') chosen = pick();
  return { name: chosen.name, why: chosen.why };
}

/** True while the WebAssembly engine is in use (a cheap check for hot loops that have a noble fast path of their own). */
export function shaWasm(): boolean {
  return chosen.name === 'webassembly';
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

export function midstate(prefix: Uint8Array): Midstate {
  if (prefix.length % 64 !== 0) throw new RangeError('a midstate prefix is whole 64-byte blocks');
  return { prefix: prefix.slice(), wasm: null };
}
