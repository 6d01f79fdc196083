/**
 * Unveil (Nexus S2, OpenBSD unveil(2) where the seed is silent), over canonical paths from Vfs.resolve:
 * - before the first unveil everything is visible; the first unveil (one call, any number of paths) hides
 *   everything it does not name;
 * - the most specific unveil covering a path decides: no covering unveil is ENOENT (invisible, not denied), a
 *   covering one without the needed letter is EACCES;
 * - the seed's one-way ratchet: after the first call an unveil may only narrow (what it grants must already be
 *   granted there) — a deliberate tightening of OpenBSD, where later unveils may add paths until locked;
 * - `lock` (or dropping the promises that allow unveil) ends unveiling: further calls are EPERM.
 */

export const UR = 1;
export const UW = 2;
export const UX = 4;
export const UC = 8;

export interface UnveilEntry {
  path: string; // canonical
  perms: number;
}

export interface UnveilState {
  entries: UnveilEntry[] | null; // null: nothing unveiled yet, everything visible
  locked: boolean;
  /** path → perms, rebuilt on every unveil: the most specific cover is found by walking up a path's ancestors. */
  index?: Map<string, number>;
  /** Answers for paths already looked up (like a dentry cache); dropped on every unveil. */
  cache?: Map<string, number>;
}

const CACHE_LIMIT = 1024;

export function parsePerms(text: string): number | null {
  if (!/^[rwxc]{0,4}$/.test(text)) return null;
  let bits = 0;
  for (const ch of text) {
    const b = ch === 'r' ? UR : ch === 'w' ? UW : ch === 'x' ? UX : UC;
    if (bits & b) return null;
    bits |= b;
  }
  return bits;
}

export function permsText(bits: number): string {
  return (bits & UR ? 'r' : '') + (bits & UW ? 'w' : '') + (bits & UX ? 'x' : '') + (bits & UC ? 'c' : '') || '(hidden)';
}

function indexOf(state: UnveilState): Map<string, number> {
  if (!state.index) state.index = new Map(state.entries!.map((e) => [e.path, e.perms]));
  return state.index;
}

/** The perms of the most specific entry covering a canonical `path` (itself, or its nearest unveiled ancestor); -1 if none. */
function coverPerms(index: Map<string, number>, path: string): number {
  let p = path;
  for (;;) {
    const perms = index.get(p);
    if (perms !== undefined) return perms;
    if (p === '/') return -1;
    const cut = p.lastIndexOf('/');
    p = cut <= 0 ? '/' : p.slice(0, cut);
  }
}

/** The perms covering `path`, through the cache. */
function lookup(state: UnveilState, path: string): number {
  const cache = (state.cache ??= new Map());
  let perms = cache.get(path);
  if (perms === undefined) {
    perms = coverPerms(indexOf(state), path);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(path, perms);
  }
  return perms;
}

/** What the table grants at `path`: all letters before any unveil. */
export function granted(state: UnveilState, path: string): number {
  if (!state.entries) return UR | UW | UX | UC;
  return Math.max(0, lookup(state, path));
}

/** Check an access to a canonical path: null if allowed, else the error code. */
export function checkAccess(state: UnveilState, path: string, need: number): 'ENOENT' | 'EACCES' | null {
  if (!state.entries) return null;
  const perms = lookup(state, path);
  if (perms <= 0) return 'ENOENT';
  return (perms & need) === need ? null : 'EACCES';
}

/** Apply one unveil call (one or more canonical paths). Returns why not (EPERM), or null. */
export function applyUnveil(state: UnveilState, add: readonly UnveilEntry[]): string | null {
  if (state.locked) return 'unveil is locked';
  if (state.entries) {
    for (const a of add) {
      const have = granted(state, a.path);
      if (a.perms & ~have)
        return `unveil may only narrow after the first call: ${a.path} grants "${permsText(have)}", not "${permsText(a.perms)}"`;
    }
  }
  const entries = state.entries ? [...state.entries] : [];
  for (const a of add) {
    const i = entries.findIndex((e) => e.path === a.path);
    if (i >= 0) entries[i] = a;
    else entries.push(a);
  }
  state.entries = entries;
  state.index = undefined;
  state.cache = undefined;
  return null;
}
