import { fmtTime, intArg, noMore, out, UsageError, words, type Command } from '../common';

/** The virtual clock: an experimenter's control (outside the world, free, ledgered). */

/** Work units of a `clock step` done before the command returns; the rest runs in the worker's slices. */
const STEP_AT_ONCE = 50_000;

export const CLOCK_COMMANDS: Command[] = [
  {
    name: 'clock',
    world: 'outside',
    usage: 'clock [pause|run|step [n]|speed x]',
    summary: 'show or control the virtual clock',
    args: [words('action', ['pause', 'run', 'step', 'speed'])],
    run(args, { view, experimenter }) {
      const status = () => out(`clock ${view.running ? 'running' : 'paused'} at ${fmtTime(view.time)}, speed ×${view.speed}`);
      const sub = args[0];
      if (!sub) return [status()];
      switch (sub.value) {
        case 'pause':
          noMore(args, 1);
          experimenter.setRunning(false);
          return [status()];
        case 'run':
          noMore(args, 1);
          experimenter.setRunning(true);
          return [status()];
        case 'step': {
          const n = args[1] ? intArg(args[1], 'step count', 1, 100_000) : 1;
          noMore(args, 2);
          // Owed ticks run as the clock runs, in slices: a heavy world never holds the worker for the whole step.
          // As many as STEP_AT_ONCE work units allow run now (a count, so a replay does the same).
          if (experimenter.step(n, STEP_AT_ONCE)) return [status()];
          return [
            status(),
            out(`stepping on: ${view.stepsOwed} ms to go (a heavy world: it runs in slices, so the shell stays responsive)`, 'dim'),
          ];
        }
        case 'speed': {
          const t = args[1];
          if (!t) throw new UsageError('missing speed (for example: clock speed 2)');
          const x = Number(t.value);
          if (t.type !== 'word' || !Number.isFinite(x) || x <= 0 || x > 100)
            throw new UsageError(`speed must be a number above 0 and at most 100, got ${JSON.stringify(t.value)}`, t.column);
          noMore(args, 2);
          experimenter.setSpeed(x);
          return [status()];
        }
        default:
          throw new UsageError(`unknown clock action ${JSON.stringify(sub.value)}; use pause, run, step [n] or speed x`, sub.column);
      }
    },
  },
];
