/**
 * Built-in programs. A program is a generator: it runs until it yields a syscall, and the scheduler resumes it
 * with the syscall's result on a later quantum. Programs hold no authority of their own; everything they touch
 * goes through a cap name in their cnode.
 */

export type Syscall =
  | { op: 'sleep'; ms: number }
  | { op: 'send'; cap: string; method: string; payload?: string }
  | { op: 'recv'; cap: string }
  | { op: 'wait' } // block until the kernel wakes the process (e.g. a shell between commands)
  | { op: 'exit'; code: number };

export interface Message {
  from: number;
  badge: number;
  method: string;
  payload: string;
}

/** What a syscall gives back to the program. */
export type SyscallResult = { ok: true; message?: Message } | { ok: false; code: string; error: string };

export type ArgValue = string | number | boolean;

export interface ProgramContext {
  readonly pid: number;
  readonly name: string;
  readonly args: Readonly<Record<string, ArgValue>>;
  /** Deterministic randomness in [0, n). */
  random(n: number): number;
}

export type ProgramBody = (ctx: ProgramContext) => Generator<Syscall, void, SyscallResult | undefined>;

export interface Program {
  name: string;
  summary: string;
  body: ProgramBody;
}

function* waitForever(): Generator<Syscall, void, SyscallResult | undefined> {
  for (;;) yield { op: 'wait' };
}

/** A server loop: receive on `cap` forever; the endpoint's message counter is the visible effect. */
function serve(cap: string): ProgramBody {
  return function* () {
    for (;;) {
      const r = yield { op: 'recv', cap };
      if (r && !r.ok) return; // lost its endpoint: nothing left to serve
    }
  };
}

const num = (v: ArgValue | undefined, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

export const PROGRAMS: readonly Program[] = [
  { name: 'init', summary: 'first process; holds the spawner and its children’s handles', body: waitForever },
  { name: 'shell', summary: 'the capOS-style shell; runs your commands with the caps it holds', body: waitForever },
  { name: 'idle', summary: 'does nothing; holds whatever it was granted', body: waitForever },
  { name: 'stdio-server', summary: 'serves the stdio endpoint (terminal I/O for children)', body: serve('stdio') },
  { name: 'chat-server', summary: 'serves the chat endpoint and counts messages', body: serve('chat') },
  {
    name: 'chat-client',
    summary: 'a chat member: sends a message on @chat every `period` ms (args: period, text)',
    body: function* (ctx) {
      const period = Math.max(1, num(ctx.args.period, 500));
      const text = typeof ctx.args.text === 'string' ? ctx.args.text : `hello from ${ctx.name}`;
      for (;;) {
        yield { op: 'sleep', ms: period + ctx.random(Math.ceil(period / 4)) };
        const r = yield { op: 'send', cap: 'chat', method: 'send', payload: text };
        if (r && !r.ok) return; // the chat cap is gone: leave
      }
    },
  },
];

export const programByName = new Map(PROGRAMS.map((p) => [p.name, p]));
