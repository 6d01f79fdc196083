import { createChannel, mask, revokeEpoch } from '../caps/channels';
import { GrantError, grantTo, spawnWithGrants } from '../caps/transfer';
import { parseRights } from '../caps/algebra';
import { NEEDS, parsePromises, PROMISES } from '../sandbox/pledge';
import { parsePerms } from '../sandbox/unveil';
import { OPERATION_VERBS, TIER_IDS, TIERS, tierIndex, VERBS, type Tier } from '../energy/kinetic';
import { KernelError } from '../errors';
import type { ExecResult, OutputLine } from '../host-api';
import type { Kernel } from '../kernel';
import { PROGRAMS } from '../programs/programs';
import { DEFENSES } from '../sab/layout';
import type { Value } from '../services/service';
import { parseLaunch } from './grammar';
import type { ChainWorld, Outcome } from '../yield/world';
import { ShellSyntaxError, tokenize, type Token } from './tokenize';
import { intArg, noMore, out, table, UsageError, type Command, type ShellContext } from './common';
import { importsAcross, PAIRING_COMMANDS } from './pairing';
import { tamperCopy, verifyLedgerText } from '../ledger/verifyText';
import { MAX_SESSION_TICKS } from '../sessionCheck';
import { bytesToHex } from '@noble/hashes/utils.js';

/**
 * The shell: runs command lines as the shell process, inside the kernel. It can only do what the kernel lets
 * its process do; inspection commands read kernel state, control commands go through kernel calls.
 */

/** `ledger verify | export | tamper [seq]`: the WORM ledger's checks, its export, and a tampered copy's break. */
function ledgerCommand(sub: string, args: Token[], kernel: Kernel): OutputLine[] | ExecResult {
  const l = kernel.ledger;
  switch (sub) {
    case 'verify': {
      noMore(args, 1);
      const r = l.verify();
      if (!r.ok) return [out(`✕ the ledger does not verify: entry ${r.firstBad!.seq}: ${r.firstBad!.reason}`, 'error')];
      return [out(`✓ ${r.entries} entries, hash chain intact; ${r.checkpoints} signed checkpoint${r.checkpoints === 1 ? '' : 's'} verified (key ${bytesToHex(l.publicKey).slice(0, 16)}…)`, 'ok')];
    }
    case 'export': {
      noMore(args, 1);
      const text = l.exportJsonl();
      return { lines: [out(`exported ${l.length} entries as JSONL with their checkpoints (the last one signed over the head)`, 'ok')], download: { name: 'capplay-ledger.jsonl', text } };
    }
    case 'tamper': {
      const seq = args[1] ? intArg(args[1], 'seq', 1, l.length) : Math.max(1, Math.ceil(l.length / 2));
      noMore(args, 2);
      const copy = tamperCopy(l.exportJsonl(), seq);
      if (!copy) return [out(`entry ${seq} has no letter to alter`, 'error')];
      const r = verifyLedgerText(copy.altered, l.publicKey);
      return [
        out(`altered one byte of entry ${seq} (line ${copy.line}) in a copy of the export; the ledger itself has no API to modify or delete a record`, 'dim'),
        r.ok ? out('✕ the altered copy still verified: this should never happen', 'error') : out(`verification of the copy: ✕ line ${r.line}${r.seq !== undefined ? `, entry ${r.seq}` : ''}: ${r.reason}`, 'ok'),
      ];
    }
  }
  throw new UsageError(`ledger takes a count, verify, export or tamper; got ${JSON.stringify(sub)}`, args[0].column);
}

const fmtTime = (ms: number) => `${(ms / 1000).toFixed(3)}s`;

/** Run a yield example or attack on the kernel's chain world; ledger the route (and the verdict, for attacks). */
function yieldCommand(ctx: ShellContext, args: Token[], maxArgs: number, run: (w: ChainWorld) => Outcome, verdict?: (o: Outcome) => string): OutputLine[] {
  noMore(args, maxArgs);
  const { kernel, pid } = ctx;
  const w = kernel.chainWorld;
  const o = run(w);
  const route = w.describe(o.route);
  if (o.route) kernel.record('yield', pid, pid, route);
  if (verdict) kernel.record('verdict', pid, pid, verdict(o));
  return [
    o.ok ? out(`→ ${JSON.stringify(o.value)}`, 'ok') : out(`fault: ${o.fault}`, 'error'),
    ...(o.route ? [out(`route: ${route}`, 'dim')] : []),
  ];
}

/** A process named by pid or by the @handle the shell holds to it. */
function pidArg(t: Token | undefined, { kernel, pid }: ShellContext): number {
  if (!t) throw new UsageError('missing pid or @handle');
  if (t.type === 'ref') {
    const p = kernel.process(pid);
    const slot = p.cnode.indexOf(t.value);
    const cap = slot >= 0 ? p.cnode.get(slot)!.cap : null;
    if (!cap) throw new UsageError(`no cap named @${t.value}`, t.column);
    if (cap.target.kind !== 'process') throw new UsageError(`@${t.value} is a ${cap.kind} cap, not a process handle`, t.column);
    return cap.target.pid;
  }
  return intArg(t, 'pid', 1, 0x7fffffff);
}

/** "/home/docs r, /tmp rwc" → entries; errors name the column of the clause. */
function parseUnveilSpec(text: string, column: number): { path: string; perms: number }[] {
  return text.split(',').map((part) => {
    const [path, letters = '', extra] = part.trim().split(/\s+/);
    if (!path || extra !== undefined) throw new UsageError(`unveil entries look like "/path rwc", got ${JSON.stringify(part.trim())}`, column);
    const perms = parsePerms(letters);
    if (perms === null) throw new UsageError(`unveil permissions are letters from r, w, x, c; got ${JSON.stringify(letters)}`, column);
    return { path, perms };
  });
}

function launch(verb: 'run' | 'spawn', args: Token[], ctx: ShellContext): ExecResult {
  const cmd = parseLaunch(verb, args, ctx.line);
  let pledge: number | undefined;
  if (cmd.pledge) {
    const r = parsePromises(cmd.pledge.text);
    if (!r.ok) throw new UsageError(r.error, cmd.pledge.column);
    pledge = r.bits;
  }
  const unveil = cmd.unveil ? parseUnveilSpec(cmd.unveil.text, cmd.unveil.column) : undefined;
  try {
    const child = spawnWithGrants(ctx.kernel, ctx.pid, cmd.program, cmd.grants, { argv: cmd.argv, pledge, unveil });
    if (verb === 'spawn') return { lines: [out(`spawned ${cmd.program} as pid ${child.pid}; the shell holds @${handleName(ctx, child.pid)} to wait on or kill it`, 'ok')] };
    ctx.kernel.lifecycle.attach(child.pid);
    return { lines: [out(`running ${cmd.program} (pid ${child.pid}) in the foreground; Ctrl-C stops it`, 'dim')], foreground: child.pid };
  } catch (e) {
    if (e instanceof GrantError) throw new UsageError(`${e.code}: ${e.message}`, e.grant.column);
    if (e instanceof KernelError && e.code === 'ENOPROG') throw new UsageError(`${e.message}; "help" lists the programs`, cmd.programColumn);
    if (e instanceof KernelError && e.message.startsWith('unveil') && cmd.unveil) throw new UsageError(`${e.code}: ${e.message}`, cmd.unveil.column);
    if (e instanceof KernelError && /pledge/.test(e.message) && cmd.pledge) throw new UsageError(`${e.code}: ${e.message}`, cmd.pledge.column);
    throw e;
  }
}

function handleName(ctx: ShellContext, child: number): string {
  const shell = ctx.kernel.process(ctx.pid);
  for (const [, s] of shell.cnode.entries()) if (s.cap.kind === 'process' && s.cap.target.kind === 'process' && s.cap.target.pid === child) return s.name;
  return '?';
}

function show(v: Value): string {
  const text = JSON.stringify(v);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Work units of a `clock step` done before the command returns; the rest runs in the worker's slices. */
const STEP_AT_ONCE = 50_000;

/** Width of help's first column: a longer usage gets the summary on a line of its own, never run into it. */
const HELP_COLUMN = 34;
function helpRow(left: string, summary: string): OutputLine[] {
  if (left.length < HELP_COLUMN - 1) return [out(`  ${left.padEnd(HELP_COLUMN)}${summary}`)];
  return [out(`  ${left}`), out(`  ${' '.repeat(HELP_COLUMN)}${summary}`)];
}

const COMMANDS: Command[] = [
  {
    name: 'help',
    usage: 'help [command]',
    summary: 'list commands, or explain one',
    complete: (i) => (i === 0 ? [...COMMANDS.map((c) => c.name), 'verbs', 'pledge'] : []),
    run(args) {
      if (args[0]?.value === 'pledge' && !args[1]) {
        return [
          out(`Promises: ${PROMISES.join(' ')}`, 'head'),
          out('What each operation needs (any one of the promises listed)', 'head'),
          ...NEEDS.map((n) => out(`  ${n.op.padEnd(62)}${n.needs.length ? n.needs.join(' or ') : '(always allowed)'}`)),
          out(''),
          out('pledge "…" ["execpromises"] narrows the shell (later pledges only drop promises); run "prog" pledge "…" starts a child', 'dim'),
          out('pledged (never beyond the parent’s execpromises). A violation aborts only the violating fiber.', 'dim'),
          out('unveil /path rwc[, /path r] hides every other path (ENOENT); after the first call unveil only narrows; unveil lock ends it.', 'dim'),
        ];
      }
      if (args[0]?.value === 'verbs') {
        noMore(args, 1);
        return [
          out('The seven verbs (Nexus S1/S3) and what they cost', 'head'),
          ...Object.entries(VERBS).map(([v, j]) => out(`  ${v.padEnd(6)} ${String(j).padStart(3)} J`)),
          out(''),
          out('Every kernel operation is charged as one of them', 'head'),
          ...OPERATION_VERBS.map(([op, v]) => out(`  ${op.padEnd(72)}${v}`)),
          out(''),
          out(`Budgets: 2000 J per fiber, refilled per Spectrum tier: ${TIERS.map((t) => `${t.label} ${t.periodMs} ms`).join(', ')}.`, 'dim'),
          out('A fiber that cannot pay freezes until its next refill: latency, not an error. New fibers start at Void.', 'dim'),
        ];
      }
      if (args[0]) {
        noMore(args, 1);
        const c = COMMANDS.find((x) => x.name === args[0].value);
        if (!c) throw new UsageError(`no command named ${JSON.stringify(args[0].value)}`, args[0].column);
        return [out(c.usage, 'head'), out(`  ${c.summary}`)];
      }
      return [
        out('Commands', 'head'),
        ...COMMANDS.flatMap((c) => helpRow(c.usage, c.summary)),
        out(''),
        out('Programs', 'head'),
        ...PROGRAMS.flatMap((p) => helpRow(p.name, p.summary)),
        out(''),
        out('Caps are named with @name (Tab completes commands, pids and @names). Time is virtual: one tick is 1 ms.', 'dim'),
      ];
    },
  },
  {
    name: 'ps',
    usage: 'ps',
    summary: 'list processes',
    run(args, { kernel }) {
      noMore(args, 0);
      // The machine column only when there is more than one machine: terminals are narrow.
      const many = kernel.machines.length > 1;
      const rows = [...kernel.processes.values()].map((p) => [p.pid, p.parent, ...(many ? [kernel.machines[p.machine].name] : []), p.state, p.cnode.size, p.name, p.program]);
      return table(['PID', 'PPID', ...(many ? ['MACHINE'] : []), 'STATE', 'CAPS', 'NAME', 'PROGRAM'], rows);
    },
  },
  {
    name: 'caps',
    usage: 'caps [pid]',
    summary: "show a process's cap table (default: the shell's)",
    complete: (i) => (i === 0 ? ['<pid>'] : []),
    run(args, { kernel, pid }) {
      const target = args[0] ? intArg(args[0], 'pid', 1, 0x7fffffff) : pid;
      noMore(args, 1);
      const p = kernel.processes.get(target);
      if (!p) throw new UsageError(`no process with pid ${target}`, args[0]?.column);
      const rows = [...p.cnode.entries()].map(([slot, s]) => [slot, `@${s.name}`, s.cap.kind, kernel.describeTarget(s.cap.target), s.cap.badge || '-']);
      return [out(`${p.name} (pid ${p.pid}) holds ${p.cnode.size} cap${p.cnode.size === 1 ? '' : 's'}`, 'dim'), ...table(['SLOT', 'NAME', 'KIND', 'TARGET', 'BADGE'], rows)];
    },
  },
  {
    name: 'ledger',
    usage: 'ledger [n] | ledger verify | ledger export | ledger tamper [seq]',
    summary: 'the last n audit records (default 10); verify the hash chain and signed checkpoints; export JSONL; the tamper demo',
    complete: (i) => (i === 0 ? ['verify', 'export', 'tamper'] : []),
    run(args, { kernel }) {
      const sub = args[0]?.type === 'word' && /^[a-z]+$/.test(args[0].value) ? args[0].value : null;
      if (sub) return ledgerCommand(sub, args, kernel);
      const n = args[0] ? intArg(args[0], 'n', 1, 1000) : 10;
      noMore(args, 1);
      const rows = kernel.ledger.last(n).map((e) => [e.seq, fmtTime(e.time), e.kind, e.detail]);
      return [out(`${kernel.ledger.length} records in all`, 'dim'), ...table(['SEQ', 'TIME', 'EVENT', 'DETAIL'], rows)];
    },
  },
  {
    name: 'run',
    usage: 'run "prog [args]" [pledge "…"] [unveil "…"] [with { name: @cap, name: client @cap, name: move @cap, … }]',
    summary: 'start a program holding exactly the granted caps, and attach the terminal to it',
    complete: (i) => (i === 0 ? PROGRAMS.map((p) => `"${p.name}"`) : i === 1 ? ['with'] : []),
    run: (args, ctx) => launch('run', args, ctx),
  },
  {
    name: 'spawn',
    usage: 'spawn "prog [args]" [pledge "…"] [unveil "…"] [with { … }]',
    summary: 'start a program in the background; the shell keeps a handle to it',
    complete: (i) => (i === 0 ? PROGRAMS.map((p) => `"${p.name}"`) : i === 1 ? ['with'] : []),
    run: (args, ctx) => launch('spawn', args, ctx),
  },
  {
    name: 'wait',
    usage: 'wait <pid|@handle>',
    summary: 'attach the terminal to a running child until it ends, or show how it ended',
    run(args, ctx) {
      const target = pidArg(args[0], ctx);
      noMore(args, 1);
      const code = ctx.kernel.lifecycle.reapHandle(ctx.pid, target);
      if (code !== null) return [out(`pid ${target} ended with code ${code}`)];
      if (!ctx.kernel.lifecycle.holdsHandle(ctx.pid, target)) throw new UsageError(`the shell holds no handle to pid ${target}`, args[0].column);
      ctx.kernel.lifecycle.attach(target);
      return { lines: [out(`waiting for ${ctx.kernel.who(target)}; Ctrl-C stops it`, 'dim')], foreground: target };
    },
  },
  {
    name: 'kill',
    usage: 'kill <pid|@handle>',
    summary: 'end a process the shell holds a handle to',
    run(args, ctx) {
      const target = pidArg(args[0], ctx);
      noMore(args, 1);
      const who = ctx.kernel.who(target);
      ctx.kernel.kill(ctx.pid, target);
      return [out(`killed ${who}`, 'ok')];
    },
  },
  {
    name: 'call',
    usage: 'call @cap method [arg …]',
    summary: 'CALL a method through a cap; "text", numbers and @caps are arguments',
    run(args, ctx) {
      const [capTok, methodTok, ...rest] = args;
      if (!capTok || capTok.type !== 'ref') throw new UsageError('the first argument is the cap to call, e.g. @chat_participant', capTok?.column);
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
      const r = ctx.kernel.call(ctx.pid, capTok.value, method, { iface, args: values, caps });
      if (!r.ok) return [out(`call: ${r.code}: ${r.error}`, 'error')];
      return [out(show(r.value)), ...r.caps.map((c) => out(`→ the shell now holds @${c}`, 'ok'))];
    },
  },
  {
    name: 'defense',
    usage: 'defense [name on|off]',
    summary: 'list the defenses, or turn one on or off (ledgered)',
    complete: (i) => (i === 0 ? DEFENSES.map((d) => d.id) : i === 1 ? ['on', 'off'] : []),
    run(args, { kernel, pid }) {
      if (!args[0]) return DEFENSES.map((d) => out(`${d.id.padEnd(11)}${kernel.defenses[d.id] ? 'on ' : 'off'}  ${d.label}`));
      const d = DEFENSES.find((x) => x.id === args[0].value);
      if (!d) throw new UsageError(`no defense named ${JSON.stringify(args[0].value)}; known: ${DEFENSES.map((x) => x.id).join(', ')}`, args[0].column);
      const state = args[1];
      if (!state || (state.value !== 'on' && state.value !== 'off')) throw new UsageError('say on or off', state?.column);
      noMore(args, 2);
      kernel.setDefense(d.id, state.value === 'on', pid);
      return [out(`${d.label} is ${state.value}`, 'ok')];
    },
  },
  {
    name: 'top',
    usage: 'top',
    summary: 'energy per fiber: tier, balance, state, last wait, energy spent',
    run(args, { kernel }) {
      noMore(args, 0);
      const procs = [...kernel.processes.values()];
      const frozen = procs.filter((p) => p.state === 'frozen').length;
      const rows = procs.map((p) => [p.pid, p.name, p.meter.tier, `${p.meter.energy}/${p.meter.budget}`, p.state, `${p.latency}`, p.spent]);
      return [
        out(`energy budgets ${kernel.defenses.energy ? 'on' : 'OFF'}; ${procs.length} fibers, ${frozen} frozen; clock ${fmtTime(kernel.time)}`, 'dim'),
        ...table(['PID', 'NAME', 'TIER', 'ENERGY J', 'STATE', 'WAIT ms', 'SPENT J'], rows),
      ];
    },
  },
  {
    name: 'tables',
    usage: 'tables',
    summary: 'how full each state table is (they are sized for the scenario at boot)',
    run(args, { kernel }) {
      noMore(args, 0);
      const c = kernel.capacity;
      const row = (name: string, used: number, of: number) => [name, used, of, `${Math.floor((100 * used) / of)}%`];
      return [
        out('state tables, sized for this scenario at boot; a full one answers ECAPACITY', 'dim'),
        ...table(['TABLE', 'USED', 'CAPACITY', 'FULL'], [
          row('processes', kernel.processes.size, c.processes),
          row('caps', kernel.liveCaps, c.caps),
          row('objects', kernel.objects.size, c.objects),
          row('machines', kernel.machines.length, c.machines),
          row('strings', kernel.stringList.length, c.strings),
        ]),
        out(`ledger: ${kernel.ledger.length} records in the worker, about ${mb(kernel.ledger.residentBytes())} MB of them in its memory; sealed segments (8,192 records each) are kept ${kernel.ledger.storage}`, 'dim'),
        out(`the state buffer's ring shows the newest ${c.ledgerRing} records; older ones are read from the worker`, 'dim'),
      ];
    },
  },
  {
    name: 'tier',
    usage: 'tier <pid|@handle> photon|matter|gravity|void',
    summary: "set a fiber's Spectrum tier (needs its handle; never above the shell's own tier)",
    complete: (i) => (i === 1 ? [...TIER_IDS] : []),
    run(args, ctx) {
      const { kernel, pid } = ctx;
      const target = pidArg(args[0], ctx);
      const t = args[1];
      if (!t || !TIER_IDS.includes(t.value as Tier)) throw new UsageError(`tier must be one of ${TIER_IDS.join(', ')}`, t?.column);
      noMore(args, 2);
      if (target === pid) throw new UsageError('a fiber cannot set its own tier', args[0].column);
      if (!kernel.lifecycle.holdsHandle(pid, target)) {
        kernel.deny(pid, target, `tier ${kernel.who(target)} ${t.value}`, 'the shell holds no process handle to it');
        throw new UsageError(`the shell holds no process handle to pid ${target}`, args[0].column);
      }
      const own = kernel.process(pid).meter.tier;
      if (tierIndex(t.value as Tier) < tierIndex(own)) throw new UsageError(`cannot raise pid ${target} above the shell's own tier (${own})`, t.column);
      kernel.energy.setTier(target, t.value as Tier, pid);
      return [out(`${kernel.who(target)} is now ${t.value}`, 'ok')];
    },
  },
  {
    name: 'grant',
    usage: 'grant <pid|@handle> [move|client] @cap [badge N] [as name]',
    summary: 'give a running child a cap (GRANT: copy by default; Gate 0 applies to client facets)',
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
        if (!n || n.type !== 'word' || !/^[A-Za-z][A-Za-z0-9_.-]{0,39}$/.test(n.value)) throw new UsageError('expected a name after as', n?.column);
        name = n.value;
        i += 2;
      }
      noMore(args, i);
      try {
        const slot = grantTo(ctx.kernel, ctx.pid, target, { name, from: ref.value, mode, badge, column: args[1].column, text: ctx.line.slice(args[1].column - 1) });
        return [out(`${ctx.kernel.who(target)} now holds @${ctx.kernel.process(target).cnode.get(slot)!.name}`, 'ok')];
      } catch (e) {
        if (e instanceof GrantError) throw new UsageError(`${e.code}: ${e.message}`, e.grant.column);
        throw e;
      }
    },
  },
  {
    name: 'drop',
    usage: 'drop @cap',
    summary: "delete a cap from the shell's own table: a local delete (copies elsewhere live on; revoke or unpair revokes)",
    run(args, { kernel, pid }) {
      const ref = args[0];
      if (!ref || ref.type !== 'ref') throw new UsageError('expected the cap to drop, e.g. @vault', ref?.column);
      noMore(args, 1);
      const p = kernel.process(pid);
      const slot = p.cnode.indexOf(ref.value);
      const entry = slot >= 0 ? p.cnode.get(slot) : undefined;
      if (!entry) throw new UsageError(`no cap named @${ref.value}`, ref.column);
      if (entry.reserved) throw new UsageError(`@${ref.value} is being moved`, ref.column);
      const cap = entry.cap;
      kernel.releaseSlot(p, slot, 'dropped by the shell');
      const pairing = cap.kind === 'import' ? kernel.fleet.pairing(cap.pairing ?? 0) : undefined;
      const copies = pairing?.live && cap.target.kind === 'object' ? importsAcross(kernel, pairing.id, cap.target.id) : [];
      if (pairing && copies.length) {
        const ends = `${kernel.machines[pairing.a].name} ⇄ ${kernel.machines[pairing.b].name}`;
        const ep = cap.target.kind === 'object' ? kernel.objects.get(cap.target.id) : undefined;
        const service = ep ? `${ep.name}@${kernel.machines[ep.machine].name}` : kernel.describeTarget(cap.target);
        kernel.record(
          'verdict',
          pid,
          pid,
          `revocation incomplete: ${kernel.who(pid)} dropped its @${ref.value}, but ${copies.length} other import${copies.length === 1 ? '' : 's'} of ${service} across the live ${ends} pairing still work${copies.length === 1 ? 's' : ''} (${copies.join(', ')}): deleting your own copy revokes nothing; unpair severs them all`,
          cap.target.kind === 'object' ? cap.target.id : 0,
        );
      }
      return [out(`the shell no longer holds @${ref.value}${copies.length ? `; ${copies.length} cop${copies.length === 1 ? 'y' : 'ies'} across the pairing still work${copies.length === 1 ? 's' : ''}` : ''}`, 'ok')];
    },
  },
  {
    name: 'channel',
    usage: 'channel <name>',
    summary: 'create a channel (rwx) the shell owns (MAP)',
    run(args, { kernel, pid }) {
      const n = args[0];
      if (!n || n.type !== 'word') throw new UsageError('missing channel name', n?.column);
      noMore(args, 1);
      const slot = createChannel(kernel, pid, n.value);
      return [out(`the shell holds @${kernel.process(pid).cnode.get(slot)!.name}: a new channel, rwx, depth 0`, 'ok')];
    },
  },
  {
    name: 'map',
    usage: 'map <name> <length>',
    summary: 'map a memory region [0, length) the shell owns, rw (MAP)',
    run(args, { kernel, pid }) {
      const n = args[0];
      if (!n || n.type !== 'word') throw new UsageError('missing region name', n?.column);
      const length = intArg(args[1], 'length', 1, 65536);
      noMore(args, 2);
      const slot = createChannel(kernel, pid, n.value, { length });
      return [out(`the shell holds @${kernel.process(pid).cnode.get(slot)!.name}: memory [0, ${length}), rw-, depth 0`, 'ok')];
    },
  },
  {
    name: 'mask',
    usage: 'mask @cap <rights> [bounds <base> <length>]',
    summary: 'narrow a channel or memory cap (MASK: only ever narrows), e.g. mask @news r',
    run(args, { kernel, pid }) {
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
      mask(kernel, pid, ref.value, bits, bounds);
      return [out(`@${ref.value} is now ${r.value}${bounds ? ` within [${bounds.base}, ${bounds.base + bounds.length})` : ''}`, 'ok')];
    },
  },
  {
    name: 'revoke',
    usage: 'revoke @cap',
    summary: "flip a channel's or region's epoch: every cap delegated from it dies at once",
    run(args, { kernel, pid }) {
      const ref = args[0];
      if (!ref || ref.type !== 'ref') throw new UsageError('expected the cap whose object to revoke, e.g. @news', ref?.column);
      noMore(args, 1);
      const dead = revokeEpoch(kernel, pid, ref.value);
      return [out(`revoked: ${dead} delegated cap${dead === 1 ? '' : 's'} died; @${ref.value} moved to the new epoch`, 'ok')];
    },
  },
  {
    name: 'pledge',
    usage: 'pledge "<promises>" ["<execpromises>"]',
    summary: 'pledge the shell (only ever drops promises); execpromises bound its children',
    run(args, { kernel, pid }) {
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
      kernel.sandbox.setPledge(pid, p.bits, exec);
      return [out(`the shell is pledged "${a.value}"${b ? `, execpromises "${b.value}"` : ''}`, 'ok')];
    },
  },
  {
    name: 'unveil',
    usage: 'unveil <path> <rwxc>[, <path> <rwxc>…] | unveil lock',
    summary: 'unveil paths for the shell and its future children; everything else becomes invisible',
    run(args, { kernel, pid, line }) {
      if (!args[0]) throw new UsageError('missing path (or lock)');
      if (args[0].value === 'lock') {
        noMore(args, 1);
        kernel.sandbox.unveilPaths(pid, 'lock');
        return [out('unveil is locked', 'ok')];
      }
      const spec = line.slice(args[0].column - 1).replace(/#.*$/, '');
      const entries = parseUnveilSpec(spec, args[0].column);
      kernel.sandbox.unveilPaths(pid, entries);
      return [out(`unveiled ${spec.trim()}; everything else is invisible to the shell and its children`, 'ok')];
    },
  },
  {
    name: 'attest',
    usage: 'attest',
    summary: 'run the AttestationAuthority example: a kernel:attest yield, handled by the kernel',
    run: (args, ctx) => yieldCommand(ctx, args, 0, (w) => w.attest()),
  },
  {
    name: 'invoke',
    usage: 'invoke [old] ["payload"]',
    summary: "invoke the user's EndpointRefCap (old: the one it held before the last rotation)",
    run(args, ctx) {
      const old = args[0]?.value === 'old';
      const payload = args[old ? 1 : 0];
      // After a rotation, invoking the old cap is the revocation's test: the verdict says how it went.
      const verdict = old && ctx.kernel.chainWorld.shown.rotated ? (o: Outcome) => (o.ok ? `old cap still works after the rotation: ${ctx.kernel.chainWorld.describe(o.route)}` : `revoked by key rotation: the user's old EndpointRefCap faults (${o.fault}); the chain redistributed one under the new key`) : undefined;
      return yieldCommand(ctx, args, old ? 2 : 1, (w) => w.invoke(payload ? { payload: payload.value } : null, old), verdict);
    },
  },
  {
    name: 'mint',
    usage: 'mint <domain> <content>',
    summary: 'the MintRefCap example: mint(domain, content) through the chain',
    run(args, ctx) {
      if (!args[1]) throw new UsageError('usage: mint <domain> <content>', args[0]?.column);
      return yieldCommand(ctx, args, 2, (w) => w.mint(args[0].value, args[1].value));
    },
  },
  {
    name: 'rotate',
    usage: 'rotate <key> [new-key] [inflight]',
    summary: 'revoke by key rotation: the chain drops <key> (inflight: rotate while a call holding the old cap is in flight — the snapshot caveat)',
    complete: (i) => (i === 0 ? ['invoke_key', 'mint_key'] : ['inflight']),
    run(args, ctx) {
      if (!args[0]) throw new UsageError('which key? e.g. rotate invoke_key');
      const inflight = args.length > 1 && args[args.length - 1].value === 'inflight';
      const rest = inflight ? args.slice(0, -1) : args;
      const key = rest[0].value;
      const next = rest[1]?.value ?? `${key}_${ctx.kernel.ticks}`;
      if (!inflight) return yieldCommand(ctx, rest, 2, (w) => w.rotate(key, next));
      return yieldCommand(ctx, rest, 2, (w) => w.rotateInFlight(key, next), (o) =>
        o.ok
          ? `snapshot caveat: a call already in flight when ${key} was rotated still got through (${ctx.kernel.chainWorld.describe(o.route)}): its CALL snapshotted the chain's receiver before the rotation, so rotation revokes new calls only`
          : `rotation reached the call in flight: ${o.fault}`,
      );
    },
  },
  {
    name: 'yields',
    usage: 'yields [n]',
    summary: 'the last n yield routes (emitter → owner edges walked → catcher, or the fault)',
    run(args, { kernel }) {
      const n = args[0] ? intArg(args[0], 'n', 1, 100) : 10;
      noMore(args, 1);
      const w = kernel.chainWorld;
      const routes = w.rt.routes.slice(-n);
      return routes.length ? routes.map((r) => out(w.describe(r), r.caughtBy === null ? 'error' : undefined)) : [out('no yields yet: try attest, invoke or mint', 'dim')];
    },
  },
  {
    name: 'forge',
    usage: 'forge',
    summary: 'attack: a descendant mints the reserved invoke_key itself (blocked by mint_yield interposition)',
    run: (args, ctx) => yieldCommand(ctx, args, 0, (w) => w.forge(), (o) => (o.ok ? 'forged mint succeeded: the descendant minted invoke_key and the chain accepted its yield as authority' : `forged mint blocked: ${o.fault}`)),
  },
  {
    name: 'lookalike',
    usage: 'lookalike',
    summary: 'attack: present a derived instance of the right image_hash to a vault (blocked when image_hash is not authority)',
    run: (args, ctx) =>
      yieldCommand(ctx, args, 0, (w) => w.lookalike(!ctx.kernel.defenses.hashauth), (o) =>
        o.ok ? 'image_hash taken as authority: the vault paid a look-alike instance' : `look-alike refused: ${o.fault}`,
      ),
  },
  {
    name: 'clear',
    usage: 'clear',
    summary: 'clear the terminal',
    run(args) {
      noMore(args, 0);
      return { lines: [], clear: true };
    },
  },
  {
    name: 'clock',
    usage: 'clock [pause|run|step [n]|speed x]',
    summary: 'show or control the virtual clock',
    complete: (i) => (i === 0 ? ['pause', 'run', 'step', 'speed'] : []),
    run(args, { kernel, pid }) {
      const status = () => out(`clock ${kernel.running ? 'running' : 'paused'} at ${fmtTime(kernel.time)}, speed ×${kernel.speed}`);
      const sub = args[0];
      if (!sub) return [status()];
      switch (sub.value) {
        case 'pause':
          noMore(args, 1);
          kernel.setRunning(false, pid);
          return [status()];
        case 'run':
          noMore(args, 1);
          kernel.setRunning(true, pid);
          return [status()];
        case 'step': {
          const n = args[1] ? intArg(args[1], 'step count', 1, 100_000) : 1;
          noMore(args, 2);
          // Owed ticks run as the clock runs, in slices: a heavy world never holds the worker for the whole step.
          // As many as STEP_AT_ONCE work units allow run now (a count, so a replay does the same).
          kernel.stepsOwed = Math.min(kernel.stepsOwed + n, Math.max(0, MAX_SESSION_TICKS - kernel.ticks)); // a saved session holds a week
          if (kernel.runOwed(STEP_AT_ONCE)) return [status()];
          return [status(), out(`stepping on: ${kernel.stepsOwed} ms to go (a heavy world: it runs in slices, so the shell stays responsive)`, 'dim')];
        }
        case 'speed': {
          const t = args[1];
          if (!t) throw new UsageError('missing speed (for example: clock speed 2)');
          const x = Number(t.value);
          if (t.type !== 'word' || !Number.isFinite(x) || x <= 0 || x > 100) throw new UsageError(`speed must be a number above 0 and at most 100, got ${JSON.stringify(t.value)}`, t.column);
          noMore(args, 2);
          kernel.setSpeed(x, pid);
          return [status()];
        }
        default:
          throw new UsageError(`unknown clock action ${JSON.stringify(sub.value)}; use pause, run, step [n] or speed x`, sub.column);
      }
    },
  },
  ...PAIRING_COMMANDS,
];

const byName = new Map(COMMANDS.map((c) => [c.name, c]));

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

const errorLine = (text: string): ExecResult => ({ lines: [out(text, 'error')] });

export class Shell {
  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
  ) {}

  exec(line: string): ExecResult {
    let tokens: Token[];
    try {
      tokens = tokenize(line);
    } catch (e) {
      if (e instanceof ShellSyntaxError) return errorLine(`syntax error: ${e.message}`);
      throw e;
    }
    if (!tokens.length) return { lines: [] };
    const [head, ...args] = tokens;
    const cmd = head.type === 'word' ? byName.get(head.value) : undefined;
    if (!cmd) {
      const near = COMMANDS.map((c) => c.name).filter((n) => editDistance(n, head.value.slice(0, 40)) <= 2);
      const hint = near.length ? `did you mean ${near.join(' or ')}? ` : '';
      return errorLine(`${JSON.stringify(head.value.slice(0, 40))}: unknown command (column ${head.column}). ${hint}Type "help" for the list.`);
    }
    try {
      const r = cmd.run(args, { kernel: this.kernel, pid: this.pid, line });
      return Array.isArray(r) ? { lines: r } : r;
    } catch (e) {
      if (e instanceof UsageError) return errorLine(`${cmd.name}: ${e.message}${e.column ? ` (column ${e.column})` : ''}. Usage: ${cmd.usage}`);
      if (e instanceof KernelError) return errorLine(`${cmd.name}: ${e.code}: ${e.message}`);
      if (e instanceof ShellSyntaxError) return errorLine(`syntax error: ${e.message}`);
      throw e;
    }
  }

  /** Candidates for the word that ends at `cursor`. */
  complete(line: string, cursor: number): { from: number; candidates: string[] } {
    const before = line.slice(0, Math.max(0, Math.min(cursor, line.length)));
    const from = before.search(/[^\s{},:]*$/);
    const word = before.slice(from);
    const previous = before.slice(0, from).trim().split(/\s+/).filter(Boolean);
    let pool: string[];
    if (word.startsWith('@')) {
      const shell = this.kernel.processes.get(this.pid);
      pool = shell ? [...shell.cnode.entries()].map(([, s]) => `@${s.name}`) : [];
    } else if (previous.length === 0) {
      pool = COMMANDS.map((c) => c.name);
    } else {
      const cmd = byName.get(previous[0]);
      const index = previous.length - 1;
      const pids = () => [...this.kernel.processes.keys()].map(String);
      pool = ['caps', 'kill', 'wait', 'tier', 'grant'].includes(cmd?.name ?? '') && index === 0 ? pids() : (cmd?.complete?.(index, this.kernel) ?? []);
    }
    return { from, candidates: pool.filter((c) => c.startsWith(word) && !c.startsWith('<')).sort() };
  }
}
