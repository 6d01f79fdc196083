import type { Session } from '../kernel/host-api';
import { sessionProblem } from '../kernel/sessionCheck';

/**
 * The session kept in IndexedDB as it changes, so a reload, a crashed worker or a closed tab comes back to the
 * same state by replay. Storage can be missing or refused (private windows, quotas): then nothing is saved and
 * nothing breaks; every failure resolves quietly.
 */

export interface Saved {
  session: Session;
  ui: { presenter: boolean; learnTab: 'yields' | 'gallery' | 'lessons' };
}

const DB_NAME = 'capplay';
const STORE = 'sessions';
const KEY = 'current';

function open(): Promise<IDBDatabase | null> {
  return new Promise((resolve) => {
    try {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
      req.onblocked = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
}

let db: Promise<IDBDatabase | null> | null = null;
const database = () => (db ??= open());

function request<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T | null> {
  return database().then(
    (d) =>
      new Promise<T | null>((resolve) => {
        if (!d) return resolve(null);
        try {
          const r = run(d.transaction(STORE, mode).objectStore(STORE));
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => resolve(null);
        } catch {
          resolve(null);
        }
      }),
  );
}

export async function saveSession(saved: Saved): Promise<void> {
  await request('readwrite', (s) => s.put(saved, KEY));
}

/** The saved session, if there is one and it is well formed (storage is untrusted too). */
export async function loadSession(): Promise<Saved | null> {
  const v = (await request('readonly', (s) => s.get(KEY))) as Saved | null;
  if (!v || typeof v !== 'object' || sessionProblem(v.session)) return null;
  const tab = v.ui?.learnTab;
  return { session: v.session, ui: { presenter: v.ui?.presenter === true, learnTab: tab === 'gallery' || tab === 'lessons' ? tab : 'yields' } };
}

export async function clearSession(): Promise<void> {
  await request('readwrite', (s) => s.delete(KEY));
}
