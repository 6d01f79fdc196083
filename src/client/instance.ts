import { appStore } from '../store/store';
import { KernelClient } from './kernelClient';

/** The page's one kernel client, for the app's lifetime: main.tsx starts it, the panels that need it import it. */
export const kernelClient = new KernelClient({
  store: appStore,
  spawnWorker: () => new Worker(new URL('../../workers/kernel.worker.ts', import.meta.url), { type: 'module', name: 'kernel' }),
});
