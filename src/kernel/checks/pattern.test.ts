import { describe, expect, it } from 'vitest';
import { lessonById, lessonScenario } from '../../content/lessons/lessons';
import { runScenario } from '../../cli/run';
import { compilePattern, compiled, patternProblem } from './pattern';
import { evaluate, SCAN_BUDGET } from './check';
import { KernelHost } from '../host';
import { countingText } from '../../../fuzz/counting';

/** The patterns that hung the kernel (issue 14), and other classics of catastrophic backtracking. */
const CATASTROPHIC = [
  '((.+))+y',
  '(.|.)*y',
  '(.*.*){3}y',
  '(a+)+$',
  '(a|a)*b',
  '(x+x+)+y',
  '((a*)*)*b',
  '(.*){20}z',
  '^(\\w+\\s?)*$',
  '(a|aa)+$',
];

describe('patterns run in linear time (RE2)', () => {
  const N = 100_000;
  for (const source of CATASTROPHIC) {
    it(`/${source}/ against 100,000 characters: steps grow linearly`, () => {
      const p = compiled(source);
      for (const fill of ['x', 'a', 'ab', 'a ']) {
        const small = countingText(fill.repeat(N / 10 / fill.length) + '!');
        const big = countingText(fill.repeat(N / fill.length) + '!');
        expect(typeof p.test(small.text)).toBe('boolean');
        p.test(big.text);
        // A backtracking engine needs 2^n steps here; a linear one a few per character.
        expect(big.steps(), `${big.steps()} steps for ${N} characters of ${JSON.stringify(fill)}`).toBeLessThanOrEqual(4 * (N + 1));
        expect(big.steps()).toBeLessThanOrEqual(12 * small.steps());
      }
    });
  }

  it('matches what it should: case-insensitive, anywhere in the text', () => {
    expect(compiled('^relabel blocked').test('Relabel BLOCKED: Gate 0 refused')).toBe(true);
    expect(compiled('^relabel blocked').test('not relabel blocked')).toBe(false);
    expect(compiled('speaks as bob').test('relabel succeeded: … speaks as bob')).toBe(true);
    expect(compiled('TOFU\\+').test('blocked by tofu+')).toBe(true);
    expect(compiled('(.|.)*y').test('x'.repeat(1000) + 'y')).toBe(true);
    // JavaScript syntax is accepted and means the same.
    expect(compiled('\\u0041\\x42').test('ab')).toBe(true);
    expect(compiled('a/b').test('a/b')).toBe(true);
    expect(compiled('\\(pid \\d+\\)').test('chat (pid 12)')).toBe(true);
  });

  it('refuses what RE2 cannot do in linear time, with a reason', () => {
    for (const look of ['(?=a)b', 'a(?!b)', '(?<=a)b', '(?<!a)b'])
      expect(patternProblem(look)).toMatch(/^lookahead and lookbehind .* are not supported: patterns run on a linear-time engine/);
    for (const back of ['(a)\\1', '(?<x>a)\\k<x>']) expect(patternProblem(back), back).toMatch(/^backreferences .* are not supported/);
    expect(patternProblem('\\\\1')).toBeNull(); // an escaped backslash and a 1
    expect(patternProblem('a{1001}')).toMatch(/^not a valid pattern: invalid repeat count/);
    // Linear in the text, but each character costs up to the program's size: large compiled programs are refused.
    expect(patternProblem('\\pL{1000}'.repeat(33) + 'z')).toMatch(/^the pattern compiles to \d+ instructions, more than 1000/);
    expect(patternProblem('[a-z]{500}')).toBeNull();
    expect(patternProblem('[z-a]')).toMatch(/^not a valid pattern: invalid character class range/);
    expect(compilePattern(null)).toEqual({ ok: false, why: 'expected a regular expression as a string' });
  });

  it('a scenario whose expectation and lesson check are catastrophic for a backtracking engine runs to its end', () => {
    const s = JSON.parse(lessonScenario(lessonById('relabel')!));
    s.script = [{ line: 'run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }' }];
    s.expect = [{ verdict: '(.|.)*~' }, { verdict: '^relabel blocked' }];
    s.lesson.steps[0].check = { ledger: '((.+))+~' };
    const out: string[] = [];
    const code = runScenario(JSON.stringify(s), { quiet: true }, { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(1);
    expect(out).toContainEqual(expect.stringMatching(/^✗ expect\[0\] verdict \/\(\.\|\.\)\*~\/: no verdict matching/));
    expect(out).toContainEqual(expect.stringMatching(/^✓ expect\[1\]/));
  });

  it('a scenario with an unsupported pattern is refused at load, naming the field', () => {
    const s = JSON.parse(lessonScenario(lessonById('relabel')!));
    s.expect = [{ verdict: '(?=x)relabel' }];
    const out: string[] = [];
    expect(runScenario(JSON.stringify(s), {}, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(2);
    expect(out.join('\n')).toMatch(/expect\.0\.verdict: lookahead and lookbehind|expect\[0\]\.verdict: lookahead and lookbehind/);
  });
});

describe('a check over a long ledger stays bounded whatever its pattern costs', () => {
  it('a costly pattern that never matches stops within its budget, and says how far it read', () => {
    const h = new KernelHost(undefined, false);
    for (let i = 0; i < 20_000; i++)
      h.kernel.record('spawn', 1, 1, `bomblet${i} (pid ${i}) runs "bomblet" on alpha, a detail of some length to read`);
    const costly = '\\pL{400}\\pL{400}z';
    expect(patternProblem(costly)).toBeNull();
    const size = compiled(costly).size;
    const text = h.kernel.ledger.page(1, 1)[0].detail;
    const perRecord = (text.length + 1) * size;
    const r = evaluate(h.kernel, { ledger: costly });
    expect(r.ok).toBe(false);
    expect(r.why).toMatch(/too costly to read further back than record \d+/);
    const stoppedAt = Number(/record (\d+)\)/.exec(r.why)![1]);
    const reads = h.kernel.ledger.length - stoppedAt + 1;
    expect(reads * perRecord).toBeLessThanOrEqual(SCAN_BUDGET + perRecord * 2);
    // An ordinary pattern reads the whole of it.
    expect(evaluate(h.kernel, { ledger: 'no such words' }).why).toMatch(/^no ledger record matching \/no such words\/ yet/);
  });

  it('a check that gave up could not tell: its negation fails too, saying so, through all and any as well', () => {
    const h = new KernelHost(undefined, false);
    for (let i = 0; i < 20_000; i++)
      h.kernel.record('spawn', 1, 1, `bomblet${i} (pid ${i}) runs "bomblet" on alpha, a detail of some length to read`);
    const costly = { ledger: '\\pL{400}\\pL{400}z' };
    expect(evaluate(h.kernel, costly)).toMatchObject({ ok: false, unknown: true });
    const not = evaluate(h.kernel, { not: costly });
    expect(not).toMatchObject({ ok: false, unknown: true });
    expect(not.why).toMatch(/^could not tell whether it is not so: .*too costly to read further back/);
    expect(evaluate(h.kernel, { all: [{ not: costly }] })).toMatchObject({ ok: false, unknown: true });
    expect(evaluate(h.kernel, { any: [{ not: costly }, { ledger: 'no such words' }] })).toMatchObject({ ok: false, unknown: true });
    // A definite answer still wins: an all with a plain failure fails plainly; an any with a pass passes.
    expect(evaluate(h.kernel, { all: [{ not: costly }, { ledger: 'no such words' }] })).toEqual({
      ok: false,
      why: 'no ledger record matching /no such words/ yet',
    });
    expect(evaluate(h.kernel, { any: [{ not: costly }, { ledger: 'bomblet19999' }] }).ok).toBe(true);
    expect(evaluate(h.kernel, { not: { ledger: 'no such words' } })).toEqual({
      ok: true,
      why: 'no ledger record matching /no such words/ yet',
    });
  });
});
