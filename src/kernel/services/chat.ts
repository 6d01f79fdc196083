import { DEFERRED, fail, ok, type ArgValue, type Reply, type Request, type ServiceContext, type ServiceDef, type Value } from './service';

/**
 * The chat service (seed 002's example): a ChatRoot mints ChatParticipant objects after checking a subject
 * proof; a participant object *is* the participant authority. Legacy client facets still reach a `Chat`
 * interface whose member is chosen by the facet's badge: exactly what the relabel attack abuses.
 */

export interface ChatEvent {
  kind: 'message' | 'joined' | 'left' | 'system';
  channel: string;
  from: string;
  text: string;
  time: number;
}

interface Member {
  handle: string;
  subject: string;
  channels: Set<string>;
  queue: ChatEvent[];
}

type ObjectData = { role: 'root' } | { role: 'participant'; member: number } | { role: 'moderator' };

export interface ChatState {
  members: Map<number, Member>;
  byBadge: Map<number, number>;
  channels: Map<string, Set<number>>;
  nextMember: number;
  /** Members waiting in `listen`: the call left in flight (its ticket) and how many events it takes. */
  listening: Map<number, { ticket: number; max: number }>;
}

const QUEUE_LIMIT = 200;
const CHANNEL = /^#[a-z0-9_-]{1,24}$/;
const HANDLE = /^[A-Za-z][A-Za-z0-9_-]{0,23}$/;
const MEMBER_METHODS = ['join', 'leave', 'send', 'who', 'poll', 'listen'] as const;

function addMember(s: ChatState, handle: string, subject: string, channel = '#lobby'): number {
  const id = s.nextMember++;
  s.members.set(id, { handle, subject, channels: new Set(), queue: [] });
  joinChannel(s, id, channel, 0);
  return id;
}

function broadcast(s: ChatState, channel: string, e: ChatEvent) {
  for (const id of s.channels.get(channel) ?? []) {
    const q = s.members.get(id)!.queue;
    if (q.length >= QUEUE_LIMIT) q.shift();
    q.push(e);
  }
}

function joinChannel(s: ChatState, id: number, channel: string, time: number): boolean {
  const m = s.members.get(id)!;
  if (m.channels.has(channel)) return false;
  m.channels.add(channel);
  if (!s.channels.has(channel)) s.channels.set(channel, new Set());
  s.channels.get(channel)!.add(id);
  broadcast(s, channel, { kind: 'joined', channel, from: m.handle, text: `${m.handle} joined ${channel}`, time });
  return true;
}

function leaveChannel(s: ChatState, id: number, channel: string, time: number, why = ''): boolean {
  const m = s.members.get(id)!;
  if (!m.channels.delete(channel)) return false;
  broadcast(s, channel, { kind: 'left', channel, from: m.handle, text: `${m.handle} left ${channel}${why}`, time });
  s.channels.get(channel)?.delete(id);
  return true;
}

function removeMember(s: ChatState, id: number, time: number, why = '') {
  const m = s.members.get(id);
  if (!m) return;
  for (const c of [...m.channels]) leaveChannel(s, id, c, time, why);
  s.members.delete(id);
}

const maxArg = (v: Value | undefined, fallback: number) => (typeof v === 'number' ? Math.max(1, Math.min(100, Math.floor(v))) : fallback);

/** Answer the listeners with something to hear now (or whose participant is gone). */
function wake(ctx: ServiceContext, s: ChatState): void {
  for (const [id, l] of s.listening) {
    const m = s.members.get(id);
    if (m && !m.queue.length) continue;
    s.listening.delete(id);
    ctx.reply(l.ticket, m ? ok(m.queue.splice(0, l.max) as unknown as Value) : fail('this participant no longer exists', 'ECLOSED'));
  }
}

const str = (v: Value | undefined) => (typeof v === 'string' ? v : null);

function channelArg(req: Request, i: number): string | Reply {
  const c = str(req.args[i]);
  if (!c || !CHANNEL.test(c)) return fail(`channel ${JSON.stringify(req.args[i] ?? null)} is not a channel name like #lobby`, 'EINVAL');
  return c;
}

/**
 * join / leave / send / who / poll / listen for one member: shared by participant objects and legacy facets.
 * `listen` is a poll that waits: with nothing to hear yet, the call stays in flight until something arrives.
 */
function memberCall(ctx: ServiceContext, s: ChatState, id: number, req: Request): Reply {
  const m = s.members.get(id);
  if (!m) return fail('this participant no longer exists', 'ECLOSED');
  const now = ctx.now();
  switch (req.method) {
    case 'join': {
      const c = channelArg(req, 0);
      return typeof c === 'string' ? ok(joinChannel(s, id, c, now)) : c;
    }
    case 'leave': {
      const c = channelArg(req, 0);
      return typeof c === 'string' ? ok(leaveChannel(s, id, c, now)) : c;
    }
    case 'send': {
      const c = channelArg(req, 0);
      if (typeof c !== 'string') return c;
      const text = str(req.args[1]);
      if (text === null || text.length === 0 || text.length > 400) return fail('send needs a message of 1 to 400 characters', 'EINVAL');
      if (!m.channels.has(c)) return fail(`${m.handle} is not in ${c}; join it first`, 'EPERM');
      broadcast(s, c, { kind: 'message', channel: c, from: m.handle, text, time: now });
      return ok(true);
    }
    case 'who': {
      const c = channelArg(req, 0);
      if (typeof c !== 'string') return c;
      return ok([...(s.channels.get(c) ?? [])].map((x) => s.members.get(x)!.handle).sort());
    }
    case 'poll':
      return ok(m.queue.splice(0, maxArg(req.args[0], 20)) as unknown as Value);
    case 'listen': {
      const max = maxArg(req.args[0], 20);
      if (m.queue.length) return ok(m.queue.splice(0, max) as unknown as Value);
      if (s.listening.has(id)) return fail(`${m.handle} is already listening`, 'EBUSY');
      s.listening.set(id, { ticket: req.ticket, max });
      return DEFERRED;
    }
  }
  return fail(`no method ${req.method}`, 'ENOMETHOD');
}

export const chatService: ServiceDef<ChatState> = {
  promise: 'net',
  legacyIface: 'Chat',
  interfaces: {
    Chat: MEMBER_METHODS,
    ChatRoot: ['join'],
    ChatParticipant: [...MEMBER_METHODS, 'close'],
    ChatModerator: ['kick'],
  },

  init(args: Readonly<Record<string, ArgValue>>): ChatState {
    const s: ChatState = { members: new Map(), byBadge: new Map(), channels: new Map(), nextMember: 1, listening: new Map() };
    // Legacy members: "42:you,7:alice" — each badge is a member identity, the pre-object-cap design.
    for (const entry of String(args.members ?? '').split(',')) {
      const m = /^\s*(\d+):([A-Za-z][A-Za-z0-9_-]{0,23})\s*$/.exec(entry);
      if (m) s.byBadge.set(Number(m[1]), addMember(s, m[2], `legacy:${m[1]}`));
    }
    return s;
  },

  create(_ctx, s, iface, args) {
    if (iface === 'ChatRoot') return { label: 'ChatRoot', data: { role: 'root' } satisfies ObjectData };
    if (iface === 'ChatModerator') return { label: 'ChatModerator', data: { role: 'moderator' } satisfies ObjectData };
    if (iface === 'ChatParticipant') {
      const handle = String(args.handle ?? '');
      if (!HANDLE.test(handle)) return { error: 'a ChatParticipant needs a "handle" argument (letters, digits, "_" or "-")' };
      const channel = String(args.channel ?? '#lobby');
      if (!CHANNEL.test(channel)) return { error: `"${channel}" is not a channel name like #lobby` };
      return {
        label: `ChatParticipant ${handle}`,
        data: { role: 'participant', member: addMember(s, handle, String(args.subject ?? handle), channel) } satisfies ObjectData,
      };
    }
    return { error: `the chat service has no interface ${iface}` };
  },

  handle(ctx, s, req) {
    const reply = handleCall(ctx, s, req);
    if (s.listening.size) wake(ctx, s);
    return reply;
  },

  released(ctx, s, selector) {
    const data = ctx.data<ObjectData>(selector);
    if (data.role === 'participant') removeMember(s, data.member, ctx.now());
    if (s.listening.size) wake(ctx, s);
  },

  cancelled(_ctx, s, ticket) {
    for (const [id, l] of s.listening) if (l.ticket === ticket) s.listening.delete(id);
  },
};

/** A call on a legacy facet (by badge), a participant, the root (join) or the moderator (kick). */
function handleCall(ctx: ServiceContext, s: ChatState, req: Request): Reply {
  if (req.via.kind === 'client') {
    const id = s.byBadge.get(req.via.badge);
    if (id === undefined) return fail(`badge ${req.via.badge} is not a chat member`, 'EPERM');
    return memberCall(ctx, s, id, req);
  }
  const data = ctx.data<ObjectData>(req.via.selector);
  if (data.role === 'participant') {
    if (req.method === 'close') {
      ctx.close(req.via.selector);
      return ok(null);
    }
    return memberCall(ctx, s, data.member, req);
  }
  if (data.role === 'root') {
    const channel = channelArg(req, 0);
    if (typeof channel !== 'string') return channel;
    const handle = str(req.args[1]);
    if (!handle || !HANDLE.test(handle)) return fail('join needs a handle (letters, digits, "_" or "-")', 'EINVAL');
    const verdict = ctx.verifyProof(req.proof, req.via.selector, { method: 'join', channel, handle });
    if (!verdict.ok) return fail(`join refused: ${verdict.why}`, 'EPROOF');
    const member = addMember(s, handle, verdict.subject, channel);
    const selector = ctx.mint('ChatParticipant', `ChatParticipant ${handle}`, { role: 'participant', member } satisfies ObjectData);
    return ok(true, [{ name: 'chat_participant', selector }]);
  }
  // moderator: kick(participant, channel): the participant arrives as a cap argument, the channel as a value
  const target = req.caps[0];
  const channel = channelArg(req, 0);
  if (typeof channel !== 'string') return channel;
  if (!target || !target.selector) return fail('kick needs a live ChatParticipant of this chat as its first argument', 'EINVAL');
  const victim = ctx.data<ObjectData>(target.selector);
  if (victim.role !== 'participant') return fail('kick needs a ChatParticipant', 'EINVAL');
  const kicked = leaveChannel(s, victim.member, channel, ctx.now(), ' (kicked by a moderator)');
  return ok(kicked);
}
