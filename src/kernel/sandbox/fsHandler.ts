import { aborted, NO_NAMES, NO_VALUES, refuse, type CapHandler } from '../call/handler';
import type { Promise_ } from './pledge';
import { checkAccess, granted, permsText, UC, UR, UW, type UnveilState } from './unveil';

/** CALL on a filesystem cap: read, write and list, served by the kernel within pledge and unveil. */
export const fsHandler: CapHandler = (k, r) => {
  const { caller: p, obj, method } = r;
  // A CALL on the filesystem is a SEND, whoever makes it (a fiber prepays the same verb).
  if (!r.opts.prepaid && !k.energy.pay(p, 'SEND')) return k.energy.short(p, 'SEND');
  const args = r.opts.args ?? NO_VALUES;
  const vfs = obj.vfs!;
  const path = String(args[0] ?? '');
  const what = `${method} ${path}`;
  if (method !== 'read' && method !== 'write' && method !== 'list')
    return refuse(k, r, 'ENOMETHOD', 'a filesystem cap has read(path), write(path, text) and list(path)', obj.id);
  if (!k.sandbox.requirePromise(p, ['rw', 'storage'], what, obj.id)) return aborted();
  const res = vfs.resolve(path);
  if (!res.ok) return refuse(k, r, res.code, `${path}: ${res.error}`, obj.id);
  const device = /^\/dev\/(audio|video|gpu)$/.exec(res.path)?.[1] as Promise_ | undefined;
  if (device && !k.sandbox.requirePromise(p, [device], `${what} (a ${device} device)`, obj.id)) return aborted();
  const need = method === 'write' ? (res.node ? UW : UC) : UR;
  const blocked = checkAccess(p.unveil, res.path, need);
  if (blocked) {
    const shownAs = path === res.path ? res.path : `${path} (that is ${res.path})`;
    if (k.defenses.sandbox) {
      // A hidden file that exists was sought outside the unveiled paths: that is an escape attempt.
      if (blocked === 'ENOENT' && res.node)
        k.verdict(
          'held',
          p.pid,
          p.pid,
          `unveil escape blocked: ${k.who(p.pid)} looked for ${shownAs} outside what it unveiled, and saw nothing (ENOENT)`,
          obj.id,
        );
      return refuse(
        k,
        r,
        blocked,
        blocked === 'ENOENT' ? `${path}: no such file or directory` : `${path}: unveiled without "${permsText(need)}"`,
        obj.id,
      );
    }
    k.verdict(
      'breach',
      p.pid,
      p.pid,
      `unveil bypassed: ${k.who(p.pid)} reached ${shownAs}, which its unveil hides (pledge/unveil is off)`,
      obj.id,
    );
  }
  if (method === 'list') {
    if (!res.node) return refuse(k, r, 'ENOENT', `${path}: no such file or directory`, obj.id);
    if (res.node.kind !== 'dir') return { ok: true, value: [res.path], caps: NO_NAMES };
    const base = res.path === '/' ? '' : res.path;
    const names = [...res.node.children.keys()]
      .filter((n) => !k.defenses.sandbox || granted(p.unveil, `${base}/${n}`) !== 0 || isAncestorOfUnveil(p.unveil, `${base}/${n}`))
      .sort();
    return { ok: true, value: names, caps: NO_NAMES };
  }
  if (method === 'read') {
    if (!res.node) return refuse(k, r, 'ENOENT', `${path}: no such file or directory`, obj.id);
    if (res.node.kind !== 'file') return refuse(k, r, 'EINVAL', `${path}: is a directory`, obj.id);
    obj.counter++;
    return { ok: true, value: res.node.content, caps: NO_NAMES };
  }
  if (res.node && res.node.kind !== 'file') return refuse(k, r, 'EINVAL', `${path}: is a directory`, obj.id);
  const parent = vfs.resolve(res.parent);
  if (!parent.ok || parent.node?.kind !== 'dir') return refuse(k, r, 'ENOENT', `${res.parent}: no such directory`, obj.id);
  vfs.write(res.path, String(args[1] ?? '').slice(0, 4000));
  obj.counter++;
  return { ok: true, value: true, caps: NO_NAMES };
};

/** Is `path` a directory above some unveiled entry (so listing may show it as a way down)? */
function isAncestorOfUnveil(state: UnveilState, path: string): boolean {
  return !!state.entries?.some((e) => e.perms !== 0 && e.path.startsWith(`${path}/`));
}
