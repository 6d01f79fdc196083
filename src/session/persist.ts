import type { Session } from '../kernel/host-api';
import { sessionProblem } from '../kernel/sessionCheck';
import { CHUNK, type SaveWrite, type WriteSession } from './keeper';

/**
 * The session kept in IndexedDB as it changes, so a reload, a crashed worker or a closed tab comes back to the
 * same state by replay. The command log is stored in chunks of CHUNK commands (["log", i]) beside a head
 * ("current": scenario, seed, ticks, how many commands, the layout), all written in one transaction, so a long
 * session saves as cheaply as a short one and a save is never half done. Storage can be missing or refused
 * (private windows, quotas): every call says so instead of failing quietly, and the page tells the person.
 */

export interface Layout {
  presenter: boolean;
  learnTab: 'yields' | 'gallery' | 'lessons';
}

export interface Saved {
  session: Session;
  ui: Layout;
}

interface Head {
  v: 2;
  head: SaveWrite['head'];
  ui: Layout;
}

const DB_NAME = 'capplay';
const STORE = 'sessions';
const HEAD = 'current';
/** A session that could not be restored, kept aside rather than overwritten (one slot). */
const KEPT = 'kept';
const chunkKey = (i: number) => ['log', i];

/** Storage refused (not available, blocked, over quota): the page tells the person their work is not kept. */
export class StorageError extends Error {}

/** Why storage failed, in words (the DOMException's name says most: QuotaExceededError, InvalidStateError…). */
function reason(e: unknown): string {
  if (e instanceof DOMException || e instanceof Error) return `${e.name}: ${e.message}`;
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
 */
async function transact<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => () => T): Promise<T> {
  const d = await database();
  return new Promise<T>((resolve, reject) => {
    const refused = (e: StorageError) => {
      d.close();
      db = null;
      reject(e);
    };
    try {
      const tx = d.transaction(STORE, mode);
      const result = run(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result());
      tx.onerror = () => refused(new StorageError(reason(tx.error)));
      tx.onabort = () => refused(new StorageError(reason(tx.error ?? 'the write was aborted')));
    } catch (e) {
      refused(new StorageError(reason(e)));
    }
  });
}

/** Where the keeper's saves go, with the layout beside them. */
export function sessionWriter(ui: () => Layout): WriteSession {
  return (w) =>
    transact('readwrite', (s) => {
      for (const [i, commands] of w.chunks) s.put(commands, chunkKey(i));
      s.delete(IDBKeyRange.bound(chunkKey(w.dropFrom), ['log', Infinity]));
      s.put({ v: 2, head: w.head, ui: ui() } satisfies Head, HEAD);
      return () => undefined;
    });
}

const layoutOf = (ui: Partial<Layout> | undefined): Layout => {
  const tab = ui?.learnTab;
  return { presenter: ui?.presenter === true, learnTab: tab === 'gallery' || tab === 'lessons' ? tab : 'yields' };
};

/**
 * The saved session, if there is one: `saved` when it is well formed (storage is untrusted too), `problem`
 * when something is there but unusable, and `refused` when storage could not be read at all.
 */
export async function loadSession(): Promise<{ saved: Saved | null; problem?: string; refused?: string }> {
  try {
    const v = await transact('readonly', (s) => {
      const head = s.get(HEAD);
      return () => head.result as unknown;
    });
    if (!v || typeof v !== 'object') return { saved: null };
    const h = v as Partial<Head> & { session?: unknown; ui?: Partial<Layout> };
    // Format 1 held the whole session in one value.
    const session = h.v === 2 ? await readChunked(h) : h.session;
    const problem = sessionProblem(session);
    if (problem) return { saved: null, problem };
    return { saved: { session: session as Session, ui: layoutOf(h.ui) } };
  } catch (e) {
    return { saved: null, refused: reason(e) };
  }
}

async function readChunked(h: Partial<Head>): Promise<unknown> {
  const head = h.head;
  if (!head || !Number.isInteger(head.logLength) || head.logLength < 0) return null;
  const n = Math.ceil(head.logLength / CHUNK);
  const chunks = await transact('readonly', (s) => {
    const reqs = Array.from({ length: n }, (_, i) => s.get(chunkKey(i)));
    return () => reqs.map((r) => r.result as unknown);
  });
  const log: unknown[] = [];
  for (const c of chunks) {
    if (!Array.isArray(c)) return { ...head, log: null }; // a chunk is missing: sessionProblem names it
    for (const x of c) log.push(x);
  }
  return { scenario: head.scenario, seed: head.seed, ticks: head.ticks, log: log.slice(0, head.logLength) };
}

/** Keep a session that could not be restored (it would otherwise be overwritten by the world that runs instead). */
export async function keepAside(session: unknown, why: string): Promise<void> {
  await transact('readwrite', (s) => {
    s.put({ session, why, at: Date.now() }, KEPT);
    return () => undefined;
  }).catch(() => {});
}

/** The session kept aside, if any (for "Download the kept session"). */
export async function loadKept(): Promise<{ session: unknown; why: string } | null> {
  try {
    const v = await transact('readonly', (s) => {
      const r = s.get(KEPT);
      return () => r.result as { session: unknown; why: string } | undefined;
    });
    return v && typeof v === 'object' ? { session: v.session, why: String(v.why) } : null;
  } catch {
    return null;
  }
}

/** Forget the saved session (a fresh playground). */
export async function clearSession(): Promise<void> {
  await transact('readwrite', (s) => {
    s.delete(HEAD);
    s.delete(IDBKeyRange.bound(chunkKey(0), ['log', Infinity]));
    return () => undefined;
  }).catch(() => {});
}
