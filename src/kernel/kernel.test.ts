import { describe, expect, it } from 'vitest';
import defaultScenario from '../scenarios/default.json';
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
    expect([...k.processes.values()].map((p) => p.name)).toEqual(['init', 'stdio', 'chat', 'shell', 'alice', 'bob']);
    const alice = byName(k, 'alice');
    expect([...alice.cnode.entries()].map(([, s]) => `${s.name}:${s.cap.kind}`)).toEqual(['chat:client', 'stdio:client']);
    // init holds its spawner plus a process handle per child it started.
    const init = byName(k, 'init');
    expect([...init.cnode.entries()].map(([, s]) => s.cap.kind).sort()).toEqual(['process', 'process', 'process', 'spawner']);
  });

  it('ledgers boot, every spawn and every grant', () => {
    const k = world();
    const kinds = k.ledger.page(1, 1000).map((e) => e.kind);
    expect(kinds[0]).toBe('boot');
    expect(kinds.filter((x) => x === 'spawn')).toHaveLength(6);
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
    expect(shell.cnode.lookup('loner').cap).toEqual({ kind: 'process', target: { kind: 'process', pid: child.pid }, badge: 0 });
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
    k.step(3000);
    expect([...k.processes.values()].map((p) => p.name)).not.toContain('alice');
  });

  it('a program that returns exits with code 0 and releases its caps', () => {
    const k = world();
    const shell = byName(k, 'shell');
    const chatCap = shell.cnode.lookup('chat').cap;
    const child = k.spawn(shell.pid, 'chat-client', { name: 'carol', args: { period: 5 }, grants: [{ name: 'chat', cap: chatCap }] });
    const capsBefore = k.liveCaps;
    k.kill(shell.pid, child.pid);
    expect(k.liveCaps).toBe(capsBefore - 2); // carol's chat cap and the shell's handle to carol
  });
});

describe('scheduler', () => {
  it('advances virtual time one tick per ms and delivers messages to the server', () => {
    const k = world();
    const endpoint = [...k.objects.values()].find((o) => o.name === 'chat')!;
    k.step(5000);
    expect(k.time).toBe(5000);
    // alice every ~700-875 ms and bob every ~1100-1375 ms
    expect(endpoint.counter).toBeGreaterThanOrEqual(5 + 3);
    expect(endpoint.counter).toBeLessThanOrEqual(8 + 5);
    expect(byName(k, 'chat').state).toBe('blocked');
  });

  it('a client facet cannot receive: the attempt is a denial', () => {
    const k = world();
    const shell = byName(k, 'shell');
    // stdio-server serves @stdio; give it a client facet instead of the endpoint and it is refused.
    const client = shell.cnode.lookup('stdio').cap;
    const impostor = k.spawn(shell.pid, 'stdio-server', { name: 'impostor', grants: [{ name: 'stdio', cap: client }] });
    k.step(2);
    expect(k.processes.has(impostor.pid)).toBe(false);
    expect(k.ledger.page(1, 1000).some((e) => e.kind === 'deny' && e.actor === impostor.pid && /client facet/.test(e.detail))).toBe(true);
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
    const k = new Kernel(1, { processes: 3, caps: 100, objects: 10, machines: 1, ledgerRing: 16, strings: 100, stringBytes: 4096 });
    k.addMachine('m');
    const a = k.spawn(0, 'idle');
    k.spawn(a.pid, 'idle');
    k.spawn(a.pid, 'idle');
    expect(() => k.spawn(a.pid, 'idle')).toThrow(/process table is full \(3 processes\)/);
    expect(k.processes.size).toBe(3);
  });

  it('a full cap table refuses the spawn before anything is created', () => {
    const k = new Kernel(1, { processes: 10, caps: 2, objects: 10, machines: 1, ledgerRing: 16, strings: 100, stringBytes: 4096 });
    k.addMachine('m');
    const a = k.spawn(0, 'idle');
    k.spawn(a.pid, 'idle');
    k.spawn(a.pid, 'idle');
    expect(() => k.spawn(a.pid, 'idle')).toThrow(/cap table is full/);
    expect(k.processes.size).toBe(3);
    expect(k.liveCaps).toBe(2);
  });
});
