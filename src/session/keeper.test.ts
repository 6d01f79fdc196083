import { describe, expect, it } from 'vitest';
import type { Session } from '../kernel/host-api';
import { KernelHost } from '../kernel/host';
import { sessionProblem } from '../kernel/session/check';
import { CHUNK, SessionKeeper, type SaveWrite } from './keeper';
import { decodeShare, encodeShare } from './share';

/** Storage as the page's IndexedDB lays it out (a head and chunks), in memory, counting what each save wrote. */
function memoryStore() {
  const chunks = new Map<number, Session['log']>();
  let head: SaveWrite['head'] | null = null;
  const writes: SaveWrite[] = [];
  let refuse = '';
  return {
    writes,
    refuse: (why: string) => (refuse = why),
    write: async (w: SaveWrite) => {
      if (refuse) throw new Error(refuse);
      writes.push(w);
      for (const [i, c] of w.chunks) chunks.set(i, c);
      for (const i of [...chunks.keys()]) if (i >= w.dropFrom) chunks.delete(i);
      head = w.head;
    },
    /** Read back as loadSession does. */
    load: (): Session | null => {
      if (!head) return null;
      const log = Array.from({ length: Math.ceil(head.logLength / CHUNK) }, (_, i) => chunks.get(i) ?? []).flat();
      return { scenario: head.scenario, seed: head.seed, ticks: head.ticks, log };
    },
  };
}

const sync = (k: SessionKeeper, h: KernelHost) => k.apply(h.sessionSince(k.cursor.id, k.cursor.from));
const ledgerOf = (h: KernelHost) => JSON.stringify(h.kernel.ledger.page(1, h.kernel.ledger.length));

/** A long session: 25,000 commands (past the old 20,000 limit), time running between them. */
function longSession(n = 25_000) {
  const h = new KernelHost(undefined, false);
  for (let i = 0; i < n; i++) {
    h.exec(i % 3 === 0 ? 'clock' : i % 3 === 1 ? `call @chat_participant send "#lobby" "message ${i}"` : 'defense gate0 on');
    if (i % 10 === 0) h.kernel.step(3);
  }
  return h;
}

describe('the session keeper', () => {
  it('a 25,000-command session saves in chunks, restores and shares', async () => {
    const h = longSession();
    const k = new SessionKeeper();
    const store = memoryStore();
    sync(k, h);
    await k.save(store.write);
    expect(store.writes[0].chunks).toHaveLength(Math.ceil(25_000 / CHUNK));
    // Going on writes only the chunk that changed, not the whole log again.
    h.exec('spawn "idle"');
    sync(k, h);
    await k.save(store.write);
    expect(store.writes[1].chunks.map(([i]) => i)).toEqual([Math.floor(25_000 / CHUNK)]);
    const saved = store.load()!;
    expect(sessionProblem(saved)).toBeNull();
    expect(saved).toEqual(h.session());
    // Restore (a reload) and share (a link) both bring back the same ledger.
    const reloaded = new KernelHost(undefined, false);
    expect(reloaded.restoreNow(saved)).toMatchObject({ ok: true });
    expect(ledgerOf(reloaded)).toBe(ledgerOf(h));
    const link = await encodeShare(saved);
    const opened = await decodeShare(link);
    expect(opened.ok).toBe(true);
    const shared = new KernelHost(undefined, false);
    expect(shared.restoreNow(opened.ok ? opened.session : (null as never))).toMatchObject({ ok: true });
    expect(ledgerOf(shared)).toBe(ledgerOf(h));
  });

  it('a command whose output was shown survives a worker that dies before the next save', () => {
    const h = new KernelHost(undefined, false);
    const k = new SessionKeeper();
    sync(k, h);
    // The page keeps the command from its own result, before showing the output; then the worker is gone.
    const r = h.exec('spawn "idle" with { chat: @chat_participant }');
    expect(k.journal(r.logged)).toBe(true);
    const rebuilt = new KernelHost(undefined, false);
    expect(rebuilt.restoreNow(k.session())).toMatchObject({ ok: true });
    expect([...rebuilt.kernel.processes.values()].some((p) => p.program === 'idle' && p.cnode.indexOf('chat') >= 0)).toBe(true);
    // A result already covered by a read from the worker is not kept twice.
    sync(k, h);
    expect(k.journal(r.logged)).toBe(false);
    expect(k.session().log).toEqual(h.session().log);
  });

  it('a replaced session (a boot, a restore) is saved whole, and stale chunks are dropped', async () => {
    const h = longSession(3000);
    const k = new SessionKeeper();
    const store = memoryStore();
    sync(k, h);
    await k.save(store.write);
    h.boot(); // the default world again: a new, empty log
    h.exec('ps');
    sync(k, h);
    await k.save(store.write);
    expect(store.writes[1]).toMatchObject({ dropFrom: 1, chunks: [[0, [expect.objectContaining({ line: 'ps' })]]] });
    expect(store.load()).toEqual(h.session());
  });

  it('a refused save is tried again whole next time, and nothing known is lost meanwhile', async () => {
    const h = new KernelHost(undefined, false);
    const k = new SessionKeeper();
    const store = memoryStore();
    sync(k, h);
    store.refuse('QuotaExceededError: the quota has been exceeded');
    h.exec('spawn "idle"');
    sync(k, h);
    await expect(k.save(store.write)).rejects.toThrow(/QuotaExceededError/);
    expect(k.dirty).toBe(true);
    store.refuse('');
    await k.save(store.write);
    expect(store.load()).toEqual(h.session());
  });
});
