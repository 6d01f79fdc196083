import { describe, expect, it } from 'vitest';
import { costOf, VERBS } from '../energy/kinetic';
import { KernelHost } from '../host';
import type { Kernel } from '../kernel';
import { now, type Fiber, type ProgramContext } from '../programs/abi';
import { programByName } from '../programs/programs';
import { MIN_SLICE } from '../scheduler/scheduler';
import { COMMANDS } from '../shell/commands';
import { inWorld } from '../shell/context';
import { tokenize } from '../shell/tokenize';

/**
 * Rule 7 of issue 16 (Nexus S1/S3): every verb is charged. Reading the timer is a syscall that costs TICK; each
 * cap passed at spawn costs the parent a GRANT on top of SPAWN; an in-world shell line the shell cannot pay for
 * waits for its refill (latency, not an error) and runs at the same tick on replay; the experimenter's controls
 * are free, so `clock run` works with the shell at 0 J.
 */

// Two test programs, driving the real kernel's syscall path (lifecycle spawns them by name like any built-in).
const reads = new Map<number, number[]>();
const seen = new Map<number, string[]>();
function* timerReader(ctx: ProgramContext): Fiber {
  const mine: number[] = [];
  reads.set(ctx.pid, mine);
  seen.set(ctx.pid, Object.keys(ctx));
  for (let i = 0; i < 3; i++) mine.push(yield* now());
  for (;;) yield { op: 'wait' };
}
function* spawnsThree(): Fiber {
  yield {
    op: 'spawn',
    program: 'idle',
    name: 'grandchild',
    grants: [
      { name: 'a', from: 'a', mode: 'copy' },
      { name: 'b', from: 'b', mode: 'copy' },
      { name: 'c', from: 'c', mode: 'copy' },
    ],
  };
  for (;;) yield { op: 'wait' };
}
programByName.set('timer-reader', { name: 'timer-reader', summary: 'test: reads the timer three times', body: timerReader });
programByName.set('spawns-three', { name: 'spawns-three', summary: 'test: spawns idle with three grants', body: spawnsThree });

const host = () => new KernelHost(undefined, false);
const shellOf = (k: Kernel) => [...k.processes.values()].find((p) => p.program === 'shell')!;
const byName = (k: Kernel, name: string) => [...k.processes.values()].find((p) => p.name === name)!;
const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');
/** What the shell spawned. */
const spawns = (k: Kernel) => k.ledger.page(1, 1e6).filter((e) => e.kind === 'spawn' && e.actor === shellOf(k).pid);
const bytes = (k: Kernel) => JSON.stringify(k.ledger.page(1, k.ledger.length));
/** Four spawns take the shell's whole 2000 J budget (SPAWN 500 J each). */
const drain = (h: KernelHost) => {
  for (let i = 0; i < 4; i++) h.exec('spawn "idle"');
  expect(shellOf(h.kernel).meter.energy).toBe(0);
};
/** The same session rebuilt from scenario + seed + command log. */
const replayed = (h: KernelHost) => {
  const again = host();
  expect(again.restoreNow(JSON.parse(JSON.stringify(h.session())))).toMatchObject({ ok: true });
  return again;
};

describe('seed 003 S1/S3: every verb is charged', () => {
  it('reading the timer is a syscall that costs TICK: 1 J per read; programs have no free clock', () => {
    const h = host();
    const k = h.kernel;
    h.exec('spawn "timer-reader"');
    const p = byName(k, 'timer-reader');
    const before = { energy: p.meter.energy, spent: p.spent };
    k.step(1);
    expect(seen.get(p.pid)).not.toContain('now');
    expect(reads.get(p.pid)).toEqual([k.time, k.time, k.time]);
    expect(p.meter.energy).toBe(before.energy - 3 * VERBS.TICK);
    expect(p.spent).toBe(before.spent + 3);
  });

  it('a fiber with less than 1 J freezes at the timer read, and reads the time of its refill', () => {
    const h = host();
    const k = h.kernel;
    h.exec('spawn "timer-reader"');
    const p = byName(k, 'timer-reader');
    p.meter.energy = 0;
    k.step(5);
    expect(p.state).toBe('frozen');
    expect(p.pending).toEqual({ op: 'tick' });
    expect(reads.get(p.pid)).toEqual([]);
    expect(k.ledger.page(1, 1e6).some((e) => e.kind === 'verdict' && /cannot pay its next TICK \(1 J, 0 J left/.test(e.detail))).toBe(true);
    const refill = p.meter.nextRefill;
    k.step(refill - k.time);
    expect(reads.get(p.pid)).toEqual([refill, refill, refill]);
    expect(p.meter.energy).toBe(p.meter.budget - 3);
  });

  it('a spawn with 3 grants costs the parent 500 + 3×20 J: from the shell and from a fiber', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    expect([...k.processes.values()].every((p) => p.spent === 0 && p.meter.energy === p.meter.budget)).toBe(true); // boot wiring is free
    h.exec('spawn "idle" with { a: @chat_participant, b: @stdio, c: @chat_mod }');
    expect(shell.meter.energy).toBe(2000 - 560);
    expect(shell.spent).toBe(560);

    h.exec('spawn "spawns-three" with { spawner: @spawner, a: @chat_participant, b: client @stdio, c: @fs }');
    expect(shell.spent).toBe(560 + 500 + 4 * 20);
    const parent = byName(k, 'spawns-three');
    k.step(1);
    expect(byName(k, 'grandchild').cnode.size).toBe(3);
    expect(parent.spent).toBe(560);
    expect(parent.meter.energy).toBe(2000 - 560);
  });

  it('every CALL is a SEND, whatever the cap: a session, a filesystem, a service object', () => {
    const h = host();
    const shell = shellOf(h.kernel);
    for (const line of [
      'call @session deriveProof "join" 5000 @chat_root',
      'call @fs read /etc/hosts',
      'call @fs ls /',
      'call @chat_participant who "#lobby"',
    ]) {
      const before = shell.spent;
      h.exec(line);
      expect(shell.spent - before, line).toBe(VERBS.SEND);
    }
  });

  it('a fiber that can pay SPAWN but not its grants freezes at the spawn, paying nothing', () => {
    const h = host();
    const k = h.kernel;
    h.exec('spawn "spawns-three" with { spawner: @spawner, a: @chat_participant, b: client @stdio, c: @fs }');
    const parent = byName(k, 'spawns-three');
    parent.meter.energy = 559;
    k.step(3);
    expect(parent.state).toBe('frozen');
    expect(parent.meter.energy).toBe(559);
    expect(byName(k, 'grandchild')).toBeUndefined();
    expect(k.ledger.last(1)[0].detail).toMatch(/cannot pay its next SPAWN \+ 3 GRANT \(560 J, 559 J left/);
  });

  it('a shell line that cannot be paid for waits for the refill, then runs at that tick; the replay runs it there too', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    drain(h);
    const refill = shell.meter.nextRefill;
    expect(text(h, 'spawn "idle" with { chat: @chat_participant }')).toBe(
      `waiting for energy: 520 J short, refill in ${refill - k.time} ms (the shell has 0 J; SPAWN + GRANT costs 520 J); Ctrl-C cancels`,
    );
    expect(shell.state).toBe('frozen');
    expect(spawns(k)).toHaveLength(4); // not run, and not refused
    expect(text(h, 'ps')).toMatch(/^PID/); // inspection runs at once
    h.exec('spawn "idle"'); // an in-world line queues behind the waiting one
    k.step(refill + 3 - k.time);
    expect(spawns(k).map((e) => e.time)).toEqual([0, 0, 0, 0, refill, refill]);
    expect(spawns(k)[4].detail).toMatch(/^idle \(pid 14\)/);
    expect(k.console.map((l) => l.text)).toEqual(
      expect.arrayContaining([
        '[refilled: spawn "idle" with { chat: @chat_participant }]',
        'spawned idle as pid 14; the shell holds @idle-5 to wait on or kill it',
        'spawned idle as pid 15; the shell holds @idle-6 to wait on or kill it',
      ]),
    );
    expect(shell.meter.energy).toBe(2000 - 520 - 500);
    expect(shell.state).toBe('blocked');
    expect(k.ledger.page(1, 1e6).filter((e) => e.kind === 'deny')).toHaveLength(0);

    const again = replayed(h);
    expect(bytes(again.kernel)).toBe(bytes(k));
    expect(spawns(again.kernel)[4].time).toBe(refill);
  });

  it('lines that wait inside a tick (the scheduler runs in slices) replay at exactly the same turn', () => {
    const h = host();
    const k = h.kernel;
    const S = 'spawn "idle"';
    const groups = [[S, S, S], [S, S, 'ps'], [S], [S, S, S, S, S], ['top', S]]; // the shell runs dry inside ticks, again and again
    let sent = 0;
    for (let slice = 0; k.ticks < 60; slice++) {
      k.scheduler.runTo(k.ticks + 1, undefined, MIN_SLICE + (slice % 5) * 7);
      if (slice % 3 === 1 && sent < groups.length) for (const line of groups[sent++]) h.exec(line);
    }
    const lines = groups.flat();
    expect(sent).toBe(groups.length);
    expect(h.log.filter((c) => c.within !== undefined).length).toBeGreaterThan(2);
    expect(k.console.filter((l) => l.text.startsWith('[refilled: ')).length).toBeGreaterThan(1);
    expect(spawns(k)).toHaveLength(lines.filter((l) => l === S).length);
    expect(bytes(replayed(h).kernel)).toBe(bytes(k));
  });

  it('Ctrl-C cancels the waiting line: it never runs, and the replay cancels it too', () => {
    const h = host();
    const k = h.kernel;
    drain(h);
    h.exec('spawn "idle"');
    expect(h.interrupt()).not.toBeNull();
    expect(k.console.at(-1)?.text).toBe('[cancelled while waiting for energy: spawn "idle"]');
    k.step(50);
    expect(spawns(k)).toHaveLength(4);
    expect(shellOf(k).state).toBe('blocked');
    expect(h.interrupt()).toBeNull(); // nothing left to interrupt: not logged
    expect(bytes(replayed(h).kernel)).toBe(bytes(k));
  });

  it('the experimenter’s controls are free and never wait: clock run, defense, inspection with the shell at 0 J', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    drain(h);
    expect(text(h, 'clock pause')).toMatch(/^clock paused/);
    expect(text(h, 'spawn "idle"')).toMatch(
      /^waiting for energy: 500 J short, .*the clock is paused: clock run or clock step lets it come/,
    );
    for (const line of [
      'clock run',
      'defense gate0 off',
      'ps',
      'caps',
      'top',
      'tables',
      'machines',
      'tofu',
      'ledger 3',
      'ledger verify',
      'help',
    ]) {
      const r = h.exec(line);
      expect(r.lines[0]?.style, line).not.toBe('error');
      expect(r.lines[0]?.text, line).not.toMatch(/^waiting/);
    }
    expect(k.running).toBe(true);
    expect(k.defenses.gate0).toBe(false);
    expect(shell.meter.energy).toBe(0);
    expect(shell.spent).toBe(2000);
    expect(text(h, 'clock step 20')).toMatch(/^clock running/); // the refill comes during the step: the line runs in it
    expect(spawns(k)).toHaveLength(5);
  });

  it('every command is inside or outside the world; help says which; an inside line costs what its command declares', () => {
    const help = text(host(), 'help');
    const inside = help.indexOf('In the world');
    const outside = help.indexOf('Outside the world');
    expect(inside).toBeGreaterThanOrEqual(0);
    expect(outside).toBeGreaterThan(inside);
    for (const c of COMMANDS) {
      const at = help.indexOf(`\n  ${c.usage}`);
      expect(at, c.name).toBeGreaterThan(0);
      expect(at > outside, c.name).toBe(c.world === 'outside');
    }
    expect(COMMANDS.filter((c) => c.world === 'outside').map((c) => c.name)).toEqual([
      'help',
      'ps',
      'caps',
      'ledger',
      'defense',
      'top',
      'tables',
      'yields',
      'clear',
      'clock',
      'machines',
      'mitm',
      'compromise',
      'handshake',
    ]);
    expect(text(host(), 'help clock')).toMatch(/outside the world: an experimenter’s control or inspection; free/);
    expect(text(host(), 'help run')).toMatch(/inside the world: .*the shell pays SPAWN \+ GRANT per cap granted/);

    const h = host();
    const shell = shellOf(h.kernel);
    const charged: [string, number][] = [];
    for (const line of [
      'channel news',
      'map scratch 16',
      'mask @news r',
      'spawn "idle" with { a: @stdio, b: @chat_participant }',
      'grant @idle @news',
      'tier @idle void',
      'revoke @news',
      'call @chat_participant who "#lobby"',
      'drop @scratch',
      'kill @idle',
      'pledge "stdio rw spawn net"',
      'unveil /home r',
      'attest',
      'ratelimit issue 2',
      'ratelimit invoke 2 3',
      'tofu',
    ]) {
      const before = shell.spent;
      const r = h.exec(line);
      expect(r.lines[0]?.style, `${line}: ${r.lines[0]?.text}`).not.toBe('error');
      const [head, ...args] = tokenize(line);
      const cmd = COMMANDS.find((c) => c.name === head.value)!;
      expect(cmd.world, line).toBe('inside');
      // Showing the TOFU+ bindings is the form of tofu that is inspection: outside the world, free.
      charged.push([line, inWorld(cmd, args) ? costOf(cmd.cost.verbs(args, line)) : 0]);
      expect(shell.spent - before, line).toBe(charged.at(-1)![1]);
    }
    // A ratelimit burst is a CALL into the chain per call: three of them, 15 J.
    expect(charged.map(([, j]) => j)).toEqual([10, 10, 3, 540, 20, 20, 3, 5, 3, 5, 3, 3, 5, 5, 15, 0]);
  });
});
