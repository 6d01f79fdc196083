import { idNum, nodeSize, textWidth, type GraphEdge, type GraphModel, type GraphNode } from './model';

/**
 * Past this many nodes, a world of several machines starts with every machine collapsed into one cluster node.
 * One machine is collapsed only past SINGLE_MACHINE_OVER: a single box hides everything, so a fork bomb of a
 * thousand on one machine stays drawn (as a grid); thousands more would keep the page too busy to answer.
 */
export const CLUSTER_OVER = 150;
export const SINGLE_MACHINE_OVER = 2048;

export const clusterable = (model: GraphModel) => model.nodes.length > (model.machines.length > 1 ? CLUSTER_OVER : SINGLE_MACHINE_OVER);

/** The cluster node standing for a collapsed machine box. */
export const clusterId = (machineId: string) => `cl:${machineId}`;

/**
 * Collapse big graphs: every machine not in `expanded` becomes one cluster node (its processes and objects
 * counted), and the caps between clusters are merged into one edge per direction with a count. Small graphs and
 * single-machine worlds are returned as they are. Pure, so the layout worker gets a model it can lay out in well under its budget.
 */
export function clustered(model: GraphModel, expanded: ReadonlySet<string>): GraphModel {
  if (!clusterable(model)) return model;
  const collapsed = new Set(model.machines.map((m) => m.id).filter((id) => !expanded.has(id)));
  if (!collapsed.size) return model;

  const machineOf = new Map<string, string | null>(model.nodes.map((n) => [n.id, n.machine]));
  const stand = (id: string) => {
    const m = machineOf.get(id);
    return m && collapsed.has(m) ? clusterId(m) : id;
  };
  const counts = new Map<string, { processes: number; objects: number; caps: number }>();
  for (const id of collapsed) counts.set(id, { processes: 0, objects: 0, caps: 0 });
  for (const n of model.nodes) {
    const c = n.machine ? counts.get(n.machine) : undefined;
    if (c) n.kind === 'process' ? c.processes++ : c.objects++;
  }

  const merged = new Map<string, { edge: GraphEdge; count: number }>();
  const edges: GraphEdge[] = [];
  for (const e of model.edges) {
    const source = stand(e.source);
    const target = stand(e.target);
    if (source === e.source && target === e.target) {
      edges.push(e);
      continue;
    }
    const holder = machineOf.get(e.source);
    const c = holder ? counts.get(holder) : undefined;
    if (c) c.caps++;
    if (source === target) continue; // inside one collapsed machine: counted on the cluster
    // From an expanded machine to a collapsed one: one edge from the machine box, not one per holder (a
    // hundred holders fanning out to seven clusters would cost elk minutes and draw a hairball).
    const from = source === e.source && target !== e.target && holder ? holder : source;
    const key = `${from}>${target}`;
    const m = merged.get(key);
    if (m) m.count++;
    else merged.set(key, { edge: { ...e, id: `agg:${key}`, source: from, target }, count: 1 });
  }
  for (const { edge, count } of merged.values()) {
    const label = count === 1 ? edge.label : `${count} caps`;
    edges.push({ ...edge, label, labelWidth: textWidth(label) + 4, relabeled: edge.relabeled && count === 1 });
  }

  const clusters: GraphNode[] = model.machines
    .filter((m) => collapsed.has(m.id))
    .map((m) => {
      const c = counts.get(m.id)!;
      const detail = `${c.processes} processes · ${c.objects} objects · ${c.caps} caps`;
      const hint = 'click to expand';
      return {
        id: clusterId(m.id),
        kind: 'cluster',
        machine: null,
        num: idNum(m.id),
        label: m.label,
        detail,
        ariaLabel: `machine ${m.label}, collapsed: ${detail}; ${hint}`,
        ...nodeSize([m.label, detail, hint], 0),
      };
    });
  return {
    machines: model.machines.filter((m) => !collapsed.has(m.id)),
    nodes: [...clusters, ...model.nodes.filter((n) => !(n.machine && collapsed.has(n.machine)))],
    edges,
  };
}
