import { wrap, type Remote } from 'comlink';
import type { StoreApi } from 'zustand/vanilla';
import type { KernelWorkerApi } from '../kernel/host-api';
import { SabViews } from '../kernel/sab/layout';
import { FrameLoop } from './frames';
import { connectFeeds } from './connect';
import type { AppState } from '../store/store';

/**
 * The kernel client of an embedded playground (`?embed=1`, src/ui/embed): it starts the worker, boots one
 * scenario and wires the frame loop and the feeds into the store, and that is all. It keeps no session: it never
 * opens IndexedDB, never takes the tab lock (src/session/owner.ts) and never reads the URL fragment, so an embed
 * in a docs page cannot read, overwrite or fight over the session the visitor keeps in the full app. Nothing is
 * saved, so there is nothing to recover: if the worker dies the embed says so and a reload starts it over.
 */
export class EmbedClient {
  private worker: Worker | null = null;
  private frames: FrameLoop | null = null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly store: StoreApi<AppState>,
    private readonly spawnWorker: () => Worker,
  ) {}

  /** Boot `scenarioText` in a new worker and show it; or say plainly why it cannot run here. */
  async start(scenarioText: string): Promise<void> {
    const store = this.store;
    if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
      store.setState({ status: 'not-isolated', problem: 'This frame is not cross-origin isolated, so the kernel cannot run in it.' });
      return;
    }
    const w = (this.worker = this.spawnWorker());
    w.addEventListener('error', (e) => {
      e.preventDefault();
      if (this.worker !== w) return;
      this.dispose();
      store.setState({ status: 'error', problem: `The kernel stopped (${e.message || 'unknown error'}). Reload to start the demo again.` });
    });
    const kernel = wrap<KernelWorkerApi>(w);
    try {
      const booted = await kernel.boot(scenarioText);
      if (!booted.ok) throw new Error(booted.errors[0] ?? 'the scenario did not boot');
      const views = new SabViews(await kernel.buffer());
      if (this.worker !== w) return;
      this.attach(kernel, views);
    } catch (e) {
      if (this.worker !== w) return;
      store.setState({ status: 'error', problem: `The kernel could not start: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** End the worker, the frame loop and the listeners. */
  dispose(): void {
    this.frames?.stop();
    this.frames = null;
    for (const u of this.unsubscribe.splice(0)) u();
    this.worker?.terminate();
    this.worker = null;
  }

  private attach(kernel: Remote<KernelWorkerApi>, views: SabViews): void {
    const { loop, stop } = connectFeeds(this.store, kernel, views);
    this.frames = loop;
    this.unsubscribe.push(stop);
  }
}
