import { now, type Fiber, type ProgramContext, type SyscallResult } from './abi';

/**
 * Programs that load the system, to show the Kinetic economy. With energy budgets on, a fork bomb gets at most
 * 4 spawns per refill (SPAWN 500 J of 2000 J) and a flooder at most 400 sends (SEND 5 J); with budgets off they
 * run until something else gives.
 */

/** forkbomb: spawns bomblets as fast as it can pay for them. Needs a spawner cap. */
export function* forkbomb(): Fiber {
  for (;;) {
    const r: SyscallResult | undefined = yield { op: 'spawn', program: 'bomblet', name: 'bomblet' };
    if (r && !r.ok && r.code !== 'ECAPACITY') return; // no spawner: nothing to bomb with
    if (r && !r.ok) yield { op: 'sleep', ms: 1 }; // the process table is full: try again next tick
  }
}

/** spinner: a busy fiber doing one TICK every millisecond, forever (load for benchmarks and demos). */
export function* spinner(): Fiber {
  for (;;) yield { op: 'sleep', ms: 1 };
}

/** bomblet: a fork bomb's child. It holds nothing (fibers spawn with an empty cap set), lingers, and ends. */
export function* bomblet(): Fiber {
  yield { op: 'sleep', ms: 3000 };
}

/** flooder: sends to #flood through its chat participant as fast as it can pay. */
export function* flooder(): Fiber {
  yield { op: 'call', cap: 'chat', method: 'join', args: ['#flood'] };
  for (let i = 0; ; i++) {
    const r: SyscallResult | undefined = yield { op: 'call', cap: 'chat', method: 'send', args: ['#flood', `flood ${i}`] };
    if (r && !r.ok) return;
    if (i % 50 === 49) yield { op: 'call', cap: 'chat', method: 'poll', args: [100] }; // keep its own queue short
  }
}

/**
 * pinger: a well-behaved interactive program. Every 100 ms it asks the chat who is in #lobby; with a stdio cap
 * it reports, every second, how long the answer took in virtual ms (any time spent frozen included), reading the
 * timer with a `tick` syscall before and after (TICK 1 J each: no program reads the clock for free).
 */
export function* pinger(ctx: ProgramContext): Fiber {
  const hasStdio = ctx.cap('stdio') !== null;
  for (let i = 1; ; i++) {
    yield { op: 'sleep', ms: 100 };
    const asked = yield* now();
    const r: SyscallResult | undefined = yield { op: 'call', cap: 'chat', method: 'who', args: ['#lobby'] };
    if (!r || !r.ok) return;
    if (hasStdio && i % 10 === 0) {
      const took = (yield* now()) - asked;
      yield { op: 'call', cap: 'stdio', method: 'write', args: [`pinger: #lobby answered in ${took} ms`] };
    }
  }
}

/**
 * A MediaKit edge process (seed 000): it streams, and every 5 s sends a line of telemetry up to the Totebox
 * through its @telemetry import. The Diode lets that up (sanitised) and nothing else.
 */
export function* mediaEdge(ctx: ProgramContext): Fiber {
  for (let i = 1; ; i++) {
    yield { op: 'sleep', ms: 5000 };
    if (ctx.cap('telemetry'))
      yield { op: 'call', cap: 'telemetry', method: 'telemetry', args: [`viewers=${40 + ctx.random(20)} segment=${i}`] };
  }
}
