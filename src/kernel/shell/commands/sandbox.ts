import { parsePromises } from '../../sandbox/pledge';
import { parsePerms } from '../../sandbox/unveil';
import { costs, noMore, out, UsageError, type Command } from '../common';

/** Pledge and unveil for the shell itself (its children inherit them). */

/** "/home/docs r, /tmp rwc" → entries; errors name the column of the clause. */
export function parseUnveilSpec(text: string, column: number): { path: string; perms: number }[] {
  return text.split(',').map((part) => {
    const [path, letters = '', extra] = part.trim().split(/\s+/);
    if (!path || extra !== undefined)
      throw new UsageError(`unveil entries look like "/path rwc", got ${JSON.stringify(part.trim())}`, column);
    const perms = parsePerms(letters);
    if (perms === null) throw new UsageError(`unveil permissions are letters from r, w, x, c; got ${JSON.stringify(letters)}`, column);
    return { path, perms };
  });
}

export const SANDBOX_COMMANDS: Command[] = [
  {
    name: 'pledge',
    world: 'inside',
    cost: costs('MASK'),
    usage: 'pledge "<promises>" ["<execpromises>"]',
    summary: 'pledge the shell (only ever drops promises); its children get at most its promises ∩ execpromises',
    run(args, { shell }) {
      const [a, b] = args;
      if (!a || a.type !== 'string') throw new UsageError('promises in quotes, e.g. pledge "stdio rw spawn net"', a?.column);
      const p = parsePromises(a.value);
      if (!p.ok) throw new UsageError(p.error, a.column);
      let exec: number | undefined;
      if (b) {
        if (b.type !== 'string') throw new UsageError('execpromises in quotes', b.column);
        const e = parsePromises(b.value);
        if (!e.ok) throw new UsageError(e.error, b.column);
        exec = e.bits;
        noMore(args, 2);
      }
      shell.pledge(p.bits, exec);
      return [out(`the shell is pledged "${a.value}"${b ? `, execpromises "${b.value}"` : ''}`, 'ok')];
    },
  },
  {
    name: 'unveil',
    world: 'inside',
    cost: costs('MASK'),
    usage: 'unveil <path> <rwxc>[, <path> <rwxc>…] | unveil lock',
    summary: 'unveil paths for the shell and its future children; everything else becomes invisible',
    run(args, { shell, line }) {
      if (!args[0]) throw new UsageError('missing path (or lock)');
      if (args[0].value === 'lock') {
        noMore(args, 1);
        shell.unveil('lock');
        return [out('unveil is locked', 'ok')];
      }
      const spec = line.slice(args[0].column - 1).replace(/#.*$/, '');
      const entries = parseUnveilSpec(spec, args[0].column);
      shell.unveil(entries);
      return [out(`unveiled ${spec.trim()}; everything else is invisible to the shell and its children`, 'ok')];
    },
  },
];
