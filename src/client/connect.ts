import type { Remote } from 'comlink';
import type { StoreApi } from 'zustand/vanilla';
import type { KernelWorkerApi } from '../kernel/host-api';
import { SabViews } from '../kernel/sab/layout';
import type { AppState } from '../store/store';
import { ConsoleFeed } from './consoleFeed';
import { FrameLoop } from './frames';
import { LedgerFeed } from './ledgerFeed';

/** Kinds of ledger record after which the yield view may have changed. */
const YIELD_KINDS = new Set(['yield', 'verdict', 'defense', 'boot']);

/**
 * Wire a worker whose world is ready into the store: the frame loop over its state buffer (followed when a
 * scenario moves it to a bigger one), the ledger and console feeds, and the yield view, read in bulk once per
 * batch of records that could change it (never per frame). Used by the full app's client and the embed's alike.
 * Returns the feeds and what to call to stop listening.
 */
export function connectFeeds(
  store: StoreApi<AppState>,
  kernel: Remote<KernelWorkerApi>,
  views: SabViews,
): { loop: FrameLoop; ledger: LedgerFeed; stop: () => void } {
  const loop = new FrameLoop(views);
  const ledger = new LedgerFeed(views, (from, n) => kernel.ledgerPage(from, n));
  const console = new ConsoleFeed(views);
  loop.onMoved = () =>
    void kernel.buffer().then(
      (buffer) => {
        const moved = new SabViews(buffer);
        loop.attach(moved);
        ledger.views = moved;
        console.views = moved;
      },
      () => {}, // a worker going away cannot answer; recovery starts a new loop
    );
  loop.subscribe((f) => ledger.onFrame(f));
  loop.subscribe(console.onFrame);
  loop.start();
  store.setState({ status: 'ready', problem: '', kernel, frames: loop, ledger, console, travel: null });

  let seenSeq = 0;
  const refresh = () =>
    kernel.yieldView().then(
      (yields) => store.setState({ yields }),
      () => {},
    );
  refresh();
  const stopYields = ledger.subscribe(() => {
    if (ledger.head < seenSeq) seenSeq = 0; // a new scenario restarted the sequence
    let relevant = false;
    for (let i = ledger.entries.length - 1; i >= 0 && ledger.entries[i].seq > seenSeq; i--)
      relevant ||= YIELD_KINDS.has(ledger.entries[i].kind);
    seenSeq = ledger.head;
    if (relevant) refresh();
  });
  return { loop, ledger, stop: stopYields };
}
