import { beforeAll, describe, expect, it } from 'vitest';
import { KernelHost } from '../kernel/host';
import type { Session } from '../kernel/host-api';
import { H, HEADER_WORDS } from '../kernel/sab/layout';
import { sessionProblem } from '../kernel/session/check';
import { loadEngine } from '../kernel/programs/engine';
import { withCut } from './cut';

beforeAll(() => loadEngine());

/** sys.random is a host entry: 5,000 calls in one step (within its tick budget). */
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

describe('the page cuts a step that holds the worker (src/session/cut.ts)', () => {
  it('a cut at entry 0 ends the step before it runs; the page places it before the turn (withCut)', () => {
    const h = new KernelHost(undefined, false);
    expect(h.defineProgram({ name: 'chatty', source: CHATTY, summary: 'many host calls' }).ok).toBe(true);
    h.exec('run "chatty" with { stdio: client @stdio }');
    // Find the step's place as the state buffer's header has it while it runs, from a first run.
    let seen: { pid: number; step: number; at: number; within: number } | null = null;
    const b = h.kernel.backstop;
    const publish = b.onProgress!;
    b.onProgress = (pid, step, check) => {
      publish(pid, step, check);
      const hd = new Int32Array(h.buffer(), 0, HEADER_WORDS);
      if (pid && step === 2 && !seen) seen = { pid, step, at: hd[H.STEP_AT], within: hd[H.STEP_WITHIN] };
    };
    h.kernel.step(500);
    expect(seen).not.toBeNull();
    expect(new Int32Array(h.buffer(), 0, HEADER_WORDS)[H.STEP_PID]).toBe(0); // no user step runs now
    const s0: Session = h.session();
    const s = withCut(s0, { ...seen!, check: 0 });
    expect(s.log.length).toBe(s0.log.length + 1);
    expect(sessionProblem(s)).toBeNull();
    const r = new KernelHost(undefined, false);
    expect(r.restoreNow({ ...s, ticks: h.kernel.ticks })).toMatchObject({ ok: true });
    expect(exits(r).find((d) => d.startsWith('chatty ('))).toContain('cut its step 2 at host entry 0;');
    const printed = r.kernel.console.map((c) => c.text);
    expect(printed).toContain('before');
    expect(printed.some((t) => t.startsWith('after'))).toBe(false);
    expect(withCut(s, { ...seen!, check: 5 })).toBe(s); // that process is cut already
  });
});
