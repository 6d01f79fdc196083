import { describe, expect, it } from 'vitest';
import { KernelHost } from '../../kernel/host';
import { Frame, readFrame } from '../../kernel/sab/layout';
import { BUILT_IN_SCENARIOS } from '../../content/scenarios/index';
import { CLUSTER_OVER, clustered, clusterId, SINGLE_MACHINE_OVER } from './clusters';
import { buildGraphModel } from './model';

function model(id: string) {
  const h = new KernelHost(undefined, false);
  const r = h.boot(BUILT_IN_SCENARIOS.find((s) => s.id === id)!.text);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  const frame = new Frame(h.views.layout.capacity);
  readFrame(h.views, frame);
  return { h, m: buildGraphModel(frame, { get: (id: number) => h.kernel.stringList[id] ?? '' }) };
}

describe('clusters for big worlds', () => {
  const { h, m } = model('stress');

  it('the stress world has 1,000 processes and more than 10,000 caps on 8 machines', () => {
    expect(h.kernel.processes.size).toBe(1000);
    expect(h.kernel.liveCaps).toBeGreaterThanOrEqual(10_000);
    expect(m.machines).toHaveLength(8);
    expect(m.edges.length).toBeGreaterThanOrEqual(10_000);
  });

  it('collapses every machine into one node, counting what is inside, with one merged edge per direction', () => {
    const c = clustered(m, new Set());
    expect(c.machines).toHaveLength(0);
    expect(c.nodes).toHaveLength(8);
    expect(c.nodes.every((n) => n.kind === 'cluster')).toBe(true);
    const processes = c.nodes.reduce((sum, n) => sum + Number(/(\d+) processes/.exec(n.detail)![1]), 0);
    expect(processes).toBe(1000);
    // Every rack's workers call every rack's service: 8 × 7 directed edges between clusters at most.
    expect(c.edges.length).toBeLessThanOrEqual(56);
    expect(c.edges.every((e) => e.source.startsWith('cl:') && e.target.startsWith('cl:'))).toBe(true);
    const ids = new Set(c.edges.map((e) => e.id));
    expect(ids.size).toBe(c.edges.length);
  });

  it('expanding one machine shows its nodes; edges to the rest go to their clusters', () => {
    const rack = m.machines[2].id;
    const c = clustered(m, new Set([rack]));
    expect(c.machines.map((x) => x.id)).toEqual([rack]);
    const inside = m.nodes.filter((n) => n.machine === rack).length;
    expect(c.nodes).toHaveLength(7 + inside);
    const drawn = new Set([...c.nodes.map((n) => n.id), rack]);
    expect(c.edges.every((e) => drawn.has(e.source) && drawn.has(e.target))).toBe(true);
    // Its holders' caps to the other racks leave as one edge per rack, from the machine box.
    const out = c.edges.filter((e) => e.source === rack);
    expect(out.length).toBeGreaterThan(0);
    expect(out.length).toBeLessThanOrEqual(7);
    expect(c.edges.length).toBeLessThan(400);
    expect(drawn.has(clusterId(rack))).toBe(false);
  });

  it('collapses a single machine only when it is too big to draw (thousands of nodes)', () => {
    const one = { ...m, machines: m.machines.slice(0, 1), nodes: m.nodes.map((n) => ({ ...n, machine: m.machines[0].id })) };
    expect(one.nodes.length).toBeGreaterThan(CLUSTER_OVER);
    expect(clustered(one, new Set())).toBe(one);
    const huge = { ...one, nodes: Array.from({ length: 3 }, (_, k) => one.nodes.map((n) => ({ ...n, id: `${n.id}.${k}` }))).flat() };
    expect(huge.nodes.length).toBeGreaterThan(SINGLE_MACHINE_OVER);
    const c = clustered(huge, new Set());
    expect(c.nodes.map((n) => n.id)).toEqual([clusterId(m.machines[0].id)]);
    expect(clustered(huge, new Set([m.machines[0].id]))).toBe(huge); // expanded on request
  });

  it('leaves small graphs alone', () => {
    const small = model('default').m;
    expect(small.nodes.length).toBeLessThanOrEqual(CLUSTER_OVER);
    expect(clustered(small, new Set())).toBe(small);
  });
});
