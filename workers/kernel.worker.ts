/// <reference lib="webworker" />
import { expose } from 'comlink';
import { KernelHost } from '../src/kernel/host';
import type { KernelWorkerApi } from '../src/kernel/host-api';

// The kernel worker: the one writer of kernel state. Commands arrive over comlink; state leaves through the
// SharedArrayBuffer, published after every command and every driver tick.
class WorkerHost extends KernelHost implements KernelWorkerApi {
  /** An uncaught error outside any call: the page sees the worker fail, exactly as with a real bug. */
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
