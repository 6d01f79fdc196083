/// <reference lib="webworker" />
import { expose } from 'comlink';
import { KernelHost } from '../src/kernel/host';
import type { KernelWorkerApi } from '../src/kernel/host-api';
import { FileSegmentStore, setSegmentStore } from '../src/kernel/ledger/segments';
import { mergeBench, shaBench, webCryptoBench } from '../src/kernel/ledger/shaBench';
import { loadEngine } from '../src/kernel/programs/engine';
import engineWasm from '@jitl/quickjs-wasmfile-release-sync/wasm?url';

// The kernel worker: the one writer of kernel state. Commands arrive over comlink; state leaves through the
// SharedArrayBuffer, published after every command and every driver tick.
class WorkerHost extends KernelHost implements KernelWorkerApi {
  /** For `npm run bench` only: append `n` synthetic records, to measure a long session's ledger in the page. */
  benchFillLedger(n: number): number {
    const kinds = ['grant', 'deny', 'spawn', 'exit', 'verdict', 'auth'] as const;
    const k = this.kernel;
    for (let i = 0; i < Math.min(Math.floor(Number(n)) || 0, 2_000_000); i++) {
      const kind = kinds[i % kinds.length];
      const detail = `bench record ${i}: granted client @chat badge ${i % 255} to worker ${i % 1000}`;
      if (kind === 'verdict') k.verdict('info', 1 + (i % 97), 1 + (i % 89), detail);
      else k.record(kind, 1 + (i % 97), 1 + (i % 89), detail);
    }
    this.publish();
    return k.ledger.length;
  }

  /** For `npm run bench` only: how long the sandbox engine took to load in this worker (ms), once it has. */
  async benchEngineLoadMs(): Promise<number> {
    await engineReady;
    return engineMs;
  }

  /** For `npm run bench` only: the SHA-256 engines compared in this worker (Chromium), as bench/ledger.bench.ts does in Node. */
  async benchHashing(): Promise<Record<string, Record<string, number>>> {
    const now = () => performance.now();
    return mergeBench(shaBench(now), await webCryptoBench((m) => crypto.subtle.digest('SHA-256', m as Uint8Array<ArrayBuffer>), now));
  }

  /** An uncaught error outside any call: the page sees the worker fail, exactly as with a real bug. */
  crash(): void {
    setTimeout(() => {
      throw new Error('the kernel worker was asked to crash');
    });
  }
}

/**
 * Sealed ledger segments (8,192 records each) go to a file in the origin-private file system, read back
 * synchronously when a page, a filter, a verify or an export needs them: a long session's ledger does not live
 * in this worker's memory. Files left by workers that are gone are removed first (a live tab's file is locked,
 * so it stays). Without OPFS, sealed segments stay in memory, packed.
 */
async function spillLedgers(): Promise<void> {
  try {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('capplay-ledger-spill', { create: true });
    for await (const name of dir.keys()) await dir.removeEntry(name).catch(() => {});
    const file = await dir.getFileHandle(`${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.segments`, { create: true });
    const store = new FileSegmentStore(await file.createSyncAccessHandle());
    setSegmentStore(() => store);
  } catch {
    // No origin-private file system here: the default (memory) store serves.
  }
}
void spillLedgers();

/** Between slices of a long replay, let the event loop run (pings, reads, a Stop) before going on. */
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const host = new WorkerHost(undefined, undefined, { now: () => performance.now(), pause });

/**
 * The sandbox engine for user programs (QuickJS, ~500 KB of wasm) loads here, in the worker, never in the page.
 * The kernel uses it synchronously, so every call from the page waits for it first (it never rejects: a failed
 * load leaves user programs refusing to start, with the reason, and the rest of the world running).
 */
const engineStart = performance.now();
// Compiled while it downloads; a host that serves .wasm under another type gets the bytes compiled after.
const engineReady = loadEngine(() =>
  WebAssembly.compileStreaming(fetch(engineWasm)).catch(() => fetch(engineWasm).then((r) => r.arrayBuffer())),
);
let engineLoaded = false;
let engineMs = 0;
void engineReady.then(() => {
  engineLoaded = true;
  engineMs = performance.now() - engineStart;
});
const api = new Proxy(host, {
  get(target, key) {
    const v = Reflect.get(target, key, target);
    if (typeof v !== 'function') return v;
    return (...args: unknown[]) => (engineLoaded ? v.apply(target, args) : engineReady.then(() => v.apply(target, args)));
  },
});

/**
 * The driver: every frame, run the world for at most SLICE_MS (a heavy world falls behind real time instead of
 * holding the worker), then publish. Each round is its own task, so pings and commands get in between.
 */
const FRAME_MS = 16;
const SLICE_MS = 8;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (!engineLoaded) {
    last = now; // the world's clock starts when the worker can run it
    return;
  }
  const end = now + SLICE_MS;
  host.advance(now - last, () => performance.now() >= end);
  last = now;
}, FRAME_MS);

expose(api);
