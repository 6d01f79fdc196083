import type { Command } from '../context';
import { CAPS_COMMANDS } from './caps';
import { CLOCK_COMMANDS } from './clock';
import { DEFENSE_COMMANDS } from './defense';
import { ENERGY_COMMANDS } from './energy';
import { INSPECT_COMMANDS } from './inspect';
import { LAUNCH_COMMANDS } from './launch';
import { LEDGER_COMMANDS } from './ledger';
import { PAIRING_COMMANDS } from './pairing';
import { SANDBOX_COMMANDS } from './sandbox';
import { YIELD_COMMANDS } from './yield';

const byName = (names: string[], from: Command[][]): Command[] => {
  const all = new Map(from.flat().map((c) => [c.name, c]));
  return names.map((n) => all.get(n)!);
};

/** Every shell command, in the order help lists them (one file per concern: commands/*.ts). */
export const COMMANDS: readonly Command[] = byName(
  [
    'help',
    'ps',
    'caps',
    'ledger',
    'run',
    'spawn',
    'wait',
    'kill',
    'call',
    'defense',
    'top',
    'tables',
    'tier',
    'grant',
    'drop',
    'channel',
    'map',
    'mask',
    'revoke',
    'pledge',
    'unveil',
    'attest',
    'invoke',
    'mint',
    'rotate',
    'ratelimit',
    'yields',
    'forge',
    'lookalike',
    'steal',
    'stall',
    'clear',
    'clock',
    'machines',
    'pair',
    'unpair',
    'import',
    'mitm',
    'tofu',
    'announce',
    'compromise',
    'handshake',
  ],
  [
    INSPECT_COMMANDS,
    LAUNCH_COMMANDS,
    CAPS_COMMANDS,
    SANDBOX_COMMANDS,
    ENERGY_COMMANDS,
    YIELD_COMMANDS,
    LEDGER_COMMANDS,
    CLOCK_COMMANDS,
    DEFENSE_COMMANDS,
    PAIRING_COMMANDS,
  ],
);
