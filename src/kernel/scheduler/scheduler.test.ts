import { describe, expect, it } from 'vitest';
import { forkBombWorld } from '../../../bench/scenarios';
import { KernelHost, replay } from '../host';
import { MIN_SLICE } from './scheduler';

/** The whole ledger as bytes, and every fiber's scheduling state: what determinism is about. */
const ledgerBytes = (h: KernelHost) =>
  JSON.stringify({
    ledger: h.kernel.ledger.page(1, h.kernel.ledger.length),
    fibers: [...h.kernel.processes.values()].map((p) => [p.pid, p.state, p.runs, p.meter.energy, p.spent, p.wakeAt, p.latency]),
  });

describe('the scheduler runs in slices of bounded work', () => {
  it('in the 3,991-fork-bomb world no slice exceeds its work bound, and slices end inside ticks', () => {
    const h = new KernelHost(undefined, false);
    expect(h.boot(JSON.stringify(forkBombWorld(3991)))).toMatchObject({ ok: true });
    const s = h.kernel.scheduler;
    const budget = 4096;
    let inside = 0;
    let most = 0;
    for (;;) {
      const before = s.work;
      const done = s.runTo(3, undefined, budget);
      most = Math.max(most, s.work - before);
      if (done) break;
      if (s.within !== undefined) inside++;
    }
    expect(most).toBeLessThanOrEqual(budget);
    expect(most).toBeGreaterThan(budget - MIN_SLICE); // slices are full, not timid
    expect(inside).toBeGreaterThan(2); // the first tick (every bomb spawning into a full table) takes many slices
    expect(h.kernel.ticks).toBe(3);
    expect(h.kernel.processes.size).toBeGreaterThan(8000);
  });

  it('commands that arrive inside a tick replay at exactly that turn: the same ledger, byte for byte', () => {
    const h = new KernelHost(undefined, false);
    const s = h.kernel.scheduler;
    const lines = [
      'spawn "flooder" with { chat: @chat_participant }',
      'defense energy off',
      'defense energy on',
      'defense energy off',
      'spawn "forkbomb" with { spawner: @spawner }',
      'run "chat-client" with { stdio: client @stdio, chat: @chat_participant }',
      'hello from inside a tick',
      'defense energy on',
      'ps',
    ];
    let sent = 0;
    // Small, odd budgets so commands land at many different turns of many ticks.
    for (let slice = 0; h.kernel.ticks < 400; slice++) {
      s.runTo(h.kernel.ticks + 1, undefined, MIN_SLICE + (slice % 7) * 13);
      if (slice % 9 === 4 && sent < lines.length) {
        const line = lines[sent++];
        if (h.kernel.foreground && !line.startsWith('defense') && line !== 'ps') h.input(line);
        else h.exec(line);
      }
    }
    expect(sent).toBe(lines.length);
    expect(h.log.filter((c) => c.within !== undefined).length).toBeGreaterThan(2);
    s.runTo(h.kernel.ticks); // finish the tick in progress, then compare with a replay to the same tick
    const again = replay(h.scenarioText, h.seed, h.log);
    again.kernel.step(h.kernel.ticks - again.kernel.ticks);
    expect(again.kernel.ticks).toBe(h.kernel.ticks);
    expect(ledgerBytes(again)).toBe(ledgerBytes(h));
    // …and replayed whole ticks at a time instead (no slicing at all) it is the same again.
    const restored = new KernelHost(undefined, false);
    expect(restored.restoreNow(h.session())).toMatchObject({ ok: true });
    expect(ledgerBytes(restored)).toBe(ledgerBytes(h));
  });

  it('clock step in a heavy world returns at once and owes the rest, which the driver runs in slices', () => {
    const h = new KernelHost(undefined, false);
    h.boot(JSON.stringify(forkBombWorld(3991)));
    h.exec('clock pause');
    const before = h.kernel.scheduler.work;
    const out = h
      .exec('clock step 40')
      .lines.map((l) => l.text)
      .join('\n');
    expect(h.kernel.scheduler.work - before).toBeLessThanOrEqual(50_000); // bounded work before it answers
    expect(out).toMatch(/stepping on: \d+ ms to go/);
    const owed = h.kernel.stepsOwed;
    expect(owed).toBeGreaterThan(0);
    const at = h.kernel.ticks;
    let calls = 0;
    for (; calls < 1000 && h.kernel.stepsOwed > 0; calls++) {
      let slices = 0;
      h.advance(16, () => ++slices >= 16); // sixteen slices a call
    }
    expect(calls).toBeGreaterThan(1);
    expect(h.kernel.stepsOwed).toBe(0);
    expect(h.kernel.ticks - at).toBe(owed);
    expect(h.kernel.running).toBe(false); // paused: only what was asked for ran
  });
});
