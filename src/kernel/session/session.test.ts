import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import { MAX_LOG, MAX_SESSION_TICKS, sessionProblem } from './check';

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
    expect(b.restoreNow(saved)).toMatchObject({ ok: true });
    expect(b.kernel.ticks).toBe(a.kernel.ticks);
    expect(b.kernel.ledger.page(1, 1e6)).toEqual(a.kernel.ledger.page(1, 1e6));
    expect(b.session()).toEqual(a.session());
  });

  it.each([
    [null, 'a session is an object'],
    [{ scenario: 1, seed: 1, log: [], ticks: 0 }, 'session.scenario'],
    [{ scenario: '{}', seed: -1, log: [], ticks: 0 }, 'session.seed'],
    [{ scenario: '{}', seed: 1, log: {}, ticks: 0 }, 'session.log'],
    [
      {
        scenario: '{}',
        seed: 1,
        log: [
          { at: 5, line: 'ps' },
          { at: 2, line: 'ps' },
        ],
        ticks: 9,
      },
      'session.log[1].at',
    ],
    [{ scenario: '{}', seed: 1, log: [{ at: 0, line: 'ps', input: 'yes' }], ticks: 0 }, 'session.log[0]'],
    [{ scenario: '{"format":"nope"}', seed: 1, log: [], ticks: 0 }, 'format'],
    // A log entry at tick 10^15 would replay practically forever: refused, naming the entry and the bound.
    [
      { scenario: '{}', seed: 1, log: [{ at: 1e15, line: 'ps' }], ticks: 0 },
      'session.log[0].at: tick 1000000000000000 is past the most a session may hold (604800000 ms, a week of virtual time)',
    ],
    [{ scenario: '{}', seed: 1, log: [], ticks: 1e15 }, 'session.ticks'],
    [
      {
        scenario: '{}',
        seed: 1,
        log: [
          { at: 5, within: 3, line: 'ps' },
          { at: 5, within: 2, line: 'ps' },
        ],
        ticks: 9,
      },
      'session.log[1].within: earlier in tick 5',
    ],
    [
      {
        scenario: '{}',
        seed: 1,
        log: [
          { at: 5, line: 'ps' },
          { at: 5, within: 2, line: 'ps' },
        ],
        ticks: 9,
      },
      'session.log[1].within',
    ],
    [{ scenario: '{}', seed: 1, log: [{ at: 5, within: -1, line: 'ps' }], ticks: 9 }, 'session.log[0].within: a whole number'],
  ])('refuses a malformed session (%j) and keeps the running one', (bad, named) => {
    const h = busy();
    const before = h.kernel.ledger.length;
    const r = h.restoreNow(bad as never);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(named);
    expect(h.kernel.ledger.length).toBe(before);
    expect(h.exec('ps').lines.length).toBeGreaterThan(3);
  });
});

describe('time travel', () => {
  it('shows the past by replay, refuses commands there, and goes back to live unchanged', async () => {
    const h = busy();
    const live = h.kernel.ledger.page(1, 1e6);
    const ticks = h.kernel.ticks;
    const booted = new KernelHost(undefined, false).kernel.ledger.length;
    let previous = 0;
    for (const seq of [1, booted + 2, live.length - 3, live.length - 1, live.length]) {
      const t = await h.travel(seq);
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
    const at = (await h.travel(live.length - 3)).seq;
    const next = await h.travel(at + 1, 'forward');
    expect(next.seq).toBeGreaterThan(at);
    expect(h.kernel.ledger.page(1, 1e6)).toEqual(live.slice(0, next.seq));
    await h.travel(20);
    expect(h.exec('ps').lines[0].text).toMatch(/looking at the past/);
    const back = h.travelEnd();
    expect(back).toEqual({ traveling: false, seq: live.length, total: live.length });
    expect(h.kernel.ticks).toBe(ticks);
    expect(h.kernel.ledger.page(1, 1e6)).toEqual(live);
  });

  it('"resume from here" forks: the old future is dropped and new commands apply', async () => {
    const h = busy();
    const total = h.kernel.ledger.length;
    const t = await h.travel(Math.floor(total / 2));
    const forked = h.travelFork();
    expect(forked).toEqual({ traveling: false, seq: t.seq, total: t.seq });
    expect(h.log.length).toBeLessThan(busy().log.length);
    h.exec('spawn "idle"');
    expect(h.kernel.ledger.length).toBeGreaterThan(t.seq);
    // The fork is itself a session that replays exactly.
    const again = new KernelHost(undefined, false);
    again.restoreNow(h.session());
    expect(again.kernel.ledger.page(1, 1e6)).toEqual(h.kernel.ledger.page(1, 1e6));
  });
});

describe('long replays', () => {
  /** A host whose restore pauses after every slice, as the worker's does, with a counter of pauses. */
  function pausing() {
    let clock = 0;
    const timing = { now: () => (clock += 10), pause: () => new Promise<void>((r) => setTimeout(r, 0)) };
    return new KernelHost(undefined, false, timing);
  }

  it('a restore runs in slices with progress, and shows the restored world only when it is done', async () => {
    const a = busy();
    a.kernel.step(200_000);
    const h = pausing();
    const before = h.kernel;
    const progress: number[] = [];
    const done = h.restore(a.session());
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 0));
      const p = h.restoreProgress();
      if (p) progress.push(p.ticks / p.totalTicks);
      expect(h.kernel).toBe(before); // meanwhile the world shown is the old one
    }
    expect(await done).toMatchObject({ ok: true });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress[progress.length - 1]).toBeGreaterThan(progress[0]);
    expect(h.restoreProgress()).toBeNull();
    expect(h.kernel.ledger.page(1, 1e6)).toEqual(a.kernel.ledger.page(1, 1e6));
  });

  it('a restore can be stopped: the session shown stays exactly as it was', async () => {
    const a = busy();
    a.kernel.step(500_000);
    const h = pausing();
    h.exec('spawn "idle"');
    const mine = h.session();
    const done = h.restore(a.session());
    await new Promise((r) => setTimeout(r, 0));
    expect(h.restoreProgress()).not.toBeNull();
    h.restoreStop();
    expect(await done).toEqual({ ok: false, errors: ['the replay was stopped'] });
    expect(h.session()).toEqual(mine);
    expect(
      h
        .exec('ps')
        .lines.map((l) => l.text)
        .join('\n'),
    ).toMatch(/idle/);
  });
});

describe('time travel in a long session', () => {
  it('replays in slices too, and a scrub superseded by a newer one gives way to it', async () => {
    let clock = 0;
    let pauses = 0;
    const h = new KernelHost(undefined, false, {
      now: () => (clock += 10),
      pause: () => (pauses++, new Promise<void>((r) => setTimeout(r, 0))),
    });
    h.exec('spawn "idle" with { chat: @chat_participant }');
    h.kernel.step(30_000);
    h.exec('spawn "idle"');
    h.kernel.step(30_000);
    const live = h.kernel.ledger.page(1, 1e6);
    const first = h.travel(live.length - 1);
    const second = h.travel(live.length - 2); // the newer request wins; the first stops at its next pause
    const [a, b] = await Promise.all([first, second]);
    expect(pauses).toBeGreaterThan(4);
    expect(b.traveling).toBe(true);
    expect(h.kernel.ledger.page(1, 1e6)).toEqual(live.slice(0, b.seq));
    expect(a.traveling).toBe(true); // the first answered at once with where things stood, without replaying on
    expect((await h.travelEnd()).seq).toBe(live.length);
  });
});

describe('the bounds a saved session keeps', () => {
  it('at the most commands a session may hold, a command is refused visibly, not lost silently', () => {
    const h = new KernelHost(undefined, false);
    for (let i = h.log.length; i < MAX_LOG; i++) h.log.push({ at: 0, line: 'ps' });
    const r = h.exec('spawn "idle"');
    expect(r.lines[0]).toMatchObject({
      style: 'error',
      text: expect.stringMatching(/^the session's command log is full \(250,000 commands/),
    });
    expect(r.logged).toBeUndefined();
    expect(h.log.length).toBe(MAX_LOG);
    expect([...h.kernel.processes.values()].some((p) => p.program === 'idle' && p.name === 'idle')).toBe(false); // not run: it could not be kept
    expect(sessionProblem(h.session())).toBeNull(); // and what is kept still restores
  });

  it('a session of the most commands a session may hold restores', () => {
    const h = new KernelHost(undefined, false);
    const log = Array.from({ length: MAX_LOG }, (_, i) => ({ at: Math.floor(i / 100), line: 'clock' }));
    const session = { scenario: h.scenarioText, seed: h.seed, log, ticks: MAX_LOG / 100 };
    expect(sessionProblem(session)).toBeNull();
    expect(h.restoreNow(session)).toMatchObject({ ok: true });
    expect(h.log.length).toBe(MAX_LOG);
    expect(h.session().log.length).toBe(MAX_LOG);
  });

  it('a line longer than a session may log is refused, not run', () => {
    const h = new KernelHost(undefined, false);
    const r = h.exec(`call @chat_participant send "#lobby" "${'x'.repeat(5000)}"`);
    expect(r.lines[0]).toMatchObject({ style: 'error', text: expect.stringMatching(/^a line holds at most 4,096 characters/) });
    expect(h.log).toHaveLength(0);
  });

  it('the clock stops at a week of virtual time, saying why, so the session can still be saved', () => {
    const h = new KernelHost(undefined, false);
    h.kernel.ticks = MAX_SESSION_TICKS - 3; // as if it had run a week (idle time only)
    h.kernel.time = MAX_SESSION_TICKS - 3;
    h.advance(50);
    expect(h.kernel.ticks).toBe(MAX_SESSION_TICKS);
    expect(h.kernel.running).toBe(false);
    expect(h.kernel.ledger.page(h.kernel.ledger.length, 1)[0].detail).toMatch(/^clock stopped: the session holds a week of virtual time/);
    h.exec('clock step 100');
    expect(h.kernel.ticks).toBe(MAX_SESSION_TICKS);
    expect(sessionProblem(h.session())).toBeNull();
    // The stop happens in the tick itself, so a replay of the session stops there the same way.
    const records = h.kernel.ledger
      .page(1, h.kernel.ledger.length)
      .slice(-2)
      .map((e) => e.detail);
    const again = new KernelHost(undefined, false);
    again.kernel.ticks = MAX_SESSION_TICKS - 3;
    again.kernel.time = MAX_SESSION_TICKS - 3;
    again.kernel.step(3);
    expect(
      again.kernel.ledger
        .page(1, again.kernel.ledger.length)
        .slice(-2)
        .map((e) => e.detail),
    ).toEqual(records);
  });
});
