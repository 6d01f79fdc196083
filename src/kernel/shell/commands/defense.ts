import { DEFENSES } from '../../sab/layout';
import { noMore, out, UsageError, words, type Command } from '../common';

/** The defenses: an experimenter's control (outside the world, free, ledgered). */

export const DEFENSE_COMMANDS: Command[] = [
  {
    name: 'defense',
    world: 'outside',
    usage: 'defense [name on|off]',
    summary: 'list the defenses, or turn one on or off (ledgered)',
    args: [
      words(
        'defense',
        DEFENSES.map((d) => d.id),
      ),
      words('state', ['on', 'off']),
    ],
    run(args, { view, experimenter }) {
      if (!args[0]) return DEFENSES.map((d) => out(`${d.id.padEnd(11)}${view.defenses[d.id] ? 'on ' : 'off'}  ${d.label}`));
      const d = DEFENSES.find((x) => x.id === args[0].value);
      if (!d)
        throw new UsageError(
          `no defense named ${JSON.stringify(args[0].value)}; known: ${DEFENSES.map((x) => x.id).join(', ')}`,
          args[0].column,
        );
      const state = args[1];
      if (!state || (state.value !== 'on' && state.value !== 'off')) throw new UsageError('say on or off', state?.column);
      noMore(args, 2);
      experimenter.setDefense(d.id, state.value === 'on');
      return [out(`${d.label} is ${state.value}`, 'ok')];
    },
  },
];
