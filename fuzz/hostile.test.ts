import { describe, expect, it } from 'vitest';
import { fuzzLinks, fuzzPatterns, fuzzScenarios, fuzzShell } from './hostile';

// A bounded run of the hostile-input fuzz (fuzz/run.ts runs it a hundred times longer). Seeded: the same cases
// every run, so a failure here is a case to reproduce, not noise.
describe('hostile input, fuzzed (bounded)', () => {
  it('scenario files: refused naming the field with nothing changed, or booted and run', () => {
    const f = fuzzScenarios(300, 14);
    expect(f.failures).toEqual([]);
    expect(f.accepted).toBeGreaterThan(10);
    expect(f.refused).toBeGreaterThan(100);
  }, 60_000);

  it('share links and session files: a reason for what is wrong, never a throw; what opens replays in slices', async () => {
    const f = await fuzzLinks(200, 15);
    expect(f.failures).toEqual([]);
    expect(f.accepted).toBeGreaterThan(2);
    expect(f.refused).toBeGreaterThan(50);
  }, 60_000);

  it('patterns: compiled or refused with a reason; matching stays linear', () => {
    const f = fuzzPatterns(300, 16);
    expect(f.failures).toEqual([]);
    expect(f.accepted).toBeGreaterThan(20);
    expect(f.worstStepsPerChar).toBeLessThanOrEqual(8);
  }, 60_000);

  it('shell lines: errors that say where, no internal error, plain output', () => {
    const f = fuzzShell(1000, 17);
    expect(f.failures).toEqual([]);
    expect(f.refused).toBeGreaterThan(100);
  }, 60_000);
});
