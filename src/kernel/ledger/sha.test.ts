import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LeafBatch, leavesInto, midstate, nodeInto, nodesInto, shaAfterInto, shaEngine, shaInto } from './sha';
import { HASH_WASM_VERSION, SHA256_WASM_BASE64 } from './sha256wasm';

const ENGINES = ['simd', 'scalar', 'hash-wasm', 'noble'] as const;
const msg = new Uint8Array(70_000).map((_, i) => (i * 37 + 11) & 0xff);
const huge = new Uint8Array(3.5 * 2 ** 20).map((_, i) => (i * 13) & 0xff);
const hex = (b: Uint8Array, at = 0) => bytesToHex(b.subarray(at, at + 32));
const node = (x: Uint8Array) => hex(sha256(new Uint8Array([1, ...x])));

describe('the ledger SHA-256 engines', () => {
  afterAll(() => shaEngine('best'));

  it('runs the SIMD engine here (Node 20 has WebAssembly SIMD), and every engine asked for', () => {
    expect(shaEngine('best')).toEqual({ name: 'simd', why: undefined });
    for (const e of ENGINES) expect(shaEngine(e).name).toBe(e);
  });

  it('commits exactly the binaries scripts/gen-sha256-simd.mjs assembles (regenerate after editing it)', () => {
    const before = readFileSync('src/kernel/ledger/sha256simd.ts', 'utf8');
    const wat = execFileSync('node', ['scripts/gen-sha256-simd.mjs', '--check'], { encoding: 'utf8' });
    expect(wat).toBe(before);
  });

  it('vendors exactly the binary of the installed hash-wasm (regenerate with scripts/gen-sha256-wasm.mjs)', () => {
    const pkg = JSON.parse(readFileSync('node_modules/hash-wasm/package.json', 'utf8')) as { version: string };
    expect(HASH_WASM_VERSION).toBe(pkg.version);
    expect(readFileSync('node_modules/hash-wasm/dist/index.esm.js', 'utf8')).toContain(`"${SHA256_WASM_BASE64}"`);
  });

  it.each(ENGINES)('%s: agrees with sha256() on every length up to 300 bytes, after a midstate, and on nodes', (e) => {
    expect(shaEngine(e).name).toBe(e);
    const out = new Uint8Array(40);
    const mid = midstate(msg.subarray(0, 128));
    for (let n = 0; n <= 300; n++) {
      shaInto(msg, 3, 3 + n, out, 5);
      expect(hex(out, 5)).toBe(hex(sha256(msg.subarray(3, 3 + n))));
      shaAfterInto(mid, msg, 128, 128 + n, out, 0);
      expect(hex(out)).toBe(hex(sha256(msg.subarray(0, 128 + n))));
    }
    for (const n of [4095, 4096, 65_537, 69_000]) {
      shaInto(msg, 1, 1 + n, out, 0);
      expect(hex(out)).toBe(hex(sha256(msg.subarray(1, 1 + n))));
    }
    shaAfterInto(mid, huge, 0, huge.length, out, 0);
    expect(hex(out)).toBe(hex(sha256.create().update(msg.subarray(0, 128)).update(huge).digest()));
    nodeInto(msg, 0, msg, 32, out, 0);
    expect(hex(out)).toBe(node(msg.subarray(0, 64)));
  });

  it.each(ENGINES)('%s: hashes tree levels and leaf batches of any count, lengths mixed within each group of four', (e) => {
    expect(shaEngine(e).name).toBe(e);
    for (const count of [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 4097]) {
      const out = new Uint8Array(32 * count + 7);
      const src = count > 1000 ? huge : msg;
      nodesInto(src, 5, count, out, 7);
      for (let j = 0; j < count; j += j < 20 ? 1 : 97) expect(hex(out, 7 + 32 * j)).toBe(node(src.subarray(5 + 64 * j, 69 + 64 * j)));
    }
    const mid = midstate(msg.subarray(64, 128));
    // Block boundaries after the 64-byte prefix: 55/56 (padding spills), 63/64, 119/120, and 0.
    const lengths = [55, 56, 63, 64, 119, 120, 0, 1, 300, 200, 9, 150, 65];
    for (const count of [1, 2, 3, 4, 5, 6, 7, 9, 13]) {
      const batch = new LeafBatch(mid);
      for (let i = 0; i < count; i++) batch.add(msg, 200 + i, 200 + i + lengths[i]);
      const out = new Uint8Array(32 * count + 3);
      leavesInto(batch, out, 3);
      for (let i = 0; i < count; i++)
        expect(hex(out, 3 + 32 * i)).toBe(
          hex(sha256(new Uint8Array([...msg.subarray(64, 128), ...msg.subarray(200 + i, 200 + i + lengths[i])]))),
        );
    }
    // A batch larger than the WebAssembly arena and descriptor table (3 MiB, 4,096 messages): hashed in parts.
    const big = new LeafBatch(mid);
    for (let i = 0; i < 9000; i++) big.add(msg, i, i + 300 + ((i * 7) % 301));
    big.add(huge, 0, huge.length); // one message larger than the arena: on its own, in chunks
    const out = new Uint8Array(32 * big.count);
    leavesInto(big, out, 0);
    for (const i of [0, 1, 4095, 4096, 4097, 8999, 9000]) {
      const whole = sha256
        .create()
        .update(msg.subarray(64, 128))
        .update(big.bytes.subarray(big.at[i], big.at[i] + big.len[i]));
      expect(hex(out, 32 * i)).toBe(hex(whole.digest()));
    }
    expect(big.len[9000]).toBe(huge.length);
  });
});
