import { describe, expect, it } from 'vitest';
import { layoutGraph, type Box, type LayoutEdgeIn, type LayoutModel, type LayoutNodeIn, type Point } from './layoutGraph';

const node = (id: string, machine: string | null, width = 120, height = 54): LayoutNodeIn & { extra: string } => ({
  id,
  machine,
  width,
  height,
  extra: `data of ${id}`,
});
const edge = (id: string, source: string, target: string, label = 'client'): LayoutEdgeIn => ({
  id,
  source,
  target,
  label,
  labelWidth: label.length * 7 + 4,
  labelHeight: 14,
});

/** Two machines; edges inside each machine, across machines, process to process, and two parallel caps. */
const model: LayoutModel<{ id: string; minWidth: number; minHeight: number }, ReturnType<typeof node>, LayoutEdgeIn> = {
  machines: [
    { id: 'm:0', minWidth: 60, minHeight: 26 },
    { id: 'm:1', minWidth: 60, minHeight: 26 },
  ],
  nodes: [
    node('p:1', 'm:0'),
    node('p:2', 'm:0'),
    node('p:3', 'm:0'),
    node('p:4', 'm:1'),
    node('o:1', 'm:0', 96, 40),
    node('o:2', 'm:1', 96, 54),
  ],
  edges: [
    edge('c:1:0', 'p:1', 'o:1', 'spawner'),
    edge('c:1:1', 'p:1', 'p:2', 'process'),
    edge('c:2:0', 'p:2', 'o:2', 'endpoint'),
    edge('c:3:0', 'p:3', 'o:2', 'client · badge 7'),
    edge('c:3:1', 'p:3', 'o:2', 'client'),
    edge('c:4:0', 'p:4', 'o:2', 'client'),
    edge('c:4:1', 'p:4', 'o:1', 'client'),
  ],
};

const inside = (p: Point, b: Box, slack = 0.5) =>
  p.x >= b.x - slack && p.x <= b.x + b.width + slack && p.y >= b.y - slack && p.y <= b.y + b.height + slack;
const onBorder = (p: Point, b: Box, slack = 1) =>
  inside(p, b, slack) &&
  (Math.abs(p.x - b.x) <= slack ||
    Math.abs(p.x - (b.x + b.width)) <= slack ||
    Math.abs(p.y - b.y) <= slack ||
    Math.abs(p.y - (b.y + b.height)) <= slack);

describe('layoutGraph', () => {
  it('places every node, with finite absolute coordinates, inside its machine box', async () => {
    const out = await layoutGraph(model);
    expect(out.machines.map((m) => m.id)).toEqual(['m:0', 'm:1']);
    expect(out.nodes.map((n) => n.id)).toEqual(model.nodes.map((n) => n.id));
    const machines = new Map(out.machines.map((m) => [m.id, m]));
    for (const n of out.nodes) {
      for (const v of [n.x, n.y, n.width, n.height]) expect(Number.isFinite(v)).toBe(true);
      const m = machines.get(n.machine!)!;
      expect(inside({ x: n.x, y: n.y }, m)).toBe(true);
      expect(inside({ x: n.x + n.width, y: n.y + n.height }, m)).toBe(true);
      expect(n.extra).toBe(`data of ${n.id}`); // fields the layout does not know are copied through
    }
    for (const m of out.machines) {
      expect(m.x).toBeGreaterThanOrEqual(0);
      expect(m.y).toBeGreaterThanOrEqual(0);
      expect(m.x + m.width).toBeLessThanOrEqual(out.width + 0.5);
      expect(m.y + m.height).toBeLessThanOrEqual(out.height + 0.5);
    }
    // Machine boxes do not overlap.
    const [a, b] = out.machines;
    const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
    expect(apart).toBe(true);
    expect(out.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('gives every edge an absolute polyline from its source border to its target border, and a label box', async () => {
    const out = await layoutGraph(model);
    expect(out.edges.map((e) => e.id)).toEqual(model.edges.map((e) => e.id));
    const nodes = new Map(out.nodes.map((n) => [n.id, n]));
    for (const e of out.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      for (const p of e.points) expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
      // Endpoints touch the right nodes: this fails if container-relative coordinates are not made absolute
      // (edges inside a machine are reported relative to that machine).
      expect(onBorder(e.points[0], nodes.get(e.source)!), `${e.id} start`).toBe(true);
      expect(onBorder(e.points[e.points.length - 1], nodes.get(e.target)!), `${e.id} end`).toBe(true);
      expect(e.labelBox).not.toBeNull();
      expect(e.labelBox!.width).toBe(e.labelWidth);
      expect(Number.isFinite(e.labelBox!.x) && Number.isFinite(e.labelBox!.y)).toBe(true);
    }
  });

  it('is deterministic: the same model gives the same picture', async () => {
    const first = await layoutGraph(model);
    const second = await layoutGraph(model);
    const strip = (g: typeof first) => ({ ...g, durationMs: 0 });
    expect(strip(second)).toEqual(strip(first));
  });

  it('keeps nodes in model order within each layer, also inside machines, before and after a node is added', async () => {
    // Layers run left to right (direction RIGHT): nodes sharing an x are one layer, ordered by y.
    const layers = (g: { nodes: (LayoutNodeIn & Point)[] }) => {
      const byX = new Map<number, { id: string; y: number }[]>();
      for (const n of g.nodes) byX.set(Math.round(n.x), [...(byX.get(Math.round(n.x)) ?? []), n]);
      return [...byX.values()].map((layer) => layer.sort((a, b) => a.y - b.y).map((n) => n.id));
    };
    const ids = model.nodes.map((n) => n.id);
    const before = await layoutGraph(model);
    for (const layer of layers(before)) {
      expect(layer).toEqual([...layer].sort((a, b) => ids.indexOf(a) - ids.indexOf(b)));
    }
    // A new process (pid 5, so it sorts between p:4 and the objects) with caps like its neighbours'.
    const grown = {
      ...model,
      nodes: [...model.nodes.slice(0, 4), node('p:5', 'm:0'), ...model.nodes.slice(4)],
      edges: [...model.edges, edge('c:3:2', 'p:3', 'p:5', 'process'), edge('c:5:0', 'p:5', 'o:2'), edge('c:5:1', 'p:5', 'o:1')],
    };
    const grownIds = grown.nodes.map((n) => n.id);
    for (const layer of layers(await layoutGraph(grown))) {
      expect(layer).toEqual([...layer].sort((a, b) => grownIds.indexOf(a) - grownIds.indexOf(b)));
    }
  });

  it('drops edges with a missing end, keeps empty machines at their minimum size, and allows top-level nodes', async () => {
    const out = await layoutGraph({
      machines: [
        { id: 'm:0', minWidth: 60, minHeight: 26 },
        { id: 'm:1', minWidth: 150, minHeight: 40 },
      ],
      nodes: [node('p:1', 'm:0'), node('o:1', 'm:0'), node('p:9', null)],
      edges: [edge('c:1:0', 'p:1', 'o:1'), edge('c:1:1', 'p:1', 'o:404'), edge('c:9:0', 'p:9', 'o:1')],
    });
    expect(out.edges.map((e) => e.id)).toEqual(['c:1:0', 'c:9:0']);
    const empty = out.machines.find((m) => m.id === 'm:1')!;
    expect(empty.width).toBeGreaterThanOrEqual(150);
    expect(empty.height).toBeGreaterThanOrEqual(40);
    const loose = out.nodes.find((n) => n.id === 'p:9')!;
    expect(Number.isFinite(loose.x) && Number.isFinite(loose.y)).toBe(true);
  });

  it('lays out an empty model', async () => {
    const out = await layoutGraph({ machines: [], nodes: [], edges: [] });
    expect(out.nodes).toEqual([]);
    expect(Number.isFinite(out.width)).toBe(true);
  });
});

describe('huge graphs', () => {
  it('lay out a thousand nodes as a grid per machine: inside their box, never overlapping, every edge drawn', async () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => node(`p:${i}`, i < 700 ? 'm:0' : 'm:1'));
    const edges = nodes.slice(1).map((n, i) => edge(`c:${i}`, n.id, 'p:0'));
    const out = await layoutGraph({
      machines: [
        { id: 'm:0', minWidth: 60, minHeight: 26 },
        { id: 'm:1', minWidth: 60, minHeight: 26 },
      ],
      nodes,
      edges,
    });
    expect(out.durationMs).toBeLessThan(1000);
    expect(out.edges).toHaveLength(999);
    expect(out.edges.every((e) => e.points.length === 2)).toBe(true);
    const boxes = new Map(out.machines.map((m) => [m.id, m]));
    const seen = new Set<string>();
    for (const n of out.nodes) {
      const m = boxes.get(n.machine!)!;
      expect(n.x >= m.x && n.y >= m.y && n.x + n.width <= m.x + m.width && n.y + n.height <= m.y + m.height).toBe(true);
      const key = `${n.x},${n.y}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    expect(boxes.get('m:0')!.x + boxes.get('m:0')!.width).toBeLessThan(boxes.get('m:1')!.x);
  });
});

describe('banded models (the compact level of detail)', () => {
  const banded = {
    ...model,
    nodes: model.nodes.map((n) => ({ ...n, band: n.id.startsWith('p:') ? (n.id === 'p:1' ? 0 : 1) : 2 })),
    edges: model.edges.map((e) => ({ ...e, labelWidth: 0 })),
  };

  it('keeps each node in the column its band says, left to right, inside its machine box (a fleet: packed)', async () => {
    const out = await layoutGraph(banded);
    const machines = new Map(out.machines.map((m) => [m.id, m]));
    const at = new Map(out.nodes.map((n) => [n.id, n]));
    for (const n of out.nodes) {
      const m = machines.get(n.machine!)!;
      expect(inside({ x: n.x, y: n.y }, m)).toBe(true);
      expect(inside({ x: n.x + n.width, y: n.y + n.height }, m)).toBe(true);
    }
    // Within a machine a higher band is further right: p:1 (0) < p:2 (1) < o:1 (2) in m:0.
    expect(at.get('p:1')!.x).toBeLessThan(at.get('p:2')!.x);
    expect(at.get('p:2')!.x).toBeLessThan(at.get('o:1')!.x);
    const [a, b] = out.machines;
    expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
    // An edge between machines is drawn from border to border; no edge label is laid out.
    const across = out.edges.find((e) => e.id === 'c:4:1')!;
    expect(onBorder(across.points[0], at.get('p:4')!, 3)).toBe(true); // border() stands 2 off the box
    expect(onBorder(across.points.at(-1)!, at.get('o:1')!, 3)).toBe(true);
    expect(out.edges.every((e) => e.labelBox === null)).toBe(true);
  });

  it('lays out whole, by elk, a fleet with a node outside its machines', async () => {
    const loose = { ...banded, nodes: [...banded.nodes, { ...node('p:9', null), band: 1 }] };
    const out = await layoutGraph(loose);
    expect(out.nodes.map((n) => n.id)).toContain('p:9');
    expect(out.nodes).toHaveLength(loose.nodes.length);
  });
});
