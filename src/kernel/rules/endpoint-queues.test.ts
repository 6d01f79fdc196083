import { describe, expect, it } from 'vitest';
import { makeCap } from '../caps/cnode';
import { spawnWithGrants } from '../caps/transfer';
import { KernelHost } from '../host';
import { chatService, type ChatState } from '../services/chat';
import { adventureService } from '../services/adventure';
import type { Request } from '../services/service';
import { Frame, OBJ, PROC, readFrame } from '../sab/layout';
import type { KernelObject, Process } from '../types';

/**
 * Issue 16, rule 5: endpoints are queues, and release drives cleanup. Each `it` is one requirement of seed 002's
 * kernel contract, driven through the real kernel and shell of the default scenario.
 */

function world() {
  const h = new KernelHost(undefined, false);
  const k = h.kernel;
  const proc = (name: string) => [...k.processes.values()].find((p) => p.name === name)!;
  const endpoint = (name: string) => [...k.objects.values()].find((o) => o.kind === 'endpoint' && o.name === name)!;
  const shell = proc('shell');
  const out = (line: string) =>
    h
      .exec(line)
      .lines.map((l) => l.text)
      .join('\n');
  const printed = (from: number) =>
    k.console
      .slice(from)
      .map((l) => l.text)
      .join('\n');
  const since = (seq: number) => k.ledger.page(seq + 1, k.ledger.length - seq);
  return { h, k, proc, endpoint, shell, out, printed, since };
}

/** The chat server has no energy left and no refill before `until` ms (a test's way to freeze it). */
function freeze(p: Process, until: number) {
  p.meter.energy = 0;
  p.meter.nextRefill = until;
}

const chatState = (ep: KernelObject) => ep.service!.state as ChatState;
const member = (ep: KernelObject, handle: string) => [...chatState(ep).members.values()].find((m) => m.handle === handle);

describe('seed 002 kernel contract: endpoints are queues, and release drives cleanup', () => {
  it('a CALL waits in the endpoint queue while the server is frozen or busy: callers block, FIFO by arrival (ties by pid), published to the state buffer; a shell call waits too', () => {
    const { h, k, proc, endpoint, shell, out, printed } = world();
    const chat = proc('chat');
    const ep = endpoint('chat');
    out('spawn "flooder" with { chat: @chat_participant }');
    out('spawn "flooder" with { chat: @chat_participant }');
    const [a, b] = [...k.processes.values()].filter((p) => p.name === 'flooder');
    const [echo, troll] = [proc('echo'), proc('troll')];
    freeze(chat, k.time + 40);
    k.step(1); // in their turns (pid order) the echo bot and the troll poll, the flooders join: none can be answered
    expect(ep.service!.queue.map((c) => c.caller)).toEqual([echo.pid, troll.pid, a.pid, b.pid]);
    expect([a.state, b.state]).toEqual(['blocked', 'blocked']);
    expect(a.waiting?.method).toBe('join');
    expect(chat.state).toBe('frozen'); // shown frozen while calls wait on it

    // The shell's line arrives in the same ms with a lower pid than all of them: ties go by pid, so it is first.
    const at = k.console.length;
    expect(out('call @chat_participant who "#lobby"')).toMatch(
      /^call: waiting: call \d+ waits in chat's queue \(place 1\): chat \(pid \d+\) is frozen/,
    );
    expect(ep.service!.queue.map((c) => c.caller)).toEqual([shell.pid, echo.pid, troll.pid, a.pid, b.pid]);
    // The shell's process is blocked in its CALL: in-world lines are refused meanwhile, the experimenter's run.
    expect(shell.waiting?.method).toBe('who');
    expect(out('spawn "idle"')).toMatch(
      /^spawn: the shell is waiting for the reply to call \d+ \(who on @chat_participant\) at chat; Ctrl-C cancels it$/,
    );
    expect(out('ps')).toMatch(/PID\s+PPID\s+STATE/);

    // Visible in the state buffer: the endpoint's queue length, each caller's endpoint and place.
    h.publish();
    const f = new Frame(h.views.layout.capacity);
    expect(readFrame(h.views, f)).toBe(true);
    const objRow = [...Array(f.objRows).keys()].find((r) => f.obj[OBJ.ID][r] === ep.id)!;
    expect(f.obj[OBJ.QUEUED][objRow]).toBe(5);
    const place = (pid: number) => {
      const r = [...Array(f.procRows).keys()].find((row) => f.proc[PROC.PID][row] === pid)!;
      return [f.proc[PROC.WAITING][r], f.proc[PROC.WAIT_PLACE][r]];
    };
    expect([place(shell.pid), place(a.pid), place(b.pid), place(proc('alice').pid)]).toEqual([
      [ep.id, 1],
      [ep.id, 4],
      [ep.id, 5],
      [0, 0],
    ]);

    // The refill comes: the server takes the calls in order in its turn, and each caller gets its reply.
    const served = ep.counter;
    chat.meter.nextRefill = k.time + 1;
    k.step(1);
    expect(ep.counter - served).toBeGreaterThanOrEqual(5);
    expect(ep.service!.queue.map((c) => c.caller).filter((pid) => pid !== a.pid && pid !== b.pid)).toEqual([]); // the flooders flood on
    expect(printed(at)).toContain('["alice","bob","echo-bot","shell","troll","you"]');
    expect([shell.waiting, echo.waiting, troll.waiting]).toEqual([null, null, null]);

    // Busy: a server takes at most MAX_VERBS_PER_TICK calls a tick; a caller that cannot wait is told, one that can queues.
    out('kill @flooder');
    out('kill @flooder-2');
    k.step(1);
    expect(ep.service!.queue).toEqual([]);
    let answered = 0;
    while (k.call(shell.pid, 'chat_participant', 'who', { args: ['#lobby'] }).ok) answered++;
    expect(answered).toBeGreaterThan(0); // it was taking calls…
    expect(answered).toBeLessThanOrEqual(64); // …until this tick's 64 were used
    expect(k.call(shell.pid, 'chat_participant', 'who', { args: ['#lobby'] })).toMatchObject({
      ok: false,
      code: 'EAGAIN',
      error: expect.stringContaining('is busy: it has taken 64 calls this tick'),
    });
    expect(k.call(shell.pid, 'chat_participant', 'who', { args: ['#lobby'], wait: true })).toMatchObject({
      ok: false,
      code: 'EINPROGRESS',
    });
    expect(ep.service!.queue.map((c) => c.caller)).toEqual([shell.pid]);
  });

  it('server exit (or kill) fails every queued and in-flight call with ECLOSED, ledgered', () => {
    const { k, proc, endpoint, out, printed, since } = world();
    const chat = proc('chat');
    const ep = endpoint('chat');
    out('call @chat_participant poll 100'); // nothing left to hear: listen now waits at the server
    const at = k.console.length;
    expect(out('call @chat_participant listen')).toMatch(/call \d+ is in flight at chat: the service answers it later/);
    expect(ep.service!.inFlight).toHaveLength(1);
    expect(out('spawn "flooder" with { chat: @chat_participant }')).toMatch(
      /^spawn: the shell is waiting for the reply to call \d+ \(listen/,
    );
    expect(proc('flooder')).toBeUndefined();
    // A fiber queued behind a frozen server: a chat-bot's first poll.
    const bot = k.spawn(1, 'chat-bot', {
      grants: [{ name: 'chat', cap: k.process(proc('shell').pid).cnode.lookup('chat_participant').cap }],
    });
    freeze(chat, k.time + 1000);
    k.step(1);
    expect(bot.waiting?.state).toBe('queued');
    const seq = k.ledger.length;
    k.kill(0, chat.pid);
    const cancels = since(seq).filter((e) => e.kind === 'cancel');
    expect(cancels.map((e) => e.detail)).toEqual([
      expect.stringMatching(/^call \d+ \(poll on @chat\) by echo \(pid \d+\) failed: ECLOSED: .* with the call still in its queue$/),
      expect.stringMatching(/^call \d+ \(poll on @chat\) by troll \(pid \d+\) failed: ECLOSED: .* with the call still in its queue$/),
      expect.stringMatching(
        /^call \d+ \(poll on @chat\) by chat-bot \(pid \d+\) failed: ECLOSED: chat's server chat \(pid \d+\) was killed with the call still in its queue$/,
      ),
      expect.stringMatching(
        /^call \d+ \(listen on @chat_participant\) by shell \(pid \d+\) failed: ECLOSED: chat's server chat \(pid \d+\) was killed before answering it$/,
      ),
    ]);
    expect(bot.resume).toMatchObject({ ok: false, code: 'ECLOSED' });
    expect(bot.state).toBe('ready');
    expect(printed(at)).toMatch(/call: ECLOSED: chat's server chat \(pid \d+\) was killed before answering it/);
    expect(proc('shell').waiting).toBeNull();
  });

  it('a caller killed or interrupted cancels its call: the server is told (its cancel hook), drops its record, and the ledger says so', () => {
    const { h, k, proc, endpoint, shell, out, printed, since } = world();
    const chat = proc('chat');
    const ep = endpoint('chat');
    // Interrupted: a shell line in flight at the server (listen), then Ctrl-C.
    out('call @chat_participant poll 100');
    out('call @chat_participant listen');
    const you = [...chatState(ep).members].find(([, m]) => m.handle === 'you')![0];
    expect(chatState(ep).listening.has(you)).toBe(true); // the server's record of the call
    const cancelled: number[] = [];
    const hook = chatService.cancelled!;
    chatService.cancelled = (ctx, s, ticket) => {
      cancelled.push(ticket);
      hook(ctx, s, ticket);
    };
    try {
      const ticket = ep.service!.inFlight[0].ticket;
      let seq = k.ledger.length;
      const at = k.console.length;
      h.interrupt();
      expect(cancelled).toEqual([ticket]);
      expect(chatState(ep).listening.has(you)).toBe(false);
      expect(ep.service!.inFlight).toEqual([]);
      expect(
        since(seq)
          .filter((e) => e.kind === 'cancel')
          .map((e) => e.detail),
      ).toEqual([
        `call ${ticket} (listen on @chat_participant) by shell (pid ${shell.pid}) cancelled: interrupted (Ctrl-C); chat (pid ${chat.pid}) was told (it had taken the call) and dropped it`,
      ]);
      expect(printed(at)).toContain('call: ECANCELED: the call was cancelled: interrupted (Ctrl-C)');
      expect(shell.waiting).toBeNull();
      expect(out('spawn "idle"')).toMatch(/^spawned idle/); // the shell acts in the world again

      // Killed: a fiber queued at a frozen server; the shell kills it with its handle.
      out('spawn "flooder" with { chat: @chat_participant }');
      const flooder = proc('flooder');
      freeze(chat, k.time + 1000);
      k.step(1);
      expect(ep.service!.queue.map((c) => c.caller)).toEqual([proc('echo').pid, proc('troll').pid, flooder.pid]);
      seq = k.ledger.length;
      out('kill @flooder');
      expect(ep.service!.queue.map((c) => c.caller)).toEqual([proc('echo').pid, proc('troll').pid]);
      expect(
        since(seq)
          .filter((e) => e.kind === 'cancel')
          .map((e) => e.detail),
      ).toEqual([
        expect.stringMatching(
          new RegExp(
            `^call \\d+ \\(join on @chat\\) by flooder \\(pid ${flooder.pid}\\) cancelled: its caller was killed; chat \\(pid ${chat.pid}\\) dropped it from chat's queue$`,
          ),
        ),
      ]);
      expect(cancelled).toHaveLength(1); // a queued call never reached the service: only the queue held it
    } finally {
      chatService.cancelled = hook;
    }
  });

  it('releasing the last cap to a service object (drop, its holder exiting) tells the service, which ends it: the participant leaves its channels', () => {
    const { k, proc, endpoint, out, printed, since } = world();
    const ep = endpoint('chat');
    // Drop: the shell's participant "you".
    let seq = k.ledger.length;
    expect(out('drop @chat_participant')).toBe('the shell no longer holds @chat_participant');
    expect(since(seq).map((e) => [e.kind, e.detail])).toContainEqual([
      'close',
      expect.stringMatching(
        /^ChatParticipant you released: the last cap to it is gone \(dropped by the shell\), so chat ended it \(generation 1\); its caps now fail$/,
      ),
    ]);
    expect(member(ep, 'you')).toBeUndefined();
    expect(out('call @chat who "#lobby"')).toBe('["alice","bob","echo-bot","shell","troll"]');
    // What another member sees: the legacy member "shell" (badge 42) in an interactive chat client.
    out('run "chat-client" with { stdio: client @stdio, chat: @chat }');
    const at = k.console.length;
    k.step(30);
    k.lifecycle.input('/who');
    k.step(60);
    expect(printed(at)).toContain('[#lobby] * you left #lobby');
    expect(printed(at)).toContain('#lobby: alice, bob, echo-bot, shell, troll');
    k.lifecycle.input('/exit');
    k.step(40);
    out('wait @chat-client');

    // Exit of the holder: a newcomer joins through the root (its participant is its only cap) and is killed.
    out('spawn "chat-client" with { chat: @chat_root, session: @session }');
    k.step(20);
    expect(member(ep, 'chat-client')).toBeDefined();
    seq = k.ledger.length;
    out('kill @chat-client');
    expect(member(ep, 'chat-client')).toBeUndefined();
    expect(
      since(seq).some(
        (e) =>
          e.kind === 'close' && /^ChatParticipant chat-client released: .*its holder chat-client \(pid \d+\) was killed/.test(e.detail),
      ),
    ).toBe(true);
    // A copy keeps it alive: the flooder's copy of the echo bot's participant ends, the bot's own remains.
    const echo = proc('echo');
    const cap = echo.cnode.lookup('chat').cap;
    const copy = k.spawn(echo.pid, 'idle', {
      grants: [{ name: 'chat', cap: { ...cap, origin: { how: 'copied', from: echo.pid, slot: 0 } } }],
    });
    k.kill(0, copy.pid);
    expect(member(ep, 'echo-bot')).toBeDefined();
  });

  it('receiver selectors are scoped to their endpoint: no kernel object id crosses the service ABI or a CALL', () => {
    const { k, endpoint, shell } = world();
    const seen: Request[] = [];
    const [chatHandle, gameHandle] = [chatService.handle, adventureService.handle];
    chatService.handle = (ctx, s, req) => (seen.push(req), chatHandle(ctx, s, req));
    adventureService.handle = (ctx, s, req) => (seen.push(req), gameHandle(ctx, s, req));
    try {
      k.call(shell.pid, 'chat_participant', 'who', { args: ['#lobby'] });
      k.call(shell.pid, 'adventure_player', 'look', { caps: ['chat_participant'] });
      k.call(shell.pid, 'chat_mod', 'kick', { args: ['#lobby'], caps: ['chat_participant'] });
    } finally {
      chatService.handle = chatHandle;
      adventureService.handle = gameHandle;
    }
    const [who, look, kick] = seen;
    const participant = k.objects.get((shell.cnode.lookup('chat_participant').cap.target as { id: number }).id)!;
    const player = k.objects.get((shell.cnode.lookup('adventure_player').cap.target as { id: number }).id)!;
    // The chat participant and the adventure player are different objects with the same selector, each on its endpoint.
    expect(participant.id).not.toBe(player.id);
    expect(who.via).toEqual({ kind: 'object', selector: participant.record!.selector, iface: 'ChatParticipant' });
    expect(look.via).toEqual({ kind: 'object', selector: player.record!.selector, iface: 'AdventurePlayer' });
    expect(participant.record!.selector).toBe(player.record!.selector);
    expect(k.services.objectOf(endpoint('adventure'), participant.record!.selector)).toBe(player);
    // A cap argument is a selector only on its own endpoint: the chat participant means nothing to the game.
    expect(look.caps).toEqual([{ selector: 0, iface: 'ChatParticipant' }]);
    expect(kick.caps).toEqual([{ selector: participant.record!.selector, iface: 'ChatParticipant' }]);
    for (const req of seen) expect(Object.keys(req).sort()).toEqual(['args', 'caps', 'method', 'proof', 'ticket', 'via']);
    // The service context offers no endpoint or object id; a proof binds its root opaquely.
    expect(Object.keys(endpoint('chat').service!.ctx).sort()).toEqual([
      'close',
      'data',
      'mint',
      'now',
      'random',
      'readInput',
      'reply',
      'revoke',
      'setPrompt',
      'verifyProof',
      'write',
    ]);
    const request = { method: 'join', channel: '#dev', handle: 'me' };
    const proof = k.call(shell.pid, 'session', 'deriveProof', { args: [request, 5000], caps: ['chat_root'] });
    if (!proof.ok) throw new Error(proof.error);
    const root = (proof.value as { root: unknown }).root;
    expect(typeof root).toBe('string');
    expect(root).toMatch(/^[0-9a-f]{32}$/);
    // A reply hands back caps by name: the service named its new object by selector, the kernel made the cap.
    const joined = k.call(shell.pid, 'chat_root', 'join', { args: ['#dev', 'me'], proof: proof.value as never });
    expect(joined).toEqual({ ok: true, value: true, caps: ['chat_participant-2'] });
  });

  it('only the endpoint owner or a holder of mint authority mints a facet or badge: a copied endpoint cap is refused, with a ledgered denial', () => {
    const { k, proc, shell, out, since } = world();
    const chat = proc('chat');
    const epCap = chat.cnode.lookup('chat').cap;
    k.insertCap(chat.pid, shell, 'chat_ep', { ...epCap, origin: { how: 'copied', from: chat.pid, slot: 0 } });
    const seq = k.ledger.length;
    expect(out('spawn "chat-client" with { chat: client @chat_ep badge 200 }')).toMatch(
      /EPERM: grant "chat: client @chat_ep badge 200" refused: only the endpoint's owner \(chat \(pid \d+\)\) or a holder of mint authority for it mints a facet or badge; @chat_ep is a copy of the endpoint cap/,
    );
    expect(proc('chat-client')).toBeUndefined();
    expect(since(seq).map((e) => e.kind)).toEqual(['deny']);
    expect(since(seq)[0].detail).toMatch(
      /^denied: shell \(pid \d+\) minting "chat: client @chat_ep badge 200" for a new "chat-client": only the endpoint's owner/,
    );
    out('spawn "idle"');
    expect(out('grant @idle client @chat_ep')).toMatch(/EPERM: .*only the endpoint's owner/);

    // The owner may (it holds the endpoint it serves), and so may a holder of mint authority for the endpoint.
    k.insertCap(0, chat, 'spawner', makeCap('spawner', shell.cnode.lookup('spawner').cap.target, { how: 'boot' }));
    const child = spawnWithGrants(k, chat.pid, 'idle', [{ name: 'facet', from: 'chat', mode: 'client', badge: 9 }]);
    expect(child.cnode.lookup('facet').cap).toMatchObject({ kind: 'client', badge: 9, origin: { how: 'minted', by: chat.pid } });
    k.insertCap(0, shell, 'chat_minter', makeCap('minter', epCap.target, { how: 'boot' }));
    expect(out('spawn "chat-client" with { chat: client @chat_ep badge 200 }')).toMatch(/^spawned chat-client as pid \d+/);
  });
});
