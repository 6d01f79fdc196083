import { describe, expect, it } from 'vitest';
import { R, rightsText, W, X } from '../caps/algebra';
import { spawnWithGrants } from '../caps/transfer';
import { KernelHost } from '../host';
import type { Kernel } from '../kernel';
import type { Process } from '../types';

const host = () => new KernelHost(undefined, false);
const shellOf = (k: Kernel) => [...k.processes.values()].find((p) => p.program === 'shell')!;
const capOf = (p: Process, name: string) => p.cnode.lookup(name).cap;
const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');

describe('seed 003 S1: the Law of Decay applies once', () => {
  it('after one age step, mask @c rw reports rw, and rw is what the cap then has: write and read go through', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    expect(k.decay).toEqual({ ageStepMs: 60_000, depthLimit: 3 });
    h.exec('channel c'); // rwx, depth 0
    k.step(60_000); // one age step: exec goes
    expect(rightsText(k.effective(capOf(shell, 'c')))).toBe('rw-');
    expect(text(h, 'mask @c rw')).toBe('@c is now rw');
    expect(rightsText(k.effective(capOf(shell, 'c')))).toBe('rw-');
    expect(k.call(shell.pid, 'c', 'write', { args: ['still writable'] })).toMatchObject({ ok: true });
    expect(k.call(shell.pid, 'c', 'read')).toMatchObject({ ok: true, value: 'still writable' });
    // Masked lower after the step, it holds exactly what the mask said, and the next step takes the next right.
    expect(text(h, 'mask @c r')).toBe('@c is now r');
    expect(rightsText(k.effective(capOf(shell, 'c')))).toBe('r--');
    expect(k.call(shell.pid, 'c', 'write', { args: ['x'] })).toMatchObject({
      ok: false,
      code: 'EPERM',
      error: '@c: write needs w; the cap has r--',
    });
    expect(k.call(shell.pid, 'c', 'read')).toMatchObject({ ok: true });
    k.step(60_000);
    expect(k.call(shell.pid, 'c', 'read')).toMatchObject({ ok: false, code: 'EDECAYED' });
  });

  it('a mask never stores rights beyond the ones it held: stored rights only narrow', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    h.exec('channel c');
    k.step(60_000);
    h.exec('mask @c w');
    const cap = capOf(shell, 'c');
    expect(cap.rights & ~(R | W | X)).toBe(0);
    expect(rightsText(k.effective(cap))).toBe('-w-');
    expect(text(h, 'mask @c rw')).toMatch(/EPERM: MASK only narrows: the cap has -w-, and r would widen it/);
  });

  // depthLimit 3: depth 3 is the first level at the limit (one right: exec), depth 4 the second (exec and write).
  // A depth-4 copy of a fresh rwx channel is therefore read-only: r--, not dead.
  it('a depth-4 copy of a fresh rwx channel holds r-- (exec lost at depth 3, write at depth 4), once', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    h.exec('channel c');
    let holder = shell;
    const chain: Process[] = [];
    for (let depth = 1; depth <= 4; depth++) {
      holder = spawnWithGrants(k, holder.pid, 'idle', [
        { name: 'c', from: 'c', mode: 'copy' },
        { name: 'spawner', from: 'spawner', mode: 'copy' },
      ]);
      chain.push(holder);
    }
    const eff = chain.map((p) => `${capOf(p, 'c').depth}:${rightsText(k.effective(capOf(p, 'c')))}`);
    expect(eff).toEqual(['1:rwx', '2:rwx', '3:rw-', '4:r--']);
    const deep = chain[3];
    expect(k.capProblem(capOf(deep, 'c'))).toBeNull();
    expect(k.call(shell.pid, 'c', 'write', { args: ['hello'] })).toMatchObject({ ok: true });
    expect(k.call(deep.pid, 'c', 'read')).toMatchObject({ ok: true, value: 'hello' });
    expect(k.call(deep.pid, 'c', 'write', { args: ['no'] })).toMatchObject({
      ok: false,
      code: 'EPERM',
      error: '@c: write needs w; the cap has r--',
    });
    // The copy keeps the minted rights and age; only its depth differs. One age step later it has lost its read.
    expect(rightsText(capOf(deep, 'c').rights)).toBe('rwx');
    k.step(60_000);
    expect(rightsText(k.effective(capOf(chain[2], 'c')))).toBe('r--');
    expect(k.call(deep.pid, 'c', 'read')).toMatchObject({ ok: false, code: 'EDECAYED' });
  });

  it('a copy never outlives its source: granting does not restart the clock', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    h.exec('channel c');
    k.step(59_000);
    h.exec('spawn "idle" with { c: @c }');
    const child = [...k.processes.values()].find((p) => p.program === 'idle' && p.cnode.indexOf('c') >= 0)!;
    for (const ms of [1_000, 30_000, 30_000, 60_000, 60_000]) {
      k.step(ms);
      const mine = k.effective(capOf(shell, 'c'));
      const its = k.effective(capOf(child, 'c'));
      expect(rightsText(its & ~mine)).toBe('---');
    }
    expect(k.call(child.pid, 'c', 'read')).toMatchObject({ ok: false, code: 'EDECAYED' });
  });
});
