import { beforeAll, describe, expect, it } from 'vitest';
import { KernelHost, type HostTiming } from '../host';
import type { Session } from '../host-api';
import { sessionProblem } from '../session/check';
import { loadEngine } from './engine';

beforeAll(() => loadEngine());

/**
 * A clock that moves 10 ms each time it is read: the backstop reads it at a step's start and at each interrupt
 * check, so a step is cut at its 101st check on every run (the real clock would make it the test machine's).
 */
function ticking(): HostTiming {
  let t = 0;
  return { now: () => (t += 10), pause: () => Promise.resolve() };
}

/** A loop of 150 interrupt checks (5,000 turns each), within the budget of 200; catching the cut buys nothing (it is an interrupt). */
const CHATTY = `function* main(sys) {
  yield sys.call('stdio', 'write', ['before']);
  let x = 0;
  try { for (let i = 0; i < 750000; i++) x += i % 7; } catch (e) { x = -1; }
  for (let i = 0; i < 100; i++) x += sys.random(2);
  yield sys.call('stdio', 'write', ['after ' + x]);
}`;

function world(timing?: HostTiming): KernelHost {
  const h = new KernelHost(undefined, false, timing);
  const r = h.defineProgram({ name: 'chatty', source: CHATTY, summary: 'many host calls in one step' });
  if (!r.ok) throw new Error(r.error);
  return h;
}
const exits = (h: KernelHost) =>
  h.kernel.ledger
    .page(1, h.kernel.ledger.length)
    .filter((e) => e.kind === 'exit')
    .map((e) => e.detail);
const ledgerBytes = (h: KernelHost) => JSON.stringify(h.kernel.ledger.page(1, h.kernel.ledger.length));
function runChatty(h: KernelHost): void {
  h.exec('run "chatty" with { stdio: client @stdio }');
  h.kernel.step(500);
}

describe('the wall-clock backstop (src/kernel/programs/backstop.ts)', () => {
  it('a live world cuts a step that holds the worker past its limit, and logs where', () => {
    const h = world(ticking());
    runChatty(h);
    const exit = exits(h).find((d) => d.startsWith('chatty ('));
    expect(exit).toMatch(
      /code 137: killed: held the worker too long in one step \(the wall-clock backstop cut its step 2 at interrupt check 101\)$/,
    );
    expect(h.kernel.console.map((c) => c.text).some((t) => t.startsWith('after'))).toBe(false);
    const cuts = h.session().log.filter((c) => c.cut);
    expect(cuts).toHaveLength(1);
    const { pid, step, check } = cuts[0].cut!;
    expect(step).toBe(2);
    expect(check).toBe(101);
    expect(exit).toContain(`(pid ${pid})`);
    expect(sessionProblem(h.session())).toBeNull();
  });

  it('a cut made inside a long command (clock step) is known to the replay before that command runs', () => {
    const live = world(ticking());
    live.exec('clock pause');
    live.exec('spawn "chatty" with { stdio: client @stdio }');
    live.exec('clock step 50'); // the step runs, and is cut, inside this one command
    const log = live.session().log;
    expect(log.findIndex((c) => c.cut)).toBeGreaterThan(log.findIndex((c) => c.line === 'clock step 50'));
    const again = new KernelHost(undefined, false);
    expect(again.restoreNow(live.session())).toMatchObject({ ok: true });
    expect(exits(again).find((d) => d.startsWith('chatty ('))).toContain('cut its step 2 at interrupt check 101');
    expect(ledgerBytes(again)).toBe(ledgerBytes(live));
  });

  it('unwatched (tests, replays), the same program runs to its end', () => {
    const h = world();
    runChatty(h);
    expect(exits(h).find((d) => d.startsWith('chatty ('))).toMatch(/exited with code 0$/);
    expect(h.session().log.some((c) => c.cut)).toBe(false);
  });

  it('a replay, never timed, cuts at the logged entry: the same ledger bytes', () => {
    const live = world(ticking());
    runChatty(live);
    const s = live.session();
    const again = new KernelHost(undefined, false);
    expect(again.restoreNow(s)).toMatchObject({ ok: true });
    expect(ledgerBytes(again)).toBe(ledgerBytes(live));
    // Without the cut the replay runs the step to its end: a different ledger (the test can fail).
    const uncut = new KernelHost(undefined, false);
    expect(uncut.restoreNow({ ...s, log: s.log.filter((c) => !c.cut) })).toMatchObject({ ok: true });
    expect(ledgerBytes(uncut)).not.toBe(ledgerBytes(live));
  });

  it('session files: a cut is checked field by field', () => {
    const base: Session = { scenario: '{}', seed: 1, ticks: 0, log: [] };
    const bad = (cut: unknown, extra: object = {}) =>
      sessionProblem({ ...base, log: [{ at: 0, line: '', cut, ...extra }] } as unknown as Session);
    expect(bad({ pid: 3, step: 1, check: 0 })).toBeNull();
    expect(bad({ pid: 0, step: 1, check: 0 })).toMatch(/^session\.log\[0\]\.cut: pid/);
    expect(bad({ pid: 3, step: 0, check: 0 })).toMatch(/cut: step/);
    expect(bad({ pid: 3, step: 1, check: -1 })).toMatch(/cut: check/);
    expect(bad({ pid: 3, step: 1, check: 0, why: 'x' })).toMatch(/unknown field "why"/);
    expect(bad('3/1/0')).toMatch(/a cut is \{ pid, step, check \}/);
    expect(bad({ pid: 3, step: 1, check: 0 }, { line: 'ls' })).toMatch(/an entry of its own/);
  });
});
