import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine } from '../kernel/programs/engine';
import { runOracle, type OracleRun } from './adversary';
import type { Rule } from './checker';

/**
 * The authority oracle, bounded (issue 16): with every defense on a random adversary finds nothing; with a
 * defense off, it finds that defense's breach. `npm run oracle` runs it long and prints the figures.
 */
describe('the authority oracle (seeds 000–004, from the ledger and the tables, sharing no code with the kernel checks)', () => {
  it.each(['default', 'pointsav', 'pointsav-admin'] as const)(
    'every defense on: nothing found in 3 × 200 random steps of %s',
    (scenario) => {
      for (const seed of [1, 2, 3]) {
        const r = runOracle({ scenario, seed, steps: 200 });
        expect(r.findings, `${scenario} seed ${seed}: ${JSON.stringify(r.findings.slice(0, 3))}`).toEqual([]);
        expect(r.steps).toBe(200);
      }
    },
  );

  describe('with random user programs as adversaries too (issue 18)', () => {
    beforeAll(() => loadEngine());
    it.each(['default', 'pointsav'] as const)('every defense on: nothing found in 2 × 150 steps of %s', (scenario) => {
      for (const seed of [1, 2]) {
        const r = runOracle({ scenario, seed, steps: 150, programs: true });
        expect(r.findings, `${scenario} seed ${seed}: ${JSON.stringify(r.findings.slice(0, 3))}`).toEqual([]);
      }
    });
    it('with programs as the only adversary, they really act; and with Gate 0 off, their relabeled grants are found', () => {
      const on = runOracle({ scenario: 'default', seed: 5, steps: 60, programs: 'only' });
      expect(on.findings).toEqual([]);
      expect(on.programRuns!.spawned).toBeGreaterThanOrEqual(60); // each step starts one (and some spawn more)
      expect(on.programRuns!.ended).toBeGreaterThan(20);
      expect(on.programRuns!.refused).toBeGreaterThan(20); // the kernel said no, and ledgered it
      const off = [1, 2, 3].map((seed) => runOracle({ scenario: 'default', seed, steps: 60, programs: 'only', off: 'gate0' }));
      expect(off.some((r) => (r.rules.relabel ?? 0) > 0)).toBe(true);
      for (const r of off) expect(Object.keys(r.rules).filter((rule) => rule !== 'relabel')).toEqual([]);
    });
  });

  const cases: [OracleRun['off'], OracleRun['scenario'], Rule, number][] = [
    ['gate0', 'default', 'relabel', 300],
    ['energy', 'default', 'energy', 40],
    ['sandbox', 'default', 'pledge', 300],
    ['generation', 'default', 'generation', 200],
    ['tofu', 'pointsav', 'tofu', 300],
    ['diode', 'pointsav', 'diode', 100],
    ['interpose', 'default', 'yield', 300],
    ['hashauth', 'default', 'hash', 300],
  ];
  it.each(cases)('defense %s off: the oracle finds its breach in %s (%s)', (off, scenario, rule, steps) => {
    // The first of a few seeded runs that finds it (each run is random; one is enough to show it).
    const runs = [1, 2, 3].map((seed) => () => runOracle({ scenario, seed, steps, off }));
    let r = runs[0]();
    for (const next of runs.slice(1)) if (!r.rules[rule]) r = next();
    expect(r.rules[rule] ?? 0, JSON.stringify(r.rules)).toBeGreaterThan(0);
    // …and only breaches that defense lets through.
    expect(Object.keys(r.rules)).toEqual([rule]);
  });
});
