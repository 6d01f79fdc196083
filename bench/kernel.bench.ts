/**
 * Node kernel benchmarks. Prints one JSON object. Each figure sits next to a baseline measured in the same run.
 */
import { KernelHost } from '../src/kernel/host';
import { Frame, readFrame, type Capacity } from '../src/kernel/sab/layout';
import { allows, bit, type Promise_ } from '../src/kernel/sandbox/pledge';
import { applyUnveil, checkAccess, UR, UW, type UnveilState } from '../src/kernel/sandbox/unveil';
import { image, YieldRuntime, type YCap } from '../src/kernel/yield/runtime';
import { bigScenario } from './scenarios';
import { time } from './timing';

const FILE_PROMISES: Promise_[] = ['rw', 'storage'];

const capacity: Capacity = {
  processes: 1024,
  caps: 8192,
  objects: 1024,
  machines: 16,
  ledgerRing: 4096,
  strings: 16384,
  stringBytes: 512 * 1024,
  consoleLines: 16,
};

// spawn + exit cycles: the shell spawns a child and kills it (handle, ledger records, cap release included).
// Kernel paths without the energy meter (measured on its own below): metering would freeze the loops.
const host = new KernelHost(capacity, false);
const k = host.kernel;
k.setDefense('energy', false, 0);
const shell = [...k.processes.values()].find((p) => p.program === 'shell')!;
const chatCap = shell.cnode.lookup('chat').cap;
const spawnExit = time(() => {
  const child = k.spawn(shell.pid, 'idle', { name: 'child', grants: [{ name: 'chat', cap: chatCap }] });
  k.kill(shell.pid, child.pid);
  k.lifecycle.reapHandle(shell.pid, child.pid); // what the shell's wait does
});

// cap lookups by name and by slot in a 16-slot cnode, against a bare Map lookup as the floor.
for (let i = 0; i < 13; i++) shell.cnode.insert(`extra${i}`, chatCap);
const names = [...shell.cnode.entries()].map(([, s]) => s.name);
let sink = 0;
const LOOKUPS = 10_000;
const byName = time(() => {
  for (let i = 0; i < LOOKUPS; i++) sink += shell.cnode.lookup(names[i & 15]).slot;
});
const bySlot = time(() => {
  for (let i = 0; i < LOOKUPS; i++) sink += shell.cnode.lookup(i & 15).slot;
});
const map = new Map(names.map((n, i) => [n, i]));
const bareMap = time(() => {
  for (let i = 0; i < LOOKUPS; i++) sink += map.get(names[i & 15])!;
});

// CALL + RETURN through a service object (ChatParticipant.poll on an empty queue), against a bare method call
// on the same service state as the floor. Energy is not charged; when the server has taken its 64 calls of a tick, the clock steps (included: about one tick per 64 calls).
const callHost = new KernelHost(capacity, false);
const ck = callHost.kernel;
ck.setDefense('energy', false, 0);
const caller = [...ck.processes.values()].find((p) => p.program === 'shell')!.pid;
ck.call(caller, 'chat_participant', 'poll', { args: [100] }); // drain
const CALLS = 10_000;
const pollArgs = { args: [1] };
// This machine is shared and noisy: five rounds, the median reported (and the best, for reference).
const rounds = Array.from(
  { length: 5 },
  () =>
    time(() => {
      for (let i = 0; i < CALLS; i++) {
        // A server takes at most MAX_VERBS_PER_TICK calls a tick (seed 002's queues): when it is busy, the clock moves on.
        for (
          let r = ck.call(caller, 'chat_participant', 'poll', pollArgs);
          !r.ok;
          r = ck.call(caller, 'chat_participant', 'poll', pollArgs)
        ) {
          if (r.code !== 'EAGAIN' || ck.ticks > 1_000_000) throw new Error(`call failed: ${r.code}`);
          ck.step(1);
        }
      }
    }).perSecond,
).sort((a, b) => a - b);
const calls = { perSecond: rounds[2], best: rounds[4] };
const queue: unknown[] = [];
const bareCalls = time(() => {
  for (let i = 0; i < CALLS; i++) sink += queue.splice(0, 1).length + 1;
});

// Verbs charged and scheduled: 1,000 spinners (one TICK each per ms), against a bare loop doing the same
// typed-array reads and writes (balance check, charge, refill check) with no scheduler or generators.
const spinHost = new KernelHost(capacity, false);
const spinBoot = spinHost.boot(JSON.stringify(bigScenario(1000, 'spinner')));
if (!spinBoot.ok) throw new Error(spinBoot.errors.join('\n'));
const sk = spinHost.kernel;
sk.step(10); // warm up
const spinners = [...sk.processes.values()].filter((p) => p.program === 'spinner').length;
const verbRounds = Array.from({ length: 5 }, () => {
  const spent0 = [...sk.processes.values()].reduce((n, p) => n + p.spent, 0);
  const t0 = performance.now();
  while (performance.now() - t0 < 300) sk.step(1);
  const verbs = ([...sk.processes.values()].reduce((n, p) => n + p.spent, 0) - spent0) / 1; // TICK = 1 J: joules spent = verbs
  return (verbs / (performance.now() - t0)) * 1000;
}).sort((a, b) => a - b);
const balances = new Int32Array(1000).fill(2000);
const refills = new Int32Array(1000).fill(1000);
let bareTime = 0;
const bare = time(() => {
  bareTime++;
  for (let i = 0; i < 1000; i++) {
    if (bareTime >= refills[i]) {
      balances[i] = 2000;
      refills[i] += 1000;
    }
    if (balances[i] >= 1) balances[i] -= 1;
  }
});

// Permission checks for a fiber with 50 unveiled paths: pledge + unveil on a canonical path (most specific wins),
// against a bare Set lookup of the same path as the floor.
const unveilState: UnveilState = { entries: null, locked: false };
const unveiled = Array.from({ length: 50 }, (_, i) => ({ path: `/srv/app${i % 10}/data${i}`, perms: UR | (i % 2 ? UW : 0) }));
applyUnveil(unveilState, unveiled);
const probes = Array.from({ length: 64 }, (_, i) => (i % 4 === 3 ? `/etc/secret${i}` : `${unveiled[(i * 7) % 50].path}/file${i}.txt`));
const pledgeBits = bit('stdio') | bit('rw');
const CHECKS = 10_000;
const checkRounds = Array.from(
  { length: 5 },
  () =>
    time(() => {
      for (let i = 0; i < CHECKS; i++)
        if (allows(pledgeBits, FILE_PROMISES) && checkAccess(unveilState, probes[i & 63], UR) === null) sink++;
    }).perSecond,
).sort((a, b) => a - b);
// The same checks with every path seen for the first time (the lookup cache cold): unique paths, made up front.
const coldProbes = Array.from({ length: 200_000 }, (_, i) => (i % 4 === 3 ? `/etc/secret${i}` : `${unveiled[(i * 7) % 50].path}/f${i}`));
let coldAt = 0;
const cold = time(() => {
  for (let i = 0; i < CHECKS; i++) {
    if (coldAt >= coldProbes.length) break;
    if (allows(pledgeBits, FILE_PROMISES) && checkAccess(unveilState, coldProbes[coldAt++], UR) === null) sink++;
  }
}, 50);
const probeSet = new Set(probes);
const bareChecks = time(() => {
  for (let i = 0; i < CHECKS; i++) if (probeSet.has(probes[i & 63])) sink++;
});

// Yields routed through a 16-deep owner chain: the outermost instance registered the key, so every yield walks
// all 16 owner edges before it is caught; each round trip is 16 CALLs, one yield and its resume.
const yrt = new YieldRuntime();
const relayImage = image({
  name: 'Relay',
  description: 'calls down slot 1; the innermost yields with slot 2',
  yieldReceiverSlot: 0,
  methods: { down: (ctx) => (ctx.get(1) ? ctx.call(1, 'down') : ctx.yield(2, null)) },
  catches: { '*': () => 1 },
});
let below: YCap | null = null;
let outer = 0;
for (let i = 16; i >= 0; i--) {
  const inst = yrt.spawn(0, relayImage, {
    caps: [yrt.genesis.receiver(i === 0 ? ['deep_key'] : []), below, yrt.genesis.sender('deep_key')],
  });
  below = yrt.genesis.instance(inst.id);
  outer = inst.id;
}
yrt.routeLimit = 16;
const yieldRounds = Array.from(
  { length: 5 },
  () =>
    time(() => {
      for (let i = 0; i < 100; i++) sink += yrt.invoke(outer, 'down', null, 1e9) as number;
    }).perSecond * 100,
).sort((a, b) => a - b);
if (yrt.routes.at(-1)?.walked.length !== 16) throw new Error('the bench chain is not 16 deep');

// Per-frame SAB read with 1,000 process rows (and their caps), against copying the same bytes with one set().
const big = new KernelHost(capacity, true);
const boot = big.boot(JSON.stringify(bigScenario(1000)));
if (!boot.ok) throw new Error(boot.errors.join('\n'));
const frame = new Frame(capacity);
const read = time(() => {
  if (!readFrame(big.views, frame)) throw new Error('seqlock busy');
});
const raw = new Int32Array(big.buffer(), big.views.layout.procOffset, (big.views.layout.ledgerOffset - big.views.layout.procOffset) / 4);
const rawCopy = new Int32Array(raw.length);
const bareCopy = time(() => rawCopy.set(raw));
const publish = time(() => big.publish());
const ticks = time(() => big.kernel.step(1));

console.log(
  JSON.stringify(
    {
      node: process.version,
      spawnExitCyclesPerSecond: spawnExit.perSecond,
      serviceCallsPerSecond: {
        value: calls.perSecond * CALLS,
        bestOf5: calls.best * CALLS,
        baselineBareArraySplice: bareCalls.perSecond * CALLS,
        target: '>= 1,000,000',
      },
      verbsPerSecond1000Fibers: {
        fibers: spinners,
        value: Math.round(verbRounds[2]),
        baselineBareTypedArrayLoop: bare.perSecond * 1000,
        ratio: +((bare.perSecond * 1000) / verbRounds[2]).toFixed(1),
        target: '>= 2,000,000 verbs/s; ratio <= 5x',
      },
      permissionChecksPerSecond50Unveils: {
        value: checkRounds[2] * CHECKS,
        firstLookupOfEachPath: cold.perSecond * CHECKS,
        baselineBareSetHas: bareChecks.perSecond * CHECKS,
        target: '>= 5,000,000',
      },
      yieldsRoutedPerSecond16Deep: { value: yieldRounds[2], target: '>= 500,000' },
      capLookupsPerSecond: {
        byName: byName.perSecond * LOOKUPS,
        bySlot: bySlot.perSecond * LOOKUPS,
        baselineBareMapGet: bareMap.perSecond * LOOKUPS,
      },
      sabFrameRead1000Processes: {
        rows: { processes: frame.procRows, caps: frame.capRows },
        meanMs: +(read.meanUs / 1000).toFixed(4),
        baselineBareTypedArrayCopyMs: +(bareCopy.meanUs / 1000).toFixed(4),
        target: '< 1 ms',
      },
      publish1000ProcessesMs: +(publish.meanUs / 1000).toFixed(4),
      schedulerTick1000ProcessesMs: +(ticks.meanUs / 1000).toFixed(4),
      sink: sink > 0,
    },
    null,
    2,
  ),
);
