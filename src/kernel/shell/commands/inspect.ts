import { NEEDS, PROMISES } from '../../sandbox/pledge';
import { OPERATION_VERBS, TIERS, VERBS } from '../../energy/kinetic';
import type { OutputLine } from '../../host-api';
import { PROGRAMS } from '../../programs/programs';
import { intArg, noMore, out, PID, table, UsageError, type Command } from '../common';
import { capsWhy } from './provenance';

/** Inspection: help, the process list, a cap table, how full the state tables are, and clearing the terminal. */

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Width of help's first column: a longer usage gets the summary on a line of its own, never run into it. */
const HELP_COLUMN = 34;
function helpRow(left: string, summary: string): OutputLine[] {
  if (left.length < HELP_COLUMN - 1) return [out(`  ${left.padEnd(HELP_COLUMN)}${summary}`)];
  return [out(`  ${left}`), out(`  ${' '.repeat(HELP_COLUMN)}${summary}`)];
}

export const INSPECT_COMMANDS: Command[] = [
  {
    name: 'help',
    world: 'outside',
    usage: 'help [command]',
    summary: 'list commands, or explain one',
    args: [{ name: 'command', complete: (_, commands) => [...commands.map((c) => c.name), 'verbs', 'pledge'] }],
    run(args, { commands, view }) {
      if (args[0]?.value === 'pledge' && !args[1]) {
        return [
          out(`Promises: ${PROMISES.join(' ')}`, 'head'),
          out('What each operation needs (any one of the promises listed)', 'head'),
          ...NEEDS.map((n) => out(`  ${n.op.padEnd(62)}${n.needs.length ? n.needs.join(' or ') : '(always allowed)'}`)),
          out(''),
          out('pledge "…" ["execpromises"] narrows the shell (later pledges only drop promises, in every process).', 'dim'),
          out(
            'A child gets at most its parent’s promises ∩ execpromises (unpledged = every promise): run "prog" starts it with exactly',
            'dim',
          ),
          out('that; run "prog" pledge "…" narrows it, and asking for a promise the parent lacks is refused (EPERM).', 'dim'),
          out('A violation aborts only the violating fiber.', 'dim'),
          out(
            'unveil /path rwc[, /path r] hides every other path (ENOENT); after the first call unveil only narrows; unveil lock ends it.',
            'dim',
          ),
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
          out(
            `Budgets: 2000 J per fiber, refilled per Spectrum tier: ${TIERS.map((t) => `${t.label} ${t.periodMs} ms`).join(', ')}.`,
            'dim',
          ),
          out('A fiber that cannot pay freezes until its next refill: latency, not an error. New fibers start at Void.', 'dim'),
          out(
            'The shell pays for in-world commands the same way: a line it cannot pay for waits for its refill (Ctrl-C cancels); the experimenter’s controls are free.',
            'dim',
          ),
        ];
      }
      if (args[0]) {
        noMore(args, 1);
        const c = commands.find((x) => x.name === args[0].value);
        if (!c) throw new UsageError(`no command named ${JSON.stringify(args[0].value)}`, args[0].column);
        return [
          out(c.usage, 'head'),
          out(`  ${c.summary}`),
          out(
            c.world === 'inside'
              ? `  inside the world: acts as the shell's process with its caps, and the shell pays ${c.cost.text} (a line it cannot pay for yet waits for the refill)`
              : '  outside the world: an experimenter’s control or inspection; free, ledgered when it changes anything',
            'dim',
          ),
        ];
      }
      return [
        out('In the world: act as the shell’s process (its caps, its energy; a line it cannot pay for waits for the refill)', 'head'),
        ...commands.filter((c) => c.world === 'inside').flatMap((c) => helpRow(c.usage, c.summary)),
        out(''),
        out('Outside the world: the experimenter’s controls and inspection (free, ledgered when they change anything)', 'head'),
        ...commands.filter((c) => c.world === 'outside').flatMap((c) => helpRow(c.usage, c.summary)),
        out(''),
        out('Programs', 'head'),
        ...PROGRAMS.flatMap((p) => helpRow(p.name, p.summary)),
        ...[...view.userPrograms].flatMap(([name, p]) => helpRow(name, `(user program) ${p.summary}`)),
        out(''),
        out('Caps are named with @name (Tab completes commands, pids and @names). Time is virtual: one tick is 1 ms.', 'dim'),
      ];
    },
  },
  {
    name: 'ps',
    world: 'outside',
    usage: 'ps',
    summary: 'list processes',
    run(args, { view }) {
      noMore(args, 0);
      // The machine column only when there is more than one machine: terminals are narrow.
      const many = view.machines.length > 1;
      const rows = [...view.processes.values()].map((p) => [
        p.pid,
        p.parent,
        ...(many ? [view.machines[p.machine].name] : []),
        p.state,
        p.cnode.size,
        p.name,
        p.program,
      ]);
      return table(['PID', 'PPID', ...(many ? ['MACHINE'] : []), 'STATE', 'CAPS', 'NAME', 'PROGRAM'], rows);
    },
  },
  {
    name: 'caps',
    world: 'outside',
    usage: 'caps [pid] | caps --why [@cap] [pid]',
    summary:
      "show a process's cap table (default: the shell's); --why: the grants in force, each with how and its ledger record, or one cap's chain of custody from its mint or boot wiring",
    args: [{ name: 'pid', complete: (view) => ['--why', ...PID.complete!(view, [])] }],
    run(args, ctx) {
      if (args[0]?.type === 'word' && args[0].value === '--why') return capsWhy(args, ctx);
      const { view, pid } = ctx;
      const target = args[0] ? intArg(args[0], 'pid', 1, 0x7fffffff) : pid;
      noMore(args, 1);
      const p = view.processes.get(target);
      if (!p) throw new UsageError(`no process with pid ${target}`, args[0]?.column);
      const rows = [...p.cnode.entries()].map(([slot, s]) => [
        slot,
        `@${s.name}`,
        s.cap.kind,
        view.describeTarget(s.cap.target),
        s.cap.badge || '-',
      ]);
      return [
        out(`${p.name} (pid ${p.pid}) holds ${p.cnode.size} cap${p.cnode.size === 1 ? '' : 's'}`, 'dim'),
        ...table(['SLOT', 'NAME', 'KIND', 'TARGET', 'BADGE'], rows),
      ];
    },
  },
  {
    name: 'tables',
    world: 'outside',
    usage: 'tables',
    summary: 'how full each state table is (they are sized for the scenario at boot)',
    run(args, { view }) {
      noMore(args, 0);
      const c = view.capacity;
      const row = (name: string, used: number, of: number) => [name, used, of, `${Math.floor((100 * used) / of)}%`];
      return [
        out('state tables, sized for this scenario at boot; a full one answers ECAPACITY', 'dim'),
        ...table(
          ['TABLE', 'USED', 'CAPACITY', 'FULL'],
          [
            row('processes', view.processes.size, c.processes),
            row('caps', view.liveCaps, c.caps),
            row('objects', view.objects.size, c.objects),
            row('machines', view.machines.length, c.machines),
            row('strings', view.stringList.length, c.strings),
          ],
        ),
        out(
          `ledger: ${view.ledger.length} records in the worker, about ${mb(view.ledger.residentBytes())} MB of them in its memory; sealed segments (8,192 records each) are kept ${view.ledger.storage}`,
          'dim',
        ),
        out(`the state buffer's ring shows the newest ${c.ledgerRing} records; older ones are read from the worker`, 'dim'),
      ];
    },
  },
  {
    name: 'clear',
    world: 'outside',
    usage: 'clear',
    summary: 'clear the terminal',
    run(args) {
      noMore(args, 0);
      return { lines: [], clear: true };
    },
  },
];
