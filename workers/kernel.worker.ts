/// <reference lib="webworker" />
import { expose } from 'comlink';
import { KernelHost } from '../src/kernel/host';

// The kernel worker: the one writer of kernel state. Commands arrive over comlink; state leaves through the
// SharedArrayBuffer, published after every command and every driver tick.
const host = new KernelHost();

const FRAME_MS = 16;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  host.advance(now - last);
  last = now;
}, FRAME_MS);

expose(host);
