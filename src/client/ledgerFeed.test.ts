import { describe, expect, it } from 'vitest';
import { KernelHost } from '../kernel/host';
import { Frame, readFrame, type Capacity } from '../kernel/sab/layout';
import { FEED_WINDOW, LedgerFeed } from './ledgerFeed';

const small: Capacity = {
  processes: 64,
  caps: 256,
  objects: 16,
  machines: 2,
  ledgerRing: 8,
  strings: 512,
  stringBytes: 16384,
  consoleLines: 16,
};

function setup() {
  const host = new KernelHost(small, true);
  const frame = new Frame(small);
  const fetched: [number, number][] = [];
  const feed = new LedgerFeed(host.views, async (from, n) => {
    fetched.push([from, n]);
    return host.ledgerPage(from, n);
  });
  const tick = async () => {
    readFrame(host.views, frame);
    feed.onFrame(frame);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { host, feed, fetched, tick };
}

describe('LedgerFeed', () => {
  it('fetches what the ring already overwrote from the worker, then follows the ring', async () => {
    const { host, feed, fetched, tick } = setup();
    await tick(); // boot wrote more events than the 8-slot ring holds
    await tick();
    expect(fetched).toEqual([[1, host.kernel.ledger.length]]);
    expect(feed.entries.map((e) => e.seq)).toEqual(host.kernel.ledger.page(1, 1e4).map((e) => e.seq));
    host.exec('clock pause');
    host.exec('clock run');
    await tick();
    expect(fetched).toHaveLength(1); // two new events: read from the ring, no fetch
    expect(feed.entries.slice(-2).map((e) => e.detail)).toEqual(['clock paused', 'clock running']);
  });

  it('starts over when a new scenario boots', async () => {
    const { host, feed, tick } = setup();
    await tick();
    await tick();
    const versions = feed.version;
    host.boot(
      JSON.stringify({
        format: 'capplay-scenario',
        version: 1,
        name: 'Solo',
        machines: [{ name: 'm' }],
        processes: [{ name: 'sh', program: 'shell' }],
      }),
    );
    await tick();
    await tick();
    expect(feed.version).toBeGreaterThan(versions);
    expect(feed.entries[0]).toMatchObject({ seq: 1, kind: 'boot', detail: 'boot "Solo" with seed 1' });
    expect(feed.entries).toHaveLength(host.kernel.ledger.length);
  });

  it('keeps a window of the newest records: a long session is not all held in the page', async () => {
    const { host, feed, fetched, tick } = setup();
    await tick();
    await tick();
    // Far more records than the window holds, appended while the page was not looking.
    for (let i = 0; i < FEED_WINDOW + 25_000; i++) host.kernel.record('grant', 1, 1, `record ${i}`);
    host.publish();
    for (let i = 0; i < 40 && feed.head < host.kernel.ledger.length; i++) await tick();
    expect(feed.head).toBe(host.kernel.ledger.length);
    expect(feed.entries.length).toBeLessThanOrEqual(FEED_WINDOW);
    expect(feed.base).toBe(feed.head - feed.entries.length + 1);
    // It skipped straight to the window: nothing older was fetched for nothing.
    expect(fetched.at(-1)![0]).toBeGreaterThan(host.kernel.ledger.length - FEED_WINDOW - 1);
    expect(feed.bySeq(feed.head)?.detail).toBe(`record ${FEED_WINDOW + 25_000 - 1}`);
    expect(feed.bySeq(feed.base - 1)).toBeUndefined();
  });
});
