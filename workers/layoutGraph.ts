/**
 * The capability graph layout: a graph model in, absolute geometry out. Runs elk's layered algorithm.
 *
 * Only ever called inside the layout worker (workers/layout.worker.ts) or in Node tests: elk is a large,
 * synchronous computation that must stay off the UI thread.
 *
 * The input and output types are generic and only name the fields the layout needs; any other fields on
 * machines, nodes and edges (labels, kinds, …) are copied through untouched. They match `GraphModel` and
 * `LaidOutGraph` in src/ui/graph/model.ts structurally; the two project configs (app, worker) cannot import
 * each other's sources, so src/ui/graph/model.test.ts checks the fit at compile time instead.
 */

import ELK, { type ElkExtendedEdge, type ElkNode, type LayoutOptions } from 'elkjs/lib/elk.bundled.js';

export interface LayoutMachineIn {
  id: string;
  minWidth: number;
  minHeight: number;
}
export interface LayoutNodeIn {
  id: string;
  /** Id of the machine box holding the node, or null for a top-level node. */
  machine: string | null;
  width: number;
  height: number;
  /** Column band, left to right (elk partitions): processes, then endpoints and spawners, then other objects. */
  band?: number;
}
export interface LayoutEdgeIn {
  id: string;
  source: string;
  target: string;
  label: string;
  labelWidth: number;
  labelHeight: number;
}

export interface LayoutModel<
  M extends LayoutMachineIn = LayoutMachineIn,
  N extends LayoutNodeIn = LayoutNodeIn,
  E extends LayoutEdgeIn = LayoutEdgeIn,
> {
  machines: M[];
  nodes: N[];
  edges: E[];
  /** Name-only nodes (the names level of detail): banded columns packed closer. */
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

export interface LaidOutGraph<
  M extends LayoutMachineIn = LayoutMachineIn,
  N extends LayoutNodeIn = LayoutNodeIn,
  E extends LayoutEdgeIn = LayoutEdgeIn,
> {
  width: number;
  height: number;
  machines: (M & Box)[];
  nodes: (N & Point)[];
  edges: (E & { points: Point[]; labelBox: Box | null })[];
  durationMs: number;
}

/**
 * Options every level of the hierarchy needs: with INCLUDE_CHILDREN elk still reads many options per nested
 * graph (a machine box), not from the root.
 */
const EVERY_LEVEL: LayoutOptions = {
  // Stability, the part that works inside machines: each node carries its model-order index as `elk.position`
  // (see orderHint), and semi-interactive crossing minimisation keeps nodes in that order within their layer
  // while still untangling the long edges. Since the model is sorted by id, a new process slots in by pid and
  // nothing else changes places.
  'elk.layered.crossingMinimization.semiInteractive': 'true',
  // Deterministic: the same model always gives the same picture.
  'elk.randomSeed': '1',
  'elk.spacing.nodeNode': '20',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.spacing.edgeLabel': '2',
  'elk.spacing.componentComponent': '32',
};

const ROOT_OPTIONS: LayoutOptions = {
  'elk.algorithm': 'layered',
  // Left to right reads as a sentence: "process --cap--> object". Process nodes are wide and short, so
  // stacking them in columns also keeps the picture closer to square than a DOWN layout would.
  'elk.direction': 'RIGHT',
  // One layered run over the whole hierarchy, so edges between machines are routed properly and every
  // machine box is sized around its contents.
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  // Stability between relayouts: respect the model order (sorted by id) when ordering nodes and edges, when
  // placing disconnected components and when breaking cycles. With INCLUDE_CHILDREN elk 0.12 applies these
  // at the root level only (the machines and any machine-less node). They must NOT be set on the machine
  // nodes: any model-order option on a nested graph makes elk 0.12 throw (eclipse-elk/elk#1182). Inside the
  // machines, EVERY_LEVEL's semi-interactive ordering does the job.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.crossingMinimization.forceNodeModelOrder': 'true',
  'elk.layered.considerModelOrder.components': 'MODEL_ORDER',
  'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
  // Orthogonal routes are crisp as SVG polylines; labels sit mid-edge with space reserved for them.
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.nodePlacement.favorStraightEdges': 'true',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
  ...EVERY_LEVEL,
};

/**
 * Big graphs (a workshop's stress world, an expanded rack of a hundred processes) trade polish for time: one
 * crossing-minimisation pass, straight polyline routes, simple node placement, and no edge labels laid out (at
 * the zoom such a graph is seen at, level of detail hides them anyway). Measured on the stress world: an
 * expanded rack goes from ~4 s to well under the 2 s budget.
 */
export const BIG_GRAPH = 250;
const BIG_OPTIONS: LayoutOptions = {
  'elk.layered.thoroughness': '1',
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.layered.nodePlacement.favorStraightEdges': 'false',
  'elk.layered.crossingMinimization.semiInteractive': 'false',
  'elk.layered.considerModelOrder.strategy': 'NONE',
  'elk.layered.crossingMinimization.forceNodeModelOrder': 'false',
  'elk.layered.cycleBreaking.strategy': 'GREEDY',
};

/** The same trade inside machine boxes (elk reads these per nested graph). */
const BIG_NESTED_OPTIONS: LayoutOptions = {
  'elk.layered.thoroughness': '1',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.layered.crossingMinimization.semiInteractive': 'false',
};

/**
 * Bands (LayoutNodeIn.band): columns chosen by the model rather than by longest path, so a world's many objects
 * stand in two columns (endpoints and spawners, then the rest) instead of one tall one. Elk's interactive layering
 * keeps each node in the layer its input x says; every level needs it (INCLUDE_CHILDREN reads it per machine).
 */
const BAND_GAP = 10_000;
const BANDED: LayoutOptions = {
  'elk.layered.layering.strategy': 'INTERACTIVE',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.edgeRouting': 'POLYLINE',
  // Banded models are the compact level of detail (no edge labels laid out): tighter spacing too.
  'elk.spacing.nodeNode': '8',
  'elk.layered.spacing.nodeNodeBetweenLayers': '16',
  'elk.spacing.edgeEdge': '5',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '5',
  'elk.layered.spacing.edgeNodeBetweenLayers': '8',
  'elk.padding': '[top=26,left=8,bottom=6,right=8]',
};

/** Name-only boxes (24 units tall) stand closer in their column. */
const TIGHT: LayoutOptions = { ...BANDED, 'elk.spacing.nodeNode': '4' };

/** Room at the top of a machine box for its name, drawn by the panel. */
const MACHINE_OPTIONS: LayoutOptions = {
  'elk.padding': '[top=30,left=14,bottom=14,right=14]',
  'elk.nodeSize.constraints': 'MINIMUM_SIZE',
  ...EVERY_LEVEL,
};

/** A node's place in the model order, as the in-layer position semi-interactive crossing minimisation keeps. */
const orderHint = (index: number): LayoutOptions => ({ 'elk.position': `(0,${index})` });

// One elk instance per thread: elk.bundled runs elk in-process (its "worker" is a setTimeout shim).
let elk: InstanceType<typeof ELK> | null = null;

/** Create the elk instance now rather than on the first layout (the worker needs the side effects over with). */
export function ensureElk(): InstanceType<typeof ELK> {
  return (elk ??= new ELK());
}

export async function layoutGraph<M extends LayoutMachineIn, N extends LayoutNodeIn, E extends LayoutEdgeIn>(
  model: LayoutModel<M, N, E>,
): Promise<LaidOutGraph<M, N, E>> {
  const started = performance.now();
  if (model.nodes.length > HUGE_GRAPH) return gridLayout(model, started);
  if (!model.machines.length && model.nodes.length <= RING_MAX && model.edges.length > 3 * model.nodes.length)
    return ringLayout(model, started);
  const machineIds = new Set(model.machines.map((m) => m.id));
  if (
    model.machines.length > 1 &&
    model.nodes.length + model.edges.length <= BIG_GRAPH &&
    model.nodes.every((n) => n.band !== undefined && n.machine !== null && machineIds.has(n.machine))
  )
    return packedLayout(model, started);
  return elkLayout(model, started);
}

async function elkLayout<M extends LayoutMachineIn, N extends LayoutNodeIn, E extends LayoutEdgeIn>(
  model: LayoutModel<M, N, E>,
  started: number,
): Promise<LaidOutGraph<M, N, E>> {
  const engine = ensureElk();

  const machineIds = new Set(model.machines.map((m) => m.id));
  const nodeIds = new Set(model.nodes.map((n) => n.id));
  const machineNodes = new Map<string, ElkNode>();
  const big = model.nodes.length + model.edges.length > BIG_GRAPH;
  const banded = !big && model.nodes.length > 0 && model.nodes.every((n) => n.band !== undefined);
  const bandedOptions = model.tight ? TIGHT : BANDED;
  const rootOptions = big
    ? { ...ROOT_OPTIONS, ...BIG_OPTIONS }
    : banded
      ? { ...ROOT_OPTIONS, ...bandedOptions, 'elk.padding': '[top=4,left=4,bottom=4,right=4]' }
      : ROOT_OPTIONS;
  const root: ElkNode = { id: '__root', layoutOptions: rootOptions, children: [], edges: [] };
  model.machines.forEach((m, i) => {
    const box: ElkNode = {
      id: m.id,
      layoutOptions: {
        ...MACHINE_OPTIONS,
        ...(big ? BIG_NESTED_OPTIONS : banded ? bandedOptions : {}),
        ...orderHint(i),
        'elk.nodeSize.minimum': `(${m.minWidth}, ${m.minHeight})`,
      },
      children: [],
    };
    machineNodes.set(m.id, box);
    root.children!.push(box);
  });
  model.nodes.forEach((n, i) => {
    const parent = (n.machine !== null && machineIds.has(n.machine) && machineNodes.get(n.machine)) || root;
    // Offset past the machines so machine-less nodes at the root come after them.
    // A band is given as the node's x: interactive layering (set below when every node has one) keeps it.
    const at = banded ? { x: n.band! * BAND_GAP, y: i } : {};
    parent.children!.push({ id: n.id, width: n.width, height: n.height, ...at, layoutOptions: orderHint(model.machines.length + i) });
  });
  // Edges are all declared at the root; elk moves each to the lowest common container of its ends and reports
  // that container on the result, which is what its coordinates are relative to.
  // An end may be a machine box too (a collapsed world's summary edge leaves an expanded machine from its box).
  const ends = (id: string) => nodeIds.has(id) || machineIds.has(id);
  const edges = model.edges.filter((e) => ends(e.source) && ends(e.target));
  for (const e of edges) {
    root.edges!.push({
      id: e.id,
      sources: [e.source],
      targets: [e.target],
      labels: big || e.labelWidth === 0 ? [] : [{ id: `${e.id}:label`, text: e.label, width: e.labelWidth, height: e.labelHeight }],
    });
  }

  const out = await engine.layout(root);

  // Absolute offsets of every laid-out node (machines included), walking down from the root.
  const origin = new Map<string, Point>([[root.id, { x: 0, y: 0 }]]);
  const shapes = new Map<string, Box>();
  const elkEdges: ElkExtendedEdge[] = [];
  const walk = (node: ElkNode, at: Point) => {
    for (const e of node.edges ?? []) elkEdges.push(e);
    for (const child of node.children ?? []) {
      const box = { x: at.x + (child.x ?? 0), y: at.y + (child.y ?? 0), width: child.width ?? 0, height: child.height ?? 0 };
      shapes.set(child.id, box);
      origin.set(child.id, box);
      walk(child, box);
    }
  };
  walk(out, { x: 0, y: 0 });

  const edgeGeometry = new Map<string, { points: Point[]; labelBox: Box | null }>();
  for (const e of elkEdges) {
    // `container` names the node the edge's coordinates are relative to; older elk versions leave it out, in
    // which case they are relative to where the edge was declared (the root here).
    const base = origin.get(e.container ?? root.id) ?? { x: 0, y: 0 };
    const points: Point[] = [];
    for (const s of e.sections ?? []) {
      for (const p of [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]) {
        const q = { x: base.x + p.x, y: base.y + p.y };
        const last = points[points.length - 1];
        // Consecutive sections share their joint: keep it once.
        if (!last || last.x !== q.x || last.y !== q.y) points.push(q);
      }
    }
    const l = e.labels?.[0];
    const labelBox = l ? { x: base.x + (l.x ?? 0), y: base.y + (l.y ?? 0), width: l.width ?? 0, height: l.height ?? 0 } : null;
    edgeGeometry.set(e.id, { points, labelBox });
  }

  const result: LaidOutGraph<M, N, E> = {
    width: out.width ?? 0,
    height: out.height ?? 0,
    machines: model.machines.map((m) => ({ ...m, ...(shapes.get(m.id) ?? { x: 0, y: 0, width: m.minWidth, height: m.minHeight }) })),
    nodes: model.nodes.map((n) => {
      const box = shapes.get(n.id);
      return { ...n, x: box?.x ?? 0, y: box?.y ?? 0 };
    }),
    edges: edges.map((e) => ({ ...e, ...(edgeGeometry.get(e.id) ?? { points: [], labelBox: null }) })),
    durationMs: 0,
  };
  result.durationMs = performance.now() - started;
  return result;
}

/** The shape a packed fleet aims for: panels are wider than tall. */
const PACK_ASPECT = 1.5;

/**
 * A compact fleet (several machines, banded nodes): each machine is laid out on its own by elk, and the machine
 * boxes are packed in rows to suit a wide panel, in model order. One layered run over the whole hierarchy would
 * interleave the machines' layers and string them out in one long row. Edges between machines (imports) are drawn
 * straight from box border to box border.
 */
async function packedLayout<M extends LayoutMachineIn, N extends LayoutNodeIn, E extends LayoutEdgeIn>(
  model: LayoutModel<M, N, E>,
  started: number,
): Promise<LaidOutGraph<M, N, E>> {
  const homeOf = new Map(model.nodes.map((n) => [n.id, n.machine]));
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const inside = await Promise.all(
    model.machines.map((m) =>
      elkLayout(
        {
          machines: [],
          nodes: model.nodes.filter((n) => n.machine === m.id).map((n) => ({ ...n, machine: null })),
          edges: model.edges.filter((e) => homeOf.get(e.source) === m.id && homeOf.get(e.target) === m.id),
          tight: model.tight,
        },
        started,
      ),
    ),
  );
  const sizes = inside.map((g, i) => ({
    width: Math.max(model.machines[i].minWidth, g.width + 2 * MACHINE_PAD.side),
    height: Math.max(model.machines[i].minHeight, g.height + MACHINE_PAD.top + MACHINE_PAD.side),
  }));
  // Shelf packing: try each row width, keep the one whose overall shape is nearest the panel's.
  let best: { at: Point[]; width: number; height: number } | null = null;
  const widest = Math.max(...sizes.map((b) => b.width));
  for (const limit of [...new Set(sizes.map((_, i) => sizes.slice(0, i + 1).reduce((w, b) => w + b.width + PACK_GAP, -PACK_GAP)))]) {
    const rowLimit = Math.max(limit, widest);
    const at: Point[] = [];
    let [x, y, rowH, width] = [0, 0, 0, 0];
    for (const b of sizes) {
      if (x > 0 && x + b.width > rowLimit) [x, y, rowH] = [0, y + rowH + PACK_GAP, 0];
      at.push({ x, y });
      x += b.width + PACK_GAP;
      rowH = Math.max(rowH, b.height);
      width = Math.max(width, x - PACK_GAP);
    }
    const height = y + rowH;
    const score = Math.max(width / PACK_ASPECT, height);
    if (!best || score < Math.max(best.width / PACK_ASPECT, best.height)) best = { at, width, height };
  }
  const { at, width, height } = best!;
  const machines = model.machines.map((m, i) => ({ ...m, ...at[i], ...sizes[i] }));
  const nodes: (N & Point)[] = [];
  const placed = new Map<string, Box>();
  const edges: (E & { points: Point[]; labelBox: Box | null })[] = [];
  inside.forEach((g, i) => {
    const dx = at[i].x + MACHINE_PAD.side;
    const dy = at[i].y + MACHINE_PAD.top;
    for (const n of g.nodes) {
      const x = n.x + dx;
      const y = n.y + dy;
      nodes.push({ ...byId.get(n.id)!, x, y });
      placed.set(n.id, { x, y, width: n.width, height: n.height });
    }
    for (const e of g.edges)
      edges.push({
        ...e,
        points: e.points.map((p) => ({ x: p.x + dx, y: p.y + dy })),
        labelBox: e.labelBox && { ...e.labelBox, x: e.labelBox.x + dx, y: e.labelBox.y + dy },
      });
  });
  const order = new Map(model.nodes.map((n, i) => [n.id, i]));
  nodes.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  for (const e of model.edges) {
    if (homeOf.get(e.source) === homeOf.get(e.target)) continue;
    const a = placed.get(e.source);
    const b = placed.get(e.target);
    if (!a || !b) continue;
    const ca = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
    const cb = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    edges.push({ ...e, points: [border(ca, a.width, a.height, cb), border(cb, b.width, b.height, ca)], labelBox: null });
  }
  const edgeOrder = new Map(model.edges.map((e, i) => [e.id, i]));
  edges.sort((a, b) => edgeOrder.get(a.id)! - edgeOrder.get(b.id)!);
  return { width, height, machines, nodes, edges, durationMs: performance.now() - started };
}
const PACK_GAP = 12;

/**
 * Past this many nodes (a fork bomb with budgets off fills a machine with a thousand fibers) elk's layered
 * layout takes tens of seconds. Such a graph is read at a zoom where only its shape shows, so it gets a grid:
 * each machine's nodes in rows, machines side by side, straight edges. Linear time, deterministic.
 */
export const HUGE_GRAPH = 400;
const GRID_GAP = 16;
const MACHINE_PAD = { top: 30, side: 14 };

function gridLayout<M extends LayoutMachineIn, N extends LayoutNodeIn, E extends LayoutEdgeIn>(
  model: LayoutModel<M, N, E>,
  started: number,
): LaidOutGraph<M, N, E> {
  const groups = new Map<string | null, N[]>();
  const machineIds = new Set(model.machines.map((m) => m.id));
  for (const n of model.nodes) {
    const key = n.machine !== null && machineIds.has(n.machine) ? n.machine : null;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(n);
  }
  const placed = new Map<string, Box>();
  const machines: (M & Box)[] = [];
  let x = 0;
  let height = 0;
  const place = (nodes: N[], left: number, top: number): { width: number; height: number } => {
    if (!nodes.length) return { width: 0, height: 0 };
    const cellW = Math.max(...nodes.map((n) => n.width)) + GRID_GAP;
    const cellH = Math.max(...nodes.map((n) => n.height)) + GRID_GAP;
    const columns = Math.max(1, Math.ceil(Math.sqrt((nodes.length * cellH * 1.6) / cellW)));
    nodes.forEach((n, i) =>
      placed.set(n.id, { x: left + (i % columns) * cellW, y: top + Math.floor(i / columns) * cellH, width: n.width, height: n.height }),
    );
    return { width: columns * cellW - GRID_GAP, height: Math.ceil(nodes.length / columns) * cellH - GRID_GAP };
  };
  for (const m of model.machines) {
    const size = place(groups.get(m.id) ?? [], x + MACHINE_PAD.side, MACHINE_PAD.top);
    const box = {
      x,
      y: 0,
      width: Math.max(m.minWidth, size.width + 2 * MACHINE_PAD.side),
      height: Math.max(m.minHeight, size.height + MACHINE_PAD.top + MACHINE_PAD.side),
    };
    machines.push({ ...m, ...box });
    placed.set(m.id, box);
    x += box.width + 3 * GRID_GAP;
    height = Math.max(height, box.height);
  }
  const loose = place(groups.get(null) ?? [], x, 0);
  height = Math.max(height, loose.height);
  const width = x + loose.width;
  const edges = model.edges
    .filter((e) => placed.has(e.source) && placed.has(e.target))
    .map((e) => {
      const a = placed.get(e.source)!;
      const b = placed.get(e.target)!;
      const ca = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
      const cb = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      return { ...e, points: [border(ca, a.width, a.height, cb), border(cb, b.width, b.height, ca)], labelBox: null };
    });
  return {
    width,
    height,
    machines,
    nodes: model.nodes.map((n) => ({ ...n, x: placed.get(n.id)!.x, y: placed.get(n.id)!.y })),
    edges,
    durationMs: performance.now() - started,
  };
}

/**
 * A small, dense graph with no machine boxes (a big world with every machine collapsed: eight clusters, each
 * calling all the others) costs elk seconds for a handful of nodes. A ring shows it better anyway: clusters
 * round a circle, straight edges, labels at their middle.
 */
const RING_MAX = 40;

function ringLayout<M extends LayoutMachineIn, N extends LayoutNodeIn, E extends LayoutEdgeIn>(
  model: LayoutModel<M, N, E>,
  started: number,
): LaidOutGraph<M, N, E> {
  const widest = Math.max(...model.nodes.map((n) => Math.max(n.width, n.height)));
  const r = Math.max(widest, (model.nodes.length * (widest + 40)) / (2 * Math.PI));
  const c = r + widest;
  const centers = new Map<string, Point>();
  const sizes = new Map(model.nodes.map((n) => [n.id, n]));
  const nodes = model.nodes.map((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / model.nodes.length;
    const p = { x: c + r * Math.cos(a), y: c + r * Math.sin(a) };
    centers.set(n.id, p);
    return { ...n, x: p.x - n.width / 2, y: p.y - n.height / 2 };
  });
  const edges = model.edges
    .filter((e) => centers.has(e.source) && centers.has(e.target))
    .map((e) => {
      const a = centers.get(e.source)!;
      const b = centers.get(e.target)!;
      // The two directions between a pair would overlap: bow each to its own side.
      const mx = (a.x + b.x) / 2 + (b.y - a.y) * 0.08;
      const my = (a.y + b.y) / 2 - (b.x - a.x) * 0.08;
      const m = { x: mx, y: my };
      const sa = sizes.get(e.source)!;
      const sb = sizes.get(e.target)!;
      return {
        ...e,
        points: [border(a, sa.width, sa.height, m), m, border(b, sb.width, sb.height, m)],
        labelBox: { x: mx - e.labelWidth / 2, y: my - e.labelHeight / 2, width: e.labelWidth, height: e.labelHeight },
      };
    });
  return { width: 2 * c, height: 2 * c, machines: [], nodes, edges, durationMs: performance.now() - started };
}

/** Where the segment from a node's centre toward `to` leaves the node's box: edges start and end on borders. */
function border(center: Point, width: number, height: number, to: Point): Point {
  const dx = to.x - center.x;
  const dy = to.y - center.y;
  const t = Math.max(Math.abs(dx) / (width / 2 + 2), Math.abs(dy) / (height / 2 + 2), 1e-9);
  return t <= 1 ? center : { x: center.x + dx / t, y: center.y + dy / t };
}
