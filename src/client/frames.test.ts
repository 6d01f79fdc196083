import { describe, expect, it } from 'vitest';
import { KernelHost } from '../kernel/host';
import { SabViews } from '../kernel/sab/layout';
import { stressScenario } from '../content/scenarios/stress';
import { LedgerFeed } from './ledgerFeed';
import { FrameLoop } from './frames';

describe('FrameLoop', () => {
  it('notices the worker moved to a bigger state buffer, says so once, and reads the new one once attached', async () => {
    const host = new KernelHost(undefined, true);
    const loop = new FrameLoop(new SabViews(host.buffer()));
    const feed = new LedgerFeed(loop.views, async (from, n) => host.ledgerPage(from, n));
    let moved = 0;
    loop.onMoved = () => moved++;
    expect(loop.read()).toBe(true);
    feed.onFrame(loop.frame);
    expect(loop.frame.procRows).toBeLessThan(20);

    expect(host.boot(JSON.stringify(stressScenario())).ok).toBe(true);
    expect(loop.read()).toBe(false); // the old buffer is flagged: nothing stale is handed on
    expect(loop.read()).toBe(false);
    expect(moved).toBe(1);

    const views = new SabViews(host.buffer());
    loop.attach(views);
    feed.views = views;
    expect(loop.read()).toBe(true);
    expect(loop.frame.procRows).toBe(1000);
    expect(loop.strings.get(loop.frame.scenarioName)).toMatch(/^Stress/);
    // The feed reads a long backlog a page at a time, one page a frame.
    for (let i = 0; i < 4 && feed.head < host.kernel.ledger.length; i++) {
      feed.onFrame(loop.frame);
      await new Promise((r) => setTimeout(r, 0));
    }
    feed.onFrame(loop.frame);
    expect(feed.head).toBe(host.kernel.ledger.length); // the new world's ledger, not the old one's
  });
});
