import { beforeAll, describe, expect, it } from 'vitest';
import { KernelHost } from '../kernel/host';
import type { Session } from '../kernel/host-api';
import { CUT_RING_SIZE, H, HEADER_WORDS } from '../kernel/sab/layout';
import { sessionProblem } from '../kernel/session/check';
import { loadEngine } from '../kernel/programs/engine';
import { recentCuts, stepInProgress, withCut, withCuts } from './cut';

beforeAll(() => loadEngine());

const CHATTY = `function* main(sys) {
  yield sys.call('stdio', 'write', ['before']);
  let x = 0;
  for (let i = 0; i < 5000; i++) x += sys.random(2);
  yield sys.call('stdio', 'write', ['after ' + x]);
}`;
const exits = (h: KernelHost) =>
  h.kernel.ledger
    .page(1, h.kernel.ledger.length)
    .filter((e) => e.kind === 'exit')
    .map((e) => e.detail);
const header = (h: KernelHost) => new Int32Array(h.buffer(), 0, HEADER_WORDS);

describe('the page cuts a step that holds the worker (src/session/cut.ts)', () => {
  it('the header says which step runs; a cut at check 0 ends that step before it runs in the replay', () => {
    const h = new KernelHost(undefined, false);
    expect(h.defineProgram({ name: 'chatty', source: CHATTY, summary: 'many host calls' }).ok).toBe(true);
    h.exec('run "chatty" with { stdio: client @stdio }');
    let seen: ReturnType<typeof stepInProgress> = null;
    const b = h.kernel.backstop;
    const publish = b.onProgress!;
    b.onProgress = (pid, step, check) => {
      publish(pid, step, check);
      if (step === 2 && check === 0 && !seen) seen = stepInProgress(header(h));
    };
    h.kernel.step(500);
    expect(seen).toEqual({ pid: expect.any(Number), step: 2, check: 0, session: h.sessionId });
    expect(stepInProgress(header(h))).toBeNull(); // no user step runs now
    const s0: Session = h.session();
    const s = withCut(s0, { pid: seen!.pid, step: 2, check: 0 });
    expect(s.log.length).toBe(s0.log.length + 1);
    expect(sessionProblem(s)).toBeNull();
    const r = new KernelHost(undefined, false);
    expect(r.restoreNow({ ...s, ticks: h.kernel.ticks })).toMatchObject({ ok: true });
    expect(exits(r).find((d) => d.startsWith('chatty ('))).toContain('cut its step 2 before it ran');
    const printed = r.kernel.console.map((c) => c.text);
    expect(printed).toContain('before');
    expect(printed.some((t) => t.startsWith('after'))).toBe(false);
    expect(withCut(s, { pid: seen!.pid, step: 2, check: 0 })).toBe(s); // that cut is there already
  });

  it('a recovery adds the worker’s recent cuts and the stuck step to the session they belong to, and no other', () => {
    const h = new Int32Array(HEADER_WORDS);
    const ring = (i: number, pid: number, session: number) => {
      h.set([pid, 2, 7, session], H.CUT_RING + (i % CUT_RING_SIZE) * 4);
      h[H.CUTS] = i + 1;
    };
    for (let i = 0; i < 6; i++) ring(i, 20 + i, i === 4 ? 9 : 3); // six cuts: the ring keeps the newest four
    expect(recentCuts(h).map((c) => c.pid)).toEqual([22, 23, 24, 25]);
    const copy: Session = {
      scenario: '{}',
      seed: 1,
      ticks: 10,
      log: [
        { at: 5, line: 'ls' },
        { at: 6, line: '', cut: { pid: 23, step: 2, check: 7 } },
      ],
    };
    const stuck = { pid: 30, step: 4, check: 12, session: 3 };
    const r = withCuts(copy, 3, recentCuts(h), stuck);
    expect(r.stuckCut).toBe(true);
    // 22 and 25 were missing (23 was there; 24 is another session's); the stuck step is cut before it ran.
    expect(r.session.log.slice(2).map((c) => c.cut)).toEqual([
      { pid: 22, step: 2, check: 7 },
      { pid: 25, step: 2, check: 7 },
      { pid: 30, step: 4, check: 0 },
    ]);
    expect(r.session.log.slice(2).every((c) => c.at === 6 && c.line === '')).toBe(true);
    expect(sessionProblem(r.session)).toBeNull();
    // A copy of another session gets none of them; a restore's replay gets only steps of the world replaying aside.
    expect(withCuts(copy, 8, recentCuts(h), stuck)).toEqual({ session: copy, stuckCut: false });
    expect(withCuts(copy, 'replaying', recentCuts(h), { ...stuck, session: -1 }).session.log.at(-1)?.cut).toEqual({
      pid: 30,
      step: 4,
      check: 0,
    });
    expect(withCuts(copy, 'replaying', recentCuts(h), stuck).stuckCut).toBe(false);
  });
});
