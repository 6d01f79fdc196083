/// <reference lib="webworker" />
import { expose } from 'comlink';
import { KernelHost } from '../src/kernel/host';
import type { KernelWorkerApi } from '../src/kernel/host-api';

// The kernel worker: the one writer of kernel state. Commands arrive over comlink; state leaves through the
// SharedArrayBuffer, published after every command and every driver tick.
class WorkerHost extends KernelHost implements KernelWorkerApi {
  /** An uncaught error outside any call: the page sees the worker fail, exactly as with a real bug. */
  /** For `npm run bench` only: append `n` synthetic records, to measure a long session's ledger in the page. */
  benchFillLedger(n: number): number {
    const kinds = ['grant', 'deny', 'spawn', 'exit', 'verdict', 'auth'] as const;
    const k = this.kernel;
    for (let i = 0; i < Math.min(Math.floor(Number(n)) || 0, 2_000_000); i++) {
      k.record(kinds[i % kinds.length], 1 + (i % 97), 1 + (i % 89), `bench record ${i}: granted client @chat badge ${i % 255} to worker ${i % 1000}`);
    }
    this.publish();
    return k.ledger.length;
  }

  crash(): void {
    setTimeout(() => {
      throw new Error('the kernel worker was asked to crash');
    });
  }
}

const host = new WorkerHost();

const FRAME_MS = 16;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  host.advance(now - last);
  last = now;
}, FRAME_MS);

expose(host);
