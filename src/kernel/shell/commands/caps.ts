import { parseRights } from '../../caps/algebra';
import { GrantError } from '../../caps/transfer';
import type { OutputLine } from '../../host-api';
import type { CallResult } from '../context';
import type { Value } from '../../value';
import { costs, intArg, noMore, out, PID, pidArg, UsageError, type Command } from '../common';

/** Caps the shell holds: CALL through one, grant one to a child, drop one, and channels and memory regions. */

function show(v: Value): string {
  const text = JSON.stringify(v);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/** What `call` prints for a reply (now, or when a waiting call's reply comes). */
function callLines(r: CallResult): OutputLine[] {
  if (!r.ok) return [out(`call: ${r.code}: ${r.error}`, 'error')];
  return [out(show(r.value)), ...r.caps.map((c) => out(`→ the shell now holds @${c}`, 'ok'))];
}

export const CAPS_COMMANDS: Command[] = [
  {
    name: 'call',
    world: 'inside',
    cost: costs('SEND', 'SEND (RECV to read a channel or region)'),
    usage: 'call @cap method [arg …]',
    summary:
      'CALL a method through a cap; "text", numbers and @caps are arguments. If the server is busy or frozen the call waits in its endpoint\'s queue and the line completes when the reply comes (Ctrl-C cancels it)',
    run(args, { shell }) {
      const [capTok, methodTok, ...rest] = args;
      if (!capTok || capTok.type !== 'ref')
        throw new UsageError('the first argument is the cap to call, e.g. @chat_participant', capTok?.column);
      if (!methodTok || methodTok.type !== 'word') throw new UsageError('missing method name', methodTok?.column);
      const [iface, method] = methodTok.value.includes('.') ? methodTok.value.split('.', 2) : [undefined, methodTok.value];
      const values: Value[] = [];
      const caps: string[] = [];
      for (const t of rest) {
        if (t.type === 'ref') caps.push(t.value);
        else if (t.type === 'string') values.push(t.value);
        else if (t.type === 'word' && /^-?\d+(\.\d+)?$/.test(t.value)) values.push(Number(t.value));
        else if (t.type === 'word' && (t.value === 'true' || t.value === 'false')) values.push(t.value === 'true');
        else if (t.type === 'word') values.push(t.value);
        else throw new UsageError(`unexpected ${JSON.stringify(t.value)}`, t.column);
      }
      const r = shell.call(capTok.value, method, { iface, args: values, caps }, callLines);
      if (!r.ok && r.code === 'EINPROGRESS')
        return [out(`call: waiting: ${r.error}; the reply prints when it comes (Ctrl-C cancels the call)`, 'dim')];
      return callLines(r);
    },
  },
  {
    name: 'grant',
    world: 'inside',
    cost: costs('GRANT'),
    usage: 'grant <pid|@handle> [move|client] @cap [badge N] [as name]',
    summary: 'give a running child a cap (GRANT: copy by default; Gate 0 applies to client facets)',
    args: [PID],
    run(args, ctx) {
      const target = pidArg(args[0], ctx);
      let i = 1;
      let mode: 'copy' | 'move' | 'client' = 'copy';
      if (args[i]?.type === 'word' && (args[i].value === 'move' || args[i].value === 'client')) mode = args[i++].value as 'move' | 'client';
      const ref = args[i++];
      if (!ref || ref.type !== 'ref') throw new UsageError('expected the cap to grant, e.g. @chat_participant', ref?.column);
      let badge: number | undefined;
      if (args[i]?.value === 'badge') {
        if (mode !== 'client') throw new UsageError('only a client facet takes a badge', args[i].column);
        badge = intArg(args[i + 1], 'badge', 0, 0x7fffffff);
        i += 2;
      }
      let name = ref.value;
      if (args[i]?.value === 'as') {
        const n = args[i + 1];
        if (!n || n.type !== 'word' || !/^[A-Za-z][A-Za-z0-9_.-]{0,39}$/.test(n.value))
          throw new UsageError('expected a name after as', n?.column);
        name = n.value;
        i += 2;
      }
      noMore(args, i);
      try {
        const slot = ctx.shell.grant(target, {
          name,
          from: ref.value,
          mode,
          badge,
          column: args[1].column,
          text: ctx.line.slice(args[1].column - 1),
        });
        return [out(`${ctx.view.who(target)} now holds @${ctx.view.process(target).cnode.get(slot)!.name}`, 'ok')];
      } catch (e) {
        if (e instanceof GrantError) throw new UsageError(`${e.code}: ${e.message}`, e.grant.column);
        throw e;
      }
    },
  },
  {
    name: 'drop',
    world: 'inside',
    cost: costs('MASK'),
    usage: 'drop @cap',
    summary:
      "delete a cap from the shell's own table: a local delete (copies elsewhere live on; revoke or unpair revokes); the last cap to a service object going ends it (a chat participant leaves its channels)",
    run(args, { shell }) {
      const ref = args[0];
      if (!ref || ref.type !== 'ref') throw new UsageError('expected the cap to drop, e.g. @vault', ref?.column);
      noMore(args, 1);
      const r = shell.drop(ref.value);
      if (!r.ok) throw new UsageError(r.why === 'no-cap' ? `no cap named @${ref.value}` : `@${ref.value} is being moved`, ref.column);
      const n = r.copies.length;
      return [
        out(
          `the shell no longer holds @${ref.value}${n ? `; ${n} cop${n === 1 ? 'y' : 'ies'} across the pairing still work${n === 1 ? 's' : ''}` : ''}`,
          'ok',
        ),
      ];
    },
  },
  {
    name: 'channel',
    world: 'inside',
    cost: costs('MAP'),
    usage: 'channel <name>',
    summary: 'create a channel (rwx) the shell owns (MAP)',
    run(args, { shell, view, pid }) {
      const n = args[0];
      if (!n || n.type !== 'word') throw new UsageError('missing channel name', n?.column);
      noMore(args, 1);
      const slot = shell.channel(n.value);
      return [out(`the shell holds @${view.process(pid).cnode.get(slot)!.name}: a new channel, rwx, depth 0`, 'ok')];
    },
  },
  {
    name: 'map',
    world: 'inside',
    cost: costs('MAP'),
    usage: 'map <name> <length>',
    summary: 'map a memory region [0, length) the shell owns, rw (MAP)',
    run(args, { shell, view, pid }) {
      const n = args[0];
      if (!n || n.type !== 'word') throw new UsageError('missing region name', n?.column);
      const length = intArg(args[1], 'length', 1, 65536);
      noMore(args, 2);
      const slot = shell.channel(n.value, { length });
      return [out(`the shell holds @${view.process(pid).cnode.get(slot)!.name}: memory [0, ${length}), rw-, depth 0`, 'ok')];
    },
  },
  {
    name: 'mask',
    world: 'inside',
    cost: costs('MASK'),
    usage: 'mask @cap <rights> [bounds <base> <length>]',
    summary: 'narrow a channel or memory cap (MASK: only ever narrows), e.g. mask @news r',
    run(args, { shell }) {
      const ref = args[0];
      if (!ref || ref.type !== 'ref') throw new UsageError('expected the cap to mask, e.g. @news', ref?.column);
      const r = args[1];
      const bits = r && r.type === 'word' ? parseRights(r.value) : r && r.value === '-' ? 0 : null;
      if (bits === null || !r) throw new UsageError('rights are letters from r, w, x (e.g. r, rw, r-x)', r?.column);
      let bounds: { base: number; length: number } | undefined;
      if (args[2]) {
        if (args[2].value !== 'bounds') throw new UsageError(`unexpected ${JSON.stringify(args[2].value)}`, args[2].column);
        bounds = { base: intArg(args[3], 'base', 0, 65536), length: intArg(args[4], 'length', 0, 65536) };
        noMore(args, 5);
      }
      shell.mask(ref.value, bits, bounds);
      return [out(`@${ref.value} is now ${r.value}${bounds ? ` within [${bounds.base}, ${bounds.base + bounds.length})` : ''}`, 'ok')];
    },
  },
  {
    name: 'revoke',
    world: 'inside',
    cost: costs('MASK'),
    usage: 'revoke @cap',
    summary: "flip a channel's or region's epoch: every cap delegated from it dies at once",
    run(args, { shell }) {
      const ref = args[0];
      if (!ref || ref.type !== 'ref') throw new UsageError('expected the cap whose object to revoke, e.g. @news', ref?.column);
      noMore(args, 1);
      const dead = shell.revoke(ref.value);
      return [out(`revoked: ${dead} delegated cap${dead === 1 ? '' : 's'} died; @${ref.value} moved to the new epoch`, 'ok')];
    },
  },
];
