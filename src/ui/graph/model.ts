/**
 * The capability graph as plain data: what the layout worker lays out and the panel draws.
 *
 * Pure: no DOM, no React. `buildGraphModel` reads one Frame and produces machines (compound boxes), process and
 * object nodes, and one edge per cap. Everything is sorted by numeric id so the model order handed to elk is the
 * same from one relayout to the next, which is what keeps the picture from jumping.
 *
 * Node sizes are decided here, from the label text, because the layout needs them and the renderer must agree
 * with the layout: labels are drawn in a monospace font so a character-count estimate is good enough.
 */

import {
  CAP,
  CAP_FLAG,
  CAP_KINDS,
  MACHINE,
  OBJ,
  OBJECT_KINDS,
  OBJECT_STATES,
  PROC,
  PROC_STATES,
  TARGET_KINDS,
  type CapKind,
  type Frame,
} from '../../kernel/sab/layout';
import { rightsText } from '../../kernel/caps/algebra';
import { ACCESS_BITS } from '../../kernel/pairing/types';

/** Anything with a `get(id)`: the SAB StringTable, or a fake in tests. */
export interface StringSource {
  get(id: number): string;
}

export type NodeKind =
  | 'process'
  | 'endpoint'
  | 'spawner'
  | 'service'
  | 'session'
  | 'channel'
  | 'region'
  | 'vfs'
  | 'pairing'
  | 'instance'
  | 'kernel'
  | 'cluster'
  | 'group';

/** Cap kinds from the SAB, plus the yield runtime's: an instance holding another, and a CALL's owner edge. */
export type EdgeKind = CapKind | 'holds' | 'owner';

export interface GraphMachine {
  id: string; // "m:<id>"
  label: string;
  ariaLabel: string;
  /** Lower bound for the box so an empty machine still shows its name. */
  minWidth: number;
  minHeight: number;
}

export interface GraphNode {
  id: string; // "p:<pid>" or "o:<objectId>"
  kind: NodeKind;
  /** Machine node id, or null when the machine is unknown (the node is then laid out at the top level). */
  machine: string | null;
  /** Numeric pid or object id, so the live-data pass can index rows without parsing strings. */
  num: number;
  label: string; // "chat (3)" for processes, the object name for objects
  detail: string; // program for processes, kind for objects
  ariaLabel: string;
  /** Service objects: live, closed or revoked (a closed object's caps fail). */
  state?: string;
  /** Column band for the layout (compact detail only; see detail.ts). */
  band?: number;
  /** A process's parent pid (0: the kernel, at boot). */
  parent?: number;
  /** Processes alike drawn as one (groups.ts): the pids it stands for. */
  members?: number[];
  /** No live line (the names level of detail): a process's state shows in its colour only. */
  noLive?: boolean;
  width: number;
  height: number;
}

export interface GraphEdge {
  id: string; // "c:<holderPid>:<slot>": unique and stable for as long as the cap sits in that slot
  source: string;
  target: string;
  kind: EdgeKind;
  label: string;
  labelWidth: number;
  labelHeight: number;
  /** A client facet whose badge differs from its source's: an impersonation (only possible with Gate 0 off). */
  relabeled: boolean;
  /** The cap no longer works (its object was closed, revoked or reused). */
  dead: boolean;
}

export interface GraphModel {
  machines: GraphMachine[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Name-only nodes (the names level of detail): the layout packs their columns closer. */
  tight?: boolean;
}

export interface Point {
  x: number;
  y: number;
}

export interface Box extends Point {
  width: number;
  height: number;
}

/** Geometry is absolute (one coordinate system for everything), so the renderer never nests transforms. */
export type LaidOutMachine = GraphMachine & Box;
export type LaidOutNode = GraphNode & Point;
export type LaidOutEdge = GraphEdge & { points: Point[]; labelBox: Box | null };

export interface LaidOutGraph {
  width: number;
  height: number;
  machines: LaidOutMachine[];
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  /** Time spent in elk, measured in the worker. */
  durationMs: number;
}

/** The layout worker's comlink surface, as the UI sees it. */
export interface LayoutApi {
  layout(graph: GraphModel): Promise<LaidOutGraph>;
}

// ── sizing ────────────────────────────────────────────────────────────────────────────────────────────────────
// A node's first line (its name) is set in 13px bold monospace, what a room reads; the lines under it in 11px.
// 0.6em per character plus a little slack covers the common monospace fonts.
export const CHAR_WIDTH = 6.8;
export const NAME_CHAR_WIDTH = 7.9;
export const LINE_HEIGHT = 14;
export const NAME_LINE_HEIGHT = 18;
export const PAD_X = 10;
/** Space above a node's first text line and below its last (the renderer centres the lines in the node). */
export const NODE_PAD_Y = 6;
const MIN_NODE_WIDTH = 96;
/** Widest live line a process shows ("sleeping · 99999 runs"), so the per-frame text never overflows. */
const PROCESS_LIVE_CHARS = 21;
/** Widest live line an endpoint shows ("99999 msgs · 999 queued"). */
const ENDPOINT_LIVE_CHARS = 23;
/** Hexagons lose their corners to the slanted sides: give them room. */
export const HEXAGON_INSET = 12;

export const textWidth = (text: string): number => Math.ceil(text.length * CHAR_WIDTH);

/** Characters of the live line a node of this kind shows (0: none), and the extra width its shape needs. */
export function liveChars(kind: NodeKind): number {
  return kind === 'process' ? PROCESS_LIVE_CHARS : kind === 'endpoint' ? ENDPOINT_LIVE_CHARS : 0;
}

/** A node's size for its lines: the first is its name (larger type), the rest smaller, then the live line if any. */
export function nodeSize(lines: string[], liveChars: number, extraWidth = 0, padY = NODE_PAD_Y): { width: number; height: number } {
  const [name = '', ...rest] = lines.filter((l, i) => i === 0 || l !== '');
  const chars = Math.max(liveChars, ...rest.map((l) => l.length));
  const small = rest.length + (liveChars > 0 ? 1 : 0);
  return {
    width: Math.max(MIN_NODE_WIDTH, Math.ceil(Math.max(name.length * NAME_CHAR_WIDTH, chars * CHAR_WIDTH)) + 2 * PAD_X + extraWidth),
    height: NAME_LINE_HEIGHT + small * LINE_HEIGHT + 2 * padY,
  };
}

/** How many text lines a node draws: its name, its detail, its live line, a cluster's hint. */
export const textLines = (n: Pick<GraphNode, 'kind' | 'detail' | 'noLive'>): number =>
  1 + (n.detail ? 1 : 0) + (liveChars(n.kind) > 0 && !n.noLive ? 1 : 0) + (n.kind === 'cluster' ? 1 : 0);

/**
 * Where text line `i` of a node sits (texts use dominant-baseline: central): the name, then the smaller lines,
 * the block centred in the node's height (compact nodes are shorter).
 */
export function lineY(i: number, n: Pick<GraphNode, 'kind' | 'detail' | 'noLive' | 'height'>): number {
  const top = (n.height - NAME_LINE_HEIGHT - (textLines(n) - 1) * LINE_HEIGHT) / 2;
  return i === 0 ? top + NAME_LINE_HEIGHT / 2 : top + NAME_LINE_HEIGHT + LINE_HEIGHT * (i - 0.5);
}

export function capLabel(kind: CapKind, badge: number, sourceBadge = badge): string {
  if (badge !== sourceBadge) return `⚠ ${kind} · badge ${badge} (was ${sourceBadge}): impersonation`;
  return badge !== 0 ? `${kind} · badge ${badge}` : kind;
}

/** An import across a pairing: what crosses it now ("import · meta read"), or that the pairing is gone. */
export function importLabel(accessBits: number, dead: boolean): string {
  if (dead) return 'import · not found (unpaired)';
  if (accessBits === 1 << ACCESS_BITS.indexOf('telemetry')) return 'import · telemetry only (Diode)';
  const what = ACCESS_BITS.filter((a, i) => a !== 'telemetry' && accessBits & (1 << i));
  return `import · ${what.join(' ') || 'nothing'}`;
}

/** Per-frame text shown under a process (state and run counter). */
export function processLiveText(state: string, runs: number): string {
  return `${state} · ${runs} runs`;
}

/** Per-frame text shown under an endpoint: messages delivered, and calls waiting in its queue (if any). */
export function endpointLiveText(counter: number, queued = 0): string {
  return queued ? `${counter} msgs · ${queued} queued` : `${counter} msgs`;
}

export function stateName(index: number): string {
  return PROC_STATES[index] ?? 'free';
}

// ── the model ─────────────────────────────────────────────────────────────────────────────────────────────────

export function buildGraphModel(frame: Frame, strings: StringSource): GraphModel {
  // Machines: process and object rows name a machine by its id (which is also its index).
  const machineIds = new Set<number>();
  const machines: GraphMachine[] = [];
  for (let row = 0; row < frame.machineRows; row++) {
    const id = frame.machine[MACHINE.ID][row];
    const name = strings.get(frame.machine[MACHINE.NAME][row]) || `machine ${id}`;
    // Role and live pairings ("totebox · ⇄ mediakit INPUT"), when the scenario has any.
    const detail = strings.get(frame.machine[MACHINE.DETAIL][row]);
    const label = detail ? `${name} · ${detail}` : name;
    machineIds.add(id);
    machines.push({
      id: `m:${id}`,
      label,
      ariaLabel: `machine ${label}`,
      minWidth: textWidth(label) + 2 * PAD_X,
      minHeight: LINE_HEIGHT + 2 * NODE_PAD_Y,
    });
  }
  machines.sort((a, b) => idNum(a.id) - idNum(b.id));
  const machineOf = (id: number) => (machineIds.has(id) ? `m:${id}` : null);

  const processes: GraphNode[] = [];
  const pids = new Set<number>();
  for (let row = 0; row < frame.procRows; row++) {
    const pid = frame.proc[PROC.PID][row];
    const name = strings.get(frame.proc[PROC.NAME][row]) || `pid ${pid}`;
    const program = strings.get(frame.proc[PROC.PROGRAM][row]);
    const label = `${name} (${pid})`;
    pids.add(pid);
    processes.push({
      id: `p:${pid}`,
      kind: 'process',
      machine: machineOf(frame.proc[PROC.MACHINE][row]),
      num: pid,
      parent: frame.proc[PROC.PARENT][row],
      label,
      detail: program,
      ariaLabel: `process ${name} (pid ${pid})`,
      ...nodeSize([label, program], liveChars('process')),
    });
  }
  processes.sort((a, b) => a.num - b.num);

  const objects: GraphNode[] = [];
  const objectIds = new Set<number>();
  for (let row = 0; row < frame.objRows; row++) {
    const id = frame.obj[OBJ.ID][row];
    const kind = OBJECT_KINDS[frame.obj[OBJ.KIND][row]];
    if (kind === undefined || kind === 'none') continue; // a kind this UI does not know yet
    const name = strings.get(frame.obj[OBJ.NAME][row]) || `${kind} ${id}`;
    const state = kind === 'service' ? (OBJECT_STATES[frame.obj[OBJ.STATE][row]] ?? 'live') : undefined;
    const detail = kind === 'service' ? `gen ${frame.obj[OBJ.GENERATION][row]}${state !== 'live' ? ` · ${state}` : ''}` : kind;
    objectIds.add(id);
    objects.push({
      id: `o:${id}`,
      kind,
      machine: machineOf(frame.obj[OBJ.MACHINE][row]),
      num: id,
      label: name,
      detail,
      ariaLabel: `${kind === 'service' ? 'service object' : kind} ${name} (object ${id})${state && state !== 'live' ? `, ${state}` : ''}`,
      ...(state ? { state } : {}),
      ...nodeSize([name, detail], liveChars(kind), HEXAGON_INSET * 2),
    });
  }
  objects.sort((a, b) => a.num - b.num);

  const caps: { holder: number; slot: number; edge: GraphEdge }[] = [];
  for (let row = 0; row < frame.capRows; row++) {
    const kind = CAP_KINDS[frame.cap[CAP.KIND][row]];
    if (kind === undefined || kind === 'none') continue;
    const holder = frame.cap[CAP.HOLDER][row];
    const slot = frame.cap[CAP.SLOT][row];
    const targetKind = TARGET_KINDS[frame.cap[CAP.TARGET_KIND][row]];
    const targetNum = frame.cap[CAP.TARGET][row];
    // Only caps whose both ends are drawn become edges (machine targets have no node to point at).
    let target: string;
    if (targetKind === 'process' && pids.has(targetNum)) target = `p:${targetNum}`;
    else if (targetKind === 'object' && objectIds.has(targetNum)) target = `o:${targetNum}`;
    else continue;
    if (!pids.has(holder)) continue;
    const flags = frame.cap[CAP.FLAGS][row];
    const relabeled = (flags & CAP_FLAG.RELABELED) !== 0;
    const badge = frame.cap[CAP.BADGE][row];
    const dead = (flags & CAP_FLAG.DEAD) !== 0;
    const label =
      kind === 'channel' || kind === 'memory'
        ? `${kind} ${rightsText(frame.cap[CAP.EFFECTIVE][row])} · depth ${frame.cap[CAP.DEPTH][row]}`
        : kind === 'import'
          ? importLabel(frame.cap[CAP.EFFECTIVE][row], dead)
          : capLabel(kind, badge, relabeled ? frame.cap[CAP.SOURCE_BADGE][row] : badge);
    caps.push({
      holder,
      slot,
      edge: {
        id: `c:${holder}:${slot}`,
        source: `p:${holder}`,
        target,
        kind,
        label,
        labelWidth: textWidth(label) + 4,
        labelHeight: LINE_HEIGHT,
        relabeled,
        dead,
      },
    });
  }
  caps.sort((a, b) => a.holder - b.holder || a.slot - b.slot);

  return {
    machines,
    // Processes before objects: with model order respected, holders sit left of what they hold.
    nodes: [...processes, ...objects],
    edges: caps.map((c) => c.edge),
  };
}

/** The number after the prefix of a node id ("p:12" → 12). */
export function idNum(id: string): number {
  return Number(id.slice(id.indexOf(':') + 1));
}

// ── layout scheduling ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * Runs `task` for the latest input only: while one run is in flight, newer inputs overwrite each other and only
 * the last one runs when the current run settles. So a burst of topology changes costs at most two layouts, not
 * a queue of stale ones.
 */
export function latestOnly<In, Out>(
  task: (input: In) => Promise<Out>,
  onResult: (out: Out, input: In) => void,
  onError: (error: unknown) => void,
): { request(input: In): void; readonly busy: boolean } {
  let busy = false;
  let pending: { input: In } | null = null;
  const run = (input: In) => {
    busy = true;
    task(input).then(
      (out) => settle(() => onResult(out, input)),
      (error) => settle(() => onError(error)),
    );
  };
  const settle = (report: () => void) => {
    try {
      report(); // still busy: an input it requests waits as the newest, rather than racing an older pending one
    } finally {
      // A throwing callback must not strand the newest input.
      busy = false;
      if (pending) {
        const next = pending.input;
        pending = null;
        run(next);
      }
    }
  };
  return {
    request(input) {
      if (busy) pending = { input };
      else run(input);
    },
    get busy() {
      return busy;
    },
  };
}
