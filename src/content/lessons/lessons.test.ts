import { describe, expect, it } from 'vitest';
import { KernelHost } from '../../kernel/host';
import { LessonProgress } from '../../kernel/checks/progress';
import { loadScenario } from '../../kernel/scenario/load';
import { LESSONS, lessonById, lessonScenario } from './lessons';

/** What a learner does for one step: shell lines, lines typed to the foreground program, Ctrl-C, and waiting. */
type Action = string | { input: string } | { interrupt: true } | { wait: number };

/** A scripted solution per lesson: one list of actions per step, in order. */
const SOLUTIONS: Record<string, Action[][]> = {
  'first-run': [
    ['run "chat-client" with { stdio: client @stdio, chat: @chat_participant }', { wait: 30 }],
    [{ input: '/exit' }, { wait: 60 }],
    ['spawn "chat-client" with { chat: @chat_participant }', { wait: 30 }],
    ['run "chat-client" with { stdio: client @stdio, chat: @chat_root, session: @session }', { wait: 30 }],
  ],
  relabel: [
    ['run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }'],
    ['defense gate0 off'],
    ['run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }', { wait: 30 }],
    ['defense gate0 on', { interrupt: true }],
  ],
  energy: [
    ['spawn "forkbomb" with { spawner: @spawner }', { wait: 20 }],
    ['top', 'kill @forkbomb'],
    ['spawn "flooder" with { chat: @chat_participant }', { wait: 30 }],
    ['defense energy off', { wait: 1100 }],
    ['defense energy on', 'kill @flooder'],
  ],
  sandbox: [
    ['run "fetch-worker" pledge "stdio net" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }', { wait: 1000 }],
    ['run "pdf-viewer" unveil "/home/docs r" with { stdio: client @stdio, fs: @fs }', { wait: 1700 }],
    ['unveil /home r', 'run "cat /vault/secrets" with { stdio: client @stdio, fs: @fs }', { wait: 20 }],
  ],
  yields: [['attest'], ['invoke "hello"'], ['forge'], ['rotate invoke_key', 'invoke old'], ['lookalike']],
  pairing: [
    ['import totebox vault'],
    ['pair totebox as USER'],
    ['import totebox vault', 'call @vault read passport.pdf'],
    ['call @vault write memo.txt "hi"'],
    ['pair totebox as INPUT', 'call @vault write memo.txt "hi"'],
    ['unpair totebox'],
  ],
  deputy: [
    ['channel jobs', 'spawn "capcc" unveil "/var/billing rw" with { jobs: @jobs, billing: move @fs, stdio: client @stdio }', { wait: 5 }],
    ['channel out', 'grant @capcc @out', 'call @jobs write "out int main() { return 0; }"', { wait: 50 }],
    ['call @jobs write "/var/billing int main() { return 0; }"', { wait: 50 }],
  ],
  worm: [
    ['call @notes append "shift change: all clear"'],
    ['call @notes delete 1'],
    ['call @audit append "x"'],
    ['run "ingest hello" with { stdio: client @stdio }', { wait: 30 }],
    ['call @notes append "relabel blocked: forged"'],
  ],
};

function start(id: string) {
  const lesson = lessonById(id)!;
  const host = new KernelHost(undefined, false);
  const r = host.boot(lessonScenario(lesson));
  if (!r.ok) throw new Error(r.errors.join('; '));
  return { lesson, host, progress: new LessonProgress(lesson, host.kernel) };
}

function act(host: KernelHost, a: Action): string[] {
  if (typeof a === 'string') return host.exec(a).lines.map((l) => l.text);
  if ('input' in a) host.input(a.input);
  else if ('interrupt' in a) host.interrupt();
  else host.kernel.step(a.wait);
  return [];
}

describe('lessons', () => {
  it('at least five, ordered from the first run to pairing, each on a built-in scenario with 1 to 20 steps', () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(5);
    expect(LESSONS[0].id).toBe('first-run');
    expect(LESSONS.map((l) => l.id)).toContain('pairing');
    expect(new Set(LESSONS.map((l) => l.id)).size).toBe(LESSONS.length);
    for (const l of LESSONS) {
      expect(['default', 'pointsav', 'worm']).toContain(l.scenario);
      expect(l.steps.length).toBeGreaterThanOrEqual(1);
      expect(l.steps.length).toBeLessThanOrEqual(20);
      expect(Object.keys(SOLUTIONS)).toContain(l.id);
    }
  });

  it('each lesson is a valid scenario file (lessonScenario passes the untrusted-file validation)', () => {
    for (const l of LESSONS) {
      const r = loadScenario(lessonScenario(l));
      expect(r.ok ? r.scenario.lesson?.steps.length : r.errors, l.id).toBe(l.steps.length);
    }
  });

  for (const lesson of LESSONS) {
    it(`${lesson.id}: the first step fails before you do anything, and the scripted solution completes each step in turn`, () => {
      const { host, progress } = start(lesson.id);
      expect(progress.advance(host.kernel)).toBe(0);
      const first = progress.status(host.kernel)[0];
      expect(first.state).toBe('current');
      expect(first.ok).toBe(false);
      expect(first.why.length).toBeGreaterThan(10);
      SOLUTIONS[lesson.id].forEach((actions, i) => {
        const said: string[] = [];
        for (const a of actions) said.push(...act(host, a));
        // Every line is a command that exists and parses.
        expect(
          said.filter((l) => /internal error|unknown command|syntax error/.test(l)),
          `${lesson.id} step ${i + 1}`,
        ).toEqual([]);
        const before = progress.current;
        progress.advance(host.kernel);
        const status = progress.status(host.kernel);
        expect(before, `${lesson.id}: step ${i + 1} became current in order`).toBe(i);
        expect(progress.current, `${lesson.id} step ${i + 1} ("${lesson.steps[i].goal}"): ${status[i]?.why}`).toBe(i + 1);
      });
      expect(progress.done).toBe(true);
      expect(progress.status(host.kernel).every((s) => s.state === 'done' && s.ok)).toBe(true);
    });
  }
});

describe('lessons survive a restore', () => {
  for (const lesson of LESSONS) {
    it(`${lesson.id}: a session that did every step replays to every step done (each checked where it ran)`, () => {
      const { host } = start(lesson.id);
      for (const actions of SOLUTIONS[lesson.id])
        for (const a of actions) {
          act(host, a);
          host.lessonStatus(); // the page reads it as time passes (LessonPlayer polls), so a step may finish meanwhile
        }
      expect(host.lessonStatus()?.done, `${lesson.id} live`).toBe(true);
      const again = new KernelHost(undefined, false);
      expect(again.restoreNow(host.session()).ok).toBe(true);
      const status = again.lessonStatus()!;
      expect(
        status.steps.map((s) => `${s.state}: ${s.why}`).filter((s) => !s.startsWith('done')),
        lesson.id,
      ).toEqual([]);
    });
  }
});
