import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import type { Kernel } from '../kernel';
import type { Process } from '../types';
import { mask, revokeEpoch } from './channels';
import { DEFAULT_DECAY, effectiveRights, maskProblem, nextDecayAt, parseRights, R, rightsText, W, X } from './algebra';
import { grantTo, spawnWithGrants } from './transfer';

const host = () => new KernelHost(undefined, false);
const shellOf = (k: Kernel) => [...k.processes.values()].find((p) => p.program === 'shell')!;
const capOf = (p: Process, name: string) => p.cnode.lookup(name).cap;

describe('rights and the Law of Decay', () => {
  it('parses and prints rights', () => {
    expect(parseRights('rw')).toBe(R | W);
    expect(parseRights('r-x')).toBe(R | X);
    expect(parseRights('')).toBe(0);
    expect(parseRights('rr')).toBeNull();
    expect(parseRights('q')).toBeNull();
    expect(rightsText(R | X)).toBe('r-x');
  });

  it('loses exec, then write, then read: one per age step, one per level from the depth limit', () => {
    const rule = { ageStepMs: 1000, depthLimit: 3 };
    const rwx = R | W | X;
    expect(effectiveRights(rwx, rule, 999, 0)).toBe(rwx);
    expect(effectiveRights(rwx, rule, 1000, 0)).toBe(R | W);
    expect(effectiveRights(rwx, rule, 2000, 0)).toBe(R);
    expect(effectiveRights(rwx, rule, 3000, 0)).toBe(0);
    expect(effectiveRights(rwx, rule, 0, 2)).toBe(rwx);
    expect(effectiveRights(rwx, rule, 0, 3)).toBe(R | W);
    expect(effectiveRights(rwx, rule, 0, 4)).toBe(R);
    expect(effectiveRights(rwx, rule, 1000, 4)).toBe(0);
    expect(effectiveRights(R | X, rule, 1000, 0)).toBe(R); // the first right it holds goes first
    expect(nextDecayAt(rwx, rule, 500, 700, 0)).toBe(1500);
    expect(nextDecayAt(rwx, rule, 0, 3000, 0)).toBeNull();
  });

  it('MASK never widens rights or bounds', () => {
    expect(maskProblem(R | W, R)).toBeNull();
    expect(maskProblem(R, R | W)).toBe('MASK only narrows: the cap has r--, and w would widen it');
    expect(maskProblem(R, R, { base: 0, length: 64 }, { base: 8, length: 16 })).toBeNull();
    expect(maskProblem(R, R, { base: 8, length: 16 }, { base: 0, length: 64 })).toMatch(/do not lie within \[8, 24\)/);
  });
});

describe('channels, MASK, GRANT and epoch revocation in the kernel', () => {
  it('channel creation costs MAP; mask costs MASK and narrows in place; widening is refused and ledgered', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    const before = shell.meter.energy;
    expect(h.exec('channel news').lines[0].text).toBe('the shell holds @news: a new channel, rwx, depth 0');
    expect(shell.meter.energy).toBe(before - 10);
    expect(h.exec('mask @news rw').lines[0].text).toBe('@news is now rw');
    expect(shell.meter.energy).toBe(before - 10 - 3);
    expect(h.exec('mask @news rwx').lines[0]).toMatchObject({
      style: 'error',
      text: 'mask: EPERM: MASK only narrows: the cap has rw-, and x would widen it',
    });
    expect(k.ledger.last(1)[0]).toMatchObject({ kind: 'deny' });
    expect(capOf(shell, 'news').rights).toBe(R | W);
    expect(h.exec('mask @chat r').lines[0].text).toMatch(/only channel and memory caps have rights bits/);
  });

  it('GRANT delegates one level deeper; rights are enforced on read and write', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    h.exec('channel news');
    const child = spawnWithGrants(k, shell.pid, 'idle', [
      { name: 'news', from: 'news', mode: 'copy' },
      { name: 'spawner', from: 'spawner', mode: 'copy' },
    ]);
    expect(capOf(child, 'news').depth).toBe(1);
    const grandchild = spawnWithGrants(k, child.pid, 'idle', [{ name: 'news', from: 'news', mode: 'copy' }]);
    expect(capOf(grandchild, 'news').depth).toBe(2);
    mask(k, child.pid, 'news', R);
    expect(k.call(child.pid, 'news', 'write', { args: ['hi'] })).toMatchObject({
      ok: false,
      code: 'EPERM',
      error: '@news: write needs w; the cap has r--',
    });
    expect(k.call(grandchild.pid, 'news', 'write', { args: ['from below'] })).toMatchObject({ ok: true }); // its copy was taken before the mask
    expect(k.call(child.pid, 'news', 'read')).toMatchObject({ ok: true, value: 'from below' });
  });

  it('revoking flips the epoch: every delegated cap, at any depth, dies at once; the minter keeps working', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    h.exec('channel news');
    const a = spawnWithGrants(k, shell.pid, 'idle', [
      { name: 'news', from: 'news', mode: 'copy' },
      { name: 'spawner', from: 'spawner', mode: 'copy' },
    ]);
    const b = spawnWithGrants(k, a.pid, 'idle', [{ name: 'news', from: 'news', mode: 'copy' }]);
    const topology = k.topology;
    expect(() => revokeEpoch(k, a.pid, 'news')).toThrow(/only the minter of news may revoke it \(@news is at depth 1\)/);
    expect(h.exec('revoke @news').lines[0].text).toBe('revoked: 2 delegated caps died; @news moved to the new epoch');
    expect(k.topology).toBeGreaterThan(topology);
    for (const p of [a, b]) expect(k.call(p.pid, 'news', 'read')).toMatchObject({ ok: false, code: 'EREVOKED' });
    expect(k.call(shell.pid, 'news', 'write', { args: ['still mine'] })).toMatchObject({ ok: true });
    expect(() => grantTo(k, shell.pid, a.pid, { name: 'again', from: 'news', mode: 'copy' })).not.toThrow(); // re-granting at the new epoch works
    expect(k.call(a.pid, 'again', 'read')).toMatchObject({ ok: true, value: 'still mine' });
  });

  it('memory regions keep to their bounds; mask can narrow the bounds', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    h.exec('map buf 64');
    expect(k.call(shell.pid, 'buf', 'store', { args: [10, 7] })).toMatchObject({ ok: true });
    expect(k.call(shell.pid, 'buf', 'load', { args: [10] })).toMatchObject({ ok: true, value: 7 });
    expect(k.call(shell.pid, 'buf', 'load', { args: [64] })).toMatchObject({ ok: false, code: 'EFAULT' });
    h.exec('mask @buf r bounds 0 16');
    expect(k.call(shell.pid, 'buf', 'load', { args: [20] })).toMatchObject({ ok: false, code: 'EFAULT' });
    expect(k.call(shell.pid, 'buf', 'store', { args: [1, 1] })).toMatchObject({ ok: false, code: 'EPERM' });
    expect(h.exec('mask @buf r bounds 0 32').lines[0].text).toMatch(/do not lie within \[0, 16\)/);
  });

  it('decay over time and depth is enforced and moves the topology when it bites', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    k.decay = { ageStepMs: 100, depthLimit: 2 };
    h.exec('channel news');
    const child = spawnWithGrants(k, shell.pid, 'idle', [
      { name: 'news', from: 'news', mode: 'copy' },
      { name: 'spawner', from: 'spawner', mode: 'copy' },
    ]);
    const deep = spawnWithGrants(k, child.pid, 'idle', [{ name: 'news', from: 'news', mode: 'copy' }]); // depth 2: loses exec
    expect(k.effective(capOf(deep, 'news'))).toBe(R | W);
    const topology = k.topology;
    k.step(100);
    expect(k.topology).toBeGreaterThan(topology);
    expect(k.effective(capOf(deep, 'news'))).toBe(R);
    expect(k.call(deep.pid, 'news', 'write', { args: ['x'] })).toMatchObject({ ok: false, code: 'EPERM' });
    k.step(100);
    expect(k.call(deep.pid, 'news', 'read')).toMatchObject({ ok: false, code: 'EDECAYED' });
    expect(DEFAULT_DECAY).toEqual({ ageStepMs: 60_000, depthLimit: 3 });
  });
});

describe('property: no cap ever holds more rights than the cap it came from', () => {
  type Op =
    | { op: 'grant'; from: number; to: number; cap: number }
    | { op: 'mask'; who: number; cap: number; rights: number }
    | { op: 'wait'; ms: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('grant' as const), from: fc.nat(9), to: fc.nat(9), cap: fc.nat(9) }),
    fc.record({ op: fc.constant('mask' as const), who: fc.nat(9), cap: fc.nat(9), rights: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 400 }) }),
  );

  it('over random grant / mask / time sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const h = host();
        const k = h.kernel;
        k.decay = { ageStepMs: 300, depthLimit: 2 };
        const shell = shellOf(k);
        h.exec('channel c');
        // a small tree of holders the shell (and they) hold handles to
        const kids = [0, 1, 2].map(() => spawnWithGrants(k, shell.pid, 'idle', [{ name: 'spawner', from: 'spawner', mode: 'copy' }]));
        const holders = [shell, ...kids];
        const channelCaps = (p: Process) => [...p.cnode.entries()].filter(([, s]) => s.cap.kind === 'channel');
        for (const o of ops) {
          const before = new Map<string, number>();
          for (const p of holders) for (const [slot, s] of channelCaps(p)) before.set(`${p.pid}:${slot}`, k.effective(s.cap));
          const seen = new Set(before.keys());
          try {
            if (o.op === 'grant') {
              const from = holders[o.from % holders.length];
              const to = holders[o.to % holders.length];
              const caps = channelCaps(from);
              if (caps.length) grantTo(k, from.pid, to.pid, { name: `c${o.cap}`, from: caps[o.cap % caps.length][1].name, mode: 'copy' });
            } else if (o.op === 'mask') {
              const who = holders[o.who % holders.length];
              const caps = channelCaps(who);
              if (caps.length) mask(k, who.pid, caps[o.cap % caps.length][1].name, o.rights);
            } else k.step(o.ms);
          } catch (e) {
            if (!(e instanceof Error && 'code' in e)) throw e;
          }
          for (const p of holders) {
            for (const [slot, s] of channelCaps(p)) {
              const key = `${p.pid}:${slot}`;
              const now = k.effective(s.cap);
              if (seen.has(key))
                expect(now & ~before.get(key)!).toBe(0); // an existing cap never gains a right
              else if (s.cap.origin.how === 'copied') {
                const parent = before.get(`${s.cap.origin.from}:${s.cap.origin.slot}`);
                expect(parent).toBeDefined();
                expect(now & ~parent!).toBe(0); // a new cap holds no more than its parent did
              }
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
