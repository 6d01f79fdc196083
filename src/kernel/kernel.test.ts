import { describe, expect, it } from 'vitest';
import defaultScenario from '../content/scenarios/default.json';
import { KernelError } from './errors';
import { Kernel } from './kernel';
import { boot } from './scenario/boot';
import { loadScenario } from './scenario/load';

function world() {
  const loaded = loadScenario(defaultScenario);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return boot(loaded.scenario);
}
const byName = (k: Kernel, name: string) => [...k.processes.values()].find((p) => p.name === name)!;

describe('boot', () => {
  it('starts every declared process holding exactly its declared caps', () => {
    const k = world();
    expect([...k.processes.values()].map((p) => p.name)).toEqual([
      'init',
      'stdio',
      'chat',
      'shell',
      'echo',
      'alice',
      'bob',
      'adventure',
      'troll',
    ]);
    const alice = byName(k, 'alice');
    expect([...alice.cnode.entries()].map(([, s]) => `${s.name}:${s.cap.kind}:${s.cap.badge}`)).toEqual(['chat:client:7']);
    const shell = byName(k, 'shell');
    expect([...shell.cnode.entries()].map(([, s]) => `${s.name}:${s.cap.kind}`)).toEqual([
      'stdio:client',
      'chat:client',
      'chat_participant:object',
      'chat_root:object',
      'chat_mod:object',
      'adventure_player:object',
      'session:session',
      'fs:fs',
      'spawner:spawner',
    ]);
    // init holds its spawner plus a process handle per child it started.
    const init = byName(k, 'init');
    expect([...init.cnode.entries()].map(([, s]) => s.cap.kind).sort()).toEqual([
      'process',
      'process',
      'process',
      'process',
      'process',
      'process',
      'process',
      'process',
      'spawner',
    ]);
  });

  it('ledgers boot, every spawn and every grant', () => {
    const k = world();
    const kinds = k.ledger.page(1, 1000).map((e) => e.kind);
    expect(kinds[0]).toBe('boot');
    expect(kinds.filter((x) => x === 'spawn')).toHaveLength(9);
    expect(kinds.filter((x) => x === 'mint')).toHaveLength(7); // the shell's four objects, the echo bot's participant, the troll's two
    const caps = [...k.processes.values()].reduce((n, p) => n + p.cnode.size, 0);
    expect(kinds.filter((x) => x === 'grant')).toHaveLength(caps);
    expect(k.liveCaps).toBe(caps);
  });
});

describe('processes', () => {
  it('spawn gives the child nothing ambient and the parent a handle', () => {
    const k = world();
    const shell = byName(k, 'shell');
    const child = k.spawn(shell.pid, 'idle', { name: 'loner' });
    expect(child.cnode.size).toBe(0);
    expect(shell.cnode.lookup('loner').cap).toMatchObject({
      kind: 'process',
      target: { kind: 'process', pid: child.pid },
      origin: { how: 'spawned' },
    });
  });

  it('kill needs a process handle; a refusal is a ledgered denial', () => {
    const k = world();
    const alice = byName(k, 'alice');
    const chat = byName(k, 'chat');
    expect(() => k.kill(alice.pid, chat.pid)).toThrow(KernelError);
    expect(k.ledger.last(1)[0]).toMatchObject({ kind: 'deny', actor: alice.pid, subject: chat.pid });
    expect(k.processes.has(chat.pid)).toBe(true);
  });

  it('killing a server destroys its endpoint and the caps that pointed at it', () => {
    const k = world();
    const init = byName(k, 'init');
    const chat = byName(k, 'chat');
    const before = k.topology;
    k.kill(init.pid, chat.pid);
    expect(k.processes.has(chat.pid)).toBe(false);
    expect([...k.objects.values()].some((o) => o.name === 'chat')).toBe(false);
    expect(byName(k, 'alice').cnode.indexOf('chat')).toBe(-1);
    expect(byName(k, 'shell').cnode.indexOf('chat')).toBe(-1);
    expect(k.topology).toBeGreaterThan(before);
    expect(k.ledger.page(1, 1000).some((e) => e.kind === 'kill' && e.subject === chat.pid)).toBe(true);
    // a chat member whose cap vanished leaves on its next send
    k.step(12000);
    expect([...k.processes.values()].map((p) => p.name)).not.toContain('alice');
  });

  it('a program that returns exits with code 0 and releases its caps', () => {
    const k = world();
    const shell = byName(k, 'shell');
    const chatCap = shell.cnode.lookup('chat').cap;
    const capsBefore = k.liveCaps;
    const child = k.spawn(shell.pid, 'chat-client', { name: 'carol', grants: [{ name: 'chat', cap: chatCap }] }); // greets once, exits
    expect(k.liveCaps).toBe(capsBefore + 2); // carol's chat cap and the shell's handle to carol
    k.step(10);
    expect(k.processes.has(child.pid)).toBe(false);
    expect(k.exitCodes.get(child.pid)).toBe(0);
    expect(k.liveCaps).toBe(capsBefore + 1); // the handle stays with the shell, for wait
  });
});

describe('scheduler', () => {
  it('advances virtual time one tick per ms; programs call services on it', () => {
    const k = world();
    k.step(20_000);
    expect(k.time).toBe(20_000);
    // alice every 6-7.5 s, bob every 9-11.25 s; the echo bot answers each: their transcript is in the shell's participant queue
    const events = k.call(byName(k, 'shell').pid, 'chat_participant', 'poll', { args: [100] });
    if (!events.ok) throw new Error(events.error);
    const messages = (events.value as { kind: string; from: string; text: string }[]).filter((e) => e.kind === 'message');
    expect(messages.filter((m) => m.from === 'alice').length).toBeGreaterThanOrEqual(2);
    expect(messages.filter((m) => m.from === 'bob').length).toBeGreaterThanOrEqual(1);
    expect(messages.some((m) => m.from === 'echo-bot' && m.text === 'echo: anyone seen bob?')).toBe(true);
    expect(byName(k, 'chat').state).toBe('blocked');
  });

  it('a server-side endpoint cap receives; calling through it is refused', () => {
    const k = world();
    const r = k.call(byName(k, 'chat').pid, 'chat', 'send', { args: ['#lobby', 'hi'] });
    expect(r).toMatchObject({ ok: false, code: 'EPERM' });
    expect(k.ledger.last(1)[0]).toMatchObject({ kind: 'deny' });
  });

  it('is deterministic: same scenario and seed give the same ledger', () => {
    const a = world();
    const b = world();
    a.step(4000);
    b.step(4000);
    expect(JSON.stringify(a.ledger.page(1, 1e6))).toBe(JSON.stringify(b.ledger.page(1, 1e6)));
    expect([...a.objects.values()].map((o) => o.counter)).toEqual([...b.objects.values()].map((o) => o.counter));
  });
});

describe('capacity limits', () => {
  it('a full process table is a clear kernel error, not corruption', () => {
    const k = new Kernel(1, {
      processes: 3,
      caps: 100,
      objects: 10,
      machines: 1,
      ledgerRing: 16,
      strings: 100,
      stringBytes: 4096,
      consoleLines: 8,
    });
    k.addMachine('m');
    const a = k.spawn(0, 'idle');
    k.spawn(a.pid, 'idle');
    k.spawn(a.pid, 'idle');
    expect(() => k.spawn(a.pid, 'idle')).toThrow(/process table is full \(3 processes\)/);
    expect(k.processes.size).toBe(3);
  });

  it('a full cap table refuses the spawn before anything is created', () => {
    const k = new Kernel(1, {
      processes: 10,
      caps: 2,
      objects: 10,
      machines: 1,
      ledgerRing: 16,
      strings: 100,
      stringBytes: 4096,
      consoleLines: 8,
    });
    k.addMachine('m');
    const a = k.spawn(0, 'idle');
    k.spawn(a.pid, 'idle');
    k.spawn(a.pid, 'idle');
    expect(() => k.spawn(a.pid, 'idle')).toThrow(/cap table is full/);
    expect(k.processes.size).toBe(3);
    expect(k.liveCaps).toBe(2);
  });
});
