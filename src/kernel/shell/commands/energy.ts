import { TIER_IDS, type Tier } from '../../energy/kinetic';
import { costs, fmtTime, noMore, out, PID, pidArg, table, UsageError, words, type Command } from '../common';

/** Energy: each fiber's tier and balance, and moving a fiber to another Spectrum tier. */

export const ENERGY_COMMANDS: Command[] = [
  {
    name: 'top',
    world: 'outside',
    usage: 'top',
    summary: 'energy per fiber: tier, balance, state, last wait, energy spent',
    run(args, { view }) {
      noMore(args, 0);
      const procs = [...view.processes.values()];
      const frozen = procs.filter((p) => p.state === 'frozen').length;
      const rows = procs.map((p) => [p.pid, p.name, p.meter.tier, `${p.meter.energy}/${p.meter.budget}`, p.state, `${p.latency}`, p.spent]);
      return [
        out(
          `energy budgets ${view.defenses.energy ? 'on' : 'OFF'}; ${procs.length} fibers, ${frozen} frozen; clock ${fmtTime(view.time)}`,
          'dim',
        ),
        ...table(['PID', 'NAME', 'TIER', 'ENERGY J', 'STATE', 'WAIT ms', 'SPENT J'], rows),
      ];
    },
  },
  {
    name: 'tier',
    world: 'inside',
    cost: costs('GRANT'),
    usage: 'tier <pid|@handle> photon|matter|gravity|void',
    summary: "set a fiber's Spectrum tier (needs its handle; never above the shell's own tier)",
    args: [PID, words('tier', TIER_IDS)],
    run(args, ctx) {
      const { view, pid } = ctx;
      const target = pidArg(args[0], ctx);
      const t = args[1];
      if (!t || !TIER_IDS.includes(t.value as Tier)) throw new UsageError(`tier must be one of ${TIER_IDS.join(', ')}`, t?.column);
      noMore(args, 2);
      if (target === pid) throw new UsageError('a fiber cannot set its own tier', args[0].column);
      const refused = ctx.shell.setTier(target, t.value as Tier);
      if (refused === 'no-handle') throw new UsageError(`the shell holds no process handle to pid ${target}`, args[0].column);
      if (refused === 'above-own')
        throw new UsageError(`cannot raise pid ${target} above the shell's own tier (${view.process(pid).meter.tier})`, t.column);
      return [out(`${view.who(target)} is now ${t.value}`, 'ok')];
    },
  },
];
