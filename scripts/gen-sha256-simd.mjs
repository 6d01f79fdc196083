// Writes src/kernel/ledger/sha256simd.ts: our own SHA-256 as two WebAssembly modules, as base64 — one with a
// multi-buffer SIMD compression (four independent messages in the four i32 lanes of a v128) and one scalar only
// (for a runtime without WebAssembly SIMD). Both export the same batch functions, so one call into WebAssembly
// hashes many messages (crossing JS→wasm per 65-byte Merkle node costs as much as the hash itself).
//
// The WAT text is generated here (the 64 rounds unrolled, working variables renamed instead of moved) and
// assembled by wabt's wat2wasm (the `wabt` npm package, a WebAssembly build: no install script). Run
// `node scripts/gen-sha256-simd.mjs` after editing; `--wat` prints the text instead. sha.test.ts checks the
// committed binaries are what this script makes, and every engine against noble.
//
// Memory (one fixed 4 MiB memory, never grown; addresses in LAYOUT, shared with sha.ts):
//   IV       the SHA-256 initial state (8 words, little-endian i32 as the rounds use them)
//   NODEBUF  4 scratch messages of 128 bytes for Merkle nodes: 0x01 || left || right, then fixed padding
//   STATE    scratch states; DESC: per message (pointer, block count); OUT: 32-byte digests, one per message
//   SRC/DST  a tree level's children (64 bytes a pair) and their parents (32 bytes each)
//   ARENA    padded messages (the caller pads: 0x80, zeros, the 64-bit big-endian bit length)
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

export const LAYOUT = {
  IV: 32,
  NODEBUF: 128,
  STATE: 1024, // 2 x 32 bytes: a batch's initial state, then scratch
  DESC: 4096,
  MAX_MSGS: 4096,
  OUT: 65536,
  SRC: 262144,
  DST: 524288,
  MAX_NODES: 4096,
  ARENA: 1 << 20,
  ARENA_SIZE: 3 << 20,
  PAGES: 64,
};
const L = LAYOUT;

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const i32 = (x) => x | 0;

// The operations of a round, for one word (i32) or four (v128).
const SCALAR = {
  type: 'i32',
  add: (a, b) => `(i32.add ${a} ${b})`,
  xor: (a, b) => `(i32.xor ${a} ${b})`,
  rotr: (a, n) => `(i32.rotr ${a} (i32.const ${n}))`,
  shr: (a, n) => `(i32.shr_u ${a} (i32.const ${n}))`,
  ch: (e, f, g) => `(i32.xor ${g} (i32.and ${e} (i32.xor ${f} ${g})))`,
  maj: (a, b, c) => `(i32.or (i32.and ${a} ${b}) (i32.and ${c} (i32.or ${a} ${b})))`,
  k: (x) => `(i32.const ${i32(x)})`,
};
const SIMD = {
  type: 'v128',
  add: (a, b) => `(i32x4.add ${a} ${b})`,
  xor: (a, b) => `(v128.xor ${a} ${b})`,
  // No rotate in wasm SIMD: a shift each way.
  rotr: (a, n) => `(v128.or (i32x4.shr_u ${a} (i32.const ${n})) (i32x4.shl ${a} (i32.const ${32 - n})))`,
  shr: (a, n) => `(i32x4.shr_u ${a} (i32.const ${n}))`,
  ch: (e, f, g) => `(v128.bitselect ${f} ${g} ${e})`,
  // Where a and c agree the majority is theirs, else b's.
  maj: (a, b, c) => `(v128.bitselect ${b} ${a} (v128.xor ${a} ${c}))`,
  k: (x) => `(v128.const i32x4 ${i32(x)} ${i32(x)} ${i32(x)} ${i32(x)})`,
};

const get = (x) => `(local.get $${x})`;

/** The 64 rounds over working variables a..h and message words w0..w15 (already loaded), in place. */
function rounds(T) {
  const out = [];
  const S0 = (x) => T.xor(T.xor(T.rotr(x, 2), T.rotr(x, 13)), T.rotr(x, 22));
  const S1 = (x) => T.xor(T.xor(T.rotr(x, 6), T.rotr(x, 11)), T.rotr(x, 25));
  const s0 = (x) => T.xor(T.xor(T.rotr(x, 7), T.rotr(x, 18)), T.shr(x, 3));
  const s1 = (x) => T.xor(T.xor(T.rotr(x, 17), T.rotr(x, 19)), T.shr(x, 10));
  let v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  for (let t = 0; t < 64; t++) {
    const w = (i) => get(`w${(t + i + 16) % 16}`);
    if (t >= 16) out.push(`(local.set $w${t % 16} ${T.add(T.add(s1(w(-2)), w(-7)), T.add(s0(w(-15)), w(0)))})`);
    const [a, b, c, d, e, f, g, h] = v.map(get);
    const t1 = T.add(T.add(T.add(h, S1(e)), T.ch(e, f, g)), T.add(T.k(K[t]), w(0)));
    out.push(`(local.set $t1 ${t1})`);
    out.push(`(local.set $${v[3]} ${T.add(d, get('t1'))})`);
    out.push(`(local.set $${v[7]} ${T.add(get('t1'), T.add(S0(a), T.maj(a, b, c)))})`);
    v = [v[7], v[0], v[1], v[2], v[3], v[4], v[5], v[6]];
  }
  return out.join('\n');
}

const ABC = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const W16 = Array.from({ length: 16 }, (_, i) => `w${i}`);
const locals = (T, names) => names.map((n) => `(local $${n} ${T.type})`).join(' ');
const bswap = (x) =>
  `(i32.or (i32.and (i32.rotr ${x} (i32.const 8)) (i32.const 0xff00ff00)) (i32.and (i32.rotl ${x} (i32.const 8)) (i32.const 0x00ff00ff)))`;

// Scalar: the state at $sp (8 i32) updated over $nb blocks at $bp.
const scalarFuncs = `
(func $compress (export "blocks") (param $sp i32) (param $bp i32) (param $nb i32)
  (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $s4 i32) (local $s5 i32) (local $s6 i32) (local $s7 i32)
  ${locals(SCALAR, [...ABC, ...W16, 't1'])}
  ${Array.from({ length: 8 }, (_, k) => `(local.set $s${k} (i32.load offset=${4 * k} (local.get $sp)))`).join('\n')}
  (block $done (loop $next
    (br_if $done (i32.eqz (local.get $nb)))
    ${ABC.map((x, k) => `(local.set $${x} (local.get $s${k}))`).join('\n')}
    ${W16.map((w, i) => `(local.set $${w} (i32.load offset=${4 * i} (local.get $bp)))\n(local.set $${w} ${bswap(get(w))})`).join('\n')}
    ${rounds(SCALAR)}
    ${ABC.map((x, k) => `(local.set $s${k} (i32.add (local.get $s${k}) (local.get $${x})))`).join('\n')}
    (local.set $bp (i32.add (local.get $bp) (i32.const 64)))
    (local.set $nb (i32.sub (local.get $nb) (i32.const 1)))
    (br $next)))
  ${Array.from({ length: 8 }, (_, k) => `(i32.store offset=${4 * k} (local.get $sp) (local.get $s${k}))`).join('\n')})

;; The state at $sp as a big-endian digest at $op.
(func $digest (export "digest") (param $sp i32) (param $op i32) (local $x i32)
  ${Array.from({ length: 8 }, (_, k) => `(local.set $x (i32.load offset=${4 * k} (local.get $sp)))\n(i32.store offset=${4 * k} (local.get $op) ${bswap(get('x'))})`).join('\n')})

;; Message i of DESC from the state at $sp into OUT + 32 i, for i in [$from, $to).
(func $leaves1 (param $sp i32) (param $from i32) (param $to i32) (local $d i32)
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
    (memory.copy (i32.const ${L.STATE + 32}) (local.get $sp) (i32.const 32))
    (local.set $d (i32.add (i32.const ${L.DESC}) (i32.shl (local.get $from) (i32.const 3))))
    (call $compress (i32.const ${L.STATE + 32}) (i32.load (local.get $d)) (i32.load offset=4 (local.get $d)))
    (call $digest (i32.const ${L.STATE + 32}) (i32.add (i32.const ${L.OUT}) (i32.shl (local.get $from) (i32.const 5))))
    (local.set $from (i32.add (local.get $from) (i32.const 1)))
    (br $next))))

;; Parent j (of children SRC + 64 j) into DST + 32 j, for j in [$from, $to).
(func $nodes1 (param $from i32) (param $to i32)
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
    (memory.copy (i32.const ${L.NODEBUF + 1}) (i32.add (i32.const ${L.SRC}) (i32.shl (local.get $from) (i32.const 6))) (i32.const 64))
    (memory.copy (i32.const ${L.STATE + 32}) (i32.const ${L.IV}) (i32.const 32))
    (call $compress (i32.const ${L.STATE + 32}) (i32.const ${L.NODEBUF}) (i32.const 2))
    (call $digest (i32.const ${L.STATE + 32}) (i32.add (i32.const ${L.DST}) (i32.shl (local.get $from) (i32.const 5))))
    (local.set $from (i32.add (local.get $from) (i32.const 1)))
    (br $next))))
`;

// i8x16.shuffle lanes: a 4x4 transpose of 32-bit words in two steps; the first also reverses each word's bytes
// (SHA-256 is big-endian), the second only moves words.
const SWAP_LO = [3, 2, 1, 0, 19, 18, 17, 16, 7, 6, 5, 4, 23, 22, 21, 20];
const SWAP_HI = [11, 10, 9, 8, 27, 26, 25, 24, 15, 14, 13, 12, 31, 30, 29, 28];
const KEEP_LO = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const KEEP_HI = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
const shuffle = (lanes, x, y) => `(i8x16.shuffle ${lanes.join(' ')} ${x} ${y})`;
/** Sets out[j] to [bswap(in0[j]), bswap(in1[j]), bswap(in2[j]), bswap(in3[j])] for j = 0..3 (locals $u0..$u3 as scratch). */
function transpose(ins, outs) {
  const [a, b, c, d] = ins.map(get);
  return [
    `(local.set $u0 ${shuffle(SWAP_LO, a, b)})`,
    `(local.set $u1 ${shuffle(SWAP_HI, a, b)})`,
    `(local.set $u2 ${shuffle(SWAP_LO, c, d)})`,
    `(local.set $u3 ${shuffle(SWAP_HI, c, d)})`,
    `(local.set $${outs[0]} ${shuffle(KEEP_LO, get('u0'), get('u2'))})`,
    `(local.set $${outs[1]} ${shuffle(KEEP_HI, get('u0'), get('u2'))})`,
    `(local.set $${outs[2]} ${shuffle(KEEP_LO, get('u1'), get('u3'))})`,
    `(local.set $${outs[3]} ${shuffle(KEEP_HI, get('u1'), get('u3'))})`,
  ].join('\n');
}

// SIMD: four messages at once, lane j the message at $pj of $nj blocks, from the state at $sp, digest to $oj. Lanes
// whose message has ended keep their state (the mask); they read their own last block meanwhile.
const lanes = [0, 1, 2, 3];
const simdFuncs = `
(func $hash4 (param $sp i32) ${lanes.map((j) => `(param $p${j} i32) (param $n${j} i32) (param $o${j} i32)`).join(' ')}
  ${locals(SIMD, ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', ...ABC, ...W16, 't1', 'u0', 'u1', 'u2', 'u3', 'v0', 'v1', 'v2', 'v3', 'nbv', 'mask'])}
  (local $blk i32) (local $max i32) ${lanes.map((j) => `(local $q${j} i32)`).join(' ')}
  ${Array.from({ length: 8 }, (_, k) => `(local.set $S${k} (v128.load32_splat offset=${4 * k} (local.get $sp)))`).join('\n')}
  (local.set $nbv (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat (local.get $n0)) (local.get $n1)) (local.get $n2)) (local.get $n3)))
  (local.set $max (local.get $n0))
  ${[1, 2, 3].map((j) => `(if (i32.gt_u (local.get $n${j}) (local.get $max)) (then (local.set $max (local.get $n${j}))))`).join('\n')}
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $blk) (local.get $max)))
    ${lanes
      .map(
        (j) =>
          `(local.set $q${j} (i32.add (local.get $p${j}) (i32.shl (select (local.get $blk) (i32.sub (local.get $n${j}) (i32.const 1)) (i32.lt_u (local.get $blk) (local.get $n${j}))) (i32.const 6))))`,
      )
      .join('\n')}
    (local.set $mask (i32x4.gt_u (local.get $nbv) (i32x4.splat (local.get $blk))))
    ${[0, 1, 2, 3]
      .map((q) =>
        [
          ...lanes.map((j) => `(local.set $v${j} (v128.load offset=${16 * q} (local.get $q${j})))`),
          transpose(
            lanes.map((j) => `v${j}`),
            lanes.map((j) => `w${4 * q + j}`),
          ),
        ].join('\n'),
      )
      .join('\n')}
    ${ABC.map((x, k) => `(local.set $${x} (local.get $S${k}))`).join('\n')}
    ${rounds(SIMD)}
    ${ABC.map((x, k) => `(local.set $S${k} (i32x4.add (local.get $S${k}) (v128.and (local.get $${x}) (local.get $mask))))`).join('\n')}
    (local.set $blk (i32.add (local.get $blk) (i32.const 1)))
    (br $next)))
  ${transpose(['S0', 'S1', 'S2', 'S3'], ['v0', 'v1', 'v2', 'v3'])}
  ${lanes.map((j) => `(v128.store (local.get $o${j}) (local.get $v${j}))`).join('\n')}
  ${transpose(['S4', 'S5', 'S6', 'S7'], ['v0', 'v1', 'v2', 'v3'])}
  ${lanes.map((j) => `(v128.store offset=16 (local.get $o${j}) (local.get $v${j}))`).join('\n')})

(func (export "leaves") (param $sp i32) (param $n i32) (local $i i32) (local $d i32)
  (block $done (loop $next
    (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
    (local.set $d (i32.add (i32.const ${L.DESC}) (i32.shl (local.get $i) (i32.const 3))))
    (call $hash4 (local.get $sp)
      ${lanes.map((j) => `(i32.load offset=${8 * j} (local.get $d)) (i32.load offset=${8 * j + 4} (local.get $d)) (i32.add (i32.const ${L.OUT + 32 * j}) (i32.shl (local.get $i) (i32.const 5)))`).join('\n      ')})
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $next)))
  (call $leaves1 (local.get $sp) (local.get $i) (local.get $n)))

(func (export "nodes") (param $n i32) (local $i i32) (local $s i32)
  (block $done (loop $next
    (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
    (local.set $s (i32.add (i32.const ${L.SRC}) (i32.shl (local.get $i) (i32.const 6))))
    ${lanes.map((j) => `(memory.copy (i32.const ${L.NODEBUF + 128 * j + 1}) (i32.add (local.get $s) (i32.const ${64 * j})) (i32.const 64))`).join('\n    ')}
    (call $hash4 (i32.const ${L.IV})
      ${lanes.map((j) => `(i32.const ${L.NODEBUF + 128 * j}) (i32.const 2) (i32.add (i32.const ${L.DST + 32 * j}) (i32.shl (local.get $i) (i32.const 5)))`).join('\n      ')})
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $next)))
  (call $nodes1 (local.get $i) (local.get $n)))
`;

const scalarBatch = `
(func (export "leaves") (param $sp i32) (param $n i32) (call $leaves1 (local.get $sp) (i32.const 0) (local.get $n)))
(func (export "nodes") (param $n i32) (call $nodes1 (i32.const 0) (local.get $n)))
`;

const hexBytes = (bytes) => [...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
function data() {
  const iv = new Uint8Array(32);
  const v = new DataView(iv.buffer);
  IV.forEach((w, k) => v.setInt32(4 * k, i32(w), true));
  // A Merkle node's message: 0x01, 64 bytes of children (copied in per node), then padding for 65 bytes = 520 bits.
  const node = new Uint8Array(128);
  node[0] = 1;
  node[65] = 0x80;
  node[126] = 0x02;
  node[127] = 0x08;
  return [
    `(data (i32.const ${L.IV}) "${hexBytes(iv)}")`,
    ...lanes.map((j) => `(data (i32.const ${L.NODEBUF + 128 * j}) "${hexBytes(node)}")`),
  ].join('\n');
}

function wat(simd) {
  return `(module
(memory (export "memory") ${L.PAGES} ${L.PAGES})
${data()}
${scalarFuncs}
${simd ? simdFuncs : scalarBatch})`;
}

async function build() {
  const wabt = await wabtInit();
  const out = {};
  for (const simd of [true, false]) {
    const mod = wabt.parseWat(simd ? 'sha256simd.wat' : 'sha256scalar.wat', wat(simd), { simd, bulk_memory: true });
    mod.validate();
    const { buffer } = mod.toBinary({});
    mod.destroy();
    out[simd ? 'simd' : 'scalar'] = Buffer.from(buffer);
  }
  return out;
}

if (process.argv.includes('--wat')) {
  console.log(wat(!process.argv.includes('--scalar')));
} else {
  const { simd, scalar } = await build();
  const sum = (b) => createHash('sha256').update(b).digest('hex');
  const pkg = (await import('wabt/package.json', { with: { type: 'json' } })).default;
  const text = `// Generated by scripts/gen-sha256-simd.mjs (assembled with wabt ${pkg.version}). Do not edit.
// SIMD module: ${simd.length} bytes, SHA-256 ${sum(simd)}; scalar module: ${scalar.length} bytes, SHA-256 ${sum(scalar)}.
export const SHA256_LAYOUT = {
${Object.entries(LAYOUT)
  .map(([k, v]) => `  ${k}: ${v},\n`)
  .join('')}} as const;
export const SHA256_SIMD_BASE64 =
  '${simd.toString('base64')}';
export const SHA256_SCALAR_BASE64 =
  '${scalar.toString('base64')}';
`;
  if (process.argv.includes('--check'))
    process.stdout.write(text); // what sha.test.ts compares with the committed file
  else {
    writeFileSync('src/kernel/ledger/sha256simd.ts', text);
    console.log(`wrote src/kernel/ledger/sha256simd.ts (simd ${simd.length} bytes, scalar ${scalar.length} bytes)`);
  }
}
