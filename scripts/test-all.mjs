#!/usr/bin/env node
// Runs every test — unit (Vitest, Node) and end-to-end (Playwright, Debian Chromium, against the built app) — and
// the static checks (types, lint, format, kernel import cycles), and ends with one plain line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('test-results', { recursive: true });
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;
const readJson = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null);

let passed = 0;
let failed = 0;
let broken = false;

rmSync('test-results/unit.json', { force: true });
run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/unit.json']);
const unit = readJson('test-results/unit.json');
if (unit) {
  passed += unit.numPassedTests;
  // a file that fails to load counts as a failure even though none of its tests ran
  failed += unit.numFailedTests || unit.numFailedTestSuites;
} else broken = true;

// Static checks: each one that fails counts as one failure.
const checksFailed = [];
for (const [name, cmd, args] of [
  ['type check (tsc -b)', 'npx', ['tsc', '-b']],
  ['lint (npm run lint)', 'npm', ['run', '--silent', 'lint']],
  ['format (npm run format:check; npm run format fixes it)', 'npm', ['run', '--silent', 'format:check']],
  ['import cycles in src/kernel (npm run check:cycles)', 'npm', ['run', '--silent', 'check:cycles']],
]) {
  if (run(cmd, args) !== 0) {
    console.error(`${name} failed`);
    checksFailed.push(name);
    failed++;
  }
}
if (run('npx', ['vite', 'build']) !== 0) {
  console.error('build failed');
  broken = true;
} else {
  rmSync('test-results/e2e.json', { force: true });
  run('npx', ['playwright', 'test']);
  const e2e = readJson('test-results/e2e.json');
  if (e2e) {
    passed += e2e.stats.expected + e2e.stats.flaky;
    failed += e2e.stats.unexpected;
    if (e2e.errors?.length) broken = true;
  } else broken = true;
}

if (broken) failed = Math.max(failed, 1);
if (checksFailed.length) console.error(`\nfailed checks: ${checksFailed.join('; ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
