import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import defaultScenario from '../../content/scenarios/default.json';
import pointsavScenario from '../../content/scenarios/pointsav.json';
import { checkProblems, evaluate, type Check } from './check';
import { patternProblem } from './pattern';
import { LessonProgress } from './progress';

const boot = (id: 'default' | 'pointsav' = 'default') => {
  const h = new KernelHost(undefined, false);
  const r = h.boot(JSON.stringify(id === 'default' ? defaultScenario : pointsavScenario));
  if (!r.ok) throw new Error(r.errors.join('; '));
  return h;
};
const ev = (h: KernelHost, c: Check, since = 0) => evaluate(h.kernel, c, since);
const RELABEL = 'spawn "chat-client" with { chat: client @chat badge 200 }';

describe('lesson checks', () => {
  it('verdict: a verdict record after sinceSeq matches, case-insensitively', () => {
    const h = boot();
    expect(ev(h, { verdict: 'relabel blocked' })).toEqual({ ok: false, why: 'no verdict matching /relabel blocked/ yet' });
    h.exec(RELABEL);
    const r = ev(h, { verdict: 'RELABEL BLOCKED: gate 0' });
    expect(r.ok).toBe(true);
    expect(r.why).toMatch(/^the verdict reads "relabel blocked: Gate 0: badge 200 differs/);
    // Records at or before sinceSeq do not count; the why names the newest verdict.
    const since = h.kernel.ledger.length;
    expect(ev(h, { verdict: 'relabel blocked' }, since).ok).toBe(false);
    h.exec('defense gate0 off');
    h.exec(RELABEL);
    const miss = ev(h, { verdict: 'relabel blocked' }, since);
    expect(miss.ok).toBe(false);
    expect(miss.why).toMatch(/^no verdict matching \/relabel blocked\/ yet; the newest verdict reads "relabel succeeded: /);
  });

  it("verdict with an outcome: the record's field decides, not its wording (rule 8)", () => {
    const h = boot();
    h.exec(RELABEL);
    expect(ev(h, { verdict: 'relabel', outcome: 'held' })).toMatchObject({ ok: true });
    expect(ev(h, { verdict: 'relabel', outcome: 'breach' })).toEqual({
      ok: false,
      why: 'no breach verdict matching /relabel/ yet; the newest verdict (held) reads "relabel blocked: Gate 0: badge 200 differs from the source\'s badge 42; a delegated client facet cannot be relabeled"',
    });
    h.exec('defense gate0 off');
    h.exec(RELABEL);
    expect(ev(h, { verdict: 'relabel', outcome: 'breach' })).toMatchObject({ ok: true, why: expect.stringMatching(/relabel succeeded/) });
    expect(checkProblems({ verdict: 'x', outcome: 'won' })).toEqual([
      { path: ['outcome'], message: 'unknown outcome "won"; outcomes: held, breach, info' },
    ]);
    expect(checkProblems({ verdict: 'x', outcome: 'held' })).toEqual([]);
  });

  it('ledger: any record (of a kind) after sinceSeq matches', () => {
    const h = boot();
    h.exec('channel news');
    expect(ev(h, { ledger: 'created channel "news"' })).toMatchObject({
      ok: true,
      why: expect.stringMatching(/^ledger record \d+ \(map\) reads "shell \(pid 4\) created channel "news"/),
    });
    expect(ev(h, { ledger: 'created channel "news"', kind: 'map' }).ok).toBe(true);
    expect(ev(h, { ledger: 'created channel "news"', kind: 'grant' })).toEqual({
      ok: false,
      why: 'no "grant" ledger record matching /created channel "news"/ yet',
    });
    expect(ev(h, { ledger: 'created channel' }, h.kernel.ledger.length)).toEqual({
      ok: false,
      why: 'no ledger record matching /created channel/ yet',
    });
  });

  it('process: some running process matches; exactly; capKinds; alive false', () => {
    const h = boot();
    const exact: Check = { process: { program: 'chat-client', caps: ['stdio', 'chat'], exactly: true } };
    // alice and bob are chat-clients holding only @chat: close, not exact.
    expect(ev(h, exact)).toEqual({
      ok: false,
      why: 'no running chat-client holds exactly @stdio, @chat (alice (pid 6) is close, but it lacks @stdio)',
    });
    h.exec('run "chat-client" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }');
    expect(ev(h, exact).why).toBe('no running chat-client holds exactly @stdio, @chat (alice (pid 6) is close, but it lacks @stdio)');
    h.interrupt();
    h.exec('run "chat-client" with { stdio: client @stdio, chat: @chat_participant }');
    expect(ev(h, exact)).toEqual({ ok: true, why: 'chat-client (pid 11) is running and holds @stdio, @chat' });
    expect(ev(h, { process: { program: 'chat-client', capKinds: { chat: 'ChatParticipant', stdio: 'client' } } }).ok).toBe(true);
    expect(ev(h, { process: { name: 'alice', capKinds: { chat: 'ChatParticipant' } } })).toEqual({
      ok: false,
      why: 'no running process named "alice" holds @chat as a ChatParticipant (alice (pid 6) is close, but its @chat is a client, not a ChatParticipant)',
    });
    expect(ev(h, { process: { program: 'forkbomb' } })).toEqual({ ok: false, why: 'no forkbomb is running' });
    expect(ev(h, { process: { program: 'forkbomb', alive: false } })).toEqual({ ok: true, why: 'no forkbomb is running' });
    expect(ev(h, { process: { program: 'chat-client', caps: ['stdio'], alive: false } })).toEqual({
      ok: false,
      why: 'chat-client (pid 11) is still running and holds @stdio',
    });
    h.input('/exit');
    h.kernel.step(60);
    expect(ev(h, { process: { program: 'chat-client', caps: ['stdio'], alive: false } })).toEqual({
      ok: true,
      why: 'no running chat-client holds @stdio',
    });
  });

  it('pairing: paired now, as a type; live false; unknown machines', () => {
    const h = boot('pointsav');
    const user: Check = { pairing: { a: 'console', b: 'totebox', type: 'USER' } };
    expect(ev(h, user)).toEqual({ ok: false, why: 'console and totebox are not paired' });
    expect(ev(h, { pairing: { a: 'totebox', b: 'mediakit' } })).toEqual({ ok: true, why: 'totebox and mediakit are paired as INPUT' });
    h.exec('pair totebox as INPUT');
    expect(ev(h, user)).toEqual({ ok: false, why: 'console and totebox are paired as INPUT, not as USER' });
    h.exec('pair totebox as USER');
    expect(ev(h, user)).toEqual({ ok: true, why: 'console and totebox are paired as USER' });
    expect(ev(h, { pairing: { a: 'totebox', b: 'console', live: false } })).toEqual({
      ok: false,
      why: 'totebox and console are still paired (as USER)',
    });
    h.exec('unpair totebox');
    expect(ev(h, { pairing: { a: 'console', b: 'totebox', live: false } })).toEqual({
      ok: true,
      why: 'console and totebox are not paired',
    });
    expect(ev(h, { pairing: { a: 'console', b: 'nas' } })).toEqual({
      ok: false,
      why: 'there is no machine named "nas" (machines: console, totebox, mediakit, aggregator)',
    });
  });

  it('defense: each named defense in that state', () => {
    const h = boot();
    expect(ev(h, { defense: { gate0: false } })).toEqual({ ok: false, why: 'Gate 0 relabel check is on; turn it off (defense gate0 off)' });
    h.exec('defense gate0 off');
    expect(ev(h, { defense: { gate0: false, energy: true } })).toEqual({
      ok: true,
      why: 'Gate 0 relabel check is off; Energy budgets is on',
    });
  });

  it('all, any, not', () => {
    const h = boot();
    const off: Check = { defense: { gate0: false } };
    const relabeled: Check = { verdict: 'relabel succeeded' };
    expect(ev(h, { all: [off, relabeled] })).toEqual({ ok: false, why: 'Gate 0 relabel check is on; turn it off (defense gate0 off)' });
    expect(ev(h, { any: [off, relabeled] })).toEqual({
      ok: false,
      why: 'none of these yet: Gate 0 relabel check is on; turn it off (defense gate0 off); or no verdict matching /relabel succeeded/ yet',
    });
    expect(ev(h, { not: off })).toEqual({ ok: true, why: 'Gate 0 relabel check is on; turn it off (defense gate0 off)' });
    h.exec('defense gate0 off');
    expect(ev(h, { any: [off, relabeled] })).toEqual({ ok: true, why: 'Gate 0 relabel check is off' });
    expect(ev(h, { not: off })).toEqual({ ok: false, why: 'that should not be so, but Gate 0 relabel check is off' });
    h.exec(RELABEL);
    expect(ev(h, { all: [off, relabeled] }).why).toMatch(/^Gate 0 relabel check is off; the verdict reads "relabel succeeded: /);
  });

  it('a lesson advances step by step, each step counting only records made after the previous one', () => {
    const h = boot();
    const p = new LessonProgress(
      {
        title: 't',
        steps: [
          { goal: 'a', hint: '', check: { verdict: 'relabel blocked' } },
          { goal: 'b', hint: '', check: { verdict: 'relabel blocked' } },
        ],
      },
      h.kernel,
    );
    expect(p.advance(h.kernel)).toBe(0);
    h.exec(RELABEL);
    expect(p.advance(h.kernel)).toBe(1); // the same record does not complete step 2
    expect(p.status(h.kernel).map((s) => [s.state, s.ok])).toEqual([
      ['done', true],
      ['current', false],
    ]);
    h.exec(RELABEL);
    expect(p.advance(h.kernel)).toBe(1);
    expect(p.done).toBe(true);
  });
});

describe('check validation', () => {
  it('patterns: compile on the linear-time engine, bounded', () => {
    expect(patternProblem('relabel (blocked|succeeded)')).toBeNull();
    expect(patternProblem('a(')).toMatch(/^not a valid pattern: missing closing \)/);
    expect(patternProblem('')).toBe('the pattern is empty');
    expect(patternProblem('x'.repeat(301))).toBe('the pattern is 301 characters; the limit is 300');
    expect(patternProblem('(a+)+$')).toBeNull(); // linear on RE2: no reason to refuse it
    expect(patternProblem('\\(pid \\d+\\)')).toBeNull();
    expect(patternProblem(42)).toBe('expected a regular expression as a string');
  });

  it('names the path of every problem', () => {
    expect(checkProblems({ verdict: 'x' })).toEqual([]);
    expect(
      checkProblems({
        all: [
          { process: { program: 'chat-client', caps: ['stdio'], exactly: true, capKinds: { chat: 'ChatParticipant' } } },
          { not: { pairing: { a: 'console', b: 'totebox', type: 'USER', live: true } } },
        ],
      }),
    ).toEqual([]);
    const problems = checkProblems({
      all: [
        { verdict: '(' },
        { ledger: 'x', kind: 'nope' },
        { process: { program: 'bad name', exactly: true, extra: 1 } },
        { pairing: { a: 'console', type: 'ROOT' } },
        { defense: { gate9: true, gate0: 'yes' } },
        { any: [] },
        { verdict: 'a', ledger: 'b' },
        7,
      ],
    }).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^all\.0\.verdict: not a valid pattern: missing closing \)/),
      expect.stringMatching(/^all\.1\.kind: unknown ledger kind "nope"; kinds: boot, spawn/),
      'all.2.process.extra: unknown field "extra" (known: program, name, alive, caps, exactly, capKinds)',
      'all.2.process.program: expected a name (a letter, then letters, digits, "_", "-" or ".")',
      'all.2.process.exactly: "exactly" compares against "caps": list them',
      'all.3.pairing.b: expected a machine name',
      'all.3.pairing.type: expected one of ADMIN, INPUT, USER, INTERFACE',
      expect.stringMatching(/^all\.4\.defense\.gate9: no defense named "gate9"; defenses: gate0, energy/),
      'all.4.defense.gate0: expected true (on) or false (off)',
      'all.5.any: expected a list of 1 to 16 checks',
      'all.6: a check needs exactly one of "verdict", "ledger", "process", "pairing", "defense", "all", "any", "not" (found verdict, ledger)',
      'all.7: a check is an object with one of "verdict", "ledger", "process", "pairing", "defense", "all", "any", "not"',
    ]);
    expect(checkProblems({ verdikt: 'x' })[0].message).toBe(
      'a check needs exactly one of "verdict", "ledger", "process", "pairing", "defense", "all", "any", "not" (found only "verdikt")',
    );
    let deep: unknown = { verdict: 'x' };
    for (let i = 0; i < 12; i++) deep = { not: deep };
    expect(checkProblems(deep).map((p) => p.message)).toEqual(['checks nest at most 8 deep']);
  });
});
