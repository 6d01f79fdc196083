/**
 * npx tsx fuzz/run.ts [--scale N] [--seed S]: the hostile-input fuzz, long (scale 1: 20,000 scenario files,
 * 5,000 links and session files, 5,000 patterns, 50,000 shell lines). Prints the figures as JSON; exits 1 if any
 * property failed, listing the first failures (each reproducible from its seed and index).
 */
import { fuzzLinks, fuzzPatterns, fuzzScenarios, fuzzShell } from './hostile';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const scale = arg('--scale', 1);
const seed = arg('--seed', 14);
const started = performance.now();
const time = async <T>(run: () => T | Promise<T>) => {
  const t = performance.now();
  const r = await run();
  return { ...r, seconds: +((performance.now() - t) / 1000).toFixed(1) };
};
const result = {
  seed,
  scenarios: await time(() => fuzzScenarios(Math.round(20_000 * scale), seed)),
  links: await time(() => fuzzLinks(Math.round(5_000 * scale), seed + 1)),
  patterns: await time(() => fuzzPatterns(Math.round(5_000 * scale), seed + 2)),
  shell: await time(() => fuzzShell(Math.round(50_000 * scale), seed + 3)),
  seconds: 0,
};
result.seconds = +((performance.now() - started) / 1000).toFixed(1);
const failures = [result.scenarios, result.links, result.patterns, result.shell].flatMap((f) => f.failures);
const brief = (f: { failures: string[] }) => ({ ...f, failures: f.failures.length, firstFailures: f.failures.slice(0, 5) });
console.log(
  JSON.stringify(
    {
      ...result,
      scenarios: brief(result.scenarios),
      links: brief(result.links),
      patterns: brief(result.patterns),
      shell: brief(result.shell),
    },
    null,
    2,
  ),
);
process.exit(failures.length ? 1 : 0);
