import { memo, useRef, type KeyboardEvent, type RefObject } from 'react';
import type { YieldView } from '../../kernel/host-api';
import { CAP_KINDS } from '../../kernel/sab/layout';
import { HEXAGON_INSET, LINE_HEIGHT, lineY, textWidth, type LaidOutEdge, type LaidOutGraph, type LaidOutNode, type Point } from './model';
import type { Flash } from './useDeniedFlashes';
import type { PanZoomHandlers } from './usePanZoom';

/** An arrowhead per edge kind: every cap kind (so a new kind is never drawn without one), and the graph's own. */
const EDGE_KINDS = [...CAP_KINDS.filter((k) => k !== 'none'), 'holds', 'owner', 'denied'] as const;

export interface GraphPictureProps {
  /** The laid-out graph, or null while the first layout is on its way (the canvas is drawn empty). */
  layout: LaidOutGraph | null;
  selected: string | null;
  /** Denials and aborts to flash over the picture. */
  flashes: Flash[];
  /** The yield view: its newest route is drawn over the picture. */
  yields: YieldView | null;
  /** Prefix of the arrow markers' ids: unique per panel and safe inside url(#…). */
  markerPrefix: string;
  /** The verdict on show: its parties are highlighted, with the edges between them labelled. */
  attack: { nodes: string[]; from: string[]; to: string | null; outcome: string } | null;
  /** A node, machine or cluster was clicked (or Enter/Space on it). Keep it stable: the nodes re-render only with layout and selection. */
  onSelect(id: string): void;
  svgRef: RefObject<SVGSVGElement | null>;
  /** The group the view transform is written to (by usePanZoom, never by React). */
  viewportRef: RefObject<SVGGElement | null>;
  /** Pan and click (usePanZoom). */
  pointer: PanZoomHandlers;
}

/**
 * The capability graph as SVG, from props alone: machines, edges and nodes of a layout, the denial flashes and
 * the newest yield route over them. Live figures (states, counters) are left empty here; useLiveFigures writes them.
 */
export function GraphPicture({
  layout,
  selected,
  flashes,
  yields,
  markerPrefix,
  attack,
  onSelect,
  svgRef,
  viewportRef,
  pointer,
}: GraphPictureProps) {
  return (
    <svg ref={svgRef} className="graph-canvas" {...pointer}>
      <defs>
        {EDGE_KINDS.map((kind) => (
          <marker
            key={kind}
            id={`${markerPrefix}-arrow-${kind}`}
            className={`graph-arrow graph-arrow-${kind}`}
            viewBox="0 0 10 10"
            refX={9}
            refY={5}
            markerWidth={7}
            markerHeight={7}
            markerUnits="userSpaceOnUse"
            orient="auto"
          >
            <path d="M0,1 L9,5 L0,9 z" />
          </marker>
        ))}
      </defs>
      {/* The view transform is written by usePanZoom, never by React. */}
      <g ref={viewportRef} className="graph-viewport">
        {layout && <Topology layout={layout} selected={selected} attack={attack} markerPrefix={markerPrefix} onSelect={onSelect} />}
        {layout && <DeniedEdges layout={layout} flashes={flashes} markerId={`${markerPrefix}-arrow-denied`} />}
        {layout && yields && <YieldRoute layout={layout} view={yields} />}
      </g>
    </svg>
  );
}

/** Machines, edges and nodes: re-rendered only when a layout arrives or the selection changes (not per flash). */
const Topology = memo(function Topology({
  layout,
  selected,
  attack,
  markerPrefix,
  onSelect,
}: {
  layout: LaidOutGraph;
  selected: string | null;
  attack: { nodes: string[]; from: string[]; to: string | null; outcome: string } | null;
  markerPrefix: string;
  onSelect(id: string): void;
}) {
  const labels = new Map(layout.nodes.map((n) => [n.id, n.label]));
  const parties = new Set(attack?.nodes ?? []);
  const from = new Set(attack?.from ?? []);
  const outcome = attack?.outcome;
  // The attack's edges: from its subject (or actor) to its object, or to its other parties when it names none.
  const related = (e: LaidOutEdge) => selected !== null && (e.source === selected || e.target === selected);
  const isAttack = (e: LaidOutEdge) => from.has(e.source) && (attack?.to ? e.target === attack.to : parties.has(e.target));
  const onNodeKey = (id: string) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(id);
    }
  };
  return (
    <>
      {layout.machines.map((m) => (
        <g
          key={m.id}
          data-node-id={m.id}
          data-kind="machine"
          role="button"
          aria-label={m.ariaLabel}
          aria-pressed={selected === m.id}
          tabIndex={0}
          className={selected === m.id ? 'graph-machine is-selected' : 'graph-machine'}
          transform={`translate(${m.x} ${m.y})`}
          onClick={() => onSelect(m.id)}
          onKeyDown={onNodeKey(m.id)}
        >
          <rect className="graph-shape" width={m.width} height={m.height} rx={8} />
          <text className="graph-machine-label" x={12} y={19}>
            {m.label}
          </text>
        </g>
      ))}
      {layout.edges.map((e) => (
        <EdgeView
          key={e.id}
          edge={e}
          markerId={`${markerPrefix}-arrow-${e.kind}`}
          related={related(e)}
          attack={isAttack(e) ? outcome : undefined}
          title={`${labels.get(e.source) ?? e.source} holds a ${e.label} cap to ${labels.get(e.target) ?? e.target}`}
        />
      ))}
      {layout.nodes.map((n) => (
        <g
          key={n.id}
          data-node-id={n.id}
          data-kind={n.kind}
          data-object-state={n.state}
          role="button"
          aria-label={n.ariaLabel}
          aria-pressed={selected === n.id}
          tabIndex={0}
          className={`graph-node${selected === n.id ? ' is-selected' : ''}${parties.has(n.id) ? ` is-attack attack-${outcome}` : ''}`}
          data-attack={parties.has(n.id) ? outcome : undefined}
          transform={`translate(${n.x} ${n.y})`}
          onClick={() => onSelect(n.id)}
          onKeyDown={onNodeKey(n.id)}
        >
          <NodeShape node={n} />
          <text className="graph-label" x={n.width / 2} y={lineY(0, n)}>
            {n.label}
          </text>
          {n.detail && (
            <text className="graph-detail" x={n.width / 2} y={lineY(1, n)}>
              {n.detail}
            </text>
          )}
          {/* Filled in per frame by useLiveFigures; React leaves its text alone (it renders no children). */}
          {(n.kind === 'process' || n.kind === 'endpoint') && !n.noLive && (
            <text className="graph-live" data-live="" x={n.width / 2} y={lineY(n.detail ? 2 : 1, n)} />
          )}
          {n.kind === 'cluster' && (
            <text className="graph-detail graph-hint" x={n.width / 2} y={lineY(2, n)}>
              click to expand
            </text>
          )}
        </g>
      ))}
      {/* Labels the layout left out (compact detail), drawn over the nodes where they matter: an attack's and a
          relabeled cap's where the edge leaves its source, the picked node's before the arrowhead. */}
      {layout.edges.map((e) => {
        if (e.labelBox) return null;
        const attackOf = isAttack(e) ? outcome : undefined;
        const box = attackOf || e.relabeled ? labelNearStart(e, layout.width, STRONG_CHAR) : related(e) ? labelNearEnd(e, CHAR) : null;
        if (!box) return null;
        return (
          <g
            key={e.id}
            data-label-of={e.id}
            data-edge-kind={e.kind}
            className={`graph-edge graph-edge-overlay${e.relabeled ? ' is-relabeled' : ''}${attackOf ? ` is-attack attack-${attackOf}` : ''}`}
          >
            <rect className="graph-edge-label-bg" x={box.x} y={box.y} width={box.width} height={box.height} rx={3} />
            <text className="graph-edge-label" x={box.x + box.width / 2} y={box.y + box.height / 2}>
              {e.label}
            </text>
          </g>
        );
      })}
    </>
  );
});

/**
 * Straight red dashed edges from who was refused to what it tried to reach, and a red outline where an aborted
 * fiber stood (it is gone from the next layout, so its last place is remembered), over the laid-out picture.
 */
function DeniedEdges({ layout, flashes, markerId }: { layout: LaidOutGraph; flashes: Flash[]; markerId: string }) {
  const places = useRef(new Map<string, LaidOutNode>());
  for (const n of layout.nodes) places.current.set(n.id, n);
  if (!flashes.length) return null;
  const nodes = new Map(layout.nodes.map((n) => [n.id, n]));
  return (
    <>
      {flashes.map((f) => {
        if (f.kind === 'abort') {
          const n = places.current.get(f.source);
          if (!n) return null;
          const w = Math.max(n.width, textWidth(f.reason) + 12);
          return (
            <g
              key={f.seq}
              className="graph-edge graph-denied graph-aborted"
              data-edge-kind="aborted"
              data-node-flash={f.source}
              data-seq={f.seq}
              aria-label={f.detail}
            >
              <title>{f.detail}</title>
              <rect className="graph-aborted-box" x={n.x - 3} y={n.y - 3} width={n.width + 6} height={n.height + 6} rx={7} />
              <rect
                className="graph-edge-label-bg"
                x={n.x + n.width / 2 - w / 2}
                y={n.y + n.height + 4}
                width={w}
                height={LINE_HEIGHT}
                rx={3}
              />
              <text className="graph-edge-label" x={n.x + n.width / 2} y={n.y + n.height + 4 + LINE_HEIGHT / 2}>
                ✕ {f.reason}
              </text>
            </g>
          );
        }
        const a = nodes.get(f.source);
        const b = nodes.get(f.target);
        if (!a || !b) return null;
        const from = { x: a.x + a.width, y: a.y + a.height / 2 };
        const to = { x: b.x, y: b.y + b.height / 2 };
        const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
        const w = textWidth(f.reason) + 8;
        return (
          <g key={f.seq} className="graph-edge graph-denied" data-edge-kind="denied" data-seq={f.seq} aria-label={f.detail}>
            <title>{f.detail}</title>
            <path className="graph-edge-line" d={`M${from.x},${from.y} L${to.x},${to.y}`} markerEnd={`url(#${markerId})`} />
            <rect className="graph-edge-label-bg" x={mid.x - w / 2} y={mid.y - LINE_HEIGHT / 2} width={w} height={LINE_HEIGHT} rx={3} />
            <text className="graph-edge-label" x={mid.x} y={mid.y}>
              ✕ {f.reason}
            </text>
          </g>
        );
      })}
    </>
  );
}

/** Seconds between the hops of an animated yield route. */
const HOP_S = 0.4;

/**
 * The newest yield's route over the picture: the emitter, each owner edge walked toward the root, the snapshot
 * that caught it (or the kernel root, or a fault at the top), then the resume back down to the emitter. It
 * plays once per yield (keyed by the route count) and stays drawn until the next one.
 */
function YieldRoute({ layout, view }: { layout: LaidOutGraph; view: YieldView }) {
  const route = view.routes.at(-1);
  if (!route) return null;
  const nodes = new Map(layout.nodes.map((n) => [n.id, n]));
  const hops = route.hops.filter((h) => h.role !== 'fault');
  // The layout with the route's instances may still be on its way.
  if (hops.some((h) => !nodes.has(h.id))) return null;
  const center = (id: string): Point => {
    const n = nodes.get(id)!;
    return { x: n.x + n.width / 2, y: n.y + n.height / 2 };
  };
  const points = hops.map((h) => center(h.id));
  const fault = route.hops.at(-1)!.role === 'fault';
  const top = nodes.get(hops.at(-1)!.id)!;
  const faultText = `✕ ${route.fault ?? 'unhandled yield_key'}: ${hops[0].name} faults`;
  const resumeAt = route.hops.length * HOP_S;
  return (
    <g
      key={view.count}
      className="yield-route"
      data-testid="graph-yield-route"
      data-key={route.key}
      data-count={view.count}
      aria-label={`yield ${route.key}: ${route.hops.map((h) => h.name).join(' → ')}`}
    >
      {hops.map((h, i) => {
        const n = nodes.get(h.id)!;
        return (
          <g key={i}>
            {i > 0 && (
              <path
                className="yield-walk"
                d={`M${points[i - 1].x},${points[i - 1].y} L${points[i].x},${points[i].y}`}
                style={{ animationDelay: `${(i - 0.5) * HOP_S}s` }}
              />
            )}
            <rect
              className={`yield-hop role-${h.role}`}
              data-role={h.role}
              data-node={h.id}
              x={n.x - 4}
              y={n.y - 4}
              width={n.width + 8}
              height={n.height + 8}
              rx={8}
              style={{ animationDelay: `${i * HOP_S}s` }}
            >
              <title>{`${i + 1}. ${h.role}: ${h.name}`}</title>
            </rect>
          </g>
        );
      })}
      {fault ? (
        <text
          className="yield-fault"
          data-role="fault"
          x={top.x + top.width / 2}
          y={top.y - 12}
          style={{ animationDelay: `${resumeAt - HOP_S}s` }}
        >
          {faultText}
        </text>
      ) : (
        points.length > 1 && (
          <polyline
            className="yield-resume"
            data-role="resume"
            points={[...points]
              .reverse()
              .map((p) => `${p.x},${p.y}`)
              .join(' ')}
            style={{ animationDelay: `${resumeAt}s` }}
          />
        )
      )}
    </g>
  );
}

function NodeShape({ node }: { node: LaidOutNode }) {
  const { width: w, height: h } = node;
  switch (node.kind) {
    case 'endpoint': {
      const i = HEXAGON_INSET;
      return <polygon className="graph-shape" points={`${i},0 ${w - i},0 ${w},${h / 2} ${w - i},${h} ${i},${h} 0,${h / 2}`} />;
    }
    case 'channel':
    case 'region':
      return <rect className="graph-shape" width={w} height={h} rx={2} transform={`skewX(-8) translate(${h * 0.07} 0)`} />;
    case 'spawner':
    case 'session':
    case 'vfs':
    case 'pairing':
      return <rect className="graph-shape" width={w} height={h} rx={h / 2} />;
    case 'group':
      // A stack of cards, the text centred on the top one: processes alike, drawn as one (groups.ts).
      return (
        <>
          <rect className="graph-shape graph-shape-under" x={6} width={w - 6} height={h - 6} rx={6} />
          <rect className="graph-shape graph-shape-under" y={6} width={w - 6} height={h - 6} rx={6} />
          <rect className="graph-shape" x={3} y={3} width={w - 6} height={h - 6} rx={6} />
        </>
      );
    case 'service':
      return (
        <>
          <rect className="graph-shape" width={w} height={h} rx={2} />
          <rect className="graph-shape-inner" x={3} y={3} width={w - 6} height={h - 6} rx={1} />
        </>
      );
    default:
      return <rect className="graph-shape" width={w} height={h} rx={6} />;
  }
}

function EdgeView({
  edge,
  markerId,
  related,
  attack,
  title,
}: {
  edge: LaidOutEdge;
  markerId: string;
  related: boolean;
  /** The verdict's outcome when both ends are its parties. */
  attack?: string;
  title: string;
}) {
  const l = edge.labelBox;
  return (
    <g
      data-edge-id={edge.id}
      data-edge-kind={edge.kind}
      data-relabeled={edge.relabeled || undefined}
      data-dead={edge.dead || undefined}
      data-attack={attack}
      className={`graph-edge${related ? ' is-related' : ''}${edge.relabeled ? ' is-relabeled' : ''}${edge.dead ? ' is-dead' : ''}${attack ? ` is-attack attack-${attack}` : ''}`}
    >
      <title>{title}</title>
      <path className="graph-edge-line" d={roundedPath(edge.points, 6)} markerEnd={`url(#${markerId})`} />
      {l && (
        <>
          <rect className="graph-edge-label-bg" x={l.x} y={l.y} width={l.width} height={l.height} rx={3} />
          <text className="graph-edge-label" x={l.x + l.width / 2} y={l.y + l.height / 2}>
            {edge.label}
          </text>
        </>
      )}
    </g>
  );
}

/** Width per character of an edge label (10 px) and of an attack's (12 px bold): the box must hold its text. */
const CHAR = 6.2;
const STRONG_CHAR = 7.6;

/** A label box just before the edge's arrowhead, above its last stretch. */
function labelNearEnd(edge: LaidOutEdge, char: number): { x: number; y: number; width: number; height: number } | null {
  const end = edge.points.at(-1);
  if (!end) return null;
  const width = Math.ceil(edge.label.length * char) + 8;
  return { x: end.x - 10 - width, y: end.y - LINE_HEIGHT - 2, width, height: LINE_HEIGHT };
}

/** A label box just after the edge leaves its source, above its first stretch, kept inside the picture. */
function labelNearStart(edge: LaidOutEdge, right: number, char: number): { x: number; y: number; width: number; height: number } | null {
  const start = edge.points[0];
  if (!start) return null;
  const width = Math.ceil(edge.label.length * char) + 8;
  const x = Math.max(0, Math.min(start.x + 8, right - width));
  // Pushed back over its source: go above it instead of across its name.
  const y = x < start.x + 8 ? start.y - 2 * LINE_HEIGHT - 8 : start.y - LINE_HEIGHT - 2;
  return { x, y, width, height: LINE_HEIGHT };
}

/** An SVG path through `points` with its corners rounded (orthogonal routes look less boxy). */
function roundedPath(points: Point[], radius: number): string {
  if (points.length === 0) return '';
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(radius, Math.hypot(b.x - a.x, b.y - a.y) / 2, Math.hypot(c.x - b.x, c.y - b.y) / 2);
    const p = toward(b, a, r);
    const q = toward(b, c, r);
    d += ` L${p.x},${p.y} Q${b.x},${b.y} ${q.x},${q.y}`;
  }
  const last = points[points.length - 1];
  return points.length > 1 ? `${d} L${last.x},${last.y}` : d;
}

/** The point `r` along the segment from `from` towards `to`. */
function toward(from: Point, to: Point, r: number): Point {
  const len = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  return { x: from.x + ((to.x - from.x) * r) / len, y: from.y + ((to.y - from.y) * r) / len };
}
