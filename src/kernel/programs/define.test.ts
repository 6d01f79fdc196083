import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import { sessionProblem } from '../session/check';
import { ENGINE_VERSION, loadEngine } from './engine';

beforeAll(() => loadEngine());

const THIEF = `function* main(sys) {
  // Holding only a client facet of chat (badge 42), start a child that speaks as bob (badge 200).
  const r = yield sys.spawn('chat-client', { name: 'impostor', grants: { chat: 'client @chat badge 200' }, argv: ['stay'] });
  yield sys.call('stdio', 'write', [r.ok ? 'thief: impostor started' : 'thief: refused: ' + r.code]);
}`;
const RUN = 'run "thief" with { stdio: client @stdio, chat: client @chat, spawner: @spawner }';
const def = (over: Partial<{ name: string; source: string; summary: string; run: string }> = {}) => ({
  name: 'thief',
  source: THIEF,
  summary: 'speaks as bob',
  run: over.name && over.name !== 'thief' ? `run "${over.name}"` : RUN,
  ...over,
});
const host = () => new KernelHost(undefined, false);
const bytes = (h: KernelHost) => h.kernel.ledger.exportJsonl();
const kinds = (h: KernelHost, kind: string) => h.kernel.ledger.page(1, 1e6).filter((e) => e.kind === kind);

/** Define the thief mid-session, run it with Gate 0 on, turn Gate 0 off, redefine it and run it again. */
function session(): KernelHost {
  const h = host();
  h.advance(200);
  expect(h.defineProgram(def())).toMatchObject({ ok: true });
  h.exec(RUN);
  h.advance(1500);
  h.exec('defense gate0 off');
  h.advance(100);
  expect(h.defineProgram(def({ source: THIEF.replace('impostor started', 'in as bob') }))).toMatchObject({ ok: true });
  h.exec(RUN);
  h.advance(1500);
  return h;
}

describe('defining a user program mid-session (the Programs tab)', () => {
  it('is checked as a scenario file is, with the error naming the field; a refusal changes nothing', () => {
    const h = host();
    const before = bytes(h);
    const error = (over: Parameters<typeof def>[0]) => {
      const r = h.defineProgram(def(over));
      return r.ok ? '' : r.error;
    };
    expect(error({ name: 'cat' })).toBe('name: is a built-in program: a user program may not shadow it');
    expect(error({ name: 'Thief!' })).toMatch(/^name: a program name is lowercase/);
    expect(error({ source: '' })).toMatch(/^source: /);
    expect(error({ source: 'x'.repeat(70_000) })).toMatch(/^source: a program's source is at most 65536/);
    expect(error({ summary: 'evil\u001b[2J' })).toMatch(/^summary: control characters/);
    expect(error({ run: 'run "thief"\nclock off' })).toBe('run: the run line is one shell line');
    expect(bytes(h)).toBe(before);
    expect(h.session().log).toEqual([]);
    expect(h.programs()).toEqual([]);
    for (let i = 0; i < 16; i++) expect(h.defineProgram(def({ name: `p${i}` }))).toMatchObject({ ok: true });
    expect(error({ name: 'p16' })).toMatch(/^a world holds at most 16 user programs/);
    expect(h.defineProgram(def({ name: 'p3', summary: 'again' }))).toMatchObject({ ok: true }); // redefining is not one more
    expect(h.programs().find((p) => p.name === 'p3')?.summary).toBe('again');
  });

  it('is logged as its own entry and ledgered with its name, byte length and sha256 (not the source)', () => {
    const h = host();
    const r = h.defineProgram(def({ source: THIEF + '// é' }));
    expect(r.ok).toBe(true);
    const entry = h.session().log[0];
    expect(entry).toEqual({ at: 0, line: '', program: { ...def({ source: THIEF + '// é' }), engine: ENGINE_VERSION } });
    expect(sessionProblem(h.session())).toBeNull();
    const [rec] = kinds(h, 'program');
    const b = utf8ToBytes(THIEF + '// é');
    expect(rec.facts).toEqual({ program: 'thief', bytes: b.length, sha256: bytesToHex(sha256(b)) });
    expect(rec.detail).toMatch(/^user program "thief" defined by the experimenter: \d+ bytes of JavaScript, sha256 [0-9a-f]{16}…$/);
    expect(rec.detail).not.toContain('yield');
    expect(h.programs()).toEqual([{ name: 'thief', source: THIEF + '// é', summary: 'speaks as bob', run: RUN }]);
  });

  it('programRun gives the kernel’s verdicts while it ran: held with Gate 0 on, the breach with it off', () => {
    const h = host();
    h.defineProgram(def());
    h.exec(RUN);
    h.advance(1500);
    expect(h.programRun('thief')!.verdicts).toEqual([
      expect.objectContaining({ outcome: 'held', detail: expect.stringMatching(/relabel/) }),
    ]);
    h.exec('defense gate0 off');
    h.exec(RUN);
    h.advance(1500);
    const won = h.programRun('thief')!;
    expect(won.end).toMatchObject({ code: 0 }); // its own exit code says nothing of what it did…
    expect(won.verdicts.map((v) => v.outcome)).toEqual(['breach']); // …the kernel's verdict does (only this run's)
    expect(won.verdicts[0].detail).toMatch(/relabel succeeded/);
  });

  it('programRun: a breach is never hidden by later verdicts, and the run is the shell’s, not the program’s own copies', () => {
    const h = host();
    h.exec('defense gate0 off');
    h.defineProgram(
      def({ name: 'kid', source: "function* main(sys) { yield sys.pledge('stdio'); yield sys.spawn('idle'); }", run: 'run "kid"' }),
    );
    const loud = `function* main(sys) {
      if (sys.argv[0] === 'copy') { yield sys.sleep(5000); return; }
      yield sys.spawn('chat-client', { name: 'impostor', grants: { chat: 'client @chat badge 200' }, argv: ['stay'] });
      for (let i = 0; i < 4; i++) yield sys.spawn('kid', { name: 'k' + i, grants: { spawner: '@spawner' } });
      yield sys.spawn('thief', { argv: ['copy'], grants: { spawner: '@spawner' } });
      yield sys.sleep(2000);
      yield sys.call('stdio', 'write', ['nothing happened here']);
    }`;
    h.defineProgram(def({ source: loud }));
    h.defineProgram(def({ name: 'other', source: "function* main(sys) { yield sys.pledge('stdio'); yield sys.spawn('idle'); }" }));
    h.exec(RUN);
    h.advance(1500);
    h.exec('spawn "other" with { spawner: @spawner }'); // another run's verdict, the newest while this one sleeps
    h.advance(3000);
    const run = h.programRun('thief')!;
    expect(run.lines.map((l) => l.text)).toContain('nothing happened here'); // the shell's run, not its copy
    expect(run.end).toMatchObject({ code: 0 });
    const outcomes = run.verdicts.map((v) => `${v.outcome}: ${v.detail}`);
    expect(outcomes.filter((v) => v.startsWith('breach: relabel succeeded'))).toHaveLength(1); // kept, though older
    expect(outcomes.filter((v) => v.startsWith('held')).length).toBe(3); // the newest few of the rest…
    expect(outcomes.at(-1)).toMatch(/^held: pledge violation blocked: .* k3 \(pid/); // …its kids' refusals among them
    expect(outcomes.join('\n')).not.toContain('other'); // not another run's
  });

  it('runs: refused with Gate 0 on, wins with it off; a running process keeps the source it was spawned with', () => {
    const h = session();
    const text = h.kernel.console.map((c) => c.text).join('\n');
    expect(text).toContain('thief: refused: EGATE0');
    expect(text).toContain('thief: in as bob');
    expect(text).not.toContain('impostor started');
    expect(kinds(h, 'program').map((e) => e.detail)).toEqual([
      expect.stringContaining('"thief" defined'),
      expect.stringContaining('"thief" redefined'),
    ]);

    const k = host();
    k.defineProgram(
      def({ name: 'slow', source: 'function* main(sys) { yield sys.sleep(500); yield sys.call("stdio", "write", ["first"]); }' }),
    );
    k.exec('run "slow" with { stdio: client @stdio }');
    k.advance(100);
    k.defineProgram(def({ name: 'slow', source: 'function* main(sys) { yield sys.call("stdio", "write", ["second"]); }' }));
    k.advance(1000);
    expect(k.kernel.console.map((c) => c.text)).toContain('first');
    expect(k.kernel.console.map((c) => c.text)).not.toContain('second');
  });

  it('replays byte for byte: a restore reproduces the ledger and the programs', () => {
    const a = session();
    const b = session();
    expect(bytes(a)).toBe(bytes(b));
    const restored = host();
    expect(restored.restoreNow(a.session())).toMatchObject({ ok: true });
    expect(bytes(restored)).toBe(bytes(a));
    expect(restored.programs().map((p) => p.source)).toEqual([THIEF.replace('impostor started', 'in as bob')]);
  });

  it('time travel replays a definition: the past before it has no such program, after it does', async () => {
    const h = session();
    const seq = kinds(h, 'program')[0].seq;
    await h.travel(seq - 1, 'back');
    expect(h.programs()).toEqual([]);
    await h.travel(seq, 'forward');
    expect(h.programs().map((p) => p.name)).toEqual(['thief']);
    // The past is for looking: a definition there is refused (resume from here first), and nothing is logged.
    const logged = h.session().log.length;
    expect(h.defineProgram(def({ name: 'later' }))).toMatchObject({ ok: false, error: expect.stringMatching(/looking at the past/) });
    expect(h.session().log.length).toBe(logged);
    h.travelEnd();
    expect(bytes(h)).toBe(bytes(session()));
  });

  it('a malformed or forged definition in a link or file is refused whole, naming where', () => {
    const log = (program: unknown, more: object = {}) =>
      sessionProblem({ scenario: '{}', seed: 1, ticks: 0, log: [{ at: 0, line: '', program, ...more }] });
    expect(log({ name: 'x', source: 's', summary: 'y' })).toBeNull();
    expect(log({ name: 'X', source: 's', summary: 'y' })).toMatch(/^session\.log\[0\]\.program: name: /);
    expect(log({ name: 'x', source: 's'.repeat(65_537), summary: 'y' })).toMatch(/^session\.log\[0\]\.program: source: /);
    expect(log({ name: 'x', source: 's', summary: 'a\u202eb' })).toMatch(/program: summary: /);
    expect(log({ name: 'x', source: 's', summary: 'y', run: 'a\nb' })).toMatch(/program: run: /);
    expect(log({ name: 'x', source: 's', summary: 'y', evil: 1 })).toMatch(/program: unknown field "evil"/);
    expect(log({ name: 'x', source: 's', summary: 'y' }, { line: 'ls' })).toMatch(/program: a definition is an entry of its own/);
    expect(log('thief')).toMatch(/program: a program definition/);
    const many = Array.from({ length: 257 }, () => ({ at: 0, line: '', program: { name: 'x', source: 's', summary: 'y' } }));
    expect(sessionProblem({ scenario: '{}', seed: 1, ticks: 0, log: many })).toMatch(
      /^session\.log\[256\]\.program: a session holds at most 256/,
    );
    const h = host();
    const s = session().session();
    s.log[0] = { ...s.log[0], program: { ...s.log[0].program!, engine: 'quickjs-emscripten@0.1.0' } };
    expect(h.restoreNow(s)).toEqual({
      ok: false,
      errors: [`session.log[0].program.engine: written for quickjs-emscripten@0.1.0; this build runs user programs on ${ENGINE_VERSION}`],
    });
  });
});

describe('the Programs tab reads: a syntax check and the latest run', () => {
  it('checkProgram asks the engine: message and line:column, nothing runs', () => {
    const h = host();
    expect(h.checkProgram(THIEF)).toEqual({ ok: true });
    expect(h.checkProgram('function* main(sys) {\n  const x = ;\n}')).toEqual({
      ok: false,
      message: "SyntaxError: unexpected token in expression: ';'",
      line: 2,
      column: 13,
    });
    // Compile only: a loop that would never end is fine to check, and a throw at top level does not run.
    expect(h.checkProgram('for (;;) {}\nthrow new Error("ran")')).toEqual({ ok: true });
  });

  it('programRun: its output and how it ended, from the console and the exit record', () => {
    const h = host();
    expect(h.programRun('boom')).toBeNull();
    h.defineProgram(def({ name: 'boom', source: 'function* main(sys) {\n  yield sys.call("stdio", "write", ["hello"]);\n  null.x;\n}' }));
    h.exec('run "boom" with { stdio: client @stdio }');
    h.advance(500);
    const run = h.programRun('boom')!;
    expect(run.name).toBe('boom');
    expect(run.lines.map((l) => l.text)).toContain('hello');
    expect(run.end).toMatchObject({
      code: 134,
      reason: expect.stringMatching(/exited with code 134: uncaught TypeError: .* at boom\.js:3:/),
    });
    // The next run is the latest: still running, no end yet.
    h.defineProgram(def({ name: 'boom', source: 'function* main(sys) { for (;;) yield sys.sleep(100); }' }));
    h.exec('spawn "boom"');
    h.advance(300);
    expect(h.programRun('boom')).toMatchObject({ end: null, lines: [] });
    h.interrupt();
    h.kernel.kill(0, h.programRun('boom')!.pid);
    expect(h.programRun('boom')!.end).toMatchObject({ code: 137, reason: expect.stringContaining('killed by the kernel') });
  });
});
