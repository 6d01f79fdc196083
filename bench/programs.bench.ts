/**
 * User programs (QuickJS sandbox) against built-ins. Prints one JSON object: syscalls per second from a user
 * program beside the same loop as a built-in program (the ratio) — the timer, and a service call answered by the chat
 * server — refused calls, the engine's cold start in Node, and its size.
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
/**
 * The same loop both ways, N syscalls, energy off so nothing freezes. A call the server cannot take this tick
 * (seed 002's queues: 64 a tick) leaves the caller blocked until the clock steps; the steps are included.
 */
function rate(spawnIt: (host: KernelHost) => number): number {
  const host = new KernelHost(undefined, false);
  const k = host.kernel;
  k.setDefense('energy', false, 0);
  const pid = spawnIt(host);
  const p = k.processes.get(pid)!;
  runFiber(k, p, 1000); // start it (the sandbox is made on its first run)
  const t = performance.now();
  let n = 0;
  while (n < N) {
    const ran = runFiber(k, p, N - n);
    n += ran;
    if (!ran) k.step(1);
    if (p.state === 'exited' || p.state === 'killed') throw new Error(`the bench program ended: ${p.state}`);
  }
  const ms = performance.now() - t;
  k.kill(0, pid);
  return Math.round((n / ms) * 1000);
}
const shellPid = (host: KernelHost) => [...host.kernel.processes.values()].find((p) => p.program === 'shell')!.pid;
/** The shell's chat participant, for a loop of calls the chat service answers (poll on an empty queue). */
const chat = (host: KernelHost) => [{ name: 'chat', cap: host.kernel.processes.get(shellPid(host))!.cnode.lookup('chat_participant').cap }];
function* ticker(): Fiber {
  for (;;) yield { op: 'tick' };
}
function* poller(): Fiber {
  for (;;) yield { op: 'call', cap: 'chat', method: 'poll', args: [1] };
}
const builtIn = (body: () => Fiber, withChat: boolean) =>
  rate((host) => {
    const p = host.kernel.spawn(shellPid(host), 'idle', withChat ? { grants: chat(host) } : {});
    p.fiber = body();
    return p.pid;
  });
const user = (source: string, withChat = false) =>
  rate((host) => {
    host.kernel.userPrograms.set('loop', { name: 'loop', summary: 'bench', source });
    return host.kernel.spawn(shellPid(host), 'loop', withChat ? { grants: chat(host) } : {}).pid;
  });
const TICKS = 'function* main(sys) { for (;;) yield sys.tick(); }';
const POLLS = "function* main(sys) { for (;;) { const r = yield sys.call('chat', 'poll', [1]); if (!r.ok) throw new Error(r.code); } }";
const REFUSED = "function* main(sys) { for (;;) yield sys.call('nope', 'write', ['x']); }"; // refused by the kernel: ENOCAP

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = {
  builtIn: [] as number[],
  user: [] as number[],
  builtInCalls: [] as number[],
  userCalls: [] as number[],
  refused: [] as number[],
};
for (let i = 0; i < 5; i++) {
  runs.builtIn.push(builtIn(ticker, false));
  runs.user.push(user(TICKS));
  runs.builtInCalls.push(builtIn(poller, true));
  runs.userCalls.push(user(POLLS, true));
  runs.refused.push(user(REFUSED));
}
const starts = Array.from({ length: 40 }, startOne);
const b = median(runs.builtIn);
const u = median(runs.user);
console.log(
  JSON.stringify(
    {
      engine: ENGINE_VERSION,
      userSyscallsPerSecond: { value: u, target: '>= 100,000', builtInSameLoop: b, ratio: +(b / u).toFixed(1), loop: TICKS },
      userServiceCallsPerSecond: {
        value: median(runs.userCalls),
        target: '>= 100,000',
        builtInSameLoop: median(runs.builtInCalls),
        ratio: +(median(runs.builtInCalls) / median(runs.userCalls)).toFixed(1),
        loop: POLLS,
      },
      userCallsRefusedPerSecond: median(runs.refused),
      engineColdStartNodeMs: { value: coldStartMs, target: '<= 150' },
      programStartMs: +median(starts).toFixed(2),
      engineWasmBytes: wasmBytes,
      limits: USER_LIMITS,
    },
    null,
    2,
  ),
);
