import { describe, expect, it } from 'vitest';
import { KernelError } from '../errors';
import { KernelHost } from '../host';
import type { Kernel } from '../kernel';
import { bit, promisesText } from '../sandbox/pledge';

const host = () => new KernelHost(undefined, false);
const out = (h: KernelHost) => h.kernel.console.map((l) => l.text);
const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');
const shellOf = (k: Kernel) => [...k.processes.values()].find((p) => p.program === 'shell')!;
const CAT = 'with { stdio: client @stdio, fs: @fs }';

describe('seed 003 S2: pledge is a one-way ratchet across spawn too', () => {
  it('a shell pledged "stdio spawn" starts a child that cannot read files: it inherits "stdio spawn" and is aborted', () => {
    const h = host();
    const k = h.kernel;
    h.exec('pledge "stdio spawn"');
    expect(text(h, `run "cat /etc/hosts" ${CAT}`)).toMatch(/running cat \(pid 10\)/);
    expect(promisesText(k.process(10).pledge)).toBe('stdio spawn');
    k.step(20);
    expect(k.processes.has(10)).toBe(false);
    expect(out(h)).toContain('[cat (pid 10) aborted: pledge violation: read /etc/hosts needs "rw" or "storage"]');
    expect(out(h).some((l) => l.includes('localhost'))).toBe(false);
  });

  it('asking for a promise the parent lacks is refused: EPERM naming it, one ledgered denial, no child, no energy spent', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    h.exec('pledge "stdio spawn"');
    const pids = k.nextPid;
    const energy = shell.meter.energy;
    const ledger = k.ledger.length;
    expect(text(h, `run "cat /etc/hosts" pledge "stdio rw" ${CAT}`)).toContain(
      'run: EPERM: a child’s pledge may only narrow its parent’s: "rw" is not among the promises shell (pid 4) may pass on, "stdio spawn" (its promises) (column 29)',
    );
    expect(k.nextPid).toBe(pids);
    expect(shell.meter.energy).toBe(energy);
    const added = k.ledger.page(ledger + 1, 100);
    expect(added.map((e) => e.kind)).toEqual(['deny']);
    expect(added[0].detail).toBe(
      'denied: spawn "cat" pledged "stdio rw": a child’s pledge may only narrow its parent’s: "rw" is not among the promises shell (pid 4) may pass on, "stdio spawn" (its promises)',
    );
    expect(text(h, 'ps')).toMatch(/^PID/); // the session goes on
  });

  it('a child gets at most its parent’s promises ∩ its execpromises; unasked, exactly that', () => {
    const h = host();
    const k = h.kernel;
    h.exec('pledge "stdio rw spawn net" "stdio net gpu"');
    // gpu is in the execpromises but not the promises; rw in the promises but not the execpromises.
    expect(text(h, `run "cat /dev/gpu" pledge "stdio gpu" ${CAT}`)).toMatch(
      /EPERM: a child’s pledge may only narrow its parent’s: "gpu" is not among the promises shell \(pid 4\) may pass on, "net stdio" \(its promises "net stdio rw spawn" ∩ its execpromises "net stdio gpu"\)/,
    );
    expect(text(h, `run "cat /etc/hosts" pledge "stdio rw" ${CAT}`)).toMatch(/EPERM: .*"rw" is not among the promises/);
    expect(k.ledger.last(1)[0].kind).toBe('deny');
    expect(text(h, `spawn "idle"`)).toMatch(/spawned idle as pid 10/);
    expect(promisesText(k.process(10).pledge)).toBe('net stdio');
    expect(text(h, `spawn "idle" pledge "stdio"`)).toMatch(/spawned idle as pid 11/);
    expect(promisesText(k.process(11).pledge)).toBe('stdio');
  });

  it('an unpledged parent has all promises: its child may pledge anything, and unasked is unpledged', () => {
    const h = host();
    const k = h.kernel;
    expect(text(h, `spawn "idle" pledge "stdio rw gpu"`)).toMatch(/spawned idle as pid 10/);
    expect(promisesText(k.process(10).pledge)).toBe('stdio rw gpu');
    h.exec('spawn "idle"');
    expect(k.process(11).pledge).toBeNull();
  });

  it('a child may pledge after spawn, but only to narrow', () => {
    const h = host();
    const k = h.kernel;
    h.exec('pledge "stdio spawn"');
    h.exec('spawn "idle"');
    const child = k.process(10);
    expect(() => k.sandbox.setPledge(child.pid, bit('stdio') | bit('rw'))).toThrow(
      new KernelError('EPERM', 'pledge may only drop promises: "rw" would be added to "stdio spawn"'),
    );
    expect(k.ledger.last(1)[0]).toMatchObject({ kind: 'deny', actor: 10 });
    expect(promisesText(child.pledge)).toBe('stdio spawn');
    k.sandbox.setPledge(child.pid, bit('stdio'));
    expect(promisesText(child.pledge)).toBe('stdio');
    // The program's own pledge to "stdio net" (fetch-worker does it first thing) cannot add net under this shell.
    h.exec('run "fetch-worker" with { stdio: client @stdio }');
    k.step(5);
    expect(promisesText(k.process(11).pledge)).toBe('stdio spawn');
  });

  it('with pledge/unveil off a widening child goes ahead, and the kernel says what it would have stopped', () => {
    const h = host();
    const k = h.kernel;
    h.exec('pledge "stdio spawn"');
    h.exec('defense sandbox off');
    expect(text(h, `spawn "idle" pledge "stdio rw"`)).toMatch(/spawned idle as pid 10/);
    expect(promisesText(k.process(10).pledge)).toBe('stdio rw');
    const bypass = k.ledger.page(1, 1e4).find((e) => e.kind === 'verdict' && e.detail.startsWith('pledge bypassed: spawn "idle"'));
    expect(bypass?.detail).toMatch(/"rw" is not among the promises shell \(pid 4\) may pass on.*\(pledge\/unveil is off\)/);
  });
});
