import type { YieldView } from '../../kernel/host-api';
import { LINE_HEIGHT, NODE_PAD_Y, PAD_X, nodeSize, textWidth, type GraphEdge, type GraphModel, type GraphNode } from './model';

/** The box the yield runtime's instances are drawn in. */
export const YIELD_BOX = 'y:runtime';
const BOX_LABEL = 'yield runtime · chain (seed 004)';
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * Add seed 004's yield runtime to the capability graph: its instances in a box of their own, an edge where an
 * instance holds another, and the owner edges (the CALLs in flight) of the newest yield, which is the path its
 * route walked. Nothing is added before the session's first yield.
 */
export function withYieldWorld(model: GraphModel, view: YieldView | null): GraphModel {
  if (!view?.world) return model;
  const newest = view.routes.at(-1);
  const nodes: GraphNode[] = view.world.map((inst, i) => {
    const detail = clip(inst.opaque ? 'opaque AuthorityCap' : inst.keys.length ? `catches ${inst.keys.join(', ')}` : inst.image, 30);
    return {
      id: inst.id,
      kind: 'instance',
      machine: YIELD_BOX,
      num: i,
      label: inst.name,
      detail,
      ariaLabel: `instance ${inst.name}${inst.opaque ? ', opaque' : ''}${inst.keys.length ? `, registered ${inst.keys.join(', ')}` : ''}`,
      ...nodeSize([inst.name, detail], 0),
    };
  });
  const root = 'kernel root · kernel:*';
  nodes.push({
    id: 'y:kernel',
    kind: 'kernel',
    machine: YIELD_BOX,
    num: nodes.length,
    label: 'kernel',
    detail: root,
    ariaLabel: 'the kernel, implicit root receiver for kernel:* keys',
    ...nodeSize(['kernel', root], 0),
  });

  const drawn = new Set(nodes.map((n) => n.id));
  const edges: GraphEdge[] = [];
  const owner = new Set<string>();
  for (const f of newest?.stack ?? []) {
    if (!drawn.has(f.callerId) || !drawn.has(f.calleeId)) continue;
    owner.add(`${f.callerId}>${f.calleeId}`);
    edges.push(
      edge(
        `yo:${f.callerId}:${f.calleeId}`,
        f.callerId,
        f.calleeId,
        'owner',
        `CALL · owner edge${f.keys.length ? ` · snapshot ${f.keys.join(', ')}` : ''}`,
      ),
    );
  }
  for (const inst of view.world) {
    for (const to of inst.holds) if (!owner.has(`${inst.id}>${to}`)) edges.push(edge(`yh:${inst.id}:${to}`, inst.id, to, 'holds', 'holds'));
  }
  return {
    machines: [
      ...model.machines,
      {
        id: YIELD_BOX,
        label: BOX_LABEL,
        ariaLabel: 'the yield runtime',
        minWidth: textWidth(BOX_LABEL) + 2 * PAD_X,
        minHeight: LINE_HEIGHT + 2 * NODE_PAD_Y,
      },
    ],
    nodes: [...model.nodes, ...nodes],
    edges: [...model.edges, ...edges],
  };
}

function edge(id: string, source: string, target: string, kind: 'owner' | 'holds', text: string): GraphEdge {
  const label = clip(text, 56);
  return { id, source, target, kind, label, labelWidth: textWidth(label) + 4, labelHeight: LINE_HEIGHT, relabeled: false, dead: false };
}
