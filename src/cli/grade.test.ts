import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine } from '../kernel/programs/engine';
import { MAX_SUBMISSION_BYTES } from './grade';
import { main } from './run';

beforeAll(() => loadEngine());

/** The submissions: real files, as a class would hand them in (tests/content/grade). */
const at = (name: string) => new URL(`../../tests/content/grade/${name}`, import.meta.url).pathname;
const REF = new URL('../../tests/content/challenges/vault-unveil.js', import.meta.url).pathname;

function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), readFile: (p) => readFileSync(p, 'utf8') });
  return { code, out, err, text: out.join('\n') };
}

const SUBMISSIONS = [
  'carol.js',
  'dave.js',
  'alice.json',
  'bob.json',
  'damaged.json',
  'edited.json',
  'engine.json',
  'noreplay.json',
  'wrong-lesson.json',
  'notjs.js',
];

describe('capplay grade', () => {
  it('a challenge: passing and failing programs and sessions are graded; damaged and mismatched ones are flagged with why', () => {
    const r = cli('grade', ...SUBMISSIONS.map(at), '--challenge', 'vault-unveil');
    const row = (file: string) => r.out.find((l) => l.startsWith(at(file)))!;
    expect(row('carol.js')).toMatch(/ +— +passed +✓$/);
    expect(row('dave.js')).toMatch(/ +— +failed +✗$/);
    expect(row('alice.json')).toMatch(/ +Alice Liddell +passed +✓$/); // the session's name field
    expect(row('bob.json')).toMatch(/ +Bob +failed +✗$/);
    for (const f of ['damaged.json', 'edited.json', 'engine.json', 'noreplay.json', 'wrong-lesson.json', 'notjs.js'])
      expect(row(f)).toMatch(/FLAGGED$/);
    const why = (file: string) => r.out.find((l) => l.startsWith(`  ${at(file)}`));
    expect(why('dave.js')).toMatch(/step 1: no breach verdict matching .*; the program: thief \(pid \d+\) exited with code 0$/);
    expect(why('bob.json')).toMatch(/step 1: no breach verdict matching \/\^unveil bypassed/);
    expect(why('damaged.json')).toMatch(/FLAGGED, not graded: not a session file: the JSON does not parse/);
    expect(why('edited.json')).toMatch(/its scenario is not challenge vault-unveil's: it differs at lesson\.steps\[0\]\.check/);
    expect(why('engine.json')).toMatch(/wrong engine pin: its programs were written for "quickjs-emscripten@0\.31\.0"/);
    expect(why('noreplay.json')).toMatch(/the session in it is not usable: session\.log\[1\]\.at/);
    expect(why('wrong-lesson.json')).toMatch(/it is a session of "Make the relabel fail", not of challenge vault-unveil/);
    expect(why('notjs.js')).toMatch(/FLAGGED, not graded: it does not compile: SyntaxError: .* at 1:/); // not "failed"
    expect(why('carol.js')).toBeUndefined();
    expect(r.out.at(-1)).toBe('2 passed, 2 failed, 6 flagged');
    expect(r.code).toBe(2); // some were flagged
  });

  it('a submission that holds the grader in one step is cut by the clock and flagged, not graded (programs/backstop.ts)', () => {
    // Each `in` walks a 20,000-deep prototype chain: the engine's budget would take minutes to run out; the clock cuts it.
    const dir = mkdtempSync(join(tmpdir(), 'capplay-grade-'));
    const hog = join(dir, 'hog.js');
    writeFileSync(
      hog,
      "function* main(sys) { let o = {}; for (let i = 0; i < 20000; i++) o = Object.create(o); let n = 0; for (;;) n += ('zz' in o) + ('zz' in o); }",
    );
    const r = cli('grade', hog, at('carol.js'), '--challenge', 'vault-unveil');
    expect(r.out.find((l) => l.startsWith(hog))).toMatch(/FLAGGED$/);
    expect(r.out.find((l) => l.startsWith(`  ${hog}`))).toMatch(
      /FLAGGED, not graded: a step of its pid \d+ held the grader past the backstop's limit and was cut \(a grade would depend on this machine's speed\)/,
    );
    expect(r.out.find((l) => l.startsWith(at('carol.js')))).toMatch(/passed +✓$/); // the next one is graded as ever
  });

  it('a lesson: each step passed or not, with the reason; a program is flagged (lessons take sessions)', () => {
    const r = cli('grade', at('relabel-judy.json'), at('wrong-lesson.json'), at('carol.js'), '--lesson', 'relabel');
    expect(r.out.find((l) => l.startsWith(at('relabel-judy.json')))).toMatch(/Judy +passed +✓ +✓ +✓ +✓$/);
    expect(r.out.find((l) => l.startsWith(at('wrong-lesson.json')))).toMatch(/Frank +failed +✗ +✗ +✗ +✗$/);
    expect(r.text).toContain(`${at('wrong-lesson.json')} step 1: no verdict matching /^relabel blocked/ yet`);
    expect(r.text).toContain(`${at('carol.js')}: FLAGGED, not graded: a program (.js) is graded against a challenge`);
    expect(r.code).toBe(2);
    const graded = cli('grade', at('relabel-judy.json'), at('wrong-lesson.json'), '--lesson', 'relabel');
    expect(graded.code).toBe(1); // one failed, none flagged
    expect(cli('grade', at('relabel-judy.json'), '--lesson', 'relabel').code).toBe(0);
  });

  it('--json and --csv for a course site', () => {
    const j = cli('grade', at('alice.json'), at('bob.json'), at('damaged.json'), '--challenge', 'vault-unveil', '--json');
    const data = JSON.parse(j.text) as {
      challenge: string;
      submissions: { file: string; name: string; status: string; flagged?: string; steps: { ok: boolean; why: string }[] }[];
    };
    expect(data.challenge).toBe('vault-unveil');
    expect(data.submissions.map((s) => [s.name, s.status])).toEqual([
      ['Alice Liddell', 'passed'],
      ['Bob', 'failed'],
      ['', 'flagged'],
    ]);
    expect(data.submissions[0].steps[0].why).toMatch(/^the verdict reads "unveil bypassed: thief/);
    expect(data.submissions[2].flagged).toMatch(/the JSON does not parse/);
    const c = cli('grade', at('alice.json'), at('bob.json'), at('damaged.json'), '--challenge', 'vault-unveil', '--csv');
    expect(c.out[0]).toBe('file,name,status,step,ok,reason');
    expect(c.out[1]).toBe(`${at('alice.json')},Alice Liddell,passed,1,true,`);
    expect(c.out[2]).toMatch(new RegExp(`^${at('bob.json')},Bob,failed,1,false,no breach verdict matching`));
    expect(c.out[3]).toMatch(/,,flagged,,false,not a session file: the JSON does not parse \(.*\)$/);
  });

  it('a file too big, or missing, is flagged; bad usage exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capplay-grade-'));
    const big = join(dir, 'big.json');
    writeFileSync(big, ' '.repeat(MAX_SUBMISSION_BYTES + 1));
    const r = cli('grade', big, join(dir, 'gone.json'), '--challenge', 'vault-unveil');
    expect(r.text).toContain(
      `${big}: FLAGGED, not graded: the file is too big: ${MAX_SUBMISSION_BYTES + 1} bytes, at most ${MAX_SUBMISSION_BYTES}`,
    );
    expect(r.text).toMatch(/gone\.json: FLAGGED, not graded: cannot read it: ENOENT/);
    expect(cli('grade', at('alice.json')).err[0]).toBe('capplay: grade takes --lesson <id> or --challenge <id> (one of them)');
    expect(cli('grade', at('alice.json'), '--challenge', 'nope').err[0]).toMatch(
      /^capplay: no challenge "nope"; challenges: vault-unveil, /,
    );
    expect(cli('grade', '--lesson', 'relabel').code).toBe(2);
    expect(cli('grade', at('alice.json'), '--lesson', 'relabel', '--json', '--csv').code).toBe(2);
  });
});

describe('capplay run --challenge', () => {
  it('exit 0 when the program captures the flag (defense off), 1 when it does not, 1 with --on (the kernel holds)', () => {
    const won = cli('run', '--challenge', 'vault-unveil', REF, '--quiet');
    expect(won.code).toBe(0);
    expect(won.text).toContain('✓ lesson step 1: Capture the flag');
    expect(cli('run', '--challenge', 'vault-unveil', at('dave.js'), '--quiet').code).toBe(1);
    const held = cli('run', '--challenge', 'vault-unveil', REF, '--quiet', '--on');
    expect(held.code).toBe(1);
    expect(held.text).toContain('the newest verdict (held) reads "unveil escape blocked: thief');
    expect(held.out.at(-1)).toBe('defense sandbox stayed on and the kernel held (run without --on to play the challenge)');
  });

  it('the transcript shows what the program printed', () => {
    expect(cli('run', '--challenge', 'vault-unveil', REF).text).toContain('  | stolen: launch code: 0000');
  });

  it('bad input: no file, an empty or unknown challenge, an empty program', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capplay-run-'));
    writeFileSync(join(dir, 'empty.js'), '  \n');
    expect(cli('run', '--challenge', 'vault-unveil').err[0]).toBe('capplay: run --challenge needs a program file (thief.js)');
    expect(cli('run', '--challenge', 'nope', REF).code).toBe(2);
    expect(cli('run', '--challenge', REF).err[0]).toMatch(/^capplay: no challenge/);
    const empty = cli('run', '--challenge', 'flood', join(dir, 'empty.js'));
    expect([empty.code, empty.err[0]]).toEqual([2, `${join(dir, 'empty.js')}: the program is empty`]);
    expect(cli('gallery', '--challenge', 'flood').err[0]).toBe('capplay: --challenge is for run and grade');
    expect(cli('grade', at('alice.json'), '--challenge', 'flood', '--on').err[0]).toBe('capplay: --on is for run --challenge');
    expect(cli('run', '--challenge', 'flood', REF, '--off').code).toBe(2);
  });
});

describe('capplay challenge', () => {
  it('lists the challenges, shows one, and prints one as a scenario file that carries its template', () => {
    const list = cli('challenge');
    expect(list.out).toHaveLength(5);
    expect(list.out[0]).toMatch(/^1\. vault-unveil +Read the vault from an unveiled sandbox \(defense sandbox, scenario default\)$/);
    const one = cli('challenge', 'diode-upstream');
    expect(one.text).toContain('your program starts with: run "thief" with { stdio: client @stdio, telemetry: @telemetry }');
    expect(one.text).toContain('win with defense diode off');
    const file = JSON.parse(cli('challenge', 'flood', '--json').text);
    expect(Object.keys(file.programs)).toEqual(['thief']);
    expect(file.lesson.steps).toHaveLength(1);
    expect(cli('challenge', 'nope').code).toBe(2);
  });
});
