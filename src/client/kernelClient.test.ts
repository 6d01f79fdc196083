import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expose } from 'comlink';
import { createStore } from 'zustand/vanilla';
import { KernelHost } from '../kernel/host';
import { appStore, type AppState } from '../store/store';
import { KernelClient } from './kernelClient';

/** A kernel "worker" in this thread: a real KernelHost exposed over a MessageChannel, as the worker does. */
class FakeWorker {
  posted = 0;
  terminated = false;
  /** What the client listens for when a worker crashes. */
  onError: ((e: { preventDefault(): void; message: string }) => void) | null = null;
  readonly channel = new MessageChannel();
  constructor() {
    expose(new KernelHost(undefined, true), this.channel.port2);
    this.channel.port1.start();
  }
  postMessage(message: unknown, transfer: Transferable[] = []) {
    this.posted++;
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
  const client = new KernelClient({
    store,
    spawnWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    },
  });
  return { store, workers, client };
}

describe('KernelClient', () => {
  beforeEach(() => {
    // Only the timers: the worker's messages still travel (MessageChannel is not a timer).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    vi.stubGlobal('crossOriginIsolated', true);
    vi.stubGlobal('navigator', {}); // no Web Locks: this tab keeps the session
    vi.stubGlobal('location', { hash: '', pathname: '/', search: '' });
    vi.stubGlobal('history', { replaceState: () => {} });
    vi.stubGlobal('requestAnimationFrame', (f: () => void) => setTimeout(f, 16));
    vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('says the page is not isolated, and starts no worker, when SharedArrayBuffer cannot be shared', async () => {
    vi.stubGlobal('crossOriginIsolated', false);
    const { store, workers, client } = setup();
    await client.start();
    expect(store.getState().status).toBe('not-isolated');
    expect(store.getState().problem).toMatch(/not cross-origin isolated/);
    expect(workers).toHaveLength(0);
  });

  it('starts the worker and wires the store; dispose() ends the worker, its timers and its listeners', async () => {
    const { store, workers, client } = setup();
    await client.start();
    const s = store.getState();
    expect(s.status).toBe('ready');
    expect(s.frames && s.ledger && s.console && s.kernel).toBeTruthy();
    // No IndexedDB in Node: the page says the work is not kept, as a browser without storage would.
    expect(s.storage).toMatch(/Your work is not being kept/);
    const result = await s.kernel!.exec('caps 4');
    expect(result.lines[0].text).toMatch(/shell \(pid 4\) holds \d+ caps/);
    expect(vi.getTimerCount()).toBeGreaterThan(0); // heartbeat, saving, the frame loop

    client.dispose();
    expect(workers).toHaveLength(1);
    expect(workers[0].terminated).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    const posted = workers[0].posted;
    const before = store.getState();
    store.setState({ presenter: true }); // a layout change would save at once, were anyone listening
    vi.advanceTimersByTime(60_000); // no heartbeat, no periodic save, no recovery
    expect(workers[0].posted).toBe(posted);
    expect(workers).toHaveLength(1);
    expect(store.getState()).toEqual({ ...before, presenter: true });
  });

  it('disposed while it still reads storage, it stops there: no world is attached, nothing keeps running', async () => {
    const { store, workers, client } = setup();
    const started = client.start();
    client.dispose();
    await started;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.getState().status).toBe('starting');
    expect(store.getState().kernel).toBeNull();
    expect(workers[0].terminated).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a recovered worker leaves nothing listening to the old feed, so the old state buffer can go', async () => {
    const { store, workers, client } = setup();
    await client.start();
    const feeds = [store.getState().ledger!];
    for (let i = 0; i < 2; i++) {
      workers.at(-1)!.onError!({ preventDefault() {}, message: 'boom' });
      for (let j = 0; j < 100 && (store.getState().status !== 'ready' || store.getState().ledger === feeds.at(-1)); j++)
        await vi.advanceTimersByTimeAsync(50);
      expect(store.getState().status).toBe('ready');
      feeds.push(store.getState().ledger!);
    }
    expect(new Set(feeds).size).toBe(3);
    // The feed's own listener set (private): the client's saving and yield watching subscribe to it.
    const listening = (f: object) => (f as { listeners: Set<unknown> }).listeners.size;
    expect(feeds.slice(0, 2).map(listening)).toEqual([0, 0]);
    expect(listening(feeds[2])).toBeGreaterThan(0);
    client.dispose();
    expect(listening(feeds[2])).toBe(0);
  });
});
