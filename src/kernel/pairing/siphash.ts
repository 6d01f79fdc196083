/**
 * SipHash-2-4 (Aumasson & Bernstein), 64-bit and 128-bit outputs, byte-exact with the reference
 * implementation (github.com/veorq/SipHash): the key is read as two little-endian 64-bit words and every
 * output word is written little-endian, so the bytes match `vectors_sip64` / `vectors_sip128` in vectors.h.
 *
 * JS numbers cannot hold 64-bit integers, and BigInt allocates on every operation, so each 64-bit lane
 * is kept as two unsigned 32-bit halves (hi, lo). The only allocation per call is the output array.
 */

const KEY_BYTES = 16;

// Working state: v0..v3 as [hi, lo] pairs. Module-level because JS runs one call at a time, and reusing
// it keeps the hot path allocation-free.
const v = new Uint32Array(8);
const V0H = 0,
  V0L = 1,
  V1H = 2,
  V1L = 3,
  V2H = 4,
  V2L = 5,
  V3H = 6,
  V3L = 7;

/** SipHash-2-4 with a 128-bit tag (16 bytes), as the reference `siphash(..., outlen = 16)`. */
export function siphash128(key16: Uint8Array, msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  sipHash(key16, msg, true, out);
  return out;
}

/** SipHash-2-4 with a 64-bit tag (8 bytes, little-endian), as the reference `siphash(..., outlen = 8)`. */
export function siphash64(key16: Uint8Array, msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  sipHash(key16, msg, false, out);
  return out;
}

function sipHash(key: Uint8Array, msg: Uint8Array, wide: boolean, out: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`SipHash key must be 16 bytes, got ${key.length}`);
  const k0l = readU32LE(key, 0),
    k0h = readU32LE(key, 4);
  const k1l = readU32LE(key, 8),
    k1h = readU32LE(key, 12);

  // The initialisation constants spell "somepseudorandomlygeneratedbytes".
  v[V0H] = (k0h ^ 0x736f6d65) >>> 0;
  v[V0L] = (k0l ^ 0x70736575) >>> 0;
  v[V1H] = (k1h ^ 0x646f7261) >>> 0;
  v[V1L] = (k1l ^ 0x6e646f6d) >>> 0;
  v[V2H] = (k0h ^ 0x6c796765) >>> 0;
  v[V2L] = (k0l ^ 0x6e657261) >>> 0;
  v[V3H] = (k1h ^ 0x74656462) >>> 0;
  v[V3L] = (k1l ^ 0x79746573) >>> 0;
  if (wide) v[V1L] = (v[V1L] ^ 0xee) >>> 0;

  const len = msg.length;
  const fullBlocksEnd = len - (len % 8);
  for (let i = 0; i < fullBlocksEnd; i += 8) absorb(readU32LE(msg, i + 4), readU32LE(msg, i));

  // Last block: the remaining 0..7 bytes, with the message length (mod 256) in the top byte.
  let lastLo = 0;
  let lastHi = (len & 0xff) << 24;
  const rest = len - fullBlocksEnd;
  for (let j = 0; j < rest; j++) {
    const byte = msg[fullBlocksEnd + j];
    if (j < 4) lastLo |= byte << (8 * j);
    else lastHi |= byte << (8 * (j - 4));
  }
  absorb(lastHi >>> 0, lastLo >>> 0);

  v[V2L] = (v[V2L] ^ (wide ? 0xee : 0xff)) >>> 0;
  sipRounds(4);
  writeU32LE(out, 0, v[V0L] ^ v[V1L] ^ v[V2L] ^ v[V3L]);
  writeU32LE(out, 4, v[V0H] ^ v[V1H] ^ v[V2H] ^ v[V3H]);
  if (!wide) return;

  v[V1L] = (v[V1L] ^ 0xdd) >>> 0;
  sipRounds(4);
  writeU32LE(out, 8, v[V0L] ^ v[V1L] ^ v[V2L] ^ v[V3L]);
  writeU32LE(out, 12, v[V0H] ^ v[V1H] ^ v[V2H] ^ v[V3H]);
}

/** One message word: v3 ^= m, two compression rounds (the "2" in 2-4), v0 ^= m. */
function absorb(mHi: number, mLo: number): void {
  v[V3H] = (v[V3H] ^ mHi) >>> 0;
  v[V3L] = (v[V3L] ^ mLo) >>> 0;
  sipRounds(2);
  v[V0H] = (v[V0H] ^ mHi) >>> 0;
  v[V0L] = (v[V0L] ^ mLo) >>> 0;
}

/**
 * `count` SipRounds. Each 64-bit add carries from lo to hi; each rotation by r < 32 moves bits across
 * the halves, and a rotation by 32 just swaps them. All halves stay unsigned (>>> 0) so sums are exact.
 */
function sipRounds(count: number): void {
  let v0h = v[V0H],
    v0l = v[V0L],
    v1h = v[V1H],
    v1l = v[V1L];
  let v2h = v[V2H],
    v2l = v[V2L],
    v3h = v[V3H],
    v3l = v[V3L];
  let sum: number, t: number;
  for (let r = 0; r < count; r++) {
    // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
    sum = v0l + v1l;
    v0l = sum >>> 0;
    v0h = (v0h + v1h + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    t = (v1h << 13) | (v1l >>> 19);
    v1l = ((v1l << 13) | (v1h >>> 19)) >>> 0;
    v1h = t >>> 0;
    v1h = (v1h ^ v0h) >>> 0;
    v1l = (v1l ^ v0l) >>> 0;
    t = v0h;
    v0h = v0l;
    v0l = t;
    // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
    sum = v2l + v3l;
    v2l = sum >>> 0;
    v2h = (v2h + v3h + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    t = (v3h << 16) | (v3l >>> 16);
    v3l = ((v3l << 16) | (v3h >>> 16)) >>> 0;
    v3h = t >>> 0;
    v3h = (v3h ^ v2h) >>> 0;
    v3l = (v3l ^ v2l) >>> 0;
    // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
    sum = v0l + v3l;
    v0l = sum >>> 0;
    v0h = (v0h + v3h + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    t = (v3h << 21) | (v3l >>> 11);
    v3l = ((v3l << 21) | (v3h >>> 11)) >>> 0;
    v3h = t >>> 0;
    v3h = (v3h ^ v0h) >>> 0;
    v3l = (v3l ^ v0l) >>> 0;
    // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
    sum = v2l + v1l;
    v2l = sum >>> 0;
    v2h = (v2h + v1h + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    t = (v1h << 17) | (v1l >>> 15);
    v1l = ((v1l << 17) | (v1h >>> 15)) >>> 0;
    v1h = t >>> 0;
    v1h = (v1h ^ v2h) >>> 0;
    v1l = (v1l ^ v2l) >>> 0;
    t = v2h;
    v2h = v2l;
    v2l = t;
  }
  v[V0H] = v0h;
  v[V0L] = v0l;
  v[V1H] = v1h;
  v[V1L] = v1l;
  v[V2H] = v2h;
  v[V2L] = v2l;
  v[V3H] = v3h;
  v[V3L] = v3l;
}

function readU32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function writeU32LE(out: Uint8Array, at: number, word: number): void {
  out[at] = word & 0xff;
  out[at + 1] = (word >>> 8) & 0xff;
  out[at + 2] = (word >>> 16) & 0xff;
  out[at + 3] = (word >>> 24) & 0xff;
}
