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
}
export interface LayoutEdgeIn {
  id: string;
  source: string;
  target: string;
  label: string;
  labelWidth: number;
  labelHeight: number;
}

export interface LayoutModel<M extends LayoutMachineIn = LayoutMachineIn, N extends LayoutNodeIn = LayoutNodeIn, E extends LayoutEdgeIn = LayoutEdgeIn> {
  machines: M[];
  nodes: N[];
  edges: E[];
}

export interface Point {
  x: number;
  y: number;
}
export interface Box extends Point {
  width: number;
  height: number;
}

export interface LaidOutGraph<M extends LayoutMachineIn = LayoutMachineIn, N extends LayoutNodeIn = LayoutNodeIn, E extends LayoutEdgeIn = LayoutEdgeIn> {
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
  const engine = ensureElk();
  const started = performance.now();

  const machineIds = new Set(model.machines.map((m) => m.id));
  const nodeIds = new Set(model.nodes.map((n) => n.id));
  const machineNodes = new Map<string, ElkNode>();
  const big = model.nodes.length + model.edges.length > BIG_GRAPH;
  const root: ElkNode = { id: '__root', layoutOptions: big ? { ...ROOT_OPTIONS, ...BIG_OPTIONS } : ROOT_OPTIONS, children: [], edges: [] };
  model.machines.forEach((m, i) => {
    const box: ElkNode = {
      id: m.id,
      layoutOptions: { ...MACHINE_OPTIONS, ...(big ? BIG_NESTED_OPTIONS : {}), ...orderHint(i), 'elk.nodeSize.minimum': `(${m.minWidth}, ${m.minHeight})` },
      children: [],
    };
    machineNodes.set(m.id, box);
    root.children!.push(box);
  });
  model.nodes.forEach((n, i) => {
    const parent = (n.machine !== null && machineIds.has(n.machine) && machineNodes.get(n.machine)) || root;
    // Offset past the machines so machine-less nodes at the root come after them.
    parent.children!.push({ id: n.id, width: n.width, height: n.height, layoutOptions: orderHint(model.machines.length + i) });
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
      labels: big ? [] : [{ id: `${e.id}:label`, text: e.label, width: e.labelWidth, height: e.labelHeight }],
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
