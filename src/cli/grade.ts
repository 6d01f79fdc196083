import { challengeScenario, type Challenge } from '../content/challenges/challenges';
import { lessonScenario, type Lesson } from '../content/lessons/lessons';
import type { StepStatus } from '../kernel/checks/progress';
import { KernelHost, type HostTiming } from '../kernel/host';
import { WALL_CLOCK } from './clock';
import { ENGINE_VERSION } from '../kernel/programs/engine';
import { MAX_PROGRAM_SOURCE } from '../kernel/scenario/schema';
import { parseSessionFile } from '../session/share';
import { sanitize } from '../text/sanitize';
import { challengeRunText } from './challenge';
import { compileCheck } from '../kernel/programs/compile';

/**
 * Grading a class: `capplay grade <files…> --lesson <id> | --challenge <id> [--json | --csv]`. Each file is a
 * submission: a session file (the app's "Export session", format capplay-session) or, for a challenge, a program
 * (.js). A session is replayed and the lesson's steps are checked where they ran (as the live session did); a
 * program is played as `capplay run --challenge` does, with the challenge's defense off. The checks are ours,
 * never the file's: a session is graded only if its scenario is the lesson's own (programs aside: they hold no
 * authority), so an edited check, an added cap or another lesson is flagged, not graded. So is a file that cannot
 * be read, is too big, is not a session, pins another engine or does not replay: each with why.
 */

/** The most a submitted session file may be (a long session is a few MB); a program is at most a program's source. */
export const MAX_SUBMISSION_BYTES = 16 << 20;

export type Target = { kind: 'lesson'; lesson: Lesson } | { kind: 'challenge'; challenge: Challenge };

export interface Graded {
  file: string;
  /** The session file's "name" field, if it carries one. */
  name: string;
  status: 'passed' | 'failed' | 'flagged';
  /** Why it was flagged (status "flagged"). */
  flagged?: string;
  steps: { step: number; goal: string; ok: boolean; why: string }[];
}

/** One line of untrusted text, safe for a terminal or a CSV cell. */
const clean = (s: string, n = 400) => {
  const t = sanitize(s).replace(/[\n\u2028\u2029]/g, ' ');
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

const targetText = (t: Target) => (t.kind === 'lesson' ? lessonScenario(t.lesson) : challengeScenario(t.challenge));
const targetName = (t: Target) => (t.kind === 'lesson' ? `lesson ${t.lesson.id}` : `challenge ${t.challenge.id}`);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where two JSON values first differ, as a path ("processes[3].caps"), or null if they are the same. */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (isRecord(a) && isRecord(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : path || '(the whole scenario)';
}

/** Why a session's scenario is not the target's (null: it is). Programs may differ; they hold no authority. */
function mismatch(scenarioText: string, target: Target): string | null {
  let got: unknown;
  try {
    got = JSON.parse(scenarioText);
  } catch {
    return 'its scenario is not JSON';
  }
  if (!isRecord(got)) return 'its scenario is not a scenario object';
  const want = JSON.parse(targetText(target)) as Record<string, unknown>;
  const lesson = isRecord(got.lesson) && typeof got.lesson.title === 'string' ? got.lesson.title : null;
  const title = (want.lesson as { title: string }).title;
  if (lesson !== title)
    return lesson === null
      ? `it is a session of a scenario without a lesson, not of ${targetName(target)} ("${title}")`
      : `it is a session of "${clean(lesson, 120)}", not of ${targetName(target)} ("${title}")`;
  if (got.programs !== undefined && got.engine !== ENGINE_VERSION)
    return `wrong engine pin: its programs were written for ${clean(JSON.stringify(got.engine ?? null), 80)}; this build grades on ${ENGINE_VERSION}`;
  const strip = (s: Record<string, unknown>) => {
    const { programs: _p, engine: _e, ...rest } = s;
    return rest;
  };
  const d = firstDifference(strip(got), strip(want));
  return d === null
    ? null
    : `its scenario is not ${targetName(target)}'s: it differs at ${clean(d, 120)} (an edited scenario is not graded)`;
}

const stepsOf = (status: readonly StepStatus[]) =>
  status.map((s) => ({ step: s.index + 1, goal: clean(s.goal), ok: s.state === 'done', why: clean(s.why) }));
const verdictOf = (steps: Graded['steps']): Graded['status'] => (steps.every((s) => s.ok) ? 'passed' : 'failed');

/** Submissions are timed, replays too: a step that holds the grader is cut (src/kernel/programs/backstop.ts)… */
const GRADER_CLOCK: HostTiming = { ...WALL_CLOCK, cutReplays: true };

/** …and the submission flagged, not graded: where the clock cut it depends on this machine, so a grade would too. */
function heldTheGrader(host: KernelHost): string | null {
  const c = host.kernel.backstop.made[0];
  return c
    ? `a step of its pid ${c.pid} held the grader past the backstop's limit and was cut (a grade would depend on this machine's speed)`
    : null;
}

/** Grade a session file's text against the target. */
function gradeSession(file: string, text: string, target: Target): Graded {
  const flag = (why: string, name = ''): Graded => ({ file, name, status: 'flagged', flagged: why, steps: [] });
  const decoded = parseSessionFile(text);
  let name = '';
  try {
    const raw = JSON.parse(text) as unknown;
    if (isRecord(raw) && typeof raw.name === 'string') name = clean(raw.name, 80);
  } catch {
    // parseSessionFile said why
  }
  if (!decoded.ok) return flag(decoded.error, name);
  const wrong = mismatch(decoded.session.scenario, target);
  if (wrong) return flag(wrong, name);
  const host = new KernelHost(undefined, false, GRADER_CLOCK);
  const r = host.restoreNow(decoded.session);
  const held = heldTheGrader(host);
  if (held) return flag(held, name);
  if (!r.ok) return flag(`the session does not replay: ${r.errors.map((e) => clean(e)).join('; ')}`, name);
  const status = host.lessonStatus();
  if (!status) return flag('the replayed session has no lesson', name);
  const steps = stepsOf(status.steps);
  return { file, name, status: verdictOf(steps), steps };
}

/** Grade a program (.js) against a challenge: its run line with the challenge's defense off, as `capplay run --challenge`. */
function gradeProgram(file: string, source: string, target: Target, seed?: number): Graded {
  const flag = (why: string): Graded => ({ file, name: '', status: 'flagged', flagged: why, steps: [] });
  if (target.kind !== 'challenge')
    return flag('a program (.js) is graded against a challenge (--challenge <id>); a lesson takes session files');
  if (!source.trim()) return flag('the program is empty');
  if (source.length > MAX_PROGRAM_SOURCE)
    return flag(`the program is ${source.length} characters; a program is at most ${MAX_PROGRAM_SOURCE}`);
  // One that does not compile is not a program (a session file named .js, a damaged file): flagged, not failed.
  const compiles = compileCheck(source, 'thief');
  if (!compiles.ok) return flag(`it does not compile: ${clean(compiles.message)} at ${compiles.line}:${compiles.column}`);
  const host = new KernelHost(undefined, false, GRADER_CLOCK);
  const booted = host.boot(challengeRunText(target.challenge, source, 'off'), seed);
  if (!booted.ok) return flag(`not a program this challenge can run: ${booted.errors.map((e) => clean(e)).join('; ')}`);
  host.runScriptNow(() => {});
  const held = heldTheGrader(host);
  if (held) return flag(held);
  const status = host.lessonStatus();
  if (!status) return flag('the challenge has no lesson (a bug)');
  const exit = host.kernel.ledger
    .page(1, host.kernel.ledger.length)
    .findLast((e) => (e.kind === 'exit' || e.kind === 'kill') && e.detail.startsWith('thief ('));
  const steps = stepsOf(status.steps).map((s) => (s.ok || !exit ? s : { ...s, why: clean(`${s.why}; the program: ${exit.detail}`) }));
  return { file, name: '', status: verdictOf(steps), steps };
}

/** Grade one submission: `read` gives its text (or throws: the file is flagged). */
export function gradeFile(file: string, read: () => string, target: Target, seed?: number): Graded {
  let text: string;
  try {
    text = read();
  } catch (e) {
    return {
      file,
      name: '',
      status: 'flagged',
      flagged: `cannot read it: ${clean(e instanceof Error ? e.message : String(e))}`,
      steps: [],
    };
  }
  if (text.length > MAX_SUBMISSION_BYTES)
    return {
      file,
      name: '',
      status: 'flagged',
      flagged: `the file is too big: ${text.length} bytes, at most ${MAX_SUBMISSION_BYTES} are graded`,
      steps: [],
    };
  return /\.m?js$/i.test(file) ? gradeProgram(file, text, target, seed) : gradeSession(file, text, target);
}

// ── output ───────────────────────────────────────────────────────────────────────────────────────────────────

export function gradeTable(target: Target, graded: readonly Graded[]): string[] {
  const n = target.kind === 'lesson' ? target.lesson.steps.length : 1;
  const cols = ['file', 'who', 'result', ...Array.from({ length: n }, (_, i) => `step ${i + 1}`)];
  const rows = graded.map((g) => [
    clean(g.file, 60),
    g.name || '—',
    g.status === 'flagged' ? 'FLAGGED' : g.status,
    ...Array.from({ length: n }, (_, i) => (g.status === 'flagged' ? '' : g.steps[i]?.ok ? '✓' : '✗')),
  ]);
  const width = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(width[i]))
      .join('  ')
      .trimEnd();
  const out = [
    `capplay grade: ${targetName(target)}, ${graded.length} submission${graded.length === 1 ? '' : 's'}`,
    '',
    line(cols),
    ...rows.map(line),
  ];
  const reasons = graded.flatMap((g) =>
    g.status === 'flagged'
      ? [`  ${clean(g.file, 60)}: FLAGGED, not graded: ${g.flagged}`]
      : g.steps.filter((s) => !s.ok).map((s) => `  ${clean(g.file, 60)} step ${s.step}: ${s.why}`),
  );
  if (reasons.length) out.push('', 'why:', ...reasons);
  const count = (s: Graded['status']) => graded.filter((g) => g.status === s).length;
  out.push('', `${count('passed')} passed, ${count('failed')} failed, ${count('flagged')} flagged`);
  return out;
}

export function gradeJson(target: Target, graded: readonly Graded[]): string {
  const what = target.kind === 'lesson' ? { lesson: target.lesson.id } : { challenge: target.challenge.id };
  return JSON.stringify({ ...what, submissions: graded }, null, 2);
}

const csvCell = (s: string | number | boolean) => {
  const t = String(s);
  return /[",\n\r]/.test(t) || /^[=+\-@]/.test(t) ? `"${(/^[=+\-@]/.test(t) ? `'${t}` : t).replace(/"/g, '""')}"` : t;
};

/** One row per step (a flagged file: one row, no step), for a spreadsheet or a course site. */
export function gradeCsv(graded: readonly Graded[]): string[] {
  const rows: (string | number | boolean)[][] = [['file', 'name', 'status', 'step', 'ok', 'reason']];
  for (const g of graded) {
    if (g.status === 'flagged') rows.push([g.file, g.name, 'flagged', '', false, g.flagged ?? '']);
    else for (const s of g.steps) rows.push([g.file, g.name, g.status, s.step, s.ok, s.ok ? '' : s.why]);
  }
  return rows.map((r) => r.map(csvCell).join(','));
}

/** Exit code: 2 if any submission was flagged, else 1 if any failed, else 0. */
export const gradeExit = (graded: readonly Graded[]): number =>
  graded.some((g) => g.status === 'flagged') ? 2 : graded.some((g) => g.status === 'failed') ? 1 : 0;
