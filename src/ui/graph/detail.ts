import { grouped } from './groups';
import { HEXAGON_INSET, liveChars, nodeSize, type GraphModel, type NodeKind } from './model';

/**
 * Level of detail for the layout. A world whose full picture (every node's kind line, every edge label laid out)
 * would have to be shrunk below readable type at the panel's fit is laid out compact instead: nodes keep their
 * name and live line, and edge labels take no room (they are drawn over the edges that matter: a relabeled cap,
 * the picked node's, an attack's). Past that, processes exactly alike are drawn as one node ("bomblet ×957",
 * groups.ts), and last the live lines go too (names). Detail goes before size.
 */
export type Detail = 'full' | 'compact' | 'grouped' | 'names';

/** From the most detail to the least: the layout takes the first whose picture is readable at fit. */
export const DETAILS: readonly Detail[] = ['full', 'compact', 'grouped', 'names'];

/** Kinds whose second line only repeats what the shape and colour say (program name, object kind). */
const DROPS_DETAIL: ReadonlySet<NodeKind> = new Set<NodeKind>([
  'process',
  'endpoint',
  'spawner',
  'service',
  'session',
  'channel',
  'region',
  'vfs',
  'pairing',
  // The yield runtime's second lines (what an instance catches, its kind) are the inspector's in compact.
  'instance',
  'kernel',
]);
const HEXAGON: ReadonlySet<NodeKind> = new Set<NodeKind>(['endpoint']);
/** Seed 004's runtime, in a box of its own: the kernel root, then instances by how deep they are held. */
const YIELD_KINDS: ReadonlySet<NodeKind> = new Set<NodeKind>(['instance', 'kernel']);

export function withDetail(full: GraphModel, detail: Detail, tall = false): GraphModel {
  if (detail === 'full') return full;
  const model = detail === 'compact' ? full : grouped(full, COMPACT_PAD_Y);
  // Last, the live lines go too (state still shows in a process's colour): nodes as narrow as their names.
  const live = detail !== 'names';
  // Bands only when every node is a process, a kernel object or the yield runtime's (not clusters).
  // A group (groups.ts) is sized for its stack of cards already; it is banded like the processes it stands for.
  const bands = model.nodes.every((n) => DROPS_DETAIL.has(n.kind) || YIELD_KINDS.has(n.kind) || n.kind === 'group')
    ? bandsOf(model, tall)
    : null;
  return {
    machines: model.machines,
    ...(live ? {} : { tight: true }),
    nodes: model.nodes.map((n) =>
      DROPS_DETAIL.has(n.kind)
        ? {
            ...n,
            detail: '',
            ...(bands ? { band: bands.get(n.id) } : {}),
            ...(live ? {} : { noLive: true }),
            ...nodeSize([n.label], live ? liveChars(n.kind) : 0, HEXAGON.has(n.kind) ? HEXAGON_INSET * 2 : 0, COMPACT_PAD_Y),
          }
        : bands
          ? { ...n, band: bands.get(n.id) }
          : n,
    ),
    edges: model.edges.map((e) => ({ ...e, labelWidth: 0 })),
  };
}

/** A process, or processes alike drawn as one: banded by generation. */
const PROCESSES: ReadonlySet<NodeKind> = new Set<NodeKind>(['process', 'group']);

/** Compact nodes sit closer around their text. */
export const COMPACT_PAD_Y = 3;

/**
 * Deepest process generation laid out as its own column; deeper ones share it (and are pushed right of their
 * parent by the edge between them). `tall` gives the grandchildren a column of their own, so the objects they hold
 * stay in the one objects column rather than being pushed into another.
 */
const MAX_PROCESS_BAND = 1;
const TALL_MAX_PROCESS_BAND = 2;

/**
 * Columns, left to right: processes by generation (a parent left of what it spawned: it holds their process
 * caps), then endpoints and spawners (what servers serve), then every other object. `tall` (presenter mode, a
 * squarer panel) puts every object in one column: a narrower, taller picture, so larger type.
 */
function bandsOf(model: GraphModel, tall: boolean): Map<string, number> {
  const kindOf = new Map(model.nodes.map((n) => [n.id, n.kind]));
  const parent = new Map<string, string>();
  for (const e of model.edges)
    if (e.kind === 'process' && PROCESSES.has(kindOf.get(e.target)!) && !parent.has(e.target)) parent.set(e.target, e.source);
  const deepestBand = tall ? TALL_MAX_PROCESS_BAND : MAX_PROCESS_BAND;
  const depth = (id: string): number => {
    let d = 0;
    for (let at = parent.get(id); at !== undefined && d < deepestBand; at = parent.get(at)) d++;
    return d;
  };
  const bands = new Map<string, number>();
  let deepest = 0;
  for (const n of model.nodes)
    if (PROCESSES.has(n.kind)) {
      const d = depth(n.id);
      bands.set(n.id, d);
      deepest = Math.max(deepest, d);
    }
  for (const n of model.nodes)
    if (!PROCESSES.has(n.kind) && !YIELD_KINDS.has(n.kind))
      bands.set(n.id, deepest + (tall || n.kind === 'endpoint' || n.kind === 'spawner' ? 1 : 2));
  // The yield runtime (its own box, laid out on its own): an instance right of the one that holds it.
  const holder = new Map<string, string>();
  for (const e of model.edges) if (e.kind === 'holds' && !holder.has(e.target)) holder.set(e.target, e.source);
  for (const n of model.nodes)
    if (YIELD_KINDS.has(n.kind)) {
      let d = 0;
      for (let at = holder.get(n.id); at !== undefined && d < MAX_PROCESS_BAND + 2; at = holder.get(at)) d++;
      bands.set(n.id, n.kind === 'kernel' ? 0 : d);
    }
  return bands;
}

/** Name type is this many graph units; readable means at least this many CSS px on screen. */
export const NAME_FONT = 13;
export const READABLE_PX = 11;
export const PRESENTER_READABLE_PX = 16;
