import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';

const host = () => new KernelHost(undefined, false);
const shellOf = (h: KernelHost) => [...h.kernel.processes.values()].find((p) => p.name === 'shell')!.pid;
const trollOf = (h: KernelHost) => [...h.kernel.processes.values()].find((p) => p.name === 'troll')!.pid;

describe('adventure service', () => {
  it('a player moves, looks, takes and drops', () => {
    const h = host();
    const k = h.kernel;
    const me = shellOf(h);
    expect(k.call(me, 'adventure_player', 'look')).toMatchObject({
      ok: true,
      value: expect.stringMatching(/^Great Hall\. .*Exits: north, east\./),
    });
    expect(k.call(me, 'adventure_player', 'go', { args: ['north'] })).toMatchObject({
      ok: true,
      value: expect.stringContaining('You see: old map.'),
    });
    expect(k.call(me, 'adventure_player', 'take', { args: ['old map'] })).toMatchObject({ ok: true, value: 'Taken: old map.' });
    expect(k.call(me, 'adventure_player', 'inventory')).toMatchObject({ ok: true, value: ['old map'] });
    expect(k.call(me, 'adventure_player', 'go', { args: ['up'] })).toMatchObject({
      ok: false,
      code: 'EINVAL',
      error: 'you cannot go up from the Library',
    });
    // A direction named like an object prototype property is no exit (it once walked into a function).
    for (const dir of ['constructor', 'toString', '__proto__'])
      expect(k.call(me, 'adventure_player', 'go', { args: [dir] })).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(k.call(me, 'adventure_player', 'look')).toMatchObject({ ok: true, value: expect.stringMatching(/^Library\./) });
    // …and a method named like one is no method.
    expect(k.call(me, 'adventure_player', 'constructor')).toMatchObject({ ok: false, code: 'ENOMETHOD' });
  });

  it('an NPC holds no game authority: it can look, not move or take', () => {
    const h = host();
    const troll = trollOf(h);
    expect(h.kernel.call(troll, 'game', 'look')).toMatchObject({ ok: true, value: expect.stringMatching(/^Walled Garden/) });
    expect(h.kernel.call(troll, 'game', 'go', { args: ['west'] })).toMatchObject({
      ok: false,
      code: 'EIFACE',
      error: 'go belongs to AdventurePlayer; @game is a AdventureNpc',
    });
    expect(h.kernel.call(troll, 'game', 'take', { args: ['brass key'] })).toMatchObject({ ok: false, code: 'EIFACE' });
  });

  it('adventure-client plays in the terminal; say speaks through chat, and the troll answers there', () => {
    const h = host();
    h.exec('run "adventure-client" with { stdio: client @stdio, game: @adventure_player, chat: @chat_participant }');
    h.kernel.step(20);
    for (const line of ['e', 'take brass key', 'i', 'say hello troll']) {
      h.input(line);
      h.kernel.step(40);
    }
    h.kernel.step(300);
    const out = h.kernel.console.map((l) => l.text);
    expect(out).toContain('Taken: brass key.');
    expect(out).toContain('You carry: brass key.');
    expect(out).toContain('You say: hello troll');
    const heard = h.kernel.call(shellOf(h), 'chat_participant', 'poll', { args: [100] });
    expect(heard.ok && heard.value).toContainEqual(
      expect.objectContaining({ from: 'troll', text: '*grunts at you* I stay in the Walled Garden. Go away.' }),
    );
  });

  it('without a chat cap the player has no voice', () => {
    const h = host();
    h.exec('run "adventure-client" with { stdio: client @stdio, game: @adventure_player }');
    h.kernel.step(20);
    h.input('say anyone?');
    h.kernel.step(60);
    expect(h.kernel.console.map((l) => l.text)).toContain('You open your mouth, but you hold no chat cap: nobody can hear you.');
  });
});
