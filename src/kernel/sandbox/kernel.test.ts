import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import type { Kernel } from '../kernel';
import { allows, bit, PROMISES } from './pledge';
import { checkAccess, UC, UR, UW } from './unveil';

const host = () => new KernelHost(undefined, false);
const out = (h: KernelHost) => h.kernel.console.map((l) => l.text);
const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');
const shellOf = (k: Kernel) => [...k.processes.values()].find((p) => p.program === 'shell')!;
const FETCH = 'run "fetch-worker" pledge "stdio net" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }';
const PDF = 'run "pdf-viewer" unveil "/home/docs r" with { stdio: client @stdio, fs: @fs }';

describe('the fetch-worker demo (pledge)', () => {
  it('a call to a service needs the promise the service names (seed 003 S2): stdio output, pledged "rw" only, aborts', () => {
    const h = host();
    const k = h.kernel;
    h.exec('run "chat-client" pledge "rw" with { stdio: client @stdio, chat: @chat_participant }');
    k.step(50);
    expect(k.processes.has(10)).toBe(false);
    expect(out(h)).toContain('[chat-client (pid 10) aborted: pledge violation: write on @stdio needs "stdio"]');
    expect(k.ledger.last(4).map((e) => e.kind)).toEqual(['grant', 'abort', 'verdict', 'release']);
  });

  it('a pledge violation aborts only the violating fiber; the shell survives and reports it', () => {
    const h = host();
    const k = h.kernel;
    expect(h.exec(FETCH).foreground).toBe(10);
    k.step(900);
    expect(k.processes.has(10)).toBe(false);
    expect(k.exitCodes.get(10)).toBe(134);
    expect(out(h)).toContain('[fetch-worker (pid 10) aborted: pledge violation: read /vault/secrets needs "rw" or "storage"]');
    expect(out(h).some((l) => l.includes('launch code'))).toBe(false);
    const abort = k.ledger.page(1, 1e4).find((e) => e.kind === 'abort')!;
    expect(abort.detail).toBe(
      'pledge violation: read /vault/secrets needs "rw" or "storage"; fetch-worker (pid 10) pledged "net stdio": aborted',
    );
    expect(k.ledger.page(1, 1e4).some((e) => e.kind === 'verdict' && e.detail.startsWith('pledge violation blocked'))).toBe(true);
    expect(k.foreground).toBe(0);
    expect(text(h, 'ps')).toMatch(/shell/); // the shell is fine
    expect(k.liveCaps).toBe(host().kernel.liveCaps + 1); // the child's caps were released; the shell keeps its handle
  });

  it('the program pledges itself too: started unpledged, it is still aborted', () => {
    const h = host();
    h.exec('run "fetch-worker" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }');
    h.kernel.step(900);
    expect(h.kernel.ledger.page(1, 1e4).some((e) => e.kind === 'pledge' && e.detail === 'fetch-worker (pid 10) pledged "net stdio"')).toBe(
      true,
    );
    expect(h.kernel.exitCodes.get(10)).toBe(134);
  });

  it('with pledge/unveil off the same program exfiltrates the secret', () => {
    const h = host();
    h.exec('defense sandbox off');
    h.exec(FETCH);
    h.kernel.step(900);
    expect(out(h)).toContain('fetch-worker: got it: launch code: 0000 (do not tell the fetch-worker)');
    expect(
      h.kernel.ledger.page(1, 1e4).some((e) => e.kind === 'verdict' && e.detail.startsWith('pledge bypassed: read /vault/secrets')),
    ).toBe(true);
  });
});

describe('the pdf-viewer demo (unveil)', () => {
  it('every escape sees only ENOENT; the unveiled file reads fine', () => {
    const h = host();
    h.exec(PDF);
    h.kernel.step(1600);
    const lines = out(h);
    expect(lines).toContain('pdf-viewer: rendering report.pdf: %PDF-1.7 quarterly report: revenue up, risk down');
    for (const path of [
      '/home/docs/../../etc/passwd',
      '/home/docs//..//..//vault/secrets',
      '/home/docs/shortcut',
      '/home/docs/up/vault/secrets',
      '/home/docs/./../docs/../../etc/passwd',
    ]) {
      expect(lines).toContain(`pdf-viewer: ${path} → ENOENT: ${path}: no such file or directory`);
    }
    expect(
      h.kernel.ledger
        .page(1, 1e4)
        .filter((e) => e.kind === 'verdict')
        .map((e) => e.detail.split(':')[0]),
    ).toContain('unveil escape blocked');
  });

  it('with pledge/unveil off it reads outside', () => {
    const h = host();
    h.exec('defense sandbox off');
    h.exec(PDF);
    h.kernel.step(1600);
    expect(out(h)).toContain('pdf-viewer: /home/docs/shortcut → READ: launch code: 0000 (do not tell the fetch-worker)');
  });
});

describe('error codes, inheritance, execpromises, lock', () => {
  it('EPERM for adding a promise, EACCES for a wrong letter, ENOENT for the hidden, EPERM after lock', () => {
    const h = host();
    expect(text(h, 'pledge "stdio rw spawn net"')).toMatch(/pledged/);
    expect(text(h, 'pledge "stdio rw spawn net gpu"')).toBe(
      'pledge: EPERM: pledge may only drop promises: "gpu" would be added to "net stdio rw spawn"',
    );
    expect(h.kernel.ledger.last(1)[0].kind).toBe('deny');
    expect(text(h, 'unveil /home r, /tmp rwc')).toMatch(/unveiled/);
    h.exec('run "write /home/you/todo.txt nope" with { stdio: client @stdio, fs: @fs }');
    h.exec('run "cat /etc/passwd" with { stdio: client @stdio, fs: @fs }');
    h.exec('run "write /tmp/ok yes" with { stdio: client @stdio, fs: @fs }');
    h.kernel.step(50);
    expect(out(h)).toContain('write: EACCES: /home/you/todo.txt: unveiled without "w"');
    expect(out(h)).toContain('cat: ENOENT: /etc/passwd: no such file or directory');
    expect(out(h)).toContain('wrote /tmp/ok');
    expect(text(h, 'unveil /etc r')).toMatch(/EPERM: unveil may only narrow after the first call/);
    expect(text(h, 'unveil lock')).toBe('unveil is locked');
    expect(text(h, 'unveil /tmp r')).toMatch(/EPERM: unveil is locked/);
  });

  it('a child never starts with more than its parent’s execpromises', () => {
    const h = host();
    h.exec('pledge "stdio rw spawn net" "stdio net"');
    expect(text(h, 'run "cat /etc/hosts" pledge "stdio rw" with { stdio: client @stdio, fs: @fs }')).toMatch(
      /EPERM: a child’s pledge may only narrow its parent’s: "rw" is not among the promises shell \(pid 4\) may pass on, "net stdio" \(its promises "net stdio rw spawn" ∩ its execpromises "net stdio"\) \(column 29\)/,
    );
    h.exec('run "cat /etc/hosts" with { stdio: client @stdio, fs: @fs }'); // starts pledged to promises ∩ execpromises: "stdio net"
    h.kernel.step(20);
    expect(out(h)).toContain('[cat (pid 10) aborted: pledge violation: read /etc/hosts needs "rw" or "storage"]');
  });

  it('the shell is never aborted: its own violations are errors', () => {
    const h = host();
    h.exec('pledge "stdio rw"');
    expect(text(h, 'spawn "idle"')).toMatch(/EPERM: pledge: spawn "idle" needs "spawn"; shell \(pid 4\) pledged "stdio rw"/);
    expect(text(h, 'ps')).toMatch(/^PID/);
  });

  it('dropping both file promises locks unveil; /dev devices need their own promise', () => {
    const h = host();
    h.exec('pledge "stdio spawn net"');
    expect(shellOf(h.kernel).unveil.locked).toBe(true);
    const g = host();
    g.exec('run "cat /dev/audio" pledge "stdio rw" with { stdio: client @stdio, fs: @fs }');
    g.kernel.step(20);
    expect(out(g)).toContain('[cat (pid 10) aborted: pledge violation: read /dev/audio (a audio device) needs "audio"]');
  });
});

describe('property: a fiber’s permitted set never grows after its first pledge or unveil', () => {
  const PATHS = ['/etc/passwd', '/home/docs/notes.txt', '/home/you/todo.txt', '/vault/secrets', '/tmp/x', '/var/log/system.log'];
  const DIRS = ['/', '/etc', '/home', '/home/docs', '/tmp', '/vault', '/var/log'];
  type Op =
    | { op: 'pledge'; bits: number }
    | { op: 'unveil'; dir: number; perms: number }
    | { op: 'open'; path: number; write: boolean }
    | { op: 'lock' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('pledge' as const), bits: fc.integer({ min: 0, max: (1 << PROMISES.length) - 1 }) }),
    fc.record({ op: fc.constant('unveil' as const), dir: fc.nat(DIRS.length - 1), perms: fc.integer({ min: 0, max: 15 }) }),
    fc.record({ op: fc.constant('open' as const), path: fc.nat(PATHS.length - 1), write: fc.boolean() }),
    fc.constant({ op: 'lock' as const }),
  );

  it('over random pledge / unveil / open sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const h = host();
        const k = h.kernel;
        const shell = shellOf(k);
        const permitted = () =>
          PATHS.flatMap((path) =>
            [UR, UW].map((need) => allows(shell.pledge, ['rw', 'storage']) && checkAccess(shell.unveil, path, need) === null),
          );
        let started = false;
        let last = permitted();
        for (const o of ops) {
          try {
            if (o.op === 'pledge') k.sandbox.setPledge(shell.pid, o.bits | bit('stdio'));
            else if (o.op === 'unveil') k.sandbox.unveilPaths(shell.pid, [{ path: DIRS[o.dir], perms: o.perms }]);
            else if (o.op === 'lock') k.sandbox.unveilPaths(shell.pid, 'lock');
            else {
              const r = k.call(shell.pid, 'fs', o.write ? 'write' : 'read', { args: [PATHS[o.path], 'x'] });
              // no open outside the unveiled set (a write needs w on an existing file, c on a new one)
              if (r.ok && shell.unveil.entries) {
                const ok = o.write
                  ? checkAccess(shell.unveil, PATHS[o.path], UW) === null || checkAccess(shell.unveil, PATHS[o.path], UC) === null
                  : checkAccess(shell.unveil, PATHS[o.path], UR) === null;
                expect(ok).toBe(true);
              }
            }
          } catch (e) {
            if (!(e instanceof Error && 'code' in e)) throw e;
          }
          started ||= shell.pledge !== null || shell.unveil.entries !== null;
          const now = permitted();
          if (started) now.forEach((ok, i) => expect(ok && !last[i]).toBe(false)); // nothing newly permitted
          last = now;
        }
      }),
      { numRuns: 200 },
    );
  });
});
