import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expose } from 'comlink';
import { createStore } from 'zustand/vanilla';
import { KernelHost } from '../kernel/host';
import { appStore, type AppState } from '../store/store';
import { BUILT_IN_SCENARIOS } from '../content/scenarios';
import { EmbedClient } from './embedClient';

/** A kernel "worker" in this thread: a real KernelHost over a MessageChannel (as in kernelClient.test.ts). */
class FakeWorker {
  terminated = false;
  onError: ((e: { preventDefault(): void; message: string }) => void) | null = null;
  readonly channel = new MessageChannel();
  constructor() {
    expose(new KernelHost(undefined, true), this.channel.port2);
    this.channel.port1.start();
  }
  postMessage(message: unknown, transfer: Transferable[] = []) {
    if (!this.terminated) this.channel.port1.postMessage(message, transfer);
  }
  addEventListener(type: string, listener: EventListener) {
    if (type === 'message') this.channel.port1.addEventListener(type, listener);
    if (type === 'error') this.onError = listener as never;
  }
  removeEventListener(type: string, listener: EventListener) {
    if (type === 'message') this.channel.port1.removeEventListener(type, listener);
  }
  terminate() {
    this.terminated = true;
    this.channel.port1.close();
    this.channel.port2.close();
  }
}

function setup() {
  const store = createStore<AppState>()(() => ({ ...appStore.getInitialState() }));
  const workers: FakeWorker[] = [];
  const client = new EmbedClient(store, () => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  });
  return { store, workers, client };
}

const pointsav = BUILT_IN_SCENARIOS.find((s) => s.id === 'pointsav')!.text;

describe('EmbedClient', () => {
  /** Every touch of the visitor's session storage, the tab lock or the share fragment. */
  let touched: string[];
  beforeEach(() => {
    touched = [];
    const trap = (name: string) =>
      new Proxy(
        {},
        {
          get: (_t, key) => {
            touched.push(`${name}.${String(key)}`);
            return () => {
              throw new Error(`${name} must not be used`);
            };
          },
        },
      );
    vi.stubGlobal('crossOriginIsolated', true);
    vi.stubGlobal('indexedDB', trap('indexedDB'));
    vi.stubGlobal('navigator', { locks: trap('locks') });
    vi.stubGlobal('location', trap('location'));
    vi.stubGlobal('history', trap('history'));
    vi.stubGlobal('requestAnimationFrame', (f: () => void) => setTimeout(f, 16));
    vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('boots the scenario it is given and runs commands, touching no saved session, lock or link', async () => {
    const { store, client } = setup();
    await client.start(pointsav);
    const s = store.getState();
    expect(s.status).toBe('ready');
    expect(s.ledger && s.console && s.frames).toBeTruthy();
    const r = await s.kernel!.exec('machines');
    expect(r.lines.map((l) => l.text).join('\n')).toMatch(/totebox/i);
    await vi.waitFor(() => expect(store.getState().yields).not.toBeNull());
    expect(s.ownership).toBe('owner'); // the store's default: no lock was asked for, so no "another tab" banner
    client.dispose();
    expect(touched).toEqual([]);
  });

  it('says so, and starts no worker, when the frame is not cross-origin isolated', async () => {
    vi.stubGlobal('crossOriginIsolated', false);
    const { store, workers, client } = setup();
    await client.start(pointsav);
    expect(store.getState().status).toBe('not-isolated');
    expect(workers).toHaveLength(0);
  });

  it('a scenario that does not boot, or a worker that dies, is said plainly and nothing keeps running', async () => {
    const { store, workers, client } = setup();
    await client.start('{"name": 1}');
    expect(store.getState().status).toBe('error');
    expect(store.getState().problem).toMatch(/^The kernel could not start: /);

    const again = setup();
    await again.client.start(pointsav);
    again.workers[0].onError!({ preventDefault() {}, message: 'boom' });
    expect(again.store.getState().status).toBe('error');
    expect(again.store.getState().problem).toBe('The kernel stopped (boom). Reload to start the demo again.');
    expect(again.workers[0].terminated).toBe(true);
    expect(workers).toHaveLength(1);
    client.dispose();
    expect(touched).toEqual([]);
  });
});
