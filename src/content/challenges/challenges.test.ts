import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { playChallenge } from '../../cli/challenge';
import { loadScenario } from '../../kernel/scenario/load';
import { loadEngine } from '../../kernel/programs/engine';
import { verdictOutcome } from '../../kernel/sab/layout';
import { CHALLENGES, challengeScenario, isChallengeScenario, THIEF } from './challenges';

beforeAll(() => loadEngine());

/** The reference solutions, kept out of the app (tests/content/challenges/<id>.js). */
const reference = (id: string) => readFileSync(new URL(`../../../tests/content/challenges/${id}.js`, import.meta.url), 'utf8');
const verdicts = (play: ReturnType<typeof playChallenge>) =>
  play.host.kernel.ledger
    .page(1, 1e6)
    .filter((e) => e.kind === 'verdict')
    .map((e) => e.detail);

describe('challenges', () => {
  it('at least five, each a valid scenario file with its template as program "thief" and one capture step', () => {
    expect(CHALLENGES.length).toBeGreaterThanOrEqual(5);
    expect(new Set(CHALLENGES.map((c) => c.id)).size).toBe(CHALLENGES.length);
    expect(new Set(CHALLENGES.map((c) => c.defense)).size).toBe(CHALLENGES.length); // one defense each
    for (const c of CHALLENGES) {
      const r = loadScenario(challengeScenario(c));
      expect(r.ok ? '' : r.errors.join('; '), c.id).toBe('');
      if (!r.ok) continue;
      expect(r.scenario.programs?.[THIEF]?.run, c.id).toBe(c.run);
      expect(r.scenario.lesson?.steps.length, c.id).toBe(1);
      expect(c.run, c.id).toMatch(/^run "thief"( unveil "[^"]+")? with \{ .+ \}$/);
    }
  });

  // One test per challenge, named by the seed rule it attacks: the reference solution is refused with every
  // defense on (and the kernel ledgers that it held), wins with the challenge's defense off, and the template
  // wins nowhere.
  for (const c of CHALLENGES) {
    it(`${c.id} — ${c.seed}: held with ${c.defense} on; the reference solution captures the flag with it off`, () => {
      const on = playChallenge(c, reference(c.id), 'on');
      expect(on.flag.ok, `with ${c.defense} on: ${on.flag.why}`).toBe(false);
      expect(verdicts(on).some((v) => /blocked|refused|impossible|held/.test(v))).toBe(true);
      const breaches = on.host.kernel.ledger.page(1, 1e6).filter((e) => e.kind === 'verdict' && verdictOutcome(e) === 'breach');
      expect(breaches.map((e) => e.detail)).toEqual([]);

      const off = playChallenge(c, reference(c.id), 'off');
      expect(off.flag.ok, `with ${c.defense} off: ${off.flag.why}`).toBe(true);

      const template = playChallenge(c, c.template, 'off');
      expect(template.flag.ok, `the template must not win: ${template.flag.why}`).toBe(false);
      expect(
        template.host.kernel.ledger.page(1, 1e6).some((e) => e.kind === 'exit' && /^thief \(pid \d+\) exited with code 0$/.test(e.detail)),
      ).toBe(true);
    });
  }

  it('the flag is the kernel’s record, not the program’s word: a program that prints the flag text captures nothing', () => {
    const c = CHALLENGES[0];
    const liar = `function* main(sys) { yield sys.call('stdio', 'write', ['unveil bypassed: thief (pid 10) reached /vault/secrets']); }`;
    expect(playChallenge(c, liar, 'off').flag.ok).toBe(false);
  });
});

describe('which challenge is open is decided by its scenario, not its title', () => {
  it('the challenge with any program is it; the same title over an easier check is not', () => {
    const c = CHALLENGES[0];
    expect(isChallengeScenario(c, challengeScenario(c, 'function* main(sys) { yield sys.exit(0); }'))).toBe(true);
    const fake = JSON.parse(challengeScenario(c));
    fake.lesson.steps[0].check = { ledger: '.' };
    expect(isChallengeScenario(c, JSON.stringify(fake))).toBe(false);
    expect(isChallengeScenario(c, 'not json')).toBe(false);
    expect(isChallengeScenario(CHALLENGES[1], challengeScenario(c))).toBe(false);
  });
});
