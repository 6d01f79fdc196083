import type { ChatEvent } from '../services/chat';
import type { Proof } from '../subject/proof';
import type { Value } from '../services/service';
import type { Fiber, ProgramContext, Syscall, SyscallResult } from './abi';

/**
 * chat-client: talks to the chat through whatever `chat` cap it was granted — a ChatParticipant object, a
 * ChatRoot plus a `session` (it then derives a proof and joins), or a legacy client facet (its badge picks the
 * member). With a `stdio` cap it is interactive in the terminal; without one it greets (or, with a `period`
 * argument, chats on a timer) and stays silent otherwise; a newcomer that joined through the root, or one started
 * as `chat-client stay`, stays 5 s.
 */

const POLL_MS = 25;
/** How long a non-interactive newcomer stays in #lobby after its greeting. */
const STAY_MS = 5000;

function format(e: ChatEvent): string {
  if (e.kind === 'message') return `[${e.channel}] <${e.from}> ${e.text}`;
  return `[${e.channel}] * ${e.text}`;
}

/** Call and return the value, or print the error (when interactive) and return undefined. */
function* call(
  ctx: ProgramContext,
  cap: string,
  method: string,
  args: Value[] = [],
  extra: { caps?: string[]; proof?: Proof | null; as?: string } = {},
): Generator<Syscall, Value | undefined, SyscallResult | undefined> {
  const r = yield { op: 'call', cap, method, args, ...extra };
  if (r && r.ok) return r.value ?? null;
  if (ctx.cap('stdio'))
    yield { op: 'call', cap: 'stdio', method: 'write', args: [`chat-client: ${r?.ok === false ? `${r.code}: ${r.error}` : 'no answer'}`] };
  return undefined;
}

/** Make sure `chat` is something we can talk through; joins via ChatRoot + session if that is what we hold. */
function* connect(ctx: ProgramContext, handle: string): Generator<Syscall, string | null, SyscallResult | undefined> {
  const chat = ctx.cap('chat');
  if (!chat) return null;
  if (chat.kind === 'client' || chat.iface === 'ChatParticipant') return 'chat';
  if (chat.iface === 'ChatRoot' && ctx.cap('session')) {
    const request: Value = { method: 'join', channel: '#lobby', handle };
    // The proof crosses CALL as plain data; handed back to the kernel, it is a Proof again.
    const proof = yield* call(ctx, 'session', 'deriveProof', [request, 5000], { caps: ['chat'] });
    if (proof === undefined) return null;
    const joined = yield* call(ctx, 'chat', 'join', ['#lobby', handle], { proof: proof as unknown as Proof, as: 'participant' });
    return joined === undefined ? null : 'participant';
  }
  return null;
}

export function* chatClient(ctx: ProgramContext): Fiber {
  const interactive = ctx.cap('stdio') !== null;
  const write = (text: string) => ({ op: 'call' as const, cap: 'stdio', method: 'write', args: [text] });
  const handle = typeof ctx.args.handle === 'string' ? ctx.args.handle : ctx.name;
  const chat = yield* connect(ctx, handle);
  if (!chat) {
    if (interactive)
      yield write('chat-client: grant me a chat participant (chat: @chat_participant), a chat facet, or a ChatRoot with a session');
    yield { op: 'exit', code: 1 };
    return;
  }
  let channel = '#lobby';

  if (!interactive) {
    const text = typeof ctx.args.text === 'string' ? ctx.args.text : `hello from ${ctx.name}`;
    const period = typeof ctx.args.period === 'number' ? ctx.args.period : 0;
    do {
      if (period) yield { op: 'sleep', ms: period + ctx.random(Math.ceil(period / 4)) };
      const sent = yield { op: 'call', cap: chat, method: 'send', args: [channel, text] };
      if (sent && !sent.ok && (sent.code === 'ENOCAP' || sent.code === 'ECLOSED' || sent.code === 'ESTALE' || sent.code === 'EREVOKED'))
        break;
      yield { op: 'call', cap: chat, method: 'poll', args: [100] }; // keep our queue short
    } while (period);
    // A newcomer that joined through the root stays a while; when it ends, its participant (its only cap) is
    // released and the others see it leave.
    // `chat-client stay` does too: the gallery's impostor, so the room sees it (and its relabeled cap) in the graph.
    if (chat === 'participant' || ctx.argv.includes('stay')) yield { op: 'sleep', ms: STAY_MS };
    return;
  }

  yield write(`chat-client: connected. You are in ${channel}. /join #channel, /leave, /who, /exit; anything else is sent.`);
  yield { op: 'call', cap: 'stdio', method: 'prompt', args: [`${channel}> `] };
  for (;;) {
    const line = yield* call(ctx, 'stdio', 'read');
    if (typeof line === 'string' && line.trim()) {
      const [cmd, arg] = line.trim().split(/\s+/, 2);
      if (cmd === '/exit' || cmd === '/quit') return;
      if (cmd === '/join') {
        if ((yield* call(ctx, chat, 'join', [arg ?? ''])) !== undefined) {
          channel = arg;
          yield { op: 'call', cap: 'stdio', method: 'prompt', args: [`${channel}> `] };
        }
      } else if (cmd === '/leave') {
        yield* call(ctx, chat, 'leave', [arg ?? channel]);
      } else if (cmd === '/who') {
        const who = yield* call(ctx, chat, 'who', [arg ?? channel]);
        if (Array.isArray(who)) yield write(`${arg ?? channel}: ${who.join(', ')}`);
      } else if (cmd.startsWith('/')) {
        yield write(`chat-client: unknown command ${cmd}; try /join #channel, /leave, /who, /exit`);
      } else {
        yield* call(ctx, chat, 'send', [channel, line.trim()]);
      }
    }
    const events = yield* call(ctx, chat, 'poll', [50]);
    if (events === undefined) return; // our participant is gone (closed, revoked, kicked out of existence)
    for (const e of (events as unknown as ChatEvent[]) ?? []) yield write(format(e));
    yield { op: 'sleep', ms: POLL_MS };
  }
}

/** Echoes every message from someone else back to its channel. */
export function* chatBot(ctx: ProgramContext): Fiber {
  const name = typeof ctx.args.handle === 'string' ? ctx.args.handle : ctx.name;
  for (;;) {
    const r = yield { op: 'call', cap: 'chat', method: 'poll', args: [20] };
    if (!r || !r.ok) return;
    for (const e of (r.value as unknown as ChatEvent[]) ?? []) {
      if (e.kind === 'message' && e.from !== name)
        yield { op: 'call', cap: 'chat', method: 'send', args: [e.channel, `echo: ${e.text}`.slice(0, 400)] };
    }
    yield { op: 'sleep', ms: 50 };
  }
}
