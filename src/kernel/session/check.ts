/**
 * The most a session may hold, so no file or link can ask for a replay that never ends: a week of virtual time
 * (a replay of an idle world runs about 3 million ticks a second, in slices with progress and a Stop) and a
 * quarter of a million commands. The live session keeps to the same bounds and says so when it reaches one, so
 * nothing it saves is ever refused when it comes back.
 */
import { cutProblem } from '../programs/backstop';
import { runLineProblem } from '../programs/runLine';

export const MAX_SESSION_TICKS = 7 * 86_400_000;
export const MAX_LOG = 250_000;
/**
 * Program definitions a session may hold (the Programs tab's Run defines one each time): each carries its source
 * (at most 64 KiB, as in a scenario file), so this bounds what a link or file may make a replay compile.
 */
export const MAX_LOG_PROGRAMS = 256;
const MAX_SOURCE = 64 * 1024;
/** As scenario files: control characters and bidi overrides are refused in text that is shown. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const shownText = (v: unknown, max: number) => typeof v === 'string' && v.length >= 1 && v.length <= max && !CONTROL.test(v);

/** Turns in one tick: one per process, and a world has at most this many. */
const MAX_TURNS = 1 << 16;

/**
 * Why a session object (scenario, seed, log, ticks) is unusable, or null. It may come from storage, a link or
 * a file: every field is checked. Kept apart from the host so the page can check links without the kernel.
 */
export function sessionProblem(s: unknown): string | null {
  if (!s || typeof s !== 'object') return 'a session is an object with scenario, seed, log and ticks';
  const x = s as Record<string, unknown>;
  if (typeof x.scenario !== 'string' || x.scenario.length > 1 << 20) return 'session.scenario: the scenario text (at most 1 MB)';
  if (!Number.isInteger(x.seed) || (x.seed as number) < 0 || (x.seed as number) > 0xffffffff)
    return 'session.seed: a whole number from 0 to 4294967295';
  if (!Number.isInteger(x.ticks) || (x.ticks as number) < 0 || (x.ticks as number) > MAX_SESSION_TICKS)
    return `session.ticks: a whole number of virtual ms, at most ${MAX_SESSION_TICKS} (a week)`;
  if (!Array.isArray(x.log) || x.log.length > MAX_LOG) return `session.log: a list of at most ${MAX_LOG} commands`;
  let last = 0;
  let lastWithin = -1;
  let programs = 0;
  for (let i = 0; i < x.log.length; i++) {
    const c = x.log[i] as Record<string, unknown> | null;
    if (!c || typeof c !== 'object') return `session.log[${i}]: a command object`;
    if (!Number.isInteger(c.at) || (c.at as number) < last) return `session.log[${i}].at: a tick no earlier than the command before`;
    if ((c.at as number) > MAX_SESSION_TICKS)
      return `session.log[${i}].at: tick ${c.at} is past the most a session may hold (${MAX_SESSION_TICKS} ms, a week of virtual time)`;
    // Inside a tick, after `within` turns (at most one per process): never before the command before it.
    if (c.within !== undefined && (!Number.isInteger(c.within) || (c.within as number) < 0 || (c.within as number) > MAX_TURNS))
      return `session.log[${i}].within: a whole number of turns from 0 to ${MAX_TURNS}`;
    const within = c.within === undefined ? Infinity : (c.within as number);
    if (c.at === last && within < lastWithin) return `session.log[${i}].within: earlier in tick ${last} than the command before`;
    lastWithin = within;
    if (typeof c.line !== 'string' || c.line.length > 4096) return `session.log[${i}].line: text of at most 4096 characters`;
    if ((c.input !== undefined && c.input !== true) || (c.interrupt !== undefined && c.interrupt !== true))
      return `session.log[${i}]: input and interrupt are true or absent`;
    if (c.program !== undefined) {
      const problem = programProblem(c.program, c);
      if (problem) return `session.log[${i}].program: ${problem}`;
      if (++programs > MAX_LOG_PROGRAMS)
        return `session.log[${i}].program: a session holds at most ${MAX_LOG_PROGRAMS} program definitions`;
    }
    if (c.cut !== undefined) {
      const problem = cutProblem(c.cut);
      if (problem) return `session.log[${i}].cut: ${problem}`;
      if (c.line !== '' || c.input !== undefined || c.interrupt !== undefined || c.program !== undefined)
        return `session.log[${i}].cut: a cut is an entry of its own (line "", nothing else)`;
    }
    last = c.at as number;
  }
  if (x.engine !== undefined && !shownText(x.engine, 100)) return 'engine: the engine it was written for (text)';
  return null;
}

/** Why a log entry's program definition is malformed (its name's other rules, and the count, are the kernel's). */
function programProblem(p: unknown, c: Record<string, unknown>): string | null {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return 'a program definition { name, source, summary, run?, engine? }';
  const x = p as Record<string, unknown>;
  const extra = Object.keys(x).find((k) => !['name', 'source', 'summary', 'run', 'engine'].includes(k));
  if (extra !== undefined) return `unknown field ${JSON.stringify(extra)}`;
  if (c.line !== '' || c.input !== undefined || c.interrupt !== undefined)
    return 'a definition is an entry of its own (line "", no input or interrupt)';
  if (typeof x.name !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(x.name))
    return 'name: lowercase letters, digits and "-", starting with a letter (at most 32)';
  if (typeof x.source !== 'string' || x.source.length < 1 || x.source.length > MAX_SOURCE)
    return `source: JavaScript of 1 to ${MAX_SOURCE} characters`;
  if (!shownText(x.summary, 200)) return 'summary: one line of 1 to 200 characters, no control characters';
  if (x.run !== undefined && (!shownText(x.run, 400) || (x.run as string).includes('\n')))
    return 'run: one shell line of 1 to 400 characters, no control characters';
  const runProblem = x.run === undefined ? null : runLineProblem(x.name, x.run as string);
  if (runProblem) return `run: ${runProblem}`;
  if (x.engine !== undefined && !shownText(x.engine, 100)) return 'engine: the engine it was written for (text)';
  return null;
}
