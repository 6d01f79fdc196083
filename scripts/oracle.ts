/**
 * The authority oracle, long (issue 16): `npm run oracle [-- --steps N --seeds S]`. Every scenario with every
 * defense on (nothing may be found), then each defense off (its breach must be found), then every defense on again
 * with random user programs as adversaries too (issue 18: nothing may be found); prints the figures.
 */
import { loadEngine } from '../src/kernel/programs/engine';
import { DEFENSE_IDS, runOracle, type OracleRun } from '../src/oracle/adversary';

await loadEngine(); // the generated user programs' sandbox

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const steps = arg('steps', 2000);
const seeds = arg('seeds', 5);
const scenarios: OracleRun['scenario'][] = ['default', 'pointsav', 'pointsav-admin'];
let failed = false;
let total = 0;
const t0 = performance.now();
for (const off of [undefined, ...DEFENSE_IDS]) {
  const found: Record<string, number> = {};
  let ran = 0;
  for (const scenario of scenarios)
    for (let seed = 1; seed <= seeds; seed++) {
      const r = runOracle({ scenario, seed, steps: off === 'energy' ? Math.min(steps, 200) : steps, off });
      ran += r.steps;
      for (const f of r.findings) found[f.rule] = (found[f.rule] ?? 0) + 1;
      if (!off && r.findings.length)
        for (const f of r.findings.slice(0, 3)) console.log(`  ${scenario} seed ${seed} step ${f.step}: ${f.rule}: ${f.what}`);
    }
  total += ran;
  const line = `${off ? `${off} off` : 'every defense on'}: ${ran} steps over ${scenarios.length} scenarios × ${seeds} seeds; found ${JSON.stringify(found)}`;
  console.log(line);
  if (!off && Object.keys(found).length) failed = true;
}
{
  const found: Record<string, number> = {};
  let ran = 0;
  const made = { spawned: 0, ended: 0, refused: 0 };
  for (const scenario of scenarios)
    for (let seed = 1; seed <= seeds; seed++) {
      const r = runOracle({ scenario, seed, steps, programs: true });
      ran += r.steps;
      for (const [k, v] of Object.entries(r.programRuns ?? {})) made[k as keyof typeof made] += v;
      for (const f of r.findings) found[f.rule] = (found[f.rule] ?? 0) + 1;
      for (const f of r.findings.slice(0, 3)) console.log(`  ${scenario} seed ${seed} step ${f.step}: ${f.rule}: ${f.what}`);
    }
  total += ran;
  console.log(
    `every defense on, with user programs: ${ran} steps; ${made.spawned} generated programs started, ${made.ended} ended, ${made.refused} refusals ledgered; found ${JSON.stringify(found)}`,
  );
  if (Object.keys(found).length) failed = true;
}
console.log(`${total} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
process.exitCode = failed ? 1 : 0;
