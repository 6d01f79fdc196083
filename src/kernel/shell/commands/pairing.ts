import type { OutputLine } from '../../host-api';
import { PAIRING_TYPES, type PairingType } from '../../pairing/fleet';
import {
  costs,
  noMore,
  out,
  table,
  UsageError,
  type ArgSpec,
  type Command,
  type Cost,
  type KernelView,
  type ShellContext,
} from '../common';
import type { Token } from '../tokenize';

/**
 * Shell commands for machine pairing (seeds 000, 001; Nexus S4): pair, unpair, import, the MITM demo, TOFU+
 * bindings and key announcements, the Diode demo, and the handshake trace.
 */

const machineNames = (view: KernelView) => view.machines.map((m) => m.name);
const here = ({ view, pid }: ShellContext) => view.machines[view.process(pid).machine];
const MACHINE: ArgSpec = { name: 'machine', complete: machineNames };

function machineArg(t: Token | undefined, { view }: ShellContext): string {
  if (!t) throw new UsageError('missing machine name');
  if (t.type !== 'word' || !view.fleet.machine(t.value))
    throw new UsageError(`no machine named ${JSON.stringify(t.value)}; machines: ${machineNames(view).join(', ')}`, t.column);
  return t.value;
}

/** "<a> [<b>] [as TYPE]": one machine means the shell's own machine and that one; no type, the policy's. */
function pairArgs(args: Token[], ctx: ShellContext, withType: boolean): { a: string; b: string; type?: PairingType } {
  const asAt = args.findIndex((t) => t.type === 'word' && t.value === 'as');
  const names = asAt >= 0 ? args.slice(0, asAt) : args;
  if (names.length === 0 || names.length > 2) throw new UsageError('name one machine (paired with this one) or two', names[2]?.column);
  const [a, b] = names.length === 1 ? [here(ctx).name, machineArg(names[0], ctx)] : [machineArg(names[0], ctx), machineArg(names[1], ctx)];
  let type: PairingType | undefined;
  if (asAt >= 0) {
    if (!withType) throw new UsageError('unpair takes no type', args[asAt].column);
    const t = args[asAt + 1];
    const upper = t?.value.toUpperCase();
    if (!t || !(PAIRING_TYPES as readonly string[]).includes(upper!))
      throw new UsageError(`pairing types: ${PAIRING_TYPES.join(', ')}`, t?.column ?? args[asAt].column);
    type = upper as PairingType;
    noMore(args, asAt + 2);
  }
  return { a, b, type };
}

function handshakeLines(view: KernelView, last: number): OutputLine[] {
  const runs = view.fleet.handshakes.slice(-last);
  if (!runs.length) return [out('no handshakes yet: try pair <machine>', 'dim')];
  return runs.flatMap((h) => [
    out(`handshake #${h.id} ${h.label} (${h.type}) — ${h.protocol}`, 'head'),
    ...h.steps.map((s) =>
      out(
        `  ${s.index}. ${s.from} → ${s.to}  [${s.tokens.join(', ')}]  ${s.length} bytes${s.altered ? ' (altered on the wire)' : ''}: ${s.learns}`,
        s.ok ? undefined : 'error',
      ),
    ),
    out(`  ${h.ok ? '✓' : '✕'} ${h.outcome}`, h.ok ? 'ok' : 'error'),
  ]);
}

/** `tofu forget` is a message to the pairing (SEND); showing the bindings is a read, free. */
const TOFU_COST: Cost = { text: 'SEND (tofu forget; showing the bindings is inspection: free)', verbs: () => 'SEND' };

/** A machine's announcement is a call on its service-pairing (SEND); `forged` is the experimenter's staged forgery, free. */
const ANNOUNCE_COST: Cost = { text: 'SEND (announce … forged is the experimenter’s staged forgery: free)', verbs: () => 'SEND' };

/** Every word pair's arguments complete to: machines, then `as` and the pairing types. */
const PAIR_WORD: ArgSpec = { name: 'machine|as|type', complete: (view) => [...machineNames(view), 'as', ...PAIRING_TYPES] };

export const PAIRING_COMMANDS: Command[] = [
  {
    name: 'machines',
    world: 'outside',
    usage: 'machines',
    summary: 'list machines: role, Diode level, CellID and live pairings',
    run(args, { view }) {
      noMore(args, 0);
      const f = view.fleet;
      const rows = view.machines.map((m) => [
        m.name,
        m.role ?? '-',
        f.level(m),
        f.identity(m.name).fingerprint,
        f.describe(m).replace(/^[^⇄]*?(?=⇄|$)/, '') || '(unpaired)',
      ]);
      return table(['MACHINE', 'ROLE', 'DIODE', 'CELLID', 'PAIRINGS'], rows);
    },
  },
  {
    name: 'pair',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'pair <machine> [<machine>] [as ADMIN|INPUT|USER|INTERFACE]',
    summary:
      "pair this machine with another by a Noise XX handshake, through the shell's service-pairing cap; the type is the policy's (INPUT if silent), or less; two names: set a pairing's type over an ADMIN pairing to one end",
    args: Array(4).fill(PAIR_WORD),
    run(args, ctx) {
      const { a, b, type } = pairArgs(args, ctx, true);
      const before = ctx.view.fleet.handshakes.length;
      const r = ctx.shell.pairing('pair', type ? [a, b, type] : [a, b]);
      if (!r.ok)
        return [
          out(`pair: ${r.code}: ${r.error}`, 'error'),
          ...(ctx.view.fleet.handshakes.length > before ? handshakeLines(ctx.view, 1) : []),
        ];
      return [
        out(String(r.value), 'ok'),
        out(`handshake: ${ctx.view.fleet.handshakes.at(-1)!.outcome} (type "handshake" for the messages)`, 'dim'),
      ];
    },
  },
  {
    name: 'unpair',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'unpair <machine> [<machine>]',
    summary:
      "sever one of this machine's pairings, or, over an ADMIN pairing to a Totebox, the Totebox's (service-pairing): every import across it breaks at once; the machines vanish from each other",
    args: [MACHINE, MACHINE],
    run(args, ctx) {
      const { a, b } = pairArgs(args, ctx, false);
      const r = ctx.shell.pairing('unpair', [a, b]);
      if (!r.ok) return [out(`unpair: ${r.code}: ${r.error}`, 'error')];
      const dead = Number(r.value);
      return [out(`severed ${a} ⇄ ${b}: imports across it now answer "not found"${dead ? ` (${dead} died at once)` : ''}`, 'ok')];
    },
  },
  {
    name: 'import',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'import <machine> <service> [as <name>]',
    summary:
      'import a service from a paired machine through the service-pairing (not found if unpaired); calls are attenuated by the pairing type',
    args: [MACHINE, { name: 'service' }, { name: 'as', complete: () => ['as'] }],
    run(args, ctx) {
      const machine = args[0];
      const service = args[1];
      if (!machine || !service) throw new UsageError('usage: import <machine> <service> [as <name>]', machine?.column);
      let as: string | undefined;
      if (args[2]) {
        if (args[2].value !== 'as' || !args[3] || !/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(args[3].value))
          throw new UsageError('say "as <name>" with a name of letters, digits and _', args[2].column);
        as = args[3].value;
        noMore(args, 4);
      }
      const r = ctx.shell.pairing('import', as ? [machine.value, service.value, as] : [machine.value, service.value]);
      if (!r.ok) return [out(`import: ${r.code}: ${r.error}`, 'error')];
      return [
        out(`the shell now holds @${r.caps[0]}: ${service.value}@${machine.value}`, 'ok'),
        ...(r.value === 'telemetry'
          ? [out('the Diode: this machine is downstream, so the cap carries sanitised telemetry only', 'dim')]
          : []),
      ];
    },
  },
  {
    name: 'mitm',
    world: 'outside',
    usage: 'mitm <machine> [<machine>] [as TYPE]',
    summary: 'attack: pair through mallory, who answers each side with her own key (succeeds on first contact, refused after binding)',
    args: [MACHINE, MACHINE],
    run(args, ctx) {
      const { a, b, type } = pairArgs(args, ctx, true);
      const r = ctx.experimenter.mitm(a, b, type ?? 'INPUT');
      if (!r.ok)
        return [
          out(`mitm: ${r.code}: ${r.message}`, 'error'),
          out('TOFU+ held: the CellID bound on first contact does not match mallory’s', 'ok'),
        ];
      return [
        out(`${r.message}`, 'error'),
        out(
          `${a} and ${b} think they are paired; mallory holds both session keys. ${ctx.view.defenses.tofu ? 'Nothing was bound before, so nothing could tell.' : 'Pure TOFU (TOFU+ is off) checks no binding, so the new key was taken.'}`,
          'dim',
        ),
        out(
          `Out of band, compare CellIDs: ${b} is really ${ctx.view.fleet.identity(b).fingerprint}…, what ${a} bound is ${ctx.view.fleet.bindingsOf(ctx.view.fleet.machine(a)!.id).get(b)?.cellId.slice(0, 19)}…`,
          'dim',
        ),
      ];
    },
  },
  {
    name: 'tofu',
    world: 'inside',
    cost: TOFU_COST,
    outside: (args) => args[0]?.value !== 'forget',
    usage: 'tofu [<machine>] | tofu forget <machine> <peer>',
    summary:
      'show TOFU+ bindings (peer → CellID bound on first contact), or forget one: ADMIN on that machine (its own service-pairing, or an ADMIN pairing to it)',
    args: [{ name: 'machine', complete: (view) => ['forget', ...machineNames(view)] }, MACHINE, MACHINE],
    run(args, ctx) {
      const { view } = ctx;
      if (args[0]?.value === 'forget') {
        const m = machineArg(args[1], ctx);
        const peer = machineArg(args[2], ctx);
        noMore(args, 3);
        const r = ctx.shell.pairing('forget', [m, peer]);
        return [r.ok ? out(String(r.value), 'ok') : out(`tofu forget: ${r.code}: ${r.error}`, 'error')];
      }
      const m = args[0] ? machineArg(args[0], ctx) : here(ctx).name;
      noMore(args, 1);
      const b = view.fleet.bindingsOf(view.fleet.machine(m)!.id);
      if (!b.size) return [out(`${m} has bound no peers yet (first contact binds)`, 'dim')];
      return table(
        ['PEER', 'CELLID', 'HOW', 'SINCE'],
        [...b].map(([peer, x]) => [peer, x.cellId, x.how, `${(x.since / 1000).toFixed(3)}s`]),
      );
    },
  },
  {
    name: 'announce',
    world: 'inside',
    cost: ANNOUNCE_COST,
    outside: (args) => args[1]?.value === 'forged',
    usage: 'announce <machine> [forged]',
    summary:
      "this machine rotates its keys and announces them signed by its old key (mutual consent; only a machine announces its own); forged: mallory's staged forgery",
    args: [MACHINE, { name: 'forged', complete: () => ['forged'] }],
    run(args, ctx) {
      const m = machineArg(args[0], ctx);
      const forged = args[1]?.value === 'forged';
      if (args[1] && !forged) throw new UsageError('say "forged" or nothing', args[1].column);
      noMore(args, 2);
      if (forged) return [out(ctx.experimenter.forgeAnnounce(m).message, 'error')];
      const r = ctx.shell.pairing('announce', [m]);
      return [r.ok ? out(String(r.value), 'ok') : out(`announce: ${r.code}: ${r.error}`, 'error')];
    },
  },
  {
    name: 'compromise',
    world: 'outside',
    usage: 'compromise <process>',
    summary: 'attack: a compromised edge process tries to command the vault through its imports (the Diode stops it)',
    run(args, { view, experimenter }) {
      const t = args[0];
      if (!t) throw new UsageError('which process? e.g. compromise media');
      noMore(args, 1);
      const p = [...view.processes.values()].find((x) => x.name === t.value || String(x.pid) === t.value);
      if (!p) throw new UsageError(`no process named ${JSON.stringify(t.value)}`, t.column);
      const imports = [...p.cnode.entries()].filter(([, s]) => s.cap.kind === 'import');
      if (!imports.length) return [out(`${p.name} holds no import: there is no edge to another machine to even try`, 'dim')];
      return imports.map(([, s]) => {
        const r = experimenter.callAs(p.pid, s.name, 'write', { args: ['owned.txt', `written by the compromised ${p.name}`] });
        return r.ok
          ? out(`${p.name}: write through @${s.name} went through: ${JSON.stringify(r.value)}`, 'error')
          : out(`${p.name}: write through @${s.name} refused: ${r.code}: ${r.error}`, 'ok');
      });
    },
  },
  {
    name: 'handshake',
    world: 'outside',
    usage: 'handshake [n]',
    summary: 'the messages of the last n pairing handshakes: who sent what, which DH, what each side learned',
    run(args, { view }) {
      const n = args[0] ? Number(args[0].value) : 1;
      if (!Number.isInteger(n) || n < 1 || n > 8) throw new UsageError('n is 1 to 8', args[0]?.column);
      noMore(args, 1);
      return handshakeLines(view, n);
    },
  },
];
