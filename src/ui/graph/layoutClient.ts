import { wrap, type Remote } from 'comlink';
import type { LayoutApi } from './model';

export interface LayoutClient {
  api: Remote<LayoutApi>;
  worker: Worker;
  /** Why the worker failed to load, if it did (an error can fire before any panel listens). */
  failure: string | null;
}

let client: LayoutClient | null = null;

/**
 * The one layout worker, for the app's lifetime. main.tsx starts it before the first render so elk loads and
 * warms up while the kernel boots, instead of after the graph panel mounts.
 */
export function layoutClient(): LayoutClient {
  if (!client) {
    const worker = new Worker(new URL('../../../workers/layout.worker.ts', import.meta.url), { type: 'module', name: 'layout' });
    const c: LayoutClient = { api: wrap<LayoutApi>(worker), worker, failure: null };
    worker.addEventListener('error', (e) => {
      c.failure = e.message || 'it could not be loaded';
    });
    client = c;
  }
  return client;
}
