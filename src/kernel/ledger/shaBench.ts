import { LeafBatch, leavesInto, midstate, nodesInto, shaEngine, shaInto, type ShaEngineName } from './sha';

/**
 * For `npm run bench` (bench/ledger.bench.ts in Node, the kernel worker in Chromium): µs per SHA-256 of our message
 * sizes by each synchronous engine — one message per call (a 65-byte Merkle node, a ~150-byte record, a ~300-byte
 * record with facts), then batched as the ledger hashes: a tree level of 1,024 nodes per call, and 256 records of
 * 150 bytes after the leaf tag's midstate per call. Leaves the fastest engine in use.
 */
export function shaBench(now: () => number, rounds = 100_000): Record<string, Record<string, number>> {
  const engines: ShaEngineName[] = ['noble', 'hash-wasm', 'scalar', 'simd'];
  const per = (ms: number, n: number) => +((ms * 1000) / n).toFixed(3);
  const out: Record<string, Record<string, number>> = {};
  const digest = new Uint8Array(32);
  for (const engine of engines) {
    if (shaEngine(engine).name !== engine) continue; // not here (no WebAssembly, or no SIMD): nothing to measure
    for (const size of [65, 150, 300]) {
      const msg = new Uint8Array(size).map((_, i) => i);
      for (let i = 0; i < rounds / 10; i++) shaInto(msg, 0, size, digest, 0);
      const t = now();
      for (let i = 0; i < rounds; i++) {
        msg[0] = i;
        shaInto(msg, 0, size, digest, 0);
      }
      (out[`${size}B`] ??= {})[`${engine}Us`] = per(now() - t, rounds);
    }
    // Batched: a tree level (nodesInto) and a batch of records after a midstate (leavesInto).
    const N = 1024;
    const kids = new Uint8Array(64 * N).map((_, i) => i * 7);
    const parents = new Uint8Array(32 * N);
    const calls = Math.max(1, Math.round(rounds / N));
    for (let i = 0; i < calls; i++) nodesInto(kids, 0, N, parents, 0);
    let t = now();
    for (let i = 0; i < calls; i++) {
      kids[0] = i;
      nodesInto(kids, 0, N, parents, 0);
    }
    (out['65B nodes, 1,024 per call'] ??= {})[`${engine}Us`] = per(now() - t, calls * N);
    const batch = new LeafBatch(midstate(new Uint8Array(64).fill(1)));
    const record = new Uint8Array(150).map((_, i) => i * 3);
    for (let i = 0; i < 256; i++) batch.add(record, 0, 150 - (i % 8));
    const leaves = new Uint8Array(32 * 256);
    const leafCalls = Math.max(1, Math.round(rounds / 256));
    for (let i = 0; i < leafCalls; i++) leavesInto(batch, leaves, 0);
    t = now();
    for (let i = 0; i < leafCalls; i++) leavesInto(batch, leaves, 0);
    (out['64B midstate + ~150B records, 256 per call'] ??= {})[`${engine}Us`] = per(now() - t, leafCalls * 256);
  }
  out.engineInUse = { [shaEngine('best').name]: 1 };
  return out;
}

/**
 * WebCrypto's SHA-256 for comparison (asynchronous: it cannot serve the synchronous kernel), µs per hash of the same
 * sizes: awaited one by one, and 1,000 in flight at once. `digest` is the runtime's crypto.subtle.digest('SHA-256', …)
 * (the kernel has no DOM types: Node and the worker pass their own).
 */
export async function webCryptoBench(
  digest: (msg: Uint8Array) => Promise<unknown>,
  now: () => number,
  count = 10_000,
): Promise<Record<string, Record<string, number>>> {
  const per = (ms: number, n: number) => +((ms * 1000) / n).toFixed(3);
  const out: Record<string, Record<string, number>> = {};
  for (const size of [65, 150, 300]) {
    const msg = new Uint8Array(size).map((_, i) => i);
    let t = now();
    for (let i = 0; i < count; i++) await digest(msg);
    const awaited = per(now() - t, count);
    t = now();
    for (let b = 0; b < count; b += 1000) await Promise.all(Array.from({ length: 1000 }, () => digest(msg)));
    out[`${size}B`] = { webCryptoAwaitedUs: awaited, webCrypto1000InFlightUs: per(now() - t, count) };
  }
  return out;
}

/** Two bench results, merged size by size. */
export function mergeBench(
  a: Record<string, Record<string, number>>,
  b: Record<string, Record<string, number>>,
): Record<string, Record<string, number>> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = { ...out[k], ...v };
  return out;
}
