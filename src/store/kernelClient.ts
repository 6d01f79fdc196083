import { wrap, type Remote } from 'comlink';
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
    watchYields(kernel, ledger);
  } catch (e) {
    appStore.setState({ status: 'error', problem: `The kernel could not start: ${e instanceof Error ? e.message : String(e)}` });
  }
}

/** Kinds of ledger record after which the yield view may have changed. */
const YIELD_KINDS = new Set(['yield', 'verdict', 'defense', 'boot']);

/** One bulk read of the yield view per batch of ledger records that could change it (never per frame). */
function watchYields(kernel: Remote<KernelHostApi>, ledger: LedgerFeed): void {
  let seenSeq = 0;
  const refresh = () => kernel.yieldView().then((yields) => appStore.setState({ yields }), () => {});
  refresh();
  ledger.subscribe(() => {
    if (ledger.head < seenSeq) seenSeq = 0; // a new scenario restarted the sequence
    let relevant = false;
    for (let i = ledger.entries.length - 1; i >= 0 && ledger.entries[i].seq > seenSeq; i--) relevant ||= YIELD_KINDS.has(ledger.entries[i].kind);
    seenSeq = ledger.head;
    if (relevant) refresh();
  });
}
