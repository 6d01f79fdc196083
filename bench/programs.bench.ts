/**
 * User programs (QuickJS sandbox) against built-ins. Prints one JSON object: syscalls per second from a user
 * program beside the same loop as a built-in program (the ratio), the engine's cold start in Node, and its size.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { KernelHost } from '../src/kernel/host';
import { ENGINE_VERSION, loadEngine } from '../src/kernel/programs/engine';
import { USER_LIMITS } from '../src/kernel/programs/user';
import { runFiber } from '../src/kernel/scheduler/fibers';
import type { Fiber } from '../src/kernel/programs/abi';

/** Spawn a user program and run it to its first syscall: its own engine instance, runtime, prelude and source. */
function startOne(): number {
  const host = new KernelHost(undefined, false);
  const k = host.kernel;
  host.kernel.userPrograms.set('first', { name: 'first', summary: 'bench', source: 'function* main(sys) { yield sys.tick(); }' });
  const p = k.spawn([...k.processes.values()].find((q) => q.program === 'shell')!.pid, 'first');
  const t = performance.now();
  runFiber(k, p, 1);
  const ms = performance.now() - t;
  k.kill(0, p.pid);
  return ms;
}

// Cold start: compile the engine, then the first program's instance.
const t0 = performance.now();
await loadEngine();
const coldStartMs = +(performance.now() - t0 + startOne()).toFixed(1);

const require = createRequire(import.meta.url);
const wasmBytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')).length;

const N = 200_000;
/** The same loop both ways: `tick` (read the timer, TICK) N times, energy off so nothing freezes. */
function rate(spawnIt: (host: KernelHost) => number): number {
  const host = new KernelHost(undefined, false);
  const k = host.kernel;
  k.setDefense('energy', false, 0);
  const pid = spawnIt(host);
  const p = k.processes.get(pid)!;
  runFiber(k, p, 1000); // start it (the sandbox is made on its first run)
  const t = performance.now();
  let n = 0;
  while (n < N) n += runFiber(k, p, N - n);
  const ms = performance.now() - t;
  k.kill(0, pid);
  return Math.round((n / ms) * 1000);
}
const shellPid = (host: KernelHost) => [...host.kernel.processes.values()].find((p) => p.program === 'shell')!.pid;
function* ticker(): Fiber {
  for (;;) yield { op: 'tick' };
}
const builtIn = () =>
  rate((host) => {
    const p = host.kernel.spawn(shellPid(host), 'idle');
    p.fiber = ticker();
    return p.pid;
  });
const user = (source: string) =>
  rate((host) => {
    host.kernel.userPrograms.set('loop', { name: 'loop', summary: 'bench', source });
    return host.kernel.spawn(shellPid(host), 'loop').pid;
  });
const TICKS = 'function* main(sys) { for (;;) yield sys.tick(); }';
const CALLS = "function* main(sys) { for (;;) yield sys.call('nope', 'write', ['x']); }"; // refused by the kernel: ENOCAP

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = { builtIn: [] as number[], user: [] as number[], userCalls: [] as number[] };
for (let i = 0; i < 5; i++) {
  runs.builtIn.push(builtIn());
  runs.user.push(user(TICKS));
  runs.userCalls.push(user(CALLS));
}
const starts = Array.from({ length: 40 }, startOne);
const b = median(runs.builtIn);
const u = median(runs.user);
console.log(
  JSON.stringify(
    {
      engine: ENGINE_VERSION,
      userSyscallsPerSecond: { value: u, target: '>= 100,000', builtInSameLoop: b, ratio: +(b / u).toFixed(1), loop: TICKS },
      userCallsRefusedPerSecond: median(runs.userCalls),
      engineColdStartNodeMs: { value: coldStartMs, target: '<= 150' },
      programStartMs: +median(starts).toFixed(2),
      engineWasmBytes: wasmBytes,
      limits: USER_LIMITS,
    },
    null,
    2,
  ),
);
