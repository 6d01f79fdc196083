import { describe, expect, it } from 'vitest';
import defaultScenario from '../../scenarios/default.json';
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
    expect(errors).toContain('processes[1].program: unknown program; known programs: init, shell, idle, stdio-server, chat-server, chat-client, chat-bot, adventure-server, adventure-client, adventure-npc, forkbomb, bomblet, flooder, spinner, cat, ls, write, fetch-worker, pdf-viewer, vault-server, media-edge, pinger');
    expect(errors.some((e) => e.startsWith('processes[2].caps[0]: a cap needs exactly one of "endpoint", "client", "spawner", "object", "mint", "session", "fs", "import" (found endpoint, client)'))).toBe(true);
    expect(errors.some((e) => e.startsWith('machines[0].name: must start with a letter'))).toBe(true);
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
    expect(errors).toContain('processes[3].caps[3].iface: "chat-server" has no interface ChatBot (it has Chat, ChatRoot, ChatParticipant, ChatModerator)');
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

  it('survives hostile input', () => {
    for (const bad of [null, 42, 'x'.repeat(2_000_000), '[]', '{"format":"capplay-scenario","version":1,"name":"","machines":[],"processes":[]}']) {
      const r = loadScenario(bad);
      expect(r.ok).toBe(false);
    }
  });
});
