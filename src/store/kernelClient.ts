import { wrap } from 'comlink';
import type { KernelHostApi } from '../kernel/host-api';
import { SabViews } from '../kernel/sab/layout';
import { LedgerFeed } from '../ui/ledger/ledgerFeed';
import { ConsoleFeed } from '../ui/terminal/consoleFeed';
import { FrameLoop } from './frames';
import { appStore } from './store';

/** Start the kernel worker and the frame loop, or say plainly why it cannot start. */
export async function startKernel(): Promise<void> {
  if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
    appStore.setState({
      status: 'not-isolated',
      problem:
        'This page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the kernel cannot start. ' +
        'Serve it with the headers "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" ' +
        '(npm start and npm run preview do; public/_headers does on Netlify and Cloudflare Pages), or use a browser that allows the ' +
        'service-worker fallback, then reload.',
    });
    return;
  }
  try {
    const worker = new Worker(new URL('../../workers/kernel.worker.ts', import.meta.url), { type: 'module', name: 'kernel' });
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      appStore.setState({ status: 'error', problem: `The kernel worker failed: ${e.message || 'unknown error'}. Reload the page to start again.` });
    });
    const kernel = wrap<KernelHostApi>(worker);
    const views = new SabViews(await kernel.buffer());
    const frames = new FrameLoop(views);
    const ledger = new LedgerFeed(views, (from, n) => kernel.ledgerPage(from, n));
    const console = new ConsoleFeed(views);
    frames.subscribe((f) => ledger.onFrame(f));
    frames.subscribe(console.onFrame);
    frames.start();
    appStore.setState({ status: 'ready', kernel, frames, ledger, console });
  } catch (e) {
    appStore.setState({ status: 'error', problem: `The kernel could not start: ${e instanceof Error ? e.message : String(e)}` });
  }
}
