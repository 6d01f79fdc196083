/** Replaying further than a day of virtual time past the last command is refused (a corrupt or hostile session). */
export const MAX_RESTORE_TICKS = 86_400_000;
const MAX_LOG = 20_000;

/**
 * Why a session object (scenario, seed, log, ticks) is unusable, or null. It may come from storage, a link or
 * a file: every field is checked. Kept apart from the host so the page can check links without the kernel.
 */
export function sessionProblem(s: unknown): string | null {
  if (!s || typeof s !== 'object') return 'a session is an object with scenario, seed, log and ticks';
  const x = s as Record<string, unknown>;
  if (typeof x.scenario !== 'string' || x.scenario.length > 1 << 20) return 'session.scenario: the scenario text (at most 1 MB)';
  if (!Number.isInteger(x.seed) || (x.seed as number) < 0 || (x.seed as number) > 0xffffffff) return 'session.seed: a whole number from 0 to 4294967295';
  if (!Number.isInteger(x.ticks) || (x.ticks as number) < 0 || (x.ticks as number) > MAX_RESTORE_TICKS * 10) return 'session.ticks: a whole number of virtual ms';
  if (!Array.isArray(x.log) || x.log.length > MAX_LOG) return `session.log: a list of at most ${MAX_LOG} commands`;
  let last = 0;
  for (let i = 0; i < x.log.length; i++) {
    const c = x.log[i] as Record<string, unknown> | null;
    if (!c || typeof c !== 'object') return `session.log[${i}]: a command object`;
    if (!Number.isInteger(c.at) || (c.at as number) < last) return `session.log[${i}].at: a tick no earlier than the command before`;
    if (typeof c.line !== 'string' || c.line.length > 4096) return `session.log[${i}].line: text of at most 4096 characters`;
    if ((c.input !== undefined && c.input !== true) || (c.interrupt !== undefined && c.interrupt !== true)) return `session.log[${i}]: input and interrupt are true or absent`;
    last = c.at as number;
  }
  return null;
}
