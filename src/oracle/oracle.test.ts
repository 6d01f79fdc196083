import { describe, expect, it } from 'vitest';
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
