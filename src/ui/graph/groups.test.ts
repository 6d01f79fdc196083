import { describe, expect, it } from 'vitest';
import { KernelHost } from '../../kernel/host';
import { Frame, readFrame } from '../../kernel/sab/layout';
import { COMPACT_PAD_Y, withDetail } from './detail';
import { GROUP_MIN, grouped } from './groups';
import { buildGraphModel, nodeSize, type GraphEdge, type GraphModel, type GraphNode } from './model';

function bombWorld() {
  const h = new KernelHost(undefined, false);
  h.exec('defense energy off');
  h.exec('spawn "forkbomb" with { spawner: @spawner }');
  h.kernel.step(50);
  h.publish();
  const frame = new Frame(h.views.layout.capacity);
  readFrame(h.views, frame);
  return { h, m: buildGraphModel(frame, { get: (id: number) => h.kernel.stringList[id] ?? '' }) };
}

const proc = (pid: number, name: string, parent = 1): GraphNode => ({
  id: `p:${pid}`,
  kind: 'process',
  machine: 'm:0',
  num: pid,
  parent,
  label: `${name} (${pid})`,
  detail: name,
  ariaLabel: name,
  width: 100,
  height: 40,
});
const cap = (from: number, to: string, extra: Partial<GraphEdge> = {}): GraphEdge => ({
  id: `c:${from}:${to}`,
  source: `p:${from}`,
  target: to,
  kind: 'process',
  label: 'process',
  labelWidth: 50,
  labelHeight: 14,
  relabeled: false,
  dead: false,
  ...extra,
});

describe('processes alike drawn as one (the coarsest level of detail)', () => {
  it("draws a fork bomb's bomblets as one node with a count, keeping every other process and object", () => {
    const { h, m } = bombWorld();
    const bomblets = [...h.kernel.processes.values()].filter((p) => p.program === 'bomblet').length;
    expect(bomblets).toBeGreaterThan(900);
    const g = grouped(m);
    const groups = g.nodes.filter((n) => n.kind === 'group');
    expect(groups).toHaveLength(1);
    expect(groups[0].label).toBe(`bomblet ×${bomblets}`);
    const bomb = m.nodes.find((n) => n.label.startsWith('forkbomb'))!;
    // It stands for exactly the bomblets (the inspector lists these), all the forkbomb's children.
    expect(groups[0].members).toEqual(m.nodes.filter((n) => n.label.startsWith('bomblet')).map((n) => n.num));
    expect(groups[0].parent).toBe(bomb.num);
    // Everything else is as it was: the same nodes, less the bomblets.
    expect(g.nodes.filter((n) => n.kind !== 'group').map((n) => n.id)).toEqual(
      m.nodes.filter((n) => !n.label.startsWith('bomblet')).map((n) => n.id),
    );
    // The forkbomb's process caps to its bomblets are one edge, counted.
    const into = g.edges.filter((e) => e.target === groups[0].id);
    expect(into).toHaveLength(1);
    expect(into[0]).toMatchObject({ source: bomb.id, kind: 'process', label: `process ×${bomblets}` });
    expect(new Set(g.edges.map((e) => e.id)).size).toBe(g.edges.length);
    // Banded with the processes: the column of its generation, right of the forkbomb's.
    const banded = withDetail(m, 'grouped');
    const band = (id: string) => banded.nodes.find((n) => n.id === id)!.band!;
    expect(band(groups[0].id)).toBeGreaterThanOrEqual(band(bomb.id));
    expect(banded.nodes.length).toBe(g.nodes.length);
    // Sized for its stack of cards (6 more each way than its text needs), at every level that groups.
    const stacked = grouped(m, COMPACT_PAD_Y).nodes.find((n) => n.kind === 'group')!;
    expect(stacked.height).toBe(nodeSize([stacked.label], 0, 0, COMPACT_PAD_Y).height + 6);
    for (const at of ['grouped', 'names'] as const) {
      const node = withDetail(m, at).nodes.find((n) => n.kind === 'group')!;
      expect(node).toMatchObject({ width: stacked.width, height: stacked.height });
    }
    // The names level drops the live lines: a process as narrow as its name.
    const named = withDetail(m, 'names').nodes.find((n) => n.id === bomb.id)!;
    expect(named.noLive).toBe(true);
    expect(named.width).toBeLessThan(withDetail(m, 'grouped').nodes.find((n) => n.id === bomb.id)!.width);
  });

  it('keeps apart a process whose caps differ, or that holds a relabeled cap, and leaves fewer than GROUP_MIN alone', () => {
    const parent = proc(1, 'init');
    const kids = [2, 3, 4, 5, 6, 7, 8].map((pid) => proc(pid, 'worker'));
    const impostor = { kind: 'endpoint', label: 'client · badge 7 (was 1): impersonation', relabeled: true } as const;
    const model: GraphModel = {
      machines: [],
      nodes: [parent, ...kids, { ...proc(9, 'chat'), kind: 'endpoint', id: 'o:9' }],
      edges: [
        ...kids.map((k) => cap(1, k.id)),
        cap(2, 'o:9', { kind: 'endpoint', label: 'endpoint' }),
        ...[3, 4, 5].map((pid) => cap(pid, 'o:9', impostor)),
      ],
    };
    const g = grouped(model);
    // 6, 7 and 8 are alike; 2 holds the chat; 3, 4 and 5 are alike too, but each holds a relabeled cap.
    const groups = g.nodes.filter((n) => n.kind === 'group');
    expect(groups.map((n) => n.label)).toEqual(['worker ×3']);
    expect(g.nodes.map((n) => n.id)).toEqual(['p:1', 'p:2', 'p:3', 'p:4', 'p:5', groups[0].id, 'o:9']);
    expect(g.edges.filter((e) => e.relabeled).map((e) => e.source)).toEqual(['p:3', 'p:4', 'p:5']);

    // Two different caps between the same ends stay two edges (a badge, a dead cap are never merged away).
    const two: GraphModel = {
      machines: [],
      nodes: [parent, ...kids.slice(4), { ...proc(9, 'chat'), kind: 'endpoint', id: 'o:9' }],
      edges: kids
        .slice(4)
        .flatMap((k) => [
          cap(1, k.id),
          cap(k.num, 'o:9', { id: `c:${k.num}:a`, kind: 'endpoint', label: 'client · badge 1' }),
          cap(k.num, 'o:9', { id: `c:${k.num}:b`, kind: 'endpoint', label: 'client · badge 2', dead: true }),
        ]),
    };
    const out = grouped(two).edges.filter((e) => e.target === 'o:9');
    expect(out.map((e) => [e.label, e.dead])).toEqual([
      ['client · badge 1 ×3', false],
      ['client · badge 2 ×3', true],
    ]);

    // Without 8, only 6 and 7 are alike: fewer than GROUP_MIN, so the model comes back as it was.
    expect(GROUP_MIN).toBe(3);
    const few: GraphModel = {
      ...model,
      nodes: model.nodes.filter((n) => n.id !== 'p:8'),
      edges: model.edges.filter((e) => e.target !== 'p:8'),
    };
    expect(grouped(few)).toBe(few);
  });
});
