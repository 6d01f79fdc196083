import { nodeSize, textWidth, type GraphEdge, type GraphModel, type GraphNode } from './model';

/** Siblings drawn as one node once there are this many alike. */
export const GROUP_MIN = 3;

/**
 * A group's node id: its parent's pid (0: the kernel), which of that parent's groups with this name it is, and the
 * name (last, as it may hold a colon).
 */
const groupId = (parentPid: number, k: number, name: string) => `grp:${parentPid}:${k}:${name}`;

/** The cards behind a group's own peek out this far (GraphPicture draws them inside the node's box). */
const STACK = 6;
const grow = (size: { width: number; height: number }, by: number) => ({ width: size.width + by, height: size.height + by });

/** A process's name, without the pid its label ends in. */
const nameOf = (n: GraphNode) => n.label.replace(/ \(\d+\)$/, '');

/**
 * The coarsest level of detail (a fork bomb's thousand bomblets): processes that are exactly alike — the same
 * machine, parent, program and name, and the same caps in and out (same other ends, kinds, labels, liveness) — are drawn
 * as one node "bomblet ×957", and their edges as one edge each. Alike means the group says nothing a member's
 * own node would not: a process holding or held by anything different keeps its own node, and so does one with a
 * relabeled cap (an impersonation is never folded away). Pure, like clustered().
 */
export function grouped(model: GraphModel, padY?: number): GraphModel {
  const ends = new Map<string, string[]>();
  const apart = new Set<string>();
  const note = (id: string, what: string) => (ends.get(id) ?? ends.set(id, []).get(id)!).push(what);
  for (const e of model.edges) {
    note(e.source, `>${e.kind}>${e.target}>${e.label}>${e.dead}`);
    note(e.target, `<${e.kind}<${e.source}<${e.label}<${e.dead}`);
    if (e.relabeled) apart.add(e.source).add(e.target);
  }
  const alike = new Map<string, GraphNode[]>();
  for (const n of model.nodes) {
    if (n.kind !== 'process' || apart.has(n.id)) continue;
    const key = [n.machine, n.parent, n.detail, nameOf(n), ...(ends.get(n.id) ?? []).sort()].join('\n');
    (alike.get(key) ?? alike.set(key, []).get(key)!).push(n);
  }

  const groupOf = new Map<string, GraphNode>();
  const groups: GraphNode[] = [];
  const taken = new Map<string, number>();
  for (const members of alike.values()) {
    if (members.length < GROUP_MIN) continue;
    const first = members[0];
    const name = nameOf(first);
    // Stable while members come and go: named by parent and name, not by a member's pid.
    const parentPid = first.parent ?? 0;
    const stem = `${parentPid}:${name}`;
    const k = taken.get(stem) ?? 0;
    taken.set(stem, k + 1);
    const label = `${name} ×${members.length}`;
    const group: GraphNode = {
      id: groupId(parentPid, k, name),
      kind: 'group',
      machine: first.machine,
      num: first.num,
      parent: parentPid,
      members: members.map((m) => m.num),
      label,
      detail: '',
      ariaLabel: `${members.length} processes ${name} alike (pids ${first.num} to ${members.at(-1)!.num}), drawn as one`,
      ...grow(nodeSize([label], 0, 0, padY), STACK),
    };
    groups.push(group);
    for (const m of members) groupOf.set(m.id, group);
  }
  if (!groups.length) return model;

  const merged = new Map<string, { edge: GraphEdge; count: number }>();
  const edges: GraphEdge[] = [];
  for (const e of model.edges) {
    const source = groupOf.get(e.source)?.id ?? e.source;
    const target = groupOf.get(e.target)?.id ?? e.target;
    if (source === e.source && target === e.target) {
      edges.push(e);
      continue;
    }
    // Members are alike, so each holds these same caps; two different caps between the same ends stay two.
    const key = `${source}>${e.kind}>${target}>${e.label}>${e.dead}`;
    const m = merged.get(key);
    if (m) m.count++;
    else merged.set(key, { edge: { ...e, id: `grp-edge:${key}`, source, target }, count: 1 });
  }
  for (const { edge, count } of merged.values()) {
    const label = `${edge.label} ×${count}`;
    edges.push({ ...edge, label, labelWidth: edge.labelWidth && textWidth(label) + 4 });
  }
  // Each group where its first member stood, so the model order (and the layout with it) stays put.
  const nodes: GraphNode[] = [];
  for (const n of model.nodes) {
    const g = groupOf.get(n.id);
    if (!g) nodes.push(n);
    else if (g.num === n.num) nodes.push(g);
  }
  return { machines: model.machines, nodes, edges };
}
