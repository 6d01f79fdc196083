import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import defaultScenario from '../../content/scenarios/default.json';
import { KernelHost, type HostTiming } from '../host';

const RELABEL = 'spawn "chat-client" with { chat: client @chat badge 200 }';
/** The default world with a script: a refused relabel, Gate 0 off, owed steps, the relabel again, and its waits. */
const SCRIPTED = JSON.stringify({
  ...defaultScenario,
  name: 'Relabel, scripted',
  script: [
    { line: RELABEL, wait: 3000 },
    { line: 'defense gate0 off' },
    { line: 'clock step 7' },
    { line: RELABEL, wait: 120 },
    { line: 'ps' },
  ],
});

const head = (h: KernelHost) => bytesToHex(h.kernel.ledger.headHash());

/** A worker's timing that pauses after every couple of slices, so the script really runs in many pieces. */
function slicing(): { timing: HostTiming; pauses: () => number } {
  let t = 0;
  let pauses = 0;
  return {
    timing: { now: () => (t += 5), pause: () => (pauses++, new Promise((r) => setTimeout(r, 0))) },
    pauses: () => pauses,
  };
}

describe("a scenario's script", () => {
  it('runs in the worker (in slices) to the ledger bytes of the headless run, and of the loop it always was', async () => {
    // Headless, as `capplay run` runs it.
    const headless = new KernelHost(undefined, false);
    expect(headless.boot(SCRIPTED).ok).toBe(true);
    headless.runScriptNow();
    // The loop the headless runner had before ScriptRun: line, settle, wait.
    const loop = new KernelHost(undefined, false);
    loop.boot(SCRIPTED);
    for (const s of loop.scenario.script!) {
      loop.exec(s.line);
      loop.settle();
      if (s.wait) loop.kernel.step(s.wait);
    }
    // The worker's way, paused between slices.
    const s = slicing();
    const worker = new KernelHost(undefined, false, s.timing);
    const r = await worker.load(SCRIPTED);
    expect(r).toMatchObject({ ok: true, script: { ran: 5, lines: 5, stopped: false } });
    expect(s.pauses()).toBeGreaterThan(2);
    expect(head(worker)).toBe(head(headless));
    expect(head(loop)).toBe(head(headless));
    expect(worker.kernel.ticks).toBe(3127); // 3000 + 7 owed + 120
    expect(worker.kernel.ledger.page(1, 1e6).some((e) => /^relabel succeeded/.test(e.detail))).toBe(true);
    // Its lines are in the log, so a reload replays to the same bytes.
    const again = new KernelHost(undefined, false);
    expect(again.restoreNow(worker.session())).toMatchObject({ ok: true });
    expect(head(again)).toBe(head(worker));
  });

  it('shows as a transcript: each line with its output', async () => {
    const h = new KernelHost(undefined, false);
    const r = await h.load(SCRIPTED);
    if (!r.ok) throw new Error(r.errors.join());
    const commands = r.transcript!.entries.filter((e) => e.kind === 'command').map((e) => e.line);
    expect(commands).toEqual(h.scenario.script!.map((s) => s.line));
    expect(r.transcript!.entries).toContainEqual(expect.objectContaining({ kind: 'output', text: 'Gate 0 relabel check is off' }));
    expect(r.transcript).toMatchObject({ commands: 5, hidden: 0 });
  });

  it('holds the clock and refuses typed lines while it runs; Stop ends it after the line it is at', async () => {
    const s = slicing();
    const h = new KernelHost(undefined, false, s.timing);
    const running = h.load(JSON.stringify({ ...defaultScenario, script: [{ line: 'ps', wait: 200_000 }, { line: 'defense gate0 off' }] }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.restoreProgress()).toMatchObject({ commands: 0, totalCommands: 2 });
    const ticks = h.kernel.ticks;
    h.advance(1000); // the driver's real time does not move the clock meanwhile
    expect(h.kernel.ticks).toBe(ticks);
    expect(h.exec('ps').lines[0]).toMatchObject({
      style: 'error',
      text: expect.stringMatching(/^the scenario's script is running \(line 1 of 2\)/),
    });
    expect(h.session().log.map((c) => c.line)).toEqual(['ps']); // the refused line is not logged
    h.restoreStop();
    expect(await running).toMatchObject({ ok: true, script: { ran: 0, lines: 2, stopped: true } });
    expect(h.kernel.defenses.gate0).toBe(true);
    expect(h.exec('ps').lines[0].text).toMatch(/^PID/); // the terminal is the person's again
  });

  it('a scenario without a script just boots; an invalid one is refused as boot refuses it', async () => {
    const h = new KernelHost(undefined, false);
    expect(await h.load(JSON.stringify(defaultScenario))).toEqual({ ok: true, name: defaultScenario.name });
    expect(await h.load('{"format":"nope"}')).toMatchObject({ ok: false });
  });
});
