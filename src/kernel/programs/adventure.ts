import type { ChatEvent } from '../services/chat';
import type { Fiber, ProgramContext, SyscallResult } from './abi';

/**
 * adventure-client: plays the game through `game` (an AdventurePlayer) in the terminal (`stdio`). `say` speaks
 * through `chat` (a ChatParticipant) if it was granted one: speech is chat authority, not game authority.
 */
export function* adventureClient(ctx: ProgramContext): Fiber {
  const write = (text: string) => ({ op: 'call' as const, cap: 'stdio', method: 'write', args: [text] });
  if (!ctx.cap('stdio')) {
    yield { op: 'exit', code: 1 };
    return;
  }
  if (ctx.cap('game')?.iface !== 'AdventurePlayer') {
    yield write('adventure-client: grant me a player (game: @adventure_player)');
    yield { op: 'exit', code: 1 };
    return;
  }
  yield write('adventure-client: look, go <north|south|east|west>, take <item>, drop <item>, inventory, say <text>, quit');
  yield { op: 'call', cap: 'stdio', method: 'prompt', args: ['adventure> '] };
  const first: SyscallResult | undefined = yield { op: 'call', cap: 'game', method: 'look' };
  if (first?.ok) yield write(String(first.value));
  for (;;) {
    const r: SyscallResult | undefined = yield { op: 'call', cap: 'stdio', method: 'read' };
    const line = r?.ok && typeof r.value === 'string' ? r.value.trim() : '';
    if (!line) {
      yield { op: 'sleep', ms: 25 };
      continue;
    }
    const [verb, ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    if (verb === 'quit' || verb === 'exit') return;
    if (verb === 'say') {
      if (!ctx.cap('chat')) {
        yield write('You open your mouth, but you hold no chat cap: nobody can hear you.');
        continue;
      }
      const said: SyscallResult | undefined = yield { op: 'call', cap: 'chat', method: 'send', args: ['#lobby', arg || '...'] };
      yield write(said?.ok ? `You say: ${arg}` : `Nobody hears you (${said && !said.ok ? said.error : 'no answer'}).`);
      continue;
    }
    const method = verb === 'i' ? 'inventory' : ['n', 's', 'e', 'w'].includes(verb) ? 'go' : verb;
    const dir = { n: 'north', s: 'south', e: 'east', w: 'west' }[verb] ?? arg;
    const res: SyscallResult | undefined = yield { op: 'call', cap: 'game', method, args: [method === 'go' ? dir : arg] };
    if (!res) continue;
    if (!res.ok) yield write(res.code === 'ENOMETHOD' || res.code === 'EIFACE' ? `You cannot "${verb}" here.` : res.error);
    else if (Array.isArray(res.value)) yield write(res.value.length ? `You carry: ${res.value.join(', ')}.` : 'You carry nothing.');
    else yield write(String(res.value));
  }
}

/**
 * adventure-npc (the troll): answers in chat when spoken to, describing where it stands. It holds an
 * AdventureNpc (look only) and an ordinary ChatParticipant: no game authority at all.
 */
export function* adventureNpc(ctx: ProgramContext): Fiber {
  const name = typeof ctx.args.name === 'string' ? ctx.args.name : ctx.name;
  for (;;) {
    const r: SyscallResult | undefined = yield { op: 'call', cap: 'chat', method: 'poll', args: [20] };
    if (!r || !r.ok) return;
    for (const e of (r.value as unknown as ChatEvent[]) ?? []) {
      if (e.kind !== 'message' || e.from === name || !e.text.toLowerCase().includes(name.toLowerCase())) continue;
      const seen: SyscallResult | undefined = yield { op: 'call', cap: 'game', method: 'look' };
      const where = seen?.ok ? String(seen.value).split('.')[0] : 'somewhere';
      yield { op: 'call', cap: 'chat', method: 'send', args: [e.channel, `*grunts at ${e.from}* I stay in the ${where}. Go away.`] };
    }
    yield { op: 'sleep', ms: 100 };
  }
}
