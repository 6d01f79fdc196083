import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { midstate, nodeInto, shaAfterInto, shaEngine, shaInto } from './sha';
import { HASH_WASM_VERSION, SHA256_WASM_BASE64 } from './sha256wasm';

describe('the ledger SHA-256 engine', () => {
  afterAll(() => shaEngine('webassembly'));

  it('runs the WebAssembly engine here (Node has WebAssembly)', () => {
    expect(shaEngine('webassembly')).toEqual({ name: 'webassembly', why: undefined });
  });

  it('vendors exactly the binary of the installed hash-wasm (regenerate with scripts/gen-sha256-wasm.mjs)', () => {
    const pkg = JSON.parse(readFileSync('node_modules/hash-wasm/package.json', 'utf8')) as { version: string };
    expect(HASH_WASM_VERSION).toBe(pkg.version);
    expect(readFileSync('node_modules/hash-wasm/dist/index.esm.js', 'utf8')).toContain(`"${SHA256_WASM_BASE64}"`);
  });

  it.each(['webassembly', 'noble'] as const)(
    '%s: agrees with sha256() on messages of every length up to 300 bytes, after a midstate, and on nodes',
    (e) => {
      shaEngine(e);
      const msg = new Uint8Array(400).map((_, i) => (i * 37 + 11) & 0xff);
      const out = new Uint8Array(40);
      const mid = midstate(msg.subarray(0, 64));
      for (let n = 0; n <= 300; n++) {
        shaInto(msg, 3, 3 + n, out, 5);
        expect(bytesToHex(out.subarray(5, 37))).toBe(bytesToHex(sha256(msg.subarray(3, 3 + n))));
        shaAfterInto(mid, msg, 64, 64 + n, out, 0);
        expect(bytesToHex(out.subarray(0, 32))).toBe(bytesToHex(sha256(msg.subarray(0, 64 + n))));
      }
      nodeInto(msg, 0, msg, 32, out, 0);
      expect(bytesToHex(out.subarray(0, 32))).toBe(bytesToHex(sha256(new Uint8Array([1, ...msg.subarray(0, 64)]))));
    },
  );
});
