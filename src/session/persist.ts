import type { Session } from '../kernel/host-api';
import { MAX_LOG, sessionProblem } from '../kernel/session/check';
import { CHUNK, type SaveWrite, type WriteSession } from './keeper';
import type { PaneLayouts } from '../store/store';

/**
 * The session kept in IndexedDB as it changes, so a reload, a crashed worker or a closed tab comes back to the
 * same state by replay. The command log is stored in chunks of CHUNK commands (["log", i]) beside a head
 * ("current": scenario, seed, ticks, how many commands, the layout), all written in one transaction, so a long
 * session saves as cheaply as a short one and a save is never half done. Storage can be missing or refused
 * (private windows, quotas): every call says so instead of failing quietly, and the page tells the person.
 */

export interface Layout {
  presenter: boolean;
  learnTab: 'yields' | 'gallery' | 'lessons' | 'challenges' | 'programs';
  /** Pane sizes per resizable group; absent in sessions saved before panes could be resized. */
  panes?: PaneLayouts;
}

export interface Saved {
  session: Session;
  ui: Layout;
}

interface Head {
  v: 2;
  head: SaveWrite['head'];
  ui: Layout;
  /** The tab that wrote it (see sessionWriter): another tab's later writes are refused. */
  owner?: string;
}

/** The head format this build writes; a higher one was written by a newer build. */
const HEAD_VERSION = 2;
const DB_NAME = 'capplay';
const STORE = 'sessions';
const HEAD = 'current';
/** Sessions that could not be restored, kept aside rather than overwritten: ["kept", time]. The newest few stay. */
const KEPT_KEEP = 5;
const keptKey = (at: number) => ['kept', at, Math.random()];
const chunkKey = (i: number) => ['log', i];
const range = (kind: string, from = 0) => IDBKeyRange.bound([kind, from], [kind, Infinity]);

/** Storage refused (not available, blocked, over quota): the page tells the person their work is not kept. */
export class StorageError extends Error {}

/** Why storage failed, in words (the DOMException's name says most: QuotaExceededError, InvalidStateError…). */
function reason(e: unknown): string {
  if (e instanceof DOMException || e instanceof Error) return e.message ? `${e.name}: ${e.message}` : e.name;
  return String(e ?? 'unknown error');
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    try {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new StorageError(`IndexedDB would not open (${reason(req.error)})`));
      req.onblocked = () => reject(new StorageError('IndexedDB is blocked by another tab upgrading it'));
    } catch (e) {
      reject(new StorageError(`IndexedDB is not available here (${reason(e)})`));
    }
  });
}

let db: Promise<IDBDatabase> | null = null;
const database = () => {
  db ??= open();
  db.catch(() => (db = null)); // try again next time: a refusal may pass
  return db;
};

/**
 * Run one transaction; resolves with `result` once it has committed, rejects with the reason it did not. After a
 * refusal the connection is closed, so the next try opens a new one (it may be granted what this one was not).
 * `run` may abort the transaction itself (`tx.abort()` with a reason): that rejects with that reason, no refusal.
 */
async function transact<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore, tx: IDBTransaction) => () => T): Promise<T> {
  const d = await database();
  return new Promise<T>((resolve, reject) => {
    let abortedBy: Error | null = null;
    const refused = (e: StorageError) => {
      d.close();
      db = null;
      reject(e);
    };
    try {
      const tx = d.transaction(STORE, mode);
      const abort = tx.abort.bind(tx);
      (tx as IDBTransaction & { abortWith(e: Error): void }).abortWith = (e: Error) => {
        abortedBy = e;
        abort();
      };
      tx.onerror = () => (abortedBy ? reject(abortedBy) : refused(new StorageError(reason(tx.error))));
      tx.onabort = () => (abortedBy ? reject(abortedBy) : refused(new StorageError(reason(tx.error ?? 'the write was aborted'))));
      let result: () => T;
      try {
        result = run(tx.objectStore(STORE), tx);
      } catch (e) {
        abortWith(tx, new StorageError(reason(e))); // nothing of a half-made write commits
        return;
      }
      tx.oncomplete = () => resolve(result());
    } catch (e) {
      refused(new StorageError(reason(e)));
    }
  });
}
const abortWith = (tx: IDBTransaction, e: Error) => (tx as IDBTransaction & { abortWith(e: Error): void }).abortWith(e);

/** Another tab took over keeping the session: this tab's write was not made (and must not be). */
export class NotOwner extends Error {}

/**
 * Where this tab's saves go, with the layout beside them. Each tab writes under its own token: a save that
 * rewrites the whole session claims the head for this tab; a save of only what changed is made only if the
 * head is still this tab's (checked in the same transaction), so two tabs can never interleave chunks.
 */
export function sessionWriter(ui: () => Layout): WriteSession {
  const me = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return (w) =>
    transact('readwrite', (s, tx) => {
      const write = () => {
        for (const [i, commands] of w.chunks) s.put(commands, chunkKey(i));
        s.delete(range('log', w.dropFrom));
        s.put({ v: HEAD_VERSION, head: w.head, ui: ui(), owner: me } satisfies Head, HEAD);
      };
      if (w.whole) write();
      else {
        const head = s.get(HEAD);
        head.onsuccess = () => {
          const h = head.result as Partial<Head> | undefined;
          // Only onto this tab's own head: another tab's, or none at all (site data cleared), wants a whole write.
          if (!h || h.owner !== me) abortWith(tx, new NotOwner(h ? 'another tab keeps the session now' : 'the saved session is gone'));
          else write();
        };
      }
      return () => undefined;
    });
}

const GROUPS = ['main', 'left', 'right', 'top', 'bottom'] as const;

/** Pane sizes from storage (untrusted): known groups only, each a few panes with sizes between 0 and 100. */
export function panesOf(raw: unknown): PaneLayouts {
  const out: PaneLayouts = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const g of GROUPS) {
    const sizes = (raw as Record<string, unknown>)[g];
    if (typeof sizes !== 'object' || sizes === null) continue;
    const entries = Object.entries(sizes).filter(
      ([k, v]) => k.length <= 20 && typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100,
    ) as [string, number][];
    if (entries.length >= 2 && entries.length <= 4) out[g] = Object.fromEntries(entries);
  }
  return out;
}

const layoutOf = (ui: Partial<Layout> | undefined): Layout => {
  const tab = ui?.learnTab;
  return {
    presenter: ui?.presenter === true,
    learnTab: tab === 'yields' || tab === 'lessons' || tab === 'challenges' || tab === 'programs' ? tab : 'gallery',
    panes: panesOf(ui?.panes),
  };
};

/**
 * The saved session, if there is one: `saved` when it is well formed (storage is untrusted too); when something
 * is there but unusable, `problem` says why and `raw` is what was there (to keep aside, never to overwrite
 * unseen); `refused` when storage could not be read at all. Head and chunks are read in one transaction, so a
 * save by another tab meanwhile cannot mix two sessions.
 */
export async function loadSession(): Promise<{ saved: Saved | null; problem?: string; raw?: unknown; refused?: string }> {
  try {
    const read = await transact('readonly', (s) => {
      const out: { head?: unknown; chunks: unknown[] } = { chunks: [] };
      const head = s.get(HEAD);
      head.onsuccess = () => {
        out.head = head.result;
        const h = head.result as Partial<Head> | undefined;
        const length = h?.head?.logLength;
        if (h?.v === HEAD_VERSION && Number.isInteger(length) && length! >= 0 && length! <= MAX_LOG) {
          for (let i = 0; i < Math.ceil(length! / CHUNK); i++) {
            const c = s.get(chunkKey(i));
            c.onsuccess = () => (out.chunks[i] = c.result);
          }
        } else if (h) {
          // A head this build cannot read (newer, or damaged): take every chunk along, so keeping it aside keeps it whole.
          const all = s.getAll(range('log'));
          all.onsuccess = () => (out.chunks = all.result);
        }
      };
      return () => out;
    });
    const v = read.head;
    if (!v || typeof v !== 'object') return { saved: null };
    const h = v as Partial<Head> & { session?: unknown; ui?: Partial<Layout> };
    if (typeof h.v === 'number' && h.v > HEAD_VERSION) {
      return {
        saved: null,
        raw: { head: v, chunks: read.chunks },
        problem: `it was saved by a newer capplay (storage format ${h.v}); this build reads format ${HEAD_VERSION}`,
      };
    }
    // Format 1 held the whole session in one value.
    const session = h.v === HEAD_VERSION ? joinChunks(h, read.chunks) : h.session;
    const problem = typeof session === 'string' ? session : sessionProblem(session);
    if (problem) return { saved: null, raw: h.v === HEAD_VERSION ? { head: v, chunks: read.chunks } : v, problem };
    return { saved: { session: session as Session, ui: layoutOf(h.ui) } };
  } catch (e) {
    return { saved: null, refused: reason(e) };
  }
}

/** The session a head and its chunks make up, or why they do not. */
function joinChunks(h: Partial<Head>, chunks: unknown[]): unknown {
  const head = h.head;
  if (!head || !Number.isInteger(head.logLength) || head.logLength < 0) return 'its head is damaged';
  if (head.logLength > MAX_LOG) return `its head claims ${head.logLength} commands, more than a session holds (${MAX_LOG})`;
  const log: unknown[] = [];
  for (const [i, c] of chunks.entries()) {
    if (!Array.isArray(c)) return `chunk ${i} of its command log is missing`;
    if (c.length !== Math.min(CHUNK, head.logLength - i * CHUNK))
      return `chunk ${i} of its command log holds ${c.length} commands where ${Math.min(CHUNK, head.logLength - i * CHUNK)} belong`;
    for (const x of c) log.push(x);
  }
  return { scenario: head.scenario, seed: head.seed, ticks: head.ticks, log };
}

/**
 * Keep a session that could not be restored (it would otherwise be overwritten by the world that runs instead).
 * Resolves true once it is stored; false if storage refused (then the page must not say it is kept).
 */
export async function keepAside(session: unknown, why: string): Promise<boolean> {
  try {
    await transact('readwrite', (s) => {
      const at = Date.now();
      s.put({ session, why, at }, keptKey(at));
      const keys = s.getAllKeys(range('kept'));
      keys.onsuccess = () => {
        for (const k of keys.result.slice(0, Math.max(0, keys.result.length - KEPT_KEEP))) s.delete(k);
      };
      return () => undefined;
    });
    return true;
  } catch {
    return false;
  }
}

/** How many sessions are kept aside (without reading them). */
export async function countKept(): Promise<number> {
  try {
    return await transact('readonly', (s) => {
      const r = s.count(range('kept'));
      return () => r.result;
    });
  } catch {
    return 0;
  }
}

/** The sessions kept aside, newest first (for "Download the kept session"). */
export async function loadKept(): Promise<{ session: unknown; why: string; at: number }[]> {
  try {
    const all = await transact('readonly', (s) => {
      const r = s.getAll(range('kept'));
      return () => (r.result ?? []) as { session: unknown; why: unknown; at: unknown }[];
    });
    return all
      .filter((v) => v && typeof v === 'object')
      .map((v) => ({ session: v.session, why: String(v.why), at: Number(v.at) || 0 }))
      .reverse();
  } catch {
    return [];
  }
}

/** Forget the saved session (a fresh playground). */
export async function clearSession(): Promise<void> {
  await transact('readwrite', (s) => {
    s.delete(HEAD);
    s.delete(range('log'));
    return () => undefined;
  }).catch(() => {});
}
