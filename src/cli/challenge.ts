import { challengeScenario, type Challenge } from '../content/challenges/challenges';
import { evaluate, type CheckResult } from '../kernel/checks/check';
import { KernelHost } from '../kernel/host';

/**
 * Playing a challenge headlessly: its scenario with a submitted program as `thief`, and a script of at most two
 * lines — the defense off (unless `defense: 'on'`), then the challenge's run line — and its wait. The flag is the
 * challenge's check, evaluated by the kernel on the records made after boot.
 */

export type DefenseMode = 'on' | 'off';

/** The script a headless play runs: the defense off (in "off" mode), then the run line and its wait. */
export function challengeScript(c: Challenge, mode: DefenseMode): { line: string; wait?: number }[] {
  return [...(mode === 'off' ? [{ line: `defense ${c.defense} off` }] : []), { line: c.run, wait: c.wait }];
}

/** The scenario file a headless play boots: the challenge with `source` as its program and the script. */
export const challengeRunText = (c: Challenge, source: string, mode: DefenseMode): string =>
  challengeScenario(c, source, challengeScript(c, mode));

export interface ChallengePlay {
  host: KernelHost;
  /** The flag's check: captured or not, and why. */
  flag: CheckResult;
}

/** Boot the challenge with `source`, run its script, and read the flag. Throws if the scenario does not boot (a bug). */
export function playChallenge(c: Challenge, source: string, mode: DefenseMode, seed?: number): ChallengePlay {
  const host = new KernelHost(undefined, false);
  const booted = host.boot(challengeRunText(c, source, mode), seed);
  if (!booted.ok) throw new Error(`challenge ${c.id} does not boot: ${booted.errors.join('; ')}`);
  const since = host.kernel.ledger.length;
  host.runScriptNow(() => {});
  return { host, flag: evaluate(host.kernel, c.check, since) };
}
