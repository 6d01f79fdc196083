import { describe, expect, it } from 'vitest';
import { KernelHost } from './host';

function busy(): KernelHost {
  const h = new KernelHost(undefined, false);
  h.exec('spawn "idle" with { chat: @chat_participant }');
  h.kernel.step(250);
  h.exec('grant 10 @stdio');
  h.kernel.step(500);
  h.exec('defense gate0 off');
  h.exec('spawn "chat-client" with { chat: client @chat badge 200 }');
  h.kernel.step(1234);
  h.exec('kill 10');
  h.kernel.step(77);
  return h;
}

describe('sessions', () => {
  it('scenario + seed + log + tick rebuild the same ledger, byte for byte', () => {
    const a = busy();
    const saved = JSON.parse(JSON.stringify(a.session()));
    const b = new KernelHost(undefined, false);
    expect(b.restore(saved)).toMatchObject({ ok: true });
    expect(b.kernel.ticks).toBe(a.kernel.ticks);
    expect(b.kernel.ledger.page(1, 1e6)).toEqual(a.kernel.ledger.page(1, 1e6));
    expect(b.session()).toEqual(a.session());
  });

  it.each([
    [null, 'a session is an object'],
    [{ scenario: 1, seed: 1, log: [], ticks: 0 }, 'session.scenario'],
    [{ scenario: '{}', seed: -1, log: [], ticks: 0 }, 'session.seed'],
    [{ scenario: '{}', seed: 1, log: {}, ticks: 0 }, 'session.log'],
    [{ scenario: '{}', seed: 1, log: [{ at: 5, line: 'ps' }, { at: 2, line: 'ps' }], ticks: 9 }, 'session.log[1].at'],
    [{ scenario: '{}', seed: 1, log: [{ at: 0, line: 'ps', input: 'yes' }], ticks: 0 }, 'session.log[0]'],
    [{ scenario: '{"format":"nope"}', seed: 1, log: [], ticks: 0 }, 'format'],
  ])('refuses a malformed session (%j) and keeps the running one', (bad, named) => {
    const h = busy();
    const before = h.kernel.ledger.length;
    const r = h.restore(bad as never);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(named);
    expect(h.kernel.ledger.length).toBe(before);
    expect(h.exec('ps').lines.length).toBeGreaterThan(3);
  });
});

describe('time travel', () => {
  it('shows the past by replay, refuses commands there, and goes back to live unchanged', () => {
    const h = busy();
    const live = h.kernel.ledger.page(1, 1e6);
    const ticks = h.kernel.ticks;
    const booted = new KernelHost(undefined, false).kernel.ledger.length;
    let previous = 0;
    for (const seq of [1, booted + 2, live.length - 3, live.length - 1, live.length]) {
      const t = h.travel(seq);
      expect(t.traveling).toBe(true);
      expect(t.total).toBe(live.length);
      // The last state with at most `seq` records (boot's records come all at once).
      expect(t.seq).toBeLessThanOrEqual(Math.max(seq, booted));
      expect(t.seq).toBeGreaterThanOrEqual(previous);
      previous = t.seq;
      expect(h.kernel.ledger.page(1, 1e6)).toEqual(live.slice(0, t.seq));
    }
    expect(previous).toBe(live.length);
    // Stepping forward always moves: to the first state with at least one more record.
    const at = h.travel(live.length - 3).seq;
    const next = h.travel(at + 1, 'forward');
    expect(next.seq).toBeGreaterThan(at);
    expect(h.kernel.ledger.page(1, 1e6)).toEqual(live.slice(0, next.seq));
    h.travel(20);
    expect(h.exec('ps').lines[0].text).toMatch(/looking at the past/);
    const back = h.travelEnd();
    expect(back).toEqual({ traveling: false, seq: live.length, total: live.length });
    expect(h.kernel.ticks).toBe(ticks);
    expect(h.kernel.ledger.page(1, 1e6)).toEqual(live);
  });

  it('"resume from here" forks: the old future is dropped and new commands apply', () => {
    const h = busy();
    const total = h.kernel.ledger.length;
    const t = h.travel(Math.floor(total / 2));
    const forked = h.travelFork();
    expect(forked).toEqual({ traveling: false, seq: t.seq, total: t.seq });
    expect(h.log.length).toBeLessThan(busy().log.length);
    h.exec('spawn "idle"');
    expect(h.kernel.ledger.length).toBeGreaterThan(t.seq);
    // The fork is itself a session that replays exactly.
    const again = new KernelHost(undefined, false);
    again.restore(h.session());
    expect(again.kernel.ledger.page(1, 1e6)).toEqual(h.kernel.ledger.page(1, 1e6));
  });
});
