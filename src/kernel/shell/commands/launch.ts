import { GrantError } from '../../caps/transfer';
import { spawnCharge } from '../../energy/kinetic';
import { KernelError } from '../../errors';
import type { ExecResult } from '../../host-api';
import { PROGRAMS } from '../../programs/programs';
import { parsePromises } from '../../sandbox/pledge';
import { costs, noMore, out, PID, pidArg, UsageError, words, type ArgSpec, type Command, type Cost, type ShellContext } from '../common';
import { parseLaunch } from '../grammar';
import type { Token } from '../tokenize';
import { parseUnveilSpec } from './sandbox';

/** Starting programs (run, spawn), attaching to one (wait), and ending one (kill). */

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
    const child = ctx.shell.spawn(cmd.program, cmd.grants, { argv: cmd.argv, pledge, unveil });
    if (verb === 'spawn')
      return {
        lines: [
          out(`spawned ${cmd.program} as pid ${child.pid}; the shell holds @${handleName(ctx, child.pid)} to wait on or kill it`, 'ok'),
        ],
      };
    ctx.shell.attach(child.pid);
    return { lines: [out(`running ${cmd.program} (pid ${child.pid}) in the foreground; Ctrl-C stops it`, 'dim')], foreground: child.pid };
  } catch (e) {
    if (e instanceof GrantError) throw new UsageError(`${e.code}: ${e.message}`, e.grant.column);
    if (e instanceof KernelError && e.code === 'ENOPROG')
      throw new UsageError(`${e.message}; "help" lists the programs`, cmd.programColumn);
    if (e instanceof KernelError && e.message.startsWith('unveil') && cmd.unveil)
      throw new UsageError(`${e.code}: ${e.message}`, cmd.unveil.column);
    if (e instanceof KernelError && /pledge/.test(e.message) && cmd.pledge)
      throw new UsageError(`${e.code}: ${e.message}`, cmd.pledge.column);
    throw e;
  }
}

function handleName({ view, pid }: ShellContext, child: number): string {
  const shell = view.process(pid);
  for (const [, s] of shell.cnode.entries())
    if (s.cap.kind === 'process' && s.cap.target.kind === 'process' && s.cap.target.pid === child) return s.name;
  return '?';
}

/** A launch pays SPAWN and a GRANT for each cap it passes (a line that does not parse runs, to say why). */
const LAUNCH_COST: Cost = {
  text: 'SPAWN + GRANT per cap granted',
  verbs: (args, line) => spawnCharge(parseLaunch('run', args, line).grants.length),
};

/** A program: the built-ins, and the world's user programs (its scenario's, or defined this session). */
const PROGRAM: ArgSpec = {
  name: 'program',
  complete: (view) => [...PROGRAMS.map((p) => `"${p.name}"`), ...[...view.userPrograms.keys()].map((n) => `"${n}"`)],
};
const WITH = words('with', ['with']);

export const LAUNCH_COMMANDS: Command[] = [
  {
    name: 'run',
    world: 'inside',
    cost: LAUNCH_COST,
    usage: 'run "prog [args]" [pledge "…"] [unveil "…"] [with { name: @cap, name: client @cap, name: move @cap, … }]',
    summary: 'start a program holding exactly the granted caps, and attach the terminal to it',
    args: [PROGRAM, WITH],
    run: (args, ctx) => launch('run', args, ctx),
  },
  {
    name: 'spawn',
    world: 'inside',
    cost: LAUNCH_COST,
    usage: 'spawn "prog [args]" [pledge "…"] [unveil "…"] [with { … }]',
    summary: 'start a program in the background; the shell keeps a handle to it',
    args: [PROGRAM, WITH],
    run: (args, ctx) => launch('spawn', args, ctx),
  },
  {
    name: 'wait',
    world: 'inside',
    cost: costs('RECV', 'RECV (reading an ended child’s exit status)'),
    usage: 'wait <pid|@handle>',
    summary: 'attach the terminal to a running child until it ends, or show how it ended',
    args: [PID],
    run(args, ctx) {
      const target = pidArg(args[0], ctx);
      noMore(args, 1);
      const code = ctx.shell.reapHandle(target);
      if (code !== null) return [out(`pid ${target} ended with code ${code}`)];
      if (!ctx.shell.holdsHandle(target)) throw new UsageError(`the shell holds no handle to pid ${target}`, args[0].column);
      ctx.shell.attach(target);
      return { lines: [out(`waiting for ${ctx.view.who(target)}; Ctrl-C stops it`, 'dim')], foreground: target };
    },
  },
  {
    name: 'kill',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'kill <pid|@handle>',
    summary: 'end a process the shell holds a handle to',
    args: [PID],
    run(args, ctx) {
      const target = pidArg(args[0], ctx);
      noMore(args, 1);
      const who = ctx.view.who(target);
      ctx.shell.kill(target);
      return [out(`killed ${who}`, 'ok')];
    },
  },
];
