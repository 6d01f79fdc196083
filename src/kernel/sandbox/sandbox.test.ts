import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allows, bit, parsePromises, promisesText, ratchetProblem } from './pledge';
import { applyUnveil, checkAccess, parsePerms, UC, UR, UW, type UnveilState } from './unveil';
import { defaultVfs } from './vfs';

describe('pledge', () => {
  it('parses promises, names unknown ones, and prints them back', () => {
    const r = parsePromises('stdio  net');
    expect(r).toEqual({ ok: true, bits: bit('stdio') | bit('net') });
    expect(parsePromises('stdio root')).toEqual({
      ok: false,
      error: '"root" is not a promise (promises: net stdio rw storage spawn audio video gpu)',
    });
    expect(promisesText(bit('net') | bit('stdio'))).toBe('net stdio');
    expect(promisesText(null)).toBe('(unpledged)');
  });

  it('is a one-way ratchet', () => {
    const cur = bit('stdio') | bit('net');
    expect(ratchetProblem(cur, bit('stdio'))).toBeNull();
    expect(ratchetProblem(cur, cur | bit('rw'))).toBe('pledge may only drop promises: "rw" would be added to "net stdio"');
    expect(ratchetProblem(null, bit('rw'))).toBeNull();
  });

  it('allows an operation if any one of the promises it needs is held', () => {
    expect(allows(bit('storage'), ['rw', 'storage'])).toBe(true);
    expect(allows(bit('stdio') | bit('net'), ['rw', 'storage'])).toBe(false);
    expect(allows(null, ['spawn'])).toBe(true);
    expect(allows(0, [])).toBe(true);
  });
});

describe('paths', () => {
  const vfs = defaultVfs();
  it.each([
    ['/etc/passwd', '/etc/passwd'],
    ['//etc///passwd', '/etc/passwd'],
    ['/home/docs/../../etc/passwd', '/etc/passwd'],
    ['/../../../../etc/passwd', '/etc/passwd'],
    ['/home/docs/./notes.txt', '/home/docs/notes.txt'],
    ['/home/docs/', '/home/docs'],
    ['/home/docs/shortcut', '/vault/secrets'], // an absolute symlink
    ['/home/docs/up/vault/secrets', '/vault/secrets'], // a relative symlink to ../..
    ['home/you/todo.txt', '/home/you/todo.txt'],
    ['/tmp/new-file', '/tmp/new-file'], // a missing final component is fine (it may be created)
  ])('%s resolves to %s', (path, canonical) => {
    expect(vfs.resolve(path)).toMatchObject({ ok: true, path: canonical });
  });

  it('rejects odd paths clearly', () => {
    expect(vfs.resolve('')).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(vfs.resolve(`/${'a/'.repeat(600)}`)).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(vfs.resolve('/etc/\u0000passwd')).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(vfs.resolve('/nope/file')).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(vfs.resolve('/etc/passwd/x')).toMatchObject({ ok: false, code: 'ENOTDIR' });
  });
});

describe('unveil', () => {
  const fresh = (): UnveilState => ({ entries: null, locked: false });

  it('before any unveil everything is visible; after, only what was unveiled', () => {
    const s = fresh();
    expect(checkAccess(s, '/vault/secrets', UR)).toBeNull();
    expect(applyUnveil(s, [{ path: '/home/docs', perms: UR }])).toBeNull();
    expect(checkAccess(s, '/home/docs/report.pdf', UR)).toBeNull();
    expect(checkAccess(s, '/home/docs/report.pdf', UW)).toBe('EACCES');
    expect(checkAccess(s, '/vault/secrets', UR)).toBe('ENOENT');
    expect(checkAccess(s, '/home', UR)).toBe('ENOENT');
  });

  it('the most specific unveil wins', () => {
    const s = fresh();
    applyUnveil(s, [
      { path: '/home', perms: UR | UW | UC },
      { path: '/home/docs', perms: UR },
    ]);
    expect(checkAccess(s, '/home/you/todo.txt', UW)).toBeNull();
    expect(checkAccess(s, '/home/docs/notes.txt', UW)).toBe('EACCES');
    expect(applyUnveil(s, [{ path: '/home/docs/private', perms: 0 }])).toBeNull(); // narrowing: hide a subtree
    expect(checkAccess(s, '/home/docs/private/x', UR)).toBe('ENOENT');
  });

  it('after the first call unveil only narrows; lock ends it', () => {
    const s = fresh();
    applyUnveil(s, [{ path: '/home/docs', perms: UR }]);
    expect(applyUnveil(s, [{ path: '/etc', perms: UR }])).toMatch(
      /may only narrow after the first call: \/etc grants "\(hidden\)", not "r"/,
    );
    expect(applyUnveil(s, [{ path: '/home/docs', perms: UR | UW }])).toMatch(/may only narrow/);
    s.locked = true;
    expect(applyUnveil(s, [{ path: '/home/docs', perms: 0 }])).toBe('unveil is locked');
    expect(parsePerms('rwc')).toBe(UR | UW | UC);
    expect(parsePerms('rr')).toBeNull();
    expect(parsePerms('q')).toBeNull();
  });

  it('property: no spelling of a path reaches outside the unveiled set', () => {
    const vfs = defaultVfs();
    const s = fresh();
    applyUnveil(s, [{ path: '/home/docs', perms: UR }]);
    const segment = fc.constantFrom(
      '..',
      '.',
      '',
      'home',
      'docs',
      'etc',
      'vault',
      'secrets',
      'passwd',
      'shortcut',
      'up',
      'notes.txt',
      'report.pdf',
      'tmp',
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 24 }), fc.boolean(), (parts, lead) => {
        const path = (lead ? '/' : '') + parts.join('/');
        const r = vfs.resolve(path);
        if (!r.ok) return;
        const allowed = checkAccess(s, r.path, UR) === null;
        expect(allowed).toBe(r.path === '/home/docs' || r.path.startsWith('/home/docs/'));
      }),
      { numRuns: 2000 },
    );
  });
});
