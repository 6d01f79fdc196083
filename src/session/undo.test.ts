import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { REPLAY_STOPPED } from '../kernel/host-api';
import { KernelHost } from '../kernel/host';
import { replaceKeepingUndo, undo, type UndoIo } from './undo';

/** The page's side, backed by a real host (as the worker is). */
function page() {
  const host = new KernelHost(undefined, false);
  const io: UndoIo = { session: async () => host.session(), restore: async (s) => host.restoreNow(s) };
  return { host, io };
}
const head = (h: KernelHost) => bytesToHex(h.kernel.ledger.headHash());
const ps = (h: KernelHost) => h.exec('ps').lines.map((l) => l.text);

describe('undo', () => {
  it('a Reset keeps the session before it, and Undo brings it back exactly (ledger head, ps, tick)', async () => {
    const { host, io } = page();
    host.exec('spawn "idle" with { chat: @chat_participant }');
    host.kernel.step(300);
    host.exec('defense gate0 off');
    host.exec('spawn "chat-client" with { chat: client @chat badge 200 }');
    host.kernel.step(42);
    const before = { head: head(host), ticks: host.kernel.ticks, log: host.session().log.length };
    const { undo: offer } = await replaceKeepingUndo(io, async () => ({
      replaced: host.boot().ok,
      says: 'The default scenario was booted.',
    }));
    expect(offer).toMatchObject({ text: 'The default scenario was booted.' });
    expect(host.session().log).toEqual([]); // reset: a new, empty session
    expect(head(host)).not.toBe(before.head);
    expect(await undo(io, offer!)).toEqual({ ok: true, notice: `Undone: your session is back (${before.log} commands replayed).` });
    expect(head(host)).toBe(before.head);
    expect(host.kernel.ticks).toBe(before.ticks);
    expect(host.session()).toEqual(offer!.session);
  });

  it('ps after Undo is what it was before the Reset', async () => {
    const { host, io } = page();
    host.exec('spawn "idle" with { chat: @chat_participant }');
    host.kernel.step(10);
    const was = ps(host);
    const { undo: offer } = await replaceKeepingUndo(io, async () => ({ replaced: host.boot().ok, says: 'reset' }));
    expect(ps(host)).not.toEqual(was);
    await undo(io, offer!);
    expect(ps(host)).toEqual(was);
  });

  it('nothing replaced, nothing to undo; an Undo that fails says so and changes nothing', async () => {
    const { host, io } = page();
    expect(await replaceKeepingUndo(io, async () => ({ replaced: false, says: 'not opened' }))).toEqual({ says: 'not opened', undo: null });
    const offer = { text: 'reset', session: host.session() };
    expect(await undo({ ...io, restore: async () => ({ ok: false, errors: [REPLAY_STOPPED] }) }, offer)).toEqual({
      ok: false,
      notice: 'Undo was stopped: the session shown is unchanged.',
    });
    expect((await undo({ ...io, restore: async () => ({ ok: false, errors: ['bad'] }) }, offer)).notice).toBe(
      'Undo failed: bad. The session shown is unchanged.',
    );
  });
});
