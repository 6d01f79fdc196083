/**
 * A per-machine virtual filesystem: directories, files and symlinks. Paths resolve component by component —
 * ".", "..", repeated slashes, and symlinks (absolute or relative, at most 8 hops) — to one canonical path, and
 * only that canonical path is ever checked against an unveil table, so no spelling of a path can escape it.
 */

export type VNode = { kind: 'dir'; children: Map<string, VNode> } | { kind: 'file'; content: string } | { kind: 'link'; target: string };

export const MAX_PATH = 1024;
const MAX_LINKS = 8;

export type Resolved =
  | { ok: true; path: string; node: VNode | null; parent: string }
  | { ok: false; code: 'EINVAL' | 'ELOOP' | 'ENOENT' | 'ENOTDIR'; error: string };

export class Vfs {
  readonly root: VNode = { kind: 'dir', children: new Map() };

  constructor(files: Record<string, string>, links: Record<string, string> = {}) {
    for (const [path, content] of Object.entries(files)) this.put(path, path.endsWith('/') ? null : { kind: 'file', content });
    for (const [path, target] of Object.entries(links)) this.put(path, { kind: 'link', target });
  }

  private put(path: string, node: VNode | null) {
    const parts = path.split('/').filter(Boolean);
    let dir = this.root as Extract<VNode, { kind: 'dir' }>;
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      if (last && node) {
        dir.children.set(parts[i], node);
        return;
      }
      let next = dir.children.get(parts[i]);
      if (!next) dir.children.set(parts[i], (next = { kind: 'dir', children: new Map() }));
      if (next.kind !== 'dir') throw new Error(`${path}: ${parts[i]} is not a directory`);
      dir = next;
    }
  }

  /**
   * Resolve `path` (absolute; relative paths start at "/") to its canonical form. A missing final component is
   * fine (node null: the caller may create it); a missing directory on the way is ENOENT.
   */
  resolve(path: string, followFinal = true): Resolved {
    if (typeof path !== 'string' || path.length === 0) return { ok: false, code: 'EINVAL', error: 'empty path' };
    if (path.length > MAX_PATH) return { ok: false, code: 'EINVAL', error: `path longer than ${MAX_PATH} characters` };
    if (/[\u0000-\u001f\u007f]/.test(path)) return { ok: false, code: 'EINVAL', error: 'control characters in path' };
    let pending = path.split('/').filter((c) => c !== '' && c !== '.');
    const stack: string[] = [];
    let hops = 0;
    while (pending.length) {
      const c = pending.shift()!;
      if (c === '..') {
        stack.pop(); // ".." at the root stays at the root
        continue;
      }
      const dir = this.lookup(stack);
      if (!dir || dir.kind !== 'dir') return { ok: false, code: 'ENOTDIR', error: `/${stack.join('/')} is not a directory` };
      const node = dir.children.get(c);
      if (node?.kind === 'link' && (pending.length > 0 || followFinal)) {
        if (++hops > MAX_LINKS) return { ok: false, code: 'ELOOP', error: 'too many symbolic links' };
        const target = node.target.split('/').filter((x) => x !== '' && x !== '.');
        if (node.target.startsWith('/')) stack.length = 0;
        pending = [...target, ...pending];
        continue;
      }
      if (!node && pending.length > 0) return { ok: false, code: 'ENOENT', error: `no such directory /${[...stack, c].join('/')}` };
      stack.push(c);
    }
    const canonical = `/${stack.join('/')}`;
    return { ok: true, path: canonical, node: this.lookup(stack), parent: `/${stack.slice(0, -1).join('/')}` };
  }

  lookup(parts: readonly string[]): VNode | null {
    let node: VNode = this.root;
    for (const p of parts) {
      if (node.kind !== 'dir') return null;
      const next = node.children.get(p);
      if (!next) return null;
      node = next;
    }
    return node;
  }

  /** Write a file at a canonical path whose parent exists. */
  write(canonical: string, content: string): void {
    const parts = canonical.split('/').filter(Boolean);
    const dir = this.lookup(parts.slice(0, -1));
    if (dir?.kind === 'dir') dir.children.set(parts[parts.length - 1], { kind: 'file', content });
  }
}

/** The tree every machine starts with. */
export function defaultVfs(): Vfs {
  return new Vfs(
    {
      '/etc/passwd': 'root:*:0:0:Charlie &:/root:/bin/ksh\nyou:*:1000:1000:You:/home/you:/bin/capsh\n',
      '/etc/hosts': '127.0.0.1 localhost\n',
      '/home/docs/report.pdf': '%PDF-1.7 quarterly report: revenue up, risk down\n',
      '/home/docs/notes.txt': 'remember: capabilities, not passwords\n',
      '/home/you/todo.txt': 'learn pledge and unveil\n',
      '/var/log/system.log': 'boot ok\n',
      '/var/billing': '# billing: one line per compile job\nyou: 3 credits\n',
      '/vault/secrets': 'launch code: 0000 (do not tell the fetch-worker)\n',
      '/tmp/': '',
      '/dev/audio': '',
      '/dev/video': '',
      '/dev/gpu': '',
    },
    { '/home/docs/shortcut': '/vault/secrets', '/home/docs/up': '../..' },
  );
}
