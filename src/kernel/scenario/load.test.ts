import { describe, expect, it } from 'vitest';
import defaultScenario from '../../content/scenarios/default.json';
import { loadScenario } from './load';

const base = () => JSON.parse(JSON.stringify(defaultScenario));
const errorsOf = (input: unknown) => {
  const r = loadScenario(input);
  if (r.ok) throw new Error('expected the scenario to be rejected');
  return r.errors;
};

describe('scenario validation', () => {
  it('accepts the default scenario, as text or as data', () => {
    expect(loadScenario(base()).ok).toBe(true);
    expect(loadScenario(JSON.stringify(base())).ok).toBe(true);
  });

  it('reports JSON syntax errors with line and column', () => {
    const text = '{\n  "format": "capplay-scenario",\n  "version": 1,,\n}';
    expect(errorsOf(text)[0]).toMatch(/^not valid JSON: line 3, column 16: Expected double-quoted property name/);
  });

  it('names the field path and the problem for schema errors', () => {
    const s = base();
    s.processes[1].program = 'no-such-program';
    s.processes[2].caps[0] = { endpoint: 'chat', client: 'stdio' };
    s.machines[0].name = 'bad name!';
    const errors = errorsOf(s);
    expect(
      errors.some((e) =>
        e.startsWith(
          'processes[2].caps[0]: a cap needs exactly one of "endpoint", "client", "spawner", "object", "mint", "session", "fs", "import", "pairing" (found endpoint, client)',
        ),
      ),
    ).toBe(true);
    expect(errors.some((e) => e.startsWith('machines[0].name: must start with a letter'))).toBe(true);
    // A program name is checked once the file's shape is right (it may name one of the file's own programs).
    const t = base();
    t.processes[1].program = 'no-such-program';
    expect(errorsOf(t)).toEqual([
      'processes[1].program: unknown program "no-such-program"; known programs: init, shell, idle, stdio-server, chat-server, chat-client, chat-bot, adventure-server, adventure-client, adventure-npc, forkbomb, bomblet, flooder, spinner, cat, ls, write, fetch-worker, pdf-viewer, vault-server, media-edge, service-fs, ingest, pinger, cc, capcc',
    ]);
  });

  it('rejects unknown fields and wrong types', () => {
    const s = base();
    s.processes[0].root = true;
    s.version = '1';
    const errors = errorsOf(s);
    expect(errors.some((e) => e.startsWith('processes[0]:') && /root/.test(e))).toBe(true);
    expect(errors.some((e) => e.startsWith('version:'))).toBe(true);
  });

  it('checks references: endpoints, machines, parents, duplicates, one shell', () => {
    const s = base();
    s.processes[5].caps[0].client = 'chatt';
    s.processes[6].machine = 'beta';
    s.processes[3].parent = 'bob';
    s.processes[3].caps[3].iface = 'ChatBot';
    s.processes.push({ name: 'alice', program: 'shell' });
    const errors = errorsOf(s);
    expect(errors).toContain('processes[5].caps[0].client: no endpoint named "chatt" (declared: stdio, chat, adventure)');
    expect(errors).toContain('processes[6].machine: no machine named "beta" (declared: alpha)');
    expect(errors).toContain('processes[3].parent: "bob" is not declared before this process (parents must come first)');
    expect(errors).toContain(
      'processes[3].caps[3].iface: "chat-server" has no interface ChatBot (it has Chat, ChatRoot, ChatParticipant, ChatModerator)',
    );
    expect(errors).toContain('processes[9].name: duplicate process name "alice"');
    expect(errors).toContain('processes: the scenario needs exactly one process running "shell" (found 2)');
  });

  it('rejects a badge on anything but a client and a second server for one endpoint', () => {
    const s = base();
    s.processes[1].caps[0].badge = 3;
    expect(errorsOf(s)).toContain('processes[1].caps[0].badge: only a client cap carries a badge');
    const t = base();
    t.processes[2].caps[0].endpoint = 'stdio';
    const errors = errorsOf(t);
    expect(errors.some((e) => e.startsWith('processes[2].caps[0].endpoint: endpoint "stdio" is already served'))).toBe(true);
  });

  it('accepts a script, expectations and a lesson', () => {
    const s = base();
    s.script = [{ line: 'spawn "chat-client" with { chat: client @chat badge 200 }', wait: 50 }, { line: 'ps' }];
    s.expect = [{ verdict: '^relabel blocked' }];
    s.lesson = {
      title: 'Relabel',
      steps: [
        { goal: 'try it', hint: 'spawn …', check: { verdict: 'relabel blocked' } },
        {
          goal: 'turn it off',
          hint: 'defense gate0 off',
          check: { all: [{ defense: { gate0: false } }, { not: { process: { program: 'forkbomb' } } }] },
        },
        {
          goal: 'a ledger record',
          hint: '',
          check: { any: [{ ledger: 'exited', kind: 'exit' }, { pairing: { a: 'alpha', b: 'alpha', live: false } }] },
        },
      ],
    };
    const r = loadScenario(s);
    expect(r.ok ? r.scenario.lesson?.steps.length : r.errors).toBe(3);
  });

  it('rejects a bad script, naming the field path', () => {
    const s = base();
    s.script = [
      { line: 'ps\nclear' },
      { line: 'x'.repeat(501) },
      { line: 'ps', wait: 1.5 },
      { line: 'ps', wait: 3_600_001 },
      { line: 'ps', pause: 3 },
      { wait: 3 },
    ];
    const errors = errorsOf(s);
    expect(errors).toContain('script[0].line: one shell line: no line breaks');
    expect(errors.some((e) => e.startsWith('script[1].line: Too big'))).toBe(true);
    expect(errors.some((e) => e.startsWith('script[2].wait: '))).toBe(true);
    expect(errors.some((e) => e.startsWith('script[3].wait: Too big'))).toBe(true);
    expect(errors.some((e) => e.startsWith('script[4]: ') && /pause/.test(e))).toBe(true);
    expect(errors.some((e) => e.startsWith('script[5].line: '))).toBe(true);
    const t = base();
    t.script = [
      { line: 'ps', wait: 3_000_000 },
      { line: 'ps', wait: 1_000_000 },
    ];
    expect(errorsOf(t)).toEqual(['script: the waits add up to 4000000 ms of virtual time; the limit is 3600000 (one hour)']);
  });

  it('a scenario from a newer build says so', () => {
    expect(errorsOf({ ...base(), version: 2 })).toEqual([
      'version: this scenario was made by a newer capplay (scenario format 2); this build reads format 1, so open it with the newer build',
    ]);
  });

  it('refuses control characters and bidi overrides in text a page or terminal shows', () => {
    const s = base();
    s.name = 'Chat\x1b[2J\u202e';
    s.description = 'two lines\nare fine, a bell \x07 is not';
    const errors = errorsOf(s);
    expect(errors).toContain(
      'name: control characters (escape sequences) and bidirectional overrides are not allowed in text that is shown',
    );
    expect(errors).toContain(
      'description: control characters (escape sequences) and bidirectional overrides are not allowed in text that is shown',
    );
    expect(loadScenario({ ...base(), description: 'two lines\nand a\ttab' }).ok).toBe(true);
  });

  it('rejects an expectation whose pattern does not compile', () => {
    const s = base();
    s.expect = [{ verdict: 'relabel (blocked' }, { verdict: '(?=a)b' }, { verdikt: 'x' }];
    const errors = errorsOf(s);
    expect(errors).toContain('expect[0].verdict: not a valid pattern: missing closing ): `relabel (blocked`');
    expect(errors).toContain(
      'expect[1].verdict: lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported: patterns run on a linear-time engine (RE2), which has no lookaround',
    );
    expect(errors.some((e) => e.startsWith('expect[2]'))).toBe(true);
  });

  it('rejects a bad lesson: step count, fields, and checks, each by path', () => {
    const s = base();
    s.lesson = { title: 'L', steps: [] };
    expect(errorsOf(s)).toEqual(['lesson.steps: a lesson has 1 to 20 steps']);
    s.lesson.steps = Array.from({ length: 21 }, () => ({ goal: 'g', hint: 'h', check: { verdict: 'x' } }));
    expect(errorsOf(s)).toEqual(['lesson.steps: a lesson has 1 to 20 steps']);
    s.lesson = {
      steps: [
        { goal: 'g', hint: 'h' },
        { goal: 'g', hint: 'h', check: { all: [{ verdict: '[' }, { process: { program: 'chat-client', capz: ['stdio'] } }] } },
        { goal: 'g', hint: 'h', check: { defense: { gate1: false } } },
      ],
    };
    const errors = errorsOf(s);
    expect(errors.some((e) => e.startsWith('lesson.title: '))).toBe(true);
    expect(errors).toContain(
      'lesson.steps[0].check: a check is an object with one of "verdict", "ledger", "process", "pairing", "defense", "all", "any", "not"',
    );
    expect(errors).toContain('lesson.steps[1].check.all[0].verdict: not a valid pattern: missing closing ]: `[`');
    expect(errors).toContain(
      'lesson.steps[1].check.all[1].process.capz: unknown field "capz" (known: program, name, alive, caps, exactly, capKinds)',
    );
    expect(errors.some((e) => e.startsWith('lesson.steps[2].check.defense.gate1: no defense named "gate1"'))).toBe(true);
  });

  it('cross-checks lesson checks against the scenario: machines and programs', () => {
    const s = base();
    s.lesson = {
      title: 'L',
      steps: [
        {
          goal: 'g',
          hint: 'h',
          check: { any: [{ pairing: { a: 'alpha', b: 'totebox' } }, { not: { process: { program: 'chatclient' } } }] },
        },
      ],
    };
    expect(errorsOf(s)).toEqual([
      'lesson.steps[0].check.any[0].pairing.b: no machine named "totebox" (declared: alpha)',
      'lesson.steps[0].check.any[1].not.process.program: no program named "chatclient"',
    ]);
  });

  it('survives hostile input', () => {
    for (const bad of [
      null,
      42,
      'x'.repeat(2_000_000),
      '[]',
      '{"format":"capplay-scenario","version":1,"name":"","machines":[],"processes":[]}',
    ]) {
      const r = loadScenario(bad);
      expect(r.ok).toBe(false);
    }
  });
});
