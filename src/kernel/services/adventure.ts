import { fail, ok, type Reply, type ServiceDef, type Value } from './service';

/**
 * The adventure service: a few rooms, items and verbs. An AdventurePlayer object is a player (it can move,
 * look, take and drop); an AdventureNpc object can only look where it stands — an NPC holds no game authority.
 * Speech is not a game verb: players and NPCs speak through ordinary chat caps, so chat never learns about
 * adventure interfaces and the game never learns about chat.
 */

interface Room {
  title: string;
  text: string;
  exits: Record<string, string>;
}

const ROOMS: Record<string, Room> = {
  hall: { title: 'Great Hall', text: 'Dusty banners hang from the rafters.', exits: { north: 'library', east: 'garden' } },
  library: { title: 'Library', text: 'Shelves of capability papers, some still sealed.', exits: { south: 'hall' } },
  garden: { title: 'Walled Garden', text: 'A troll naps by a dry fountain.', exits: { west: 'hall' } },
};

type Data = { kind: 'player' | 'npc'; name: string; room: string; inventory: string[] };

export interface AdventureState {
  items: Map<string, string[]>; // room → items lying there
  beings: Map<number, Data>; // selector → who and where (filled lazily: the selector is known on first call)
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,23}$/;

function describe(s: AdventureState, self: Data, room: string): string {
  const r = ROOMS[room];
  const items = s.items.get(room) ?? [];
  const others = [...s.beings.values()].filter((b) => b !== self && b.room === room).map((b) => b.name);
  return [
    `${r.title}. ${r.text}`,
    `Exits: ${Object.keys(r.exits).join(', ')}.`,
    items.length ? `You see: ${items.join(', ')}.` : '',
    others.length ? `Here: ${others.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export const adventureService: ServiceDef<AdventureState> = {
  promise: 'net',
  legacyIface: 'Adventure',
  interfaces: {
    Adventure: [],
    AdventurePlayer: ['look', 'go', 'inventory', 'take', 'drop'],
    AdventureNpc: ['look'],
  },

  init: () => ({
    items: new Map([
      ['library', ['old map']],
      ['garden', ['brass key']],
    ]),
    beings: new Map(),
  }),

  create(_ctx, _s, iface, args) {
    const name = String(args.name ?? '');
    if (!NAME.test(name)) return { error: `an ${iface} needs a "name" argument (letters, digits, "_" or "-")` };
    const room = String(args.room ?? 'hall');
    if (!Object.hasOwn(ROOMS, room)) return { error: `no room "${room}" (rooms: ${Object.keys(ROOMS).join(', ')})` };
    if (iface === 'AdventurePlayer')
      return { label: `AdventurePlayer ${name}`, data: { kind: 'player', name, room, inventory: [] } satisfies Data };
    if (iface === 'AdventureNpc') return { label: `AdventureNpc ${name}`, data: { kind: 'npc', name, room, inventory: [] } satisfies Data };
    return { error: `the adventure service has no interface ${iface}` };
  },

  handle(ctx, s, req): Reply {
    if (req.via.kind !== 'object') return fail('a bare adventure facet reaches no one: hold an AdventurePlayer or AdventureNpc', 'EPERM');
    const me = ctx.data<Data>(req.via.selector);
    s.beings.set(req.via.selector, me);
    const arg = typeof req.args[0] === 'string' ? req.args[0].trim().toLowerCase() : '';
    switch (req.method) {
      case 'look':
        return ok(describe(s, me, me.room));
      case 'inventory':
        return ok(me.inventory as Value);
      case 'go': {
        const exits = ROOMS[me.room].exits;
        const to = Object.hasOwn(exits, arg) ? exits[arg] : undefined;
        if (!to) return fail(`you cannot go ${arg || 'nowhere'} from the ${ROOMS[me.room].title}`, 'EINVAL');
        me.room = to;
        return ok(describe(s, me, me.room));
      }
      case 'take':
      case 'drop': {
        const from = req.method === 'take' ? (s.items.get(me.room) ?? []) : me.inventory;
        const i = from.indexOf(arg);
        if (i < 0)
          return fail(req.method === 'take' ? `there is no ${arg || 'such thing'} here` : `you carry no ${arg || 'such thing'}`, 'EINVAL');
        from.splice(i, 1);
        if (req.method === 'take') me.inventory.push(arg);
        else s.items.set(me.room, [...(s.items.get(me.room) ?? []), arg]);
        return ok(`${req.method === 'take' ? 'Taken' : 'Dropped'}: ${arg}.`);
      }
    }
    return fail(`no method ${req.method}`, 'ENOMETHOD');
  },

  released(_ctx, s, selector) {
    s.beings.delete(selector);
  },
};
