import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import defaultScenario from '../../content/scenarios/default.json';
import type { Kernel } from '../kernel';
import type { Process } from '../types';
import { DEFAULT_CAPACITY, type Capacity } from '../sab/layout';
import { boot } from '../scenario/boot';
import { loadScenario } from '../scenario/load';
import type { GrantSpec } from '../programs/abi';
import { GrantError, grantTo, spawnWithGrants } from './transfer';

function world(capacity?: Capacity): Kernel {
  const loaded = loadScenario(defaultScenario);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return boot(loaded.scenario, undefined, capacity);
}
const byName = (k: Kernel, name: string) => [...k.processes.values()].find((p) => p.name === name)!;
const grant = (name: string, from: string, mode: GrantSpec['mode'] = 'copy', badge?: number): GrantSpec => ({ name, from, mode, badge });
const capOf = (p: Process, name: string) => p.cnode.lookup(name).cap;

describe('spawn with grants', () => {
  it('a child starts with exactly the granted caps; copies keep badge and receiver selector', () => {
    const k = world();
    const shell = byName(k, 'shell');
    const child = spawnWithGrants(k, shell.pid, 'idle', [grant('chat', 'chat_participant'), grant('legacy', 'chat', 'client')]);
    expect([...child.cnode.entries()].map(([, s]) => s.name)).toEqual(['chat', 'legacy']);
    const copied = capOf(child, 'chat');
    expect(copied.target).toEqual(capOf(shell, 'chat_participant').target);
    expect(copied.generation).toBe(capOf(shell, 'chat_participant').generation);
    expect(copied.origin).toEqual({ how: 'copied', from: shell.pid, slot: shell.cnode.indexOf('chat_participant') });
    expect(capOf(child, 'legacy')).toMatchObject({ kind: 'client', badge: 42, sourceBadge: 42 }); // omitting the badge preserves it
    expect(shell.cnode.indexOf('chat_participant')).toBeGreaterThanOrEqual(0); // a copy leaves the source
  });

  it('move hands the cap over and removes it from the parent', () => {
    const k = world();
    const shell = byName(k, 'shell');
    const before = capOf(shell, 'chat_mod');
    const child = spawnWithGrants(k, shell.pid, 'idle', [grant('mod', 'chat_mod', 'move')]);
    expect(capOf(child, 'mod').target).toEqual(before.target);
    expect(capOf(child, 'mod').origin.how).toBe('moved');
    expect(shell.cnode.indexOf('chat_mod')).toBe(-1);
    expect(k.ledger.page(1, 1e4).some((e) => e.kind === 'release' && /no longer holds @chat_mod: moved to/.test(e.detail))).toBe(true);
  });

  it('a move that cannot complete rolls back: the parent keeps the cap and no child exists', () => {
    const k = world({ ...DEFAULT_CAPACITY, caps: world().liveCaps }); // the cap table is exactly full: the child cannot take it
    const shell = byName(k, 'shell');
    const processes = k.processes.size;
    expect(() => spawnWithGrants(k, shell.pid, 'idle', [grant('mod', 'chat_mod', 'move')])).toThrow(/cap table is full/);
    expect(shell.cnode.lookup('chat_mod').cap.kind).toBe('object'); // not reserved any more, still there
    expect(k.processes.size).toBe(processes);
  });

  it('names the offending grant for unknown caps, duplicates and wrong forms', () => {
    const k = world();
    const shell = byName(k, 'shell');
    expect(() => spawnWithGrants(k, shell.pid, 'idle', [grant('x', 'nope')])).toThrow('grant "x: @nope": no cap named @nope');
    expect(() => spawnWithGrants(k, shell.pid, 'idle', [grant('x', 'chat'), grant('x', 'stdio')])).toThrow('grant name "x" is used twice');
    expect(() => spawnWithGrants(k, shell.pid, 'idle', [grant('x', 'chat_participant', 'client')])).toThrow(
      /is a object cap, not an endpoint or client facet/,
    );
    expect(() => spawnWithGrants(k, shell.pid, 'nope', [])).toThrow(/no program named "nope"/);
  });
});

describe('grant to a running process', () => {
  it('needs a process handle; copies and moves like spawn does, Gate 0 included', () => {
    const k = world();
    const shell = byName(k, 'shell');
    const child = spawnWithGrants(k, shell.pid, 'idle', []);
    grantTo(k, shell.pid, child.pid, grant('p', 'chat_participant'));
    expect(capOf(child, 'p').origin.how).toBe('copied');
    grantTo(k, shell.pid, child.pid, grant('m', 'chat_mod', 'move'));
    expect(shell.cnode.indexOf('chat_mod')).toBe(-1);
    expect(() => grantTo(k, shell.pid, child.pid, grant('c', 'chat', 'client', 7))).toThrow(/Gate 0: badge 7 differs/);
    expect(() => grantTo(k, child.pid, shell.pid, grant('x', 'p'))).toThrow(/holds no process handle to pid 4/);
    expect(k.ledger.last(1)[0]).toMatchObject({ kind: 'deny', actor: child.pid });
  });
});

describe('Gate 0', () => {
  it('rejects a relabeled client facet: no child, a denial and a verdict in the ledger', () => {
    const k = world();
    const shell = byName(k, 'shell');
    const processes = k.processes.size;
    const attempt = () => spawnWithGrants(k, shell.pid, 'chat-client', [grant('chat', 'chat', 'client', 200)]);
    expect(attempt).toThrow(GrantError);
    expect(attempt).toThrow('grant "chat: client @chat badge 200" refused. Gate 0: badge 200 differs from the source\'s badge 42');
    expect(k.processes.size).toBe(processes);
    const [deny, verdict] = k.ledger.last(2);
    const endpoint = [...k.objects.values()].find((o) => o.name === 'chat')!.id;
    expect(deny).toMatchObject({ kind: 'deny', actor: shell.pid, object: endpoint });
    expect(deny.detail).toMatch(/shell \(pid 4\) granting "chat: client @chat badge 200" to a new "chat-client"/);
    expect(verdict).toMatchObject({ kind: 'verdict', object: endpoint });
    expect(verdict.detail).toMatch(/^relabel blocked/);
  });

  it('a badge-0 encoding for a nonzero source fails closed', () => {
    const k = world();
    const shell = byName(k, 'shell');
    expect(() => spawnWithGrants(k, shell.pid, 'idle', [grant('chat', 'chat', 'client', 0)])).toThrow(
      /badge-0 encoding would erase the source's badge 42; it fails closed/,
    );
  });

  it('the same badge is not a relabel', () => {
    const k = world();
    const child = spawnWithGrants(k, byName(k, 'shell').pid, 'idle', [grant('chat', 'chat', 'client', 42)]);
    expect(capOf(child, 'chat').badge).toBe(42);
  });

  it('with Gate 0 off the legacy badge is honoured: the child speaks as bob', () => {
    const k = world();
    const shell = byName(k, 'shell');
    k.setDefense('gate0', false, shell.pid);
    expect(k.ledger.last(1)[0]).toMatchObject({ kind: 'defense', detail: 'Gate 0 relabel check turned off' });
    const child = spawnWithGrants(k, shell.pid, 'chat-client', [grant('chat', 'chat', 'client', 200)], { name: 'mallory' });
    expect(capOf(child, 'chat')).toMatchObject({ badge: 200, sourceBadge: 42 });
    expect(k.ledger.last(1)[0].detail).toBe(
      'relabel succeeded: mallory (pid 10) holds badge 200 instead of 42 and speaks as bob (pid 7) (Gate 0 is off)',
    );
    k.step(5);
    const seen = k.call(shell.pid, 'chat_participant', 'poll', { args: [100] });
    if (!seen.ok) throw new Error(seen.error);
    expect(seen.value).toContainEqual(expect.objectContaining({ kind: 'message', from: 'bob', text: 'hello from mallory' }));
  });
});

describe('property: no relabel without a trusted mint (Gate 0 on)', () => {
  type Op =
    | { op: 'spawn'; holder: number; caps: number[]; modes: GrantSpec['mode'][]; badges: (number | null)[] }
    | { op: 'close' | 'revoke'; holder: number; cap: number }
    | { op: 'grant'; holder: number; to: number; cap: number; mode: GrantSpec['mode']; badge: number | null }
    | { op: 'reuse' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      op: fc.constant('spawn' as const),
      holder: fc.nat(20),
      caps: fc.array(fc.nat(20), { maxLength: 3 }),
      modes: fc.array(fc.constantFrom<GrantSpec['mode']>('copy', 'move', 'client'), { minLength: 3, maxLength: 3 }),
      badges: fc.array(fc.option(fc.constantFrom(0, 7, 42, 200, 999), { nil: null }), { minLength: 3, maxLength: 3 }),
    }),
    fc.record({ op: fc.constantFrom('close' as const, 'revoke' as const), holder: fc.nat(20), cap: fc.nat(20) }),
    fc.record({
      op: fc.constant('grant' as const),
      holder: fc.nat(20),
      to: fc.nat(20),
      cap: fc.nat(20),
      mode: fc.constantFrom<GrantSpec['mode']>('copy', 'move', 'client'),
      badge: fc.option(fc.constantFrom(0, 7, 42, 200), { nil: null }),
    }),
    fc.constant({ op: 'reuse' as const }),
  );

  it('every service-object or client cap matches the cap it came from, unless minted', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const k = world();
        for (const o of ops) {
          const procs = [...k.processes.values()];
          const holder = procs[('holder' in o ? o.holder : 0) % procs.length];
          const slots = [...holder.cnode.entries()];
          try {
            if (o.op === 'spawn' && slots.length) {
              const grants = o.caps.map((c, i) => grant(`g${i}`, slots[c % slots.length][1].name, o.modes[i], o.badges[i] ?? undefined));
              spawnWithGrants(k, holder.pid, 'idle', grants);
            } else if (o.op === 'grant' && slots.length) {
              const to = procs[o.to % procs.length];
              grantTo(k, holder.pid, to.pid, grant(`x${o.to}`, slots[o.cap % slots.length][1].name, o.mode, o.badge ?? undefined));
            } else if ((o.op === 'close' || o.op === 'revoke') && slots.length) {
              const cap = slots[o.cap % slots.length][1].cap;
              if (cap.kind === 'object' && cap.target.kind === 'object') k.services[o.op](cap.target.id, holder.pid);
            } else if (o.op === 'reuse') {
              const shell = byName(k, 'shell');
              if (shell) k.call(shell.pid, 'chat_root', 'join', { args: ['#lobby', 'x'] }); // refused without a proof: no mint
              const mod = [...k.objects.values()].find((x) => x.record);
              if (mod) k.services.mintByAuthority(mod.record!.endpoint, 'ChatParticipant', { handle: 'reuser' }, 0); // a trusted mint reuses a freed record
            }
          } catch (e) {
            if (!(e instanceof Error) || !('code' in e)) throw e; // kernel refusals are fine; bugs are not
          }
        }
        // The invariant: a client facet's badge is its source's; an object cap's generation was minted, not edited.
        for (const p of k.processes.values()) {
          for (const [, s] of p.cnode.entries()) {
            const c = s.cap;
            if (c.kind === 'client' && c.origin.how !== 'minted') expect(c.badge).toBe(c.sourceBadge);
            if (c.kind === 'object' && (c.origin.how === 'copied' || c.origin.how === 'moved')) {
              const obj = c.target.kind === 'object' ? k.objects.get(c.target.id) : undefined;
              if (obj?.record) expect(c.generation).toBeLessThanOrEqual(obj.record.generation);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
