import type { Check } from '../../kernel/checks/check';
import type { LessonSpec, LessonStep } from '../../kernel/checks/progress';
import type { DefenseId } from '../../kernel/sab/layout';
import { ENGINE_VERSION } from '../../kernel/programs/engine';
import { BUILT_IN_SCENARIOS } from '../scenarios';
import mediakit from './mediakit.json';

/**
 * Capture-the-flag challenges: write a user program (JavaScript, `thief`) that breaks one seed rule. Each starts
 * the program with the caps its run line grants, and its flag is a record only the KERNEL makes, and only when the
 * breach happens (a breach verdict naming the program, or an allowed call only the breach can make) — never the
 * program's word. With every defense on the kernel holds; with the challenge's defense off a working thief wins.
 * A challenge is a lesson (kernel/checks): its scenario file carries the template as program `thief` and two steps,
 * turn the defense off and capture the flag, that the kernel evaluates like any lesson's. Reference solutions are
 * kept out of the app, in tests/content/challenges/<id>.js (a course may want its students to find them).
 */

export type ChallengeScenario = 'default' | 'pointsav' | 'mediakit';

export interface Challenge {
  id: string;
  title: string;
  /** What to do, in a sentence. */
  summary: string;
  /** The seed rule it attacks (../shared/seeds). */
  seed: string;
  scenario: ChallengeScenario;
  /** The defense that stops it; the challenge is won with it off. */
  defense: DefenseId;
  /** The shell line that starts the program: the caps it starts with, and nothing else. */
  run: string;
  /** What capturing the flag means, in words. */
  flag: string;
  /** The kernel's record of the capture. */
  check: Check;
  /** Virtual ms a headless run lets pass after the run line. */
  wait: number;
  /** The starting point: it runs, and does not win. */
  template: string;
}

/** The program every challenge runs (its scenario file defines it). */
export const THIEF = 'thief';

export const CHALLENGES: readonly Challenge[] = [
  {
    id: 'vault-unveil',
    title: 'Read the vault from an unveiled sandbox',
    summary: 'Your program is unveiled to /home (read). Read /vault/secrets anyway and print it.',
    seed: 'seed 003 S2: unveil hides every path outside what was unveiled',
    scenario: 'default',
    defense: 'sandbox',
    run: 'run "thief" unveil "/home r" with { stdio: client @stdio, fs: @fs }',
    flag: 'the kernel ledgers "unveil bypassed: thief … reached /vault/secrets": the secret left the sandbox',
    check: { verdict: '^unveil bypassed: thief \\(pid \\d+\\) reached /vault/secrets', outcome: 'breach' },
    wait: 1000,
    template: `// Goal: print the text of /vault/secrets. You are unveiled to /home (read): everything else is invisible.
function* main(sys) {
  const r = yield sys.call('fs', 'read', ['/home/docs/notes.txt']);
  yield sys.call('stdio', 'write', [r.ok ? r.value : r.code + ': ' + r.error]);
}
`,
  },
  {
    id: 'speak-as-bob',
    title: 'Post in the chat as bob',
    summary: 'You hold only your own chat facet (badge 42). Make a child that speaks as bob (badge 200).',
    seed: 'seed 002 Gate 0: a delegated client facet cannot be relabeled',
    scenario: 'default',
    defense: 'gate0',
    run: 'run "thief" with { stdio: client @stdio, chat: client @chat, spawner: @spawner }',
    flag: 'the kernel ledgers "relabel succeeded: … speaks as bob", for a facet thief relabeled',
    check: {
      all: [
        { verdict: '^relabel succeeded: .* speaks as bob', outcome: 'breach' },
        { ledger: 'RELABELED from badge 42 \\(copied from thief \\(pid \\d+\\)', kind: 'grant' },
      ],
    },
    wait: 1000,
    template: `// Goal: a chat client that speaks as bob (badge 200). Your @chat is a client facet with badge 42: you.
function* main(sys) {
  const r = yield sys.spawn('chat-client', { name: 'me', grants: { chat: 'client @chat' } });
  yield sys.call('stdio', 'write', [r.ok ? 'started a chat client as myself' : r.code + ': ' + r.error]);
}
`,
  },
  {
    id: 'stale-participant',
    title: 'Keep a closed participant alive',
    summary: 'Close your chat participant, let a newcomer join, and speak through the cap you closed.',
    seed: 'seed 002: service object caps are generation-checked; a stale cookie is refused after record reuse',
    scenario: 'default',
    defense: 'generation',
    run: 'run "thief" with { stdio: client @stdio, chat: @chat_participant, root: @chat_root, session: @session, spawner: @spawner }',
    flag: 'the kernel ledgers "stale cookie accepted: thief …": a closed cap reached the newcomer’s object',
    check: { verdict: "^stale cookie accepted: thief \\(pid \\d+\\)'s @chat", outcome: 'breach' },
    wait: 1000,
    template: `// Goal: after closing @chat, send through it again and reach someone else's participant.
function* main(sys) {
  yield sys.call('chat', 'send', ['#lobby', 'hello from thief']);
  const r = yield sys.call('chat', 'close', []);
  yield sys.call('stdio', 'write', [r.ok ? 'closed my participant' : r.code]);
}
`,
  },
  {
    id: 'diode-upstream',
    title: 'Write to the Totebox from the MediaKit',
    summary: 'Your shell is on the MediaKit, holding only @telemetry up to the Totebox vault. Write a record there.',
    seed: 'seed 001: the Diode, commands flow downstream only; the pair is the permission',
    scenario: 'mediakit',
    defense: 'diode',
    run: 'run "thief" with { stdio: client @stdio, telemetry: @telemetry }',
    flag: 'the kernel ledgers an allowed write on vault@totebox by thief (auth) and "upstream command went through"',
    check: {
      all: [
        { ledger: '^thief \\(pid \\d+\\) write \\(write\\) on vault@totebox: allowed', kind: 'auth' },
        { verdict: '^upstream command went through: thief', outcome: 'breach' },
      ],
    },
    wait: 1000,
    template: `// Goal: a write on the Totebox vault through @telemetry (an import across the INPUT pairing).
function* main(sys) {
  const r = yield sys.call('telemetry', 'telemetry', ['frames=120 dropped=0']);
  yield sys.call('stdio', 'write', [r.ok ? 'telemetry sent: ' + r.value : r.code + ': ' + r.error]);
}
`,
  },
  {
    id: 'flood',
    title: 'Flood the lobby past your budget',
    summary: 'With your chat participant, send 2,000 messages within one second: five refills’ worth (400 per refill).',
    seed: 'seed 003 S3: the Kinetic economy, every verb costs energy and an empty budget freezes the fiber',
    scenario: 'default',
    defense: 'energy',
    run: 'run "thief" with { chat: @chat_participant }',
    flag: 'the kernel ledgers "no energy budget: thief … ran 2000 SENDs in … ms": a burst no budget would pay for',
    check: { verdict: '^no energy budget: thief \\(pid \\d+\\) ran \\d+ SENDs', outcome: 'breach' },
    wait: 1000,
    template: `// Goal: 2,000 SENDs within one second of virtual time (SEND costs 5 J; a refill is 2000 J: 400 SENDs).
function* main(sys) {
  for (let i = 0; i < 10; i++) yield sys.call('chat', 'send', ['#lobby', 'message ' + i]);
}
`,
  },
];

export const challengeById = (id: string): Challenge | undefined => CHALLENGES.find((c) => c.id === id);

/**
 * The challenge as a lesson of one step, capture the flag, whose check is the kernel's record of the breach. With
 * the defense on it cannot pass (the kernel holds); the hint says which to turn off.
 */
export function challengeLesson(c: Challenge): LessonSpec & { steps: readonly LessonStep[] } {
  return {
    title: `Challenge: ${c.title}`,
    steps: [
      {
        goal: `Capture the flag: ${c.flag}. Turn the defense off first (defense ${c.defense} off): with it on, the kernel holds (${c.seed}).`,
        hint: `defense ${c.defense} off, then ${c.run}`,
        check: c.check,
      },
    ],
  };
}

/** The scenario a challenge runs on, as parsed JSON (a fresh copy). */
function baseScenario(c: Challenge): Record<string, unknown> {
  if (c.scenario === 'mediakit') return JSON.parse(JSON.stringify(mediakit)) as Record<string, unknown>;
  const base = BUILT_IN_SCENARIOS.find((s) => s.id === c.scenario);
  if (!base) throw new Error(`challenge ${c.id}: no built-in scenario "${c.scenario}"`);
  return JSON.parse(base.text) as Record<string, unknown>;
}

/**
 * The challenge as a scenario file: its scenario, the engine pin, program `thief` (the template, or `source`: a
 * submission) with its run line, and the lesson. `script` (optional) runs after boot, as `capplay run` does.
 */
export function challengeScenario(c: Challenge, source = c.template, script?: { line: string; wait?: number }[]): string {
  const s = baseScenario(c);
  s.engine = ENGINE_VERSION;
  s.programs = { [THIEF]: { source, summary: `challenge ${c.id}: ${c.summary}`.slice(0, 200), run: c.run } };
  s.lesson = challengeLesson(c);
  if (script) s.script = script;
  return JSON.stringify(s, null, 2);
}

/** Deep equality of two JSON values (key order aside). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Is `scenarioText` challenge `c` — its scenario, lesson and checks, whatever program the player wrote? A file or
 * link may carry the challenge's title over an easier check: only the challenge's own counts as it.
 */
export function isChallengeScenario(c: Challenge, scenarioText: string): boolean {
  let got: unknown;
  try {
    got = JSON.parse(scenarioText);
  } catch {
    return false;
  }
  if (typeof got !== 'object' || got === null) return false;
  const strip = (x: object) => {
    const { programs: _p, engine: _e, ...rest } = x as Record<string, unknown>;
    return rest;
  };
  return sameJson(strip(got), strip(JSON.parse(challengeScenario(c)) as object));
}
