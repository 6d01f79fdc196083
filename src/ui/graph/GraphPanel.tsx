/**
 * The live capability graph.
 *
 * Three speeds of change, three mechanisms:
 *  - topology (processes, objects, caps appear or go): rare. Build a model, lay it out in the layout worker,
 *    render the result with React.
 *  - live figures (process state and run counters, endpoint message counters): every frame. Written straight
 *    into the SVG from the frame listener; React never hears of them.
 *  - the view (pan, zoom): every pointer event. Kept in a ref and written to one `transform` attribute.
 * Selection is a store change and re-renders with React; it is rare enough.
 */

import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent, type PointerEvent } from 'react';
import { OBJ, OBJECT_KINDS, PROC, type Frame } from '../../kernel/sab/layout';
import type { FrameLoop } from '../../client/frames';
import { appStore, useApp } from '../../store/store';
import {
  buildGraphModel,
  endpointLiveText,
  HEXAGON_INSET,
  latestOnly,
  LINE_HEIGHT,
  NODE_PAD_Y,
  processLiveText,
  stateName,
  textWidth,
  type GraphModel,
  type LaidOutEdge,
  type LaidOutGraph,
  type LaidOutNode,
  type Point,
} from './model';
import { layoutClient, type LayoutClient } from './layoutClient';
import { withYieldWorld } from './yieldModel';
import { clusterable, clustered } from './clusters';
import type { YieldView } from '../../kernel/host-api';
import './graph.css';

const MIN_ZOOM = 0.1;
const MAX_ZOOM = 4;
/** Zoom levels below which edge labels, then node labels, are left out (level of detail). */
const LOD_MID = 0.4;
const LOD_FAR = 0.22;
/** Labels come back this long after the view stops moving. */
const SETTLE_MS = 150;
/** A fitted graph is not blown up past this: a three-node graph should not fill the screen. */
const MAX_FIT_ZOOM = 1.5;
const FIT_MARGIN = 16;
const BUTTON_ZOOM = 1.25;
/** Pointer travel (px) that turns a press into a pan rather than a click. */
const DRAG_THRESHOLD = 3;
const EDGE_KINDS = ['endpoint', 'client', 'spawner', 'process', 'object', 'minter', 'session', 'channel', 'memory', 'fs', 'holds', 'owner', 'denied'] as const;
const OBJECT_KIND_ENDPOINT = OBJECT_KINDS.indexOf('endpoint');

interface View {
  x: number;
  y: number;
  k: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function GraphPanel() {
  const [layout, setLayout] = useState<LaidOutGraph | null>(null);
  const [layoutCount, setLayoutCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const selected = useApp((s) => s.selected);
  const flashes = useDeniedFlashes();
  const yields = useApp((s) => s.yields);

  const svgRef = useRef<SVGSVGElement>(null);
  const viewportRef = useRef<SVGGElement>(null);
  const view = useRef<View>({ x: 0, y: 0, k: 1 });
  const live = useRef<LiveIndex>(emptyLiveIndex());
  /** The latest frame, so freshly rendered nodes can get their live figures before the next frame arrives. */
  const lastFrame = useRef<Frame | null>(null);
  /** The rendered layout, for callbacks registered once (resize observer, toolbar). */
  const layoutRef = useRef<LaidOutGraph | null>(null);
  /**
   * Fit every new layout (and every resize) to the panel until the user pans or zooms; "fit" turns it back on.
   * So the whole graph stays in view as it grows, but a view the user chose is never taken away from them.
   */
  const autoFit = useRef(true);
  /** Machines the user expanded in a clustered (big) graph. */
  const expanded = useRef<Set<string>>(new Set());
  const relayoutRef = useRef<() => void>(() => {});
  const [canCollapse, setCanCollapse] = useState(false);
  const drag = useRef<{ id: number; x: number; y: number; moved: boolean; onNode: boolean } | null>(null);
  const suppressClick = useRef(false);
  // Marker ids must be unique per panel and safe inside url(#…).
  const uid = 'g' + useId().replace(/[^a-zA-Z0-9_-]/g, '');

  /**
   * Write the view transform once per animation frame however many wheel or pointer events arrived. While the
   * view moves, labels are hidden (`is-moving`): repainting a big SVG without them keeps pan and zoom smooth.
   */
  const viewFrame = useRef(0);
  const moving = useRef<ReturnType<typeof setTimeout> | null>(null);
  const applyView = () => {
    if (viewFrame.current) return;
    viewFrame.current = requestAnimationFrame(() => {
      viewFrame.current = 0;
      const { x, y, k } = view.current;
      viewportRef.current?.setAttribute('transform', `translate(${x} ${y}) scale(${k})`);
      // Level of detail: zoomed out, labels go first, then edges fade (CSS keys off this attribute).
      const lod = k < LOD_FAR ? 'far' : k < LOD_MID ? 'mid' : 'near';
      const svg = svgRef.current;
      if (!svg) return;
      if (svg.dataset.lod !== lod) svg.dataset.lod = lod;
      if (!moving.current) svg.classList.add('is-moving');
      else clearTimeout(moving.current);
      moving.current = setTimeout(() => {
        moving.current = null;
        svg.classList.remove('is-moving');
      }, SETTLE_MS);
    });
  };

  /** Zoom by `factor` keeping the point `at` (SVG pixels) fixed on screen. */
  const zoomBy = (factor: number, at?: Point) => {
    const svg = svgRef.current;
    if (!svg) return;
    const v = view.current;
    const p = at ?? { x: svg.clientWidth / 2, y: svg.clientHeight / 2 };
    const k = clamp(v.k * factor, MIN_ZOOM, MAX_ZOOM);
    autoFit.current = false;
    view.current = { k, x: p.x - ((p.x - v.x) * k) / v.k, y: p.y - ((p.y - v.y) * k) / v.k };
    applyView();
  };

  /** Centre the graph and scale it to the panel. Returns false while the panel has no size yet. */
  const fit = (graph: LaidOutGraph | null = layoutRef.current): boolean => {
    const svg = svgRef.current;
    if (!svg || !graph) return false;
    const w = svg.clientWidth;
    const h = svg.clientHeight;
    if (w === 0 || h === 0) return false;
    const gw = Math.max(graph.width, 1);
    const gh = Math.max(graph.height, 1);
    const k = clamp(Math.min((w - 2 * FIT_MARGIN) / gw, (h - 2 * FIT_MARGIN) / gh), MIN_ZOOM, MAX_FIT_ZOOM);
    view.current = { k, x: (w - gw * k) / 2, y: (h - gh * k) / 2 };
    applyView();
    return true;
  };

  // The layout worker and the frame listener live as long as the panel.
  useEffect(() => {
    let disposed = false;
    let client: LayoutClient;
    try {
      client = layoutClient();
    } catch (e) {
      setError(`The graph layout worker could not start: ${message(e)}`);
      return;
    }
    const { api, worker } = client;
    // A worker that fails to load never answers; say so instead of showing "laying out…" forever.
    const onError = (e: ErrorEvent) => {
      if (!disposed) setError(`The graph layout worker failed: ${e.message || 'it could not be loaded'}`);
    };
    if (client.failure) setError(`The graph layout worker failed: ${client.failure}`);
    worker.addEventListener('error', onError);
    const layouts = latestOnly(
      (model: GraphModel) => api.layout(model),
      (graph) => {
        if (disposed) return;
        setLayout(graph);
        setLayoutCount((n) => n + 1);
        setError(null);
      },
      (e) => {
        if (!disposed) setError(`The graph could not be laid out: ${message(e)}`);
      },
    );

    let topologyKey = '';
    let modelKey = '';
    let frameModel: GraphModel | null = null;
    let yields = appStore.getState().yields;
    let generation = -1;
    const relayout = () => {
      if (!frameModel) return;
      const model = withYieldWorld(clustered(frameModel, expanded.current), yields);
      setCanCollapse(clusterable(frameModel));
      // Some topology bumps change nothing the graph shows; skip those layouts.
      const json = JSON.stringify(model);
      if (json !== modelKey) {
        modelKey = json;
        layouts.request(model);
      }
    };
    relayoutRef.current = relayout;
    const onFrame = (frame: Frame, strings: { get(id: number): string }) => {
      lastFrame.current = frame;
      // The scenario generation is part of the key: a reloaded scenario restarts the topology counter.
      const key = `${frame.scenarioGen}:${frame.topology}`;
      if (key !== topologyKey) {
        topologyKey = key;
        if (frame.scenarioGen !== generation) {
          generation = frame.scenarioGen;
          expanded.current = new Set(); // a new world starts collapsed (if it is big)
        }
        frameModel = buildGraphModel(frame, strings);
        relayout();
      }
      applyLive(live.current, frame);
    };

    // The frame loop appears once the kernel is up (and is replaced if the kernel restarts).
    let loop: FrameLoop | null = null;
    let unsubscribeFrames: (() => void) | null = null;
    const attach = (next: FrameLoop | null) => {
      if (next === loop) return;
      unsubscribeFrames?.();
      loop = next;
      topologyKey = '';
      modelKey = '';
      unsubscribeFrames = next ? next.subscribe(onFrame) : null;
    };
    attach(appStore.getState().frames);
    const unsubscribeStore = appStore.subscribe((s) => {
      attach(s.frames);
      if (s.yields !== yields) {
        yields = s.yields;
        relayout();
      }
    });

    return () => {
      disposed = true;
      unsubscribeStore();
      unsubscribeFrames?.();
      worker.removeEventListener('error', onError);
    };
  }, []);

  // Wheel zoom needs a non-passive listener (to stop the page scrolling), which React does not offer.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      // Pixel deltas from trackpads are small and many; line/page deltas from wheels are few and large.
      const dy = e.deltaMode === 0 ? e.deltaY : e.deltaY * 16;
      zoomBy(Math.exp(-dy * 0.0015), { x: e.clientX - r.left, y: e.clientY - r.top });
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, []); // zoomBy only touches refs, so the first render's copy is as good as any

  // After a new layout is committed: re-index the live nodes, fill in their figures, fit while fitting is automatic.
  useLayoutEffect(() => {
    layoutRef.current = layout;
    const viewport = viewportRef.current;
    if (!viewport) return;
    live.current = indexLiveNodes(viewport);
    if (lastFrame.current) applyLive(live.current, lastFrame.current);
    applyView();
    if (layout && autoFit.current) fit(layout);
  }, [layout]);

  // Refit on resize while fitting is automatic; this also fits a panel that had no size at the first layout.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (autoFit.current) fit();
    });
    ro.observe(svg);
    return () => ro.disconnect();
  }, []);

  // ── pan and click ───────────────────────────────────────────────────────────────────────────────────────────
  const onPointerDown = (e: PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    const target = e.target as Element;
    const node = target.closest('[data-node-id]');
    // Dragging on a machine box pans (they cover most of the picture); dragging on a node does not.
    const onNode = node !== null && node.getAttribute('data-kind') !== 'machine';
    drag.current = { id: e.pointerId, x: e.clientX, y: e.clientY, moved: false, onNode };
    suppressClick.current = false;
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId || d.onNode) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved) {
      if (Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
      d.moved = true;
      autoFit.current = false;
      // Capture only once it is a drag: capturing on press would retarget the click away from the node.
      e.currentTarget.setPointerCapture(e.pointerId);
      e.currentTarget.classList.add('is-panning');
    }
    view.current = { ...view.current, x: view.current.x + dx, y: view.current.y + dy };
    d.x = e.clientX;
    d.y = e.clientY;
    applyView();
  };
  const onPointerUp = (e: PointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    drag.current = null;
    e.currentTarget.classList.remove('is-panning');
    if (d.moved) {
      suppressClick.current = true; // the click that ends a pan selects nothing
      if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    } else if (!(e.target as Element).closest('[data-node-id]')) {
      appStore.getState().select(null); // a click on empty space clears the selection
    }
  };
  const onPointerCancel = (e: PointerEvent<SVGSVGElement>) => {
    if (drag.current?.id !== e.pointerId) return;
    drag.current = null;
    e.currentTarget.classList.remove('is-panning');
  };
  const onClickCapture = (e: MouseEvent<SVGSVGElement>) => {
    if (suppressClick.current) {
      suppressClick.current = false;
      e.stopPropagation();
    }
  };

  const select = (id: string) => {
    if (id.startsWith('cl:')) {
      // A collapsed machine: expand it in place, and show the machine in the inspector.
      const machine = id.slice(3);
      expanded.current = new Set([...expanded.current, machine]);
      relayoutRef.current();
      appStore.getState().select(machine);
      return;
    }
    appStore.getState().select(id);
  };
  const collapseAll = () => {
    expanded.current = new Set();
    autoFit.current = true;
    relayoutRef.current();
  };
  const onNodeKey = (id: string) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select(id);
    }
  };

  // ── the picture (React renders it only when a layout arrives or the selection changes) ─────────────────────
  const picture = useMemo(() => {
    if (!layout) return null;
    const labels = new Map(layout.nodes.map((n) => [n.id, n.label]));
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
            onClick={() => select(m.id)}
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
            markerId={`${uid}-arrow-${e.kind}`}
            related={selected !== null && (e.source === selected || e.target === selected)}
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
            className={selected === n.id ? 'graph-node is-selected' : 'graph-node'}
            transform={`translate(${n.x} ${n.y})`}
            onClick={() => select(n.id)}
            onKeyDown={onNodeKey(n.id)}
          >
            <NodeShape node={n} />
            <text className="graph-label" x={n.width / 2} y={lineY(0)}>
              {n.label}
            </text>
            <text className="graph-detail" x={n.width / 2} y={lineY(1)}>
              {n.detail}
            </text>
            {/* Filled in per frame by applyLive; React leaves its text alone (it renders no children). */}
            {(n.kind === 'process' || n.kind === 'endpoint') && <text className="graph-live" data-live="" x={n.width / 2} y={lineY(2)} />}
            {n.kind === 'cluster' && (
              <text className="graph-detail graph-hint" x={n.width / 2} y={lineY(2)}>
                click to expand
              </text>
            )}
          </g>
        ))}
      </>
    );
  }, [layout, selected]); // the handlers only reach the store, and uid is fixed for the component's life

  return (
    <section
      data-testid="graph"
      className="panel graph-panel"
      aria-label="Capability graph"
      data-layout-ms={layout ? layout.durationMs.toFixed(1) : undefined}
      data-layout-count={layoutCount}
    >
      <div className="graph-toolbar" role="toolbar" aria-label="Graph view">
        <button type="button" onClick={() => zoomBy(1 / BUTTON_ZOOM)} aria-label="Zoom out" title="Zoom out">
          −
        </button>
        <button type="button" onClick={() => zoomBy(BUTTON_ZOOM)} aria-label="Zoom in" title="Zoom in">
          +
        </button>
        <button type="button" onClick={() => {
            autoFit.current = true;
            fit();
          }}
          aria-label="Fit graph to view" title="Fit graph to view">
          fit
        </button>
        {canCollapse && (
          <button type="button" onClick={collapseAll} aria-label="Collapse every machine" title="Collapse every machine into one node">
            collapse
          </button>
        )}
      </div>
      {error ? (
        <p className="graph-message graph-error" role="alert">
          {error}
        </p>
      ) : (
        !layout && (
          <p className="graph-message" role="status">
            laying out…
          </p>
        )
      )}
      <svg
        ref={svgRef}
        className="graph-canvas"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerCancel}
        onClickCapture={onClickCapture}
      >
        <defs>
          {EDGE_KINDS.map((kind) => (
            <marker
              key={kind}
              id={`${uid}-arrow-${kind}`}
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
        {/* The view transform is written by applyView, never by React. */}
        <g ref={viewportRef} className="graph-viewport">
          {picture}
          {layout && <DeniedEdges layout={layout} flashes={flashes} markerId={`${uid}-arrow-denied`} />}
          {layout && yields && <YieldRoute layout={layout} view={yields} />}
        </g>
      </svg>
    </section>
  );
}

// ── pieces ────────────────────────────────────────────────────────────────────────────────────────────────────

interface Flash {
  seq: number;
  /** A refused grant or call: an edge from source to target. An abort: the fiber itself (target ''). */
  kind: 'denied' | 'abort';
  source: string;
  target: string;
  reason: string;
  detail: string;
}

const FLASH_MS = 6000;

/** The reason part of a denial record, short enough for an edge label. */
function shortReason(detail: string): string {
  const gate = detail.indexOf('Gate 0');
  const why = gate >= 0 ? detail.slice(gate) : detail.replace(/^denied: /, '');
  const first = why.split(';')[0];
  return first.length > 72 ? `${first.slice(0, 71)}…` : first;
}

/** Denials that name the object they tried to reach, as they happen (not the history), for a few seconds. */
function useDeniedFlashes(): Flash[] {
  const feed = useApp((s) => s.ledger);
  const [flashes, setFlashes] = useState<Flash[]>([]);
  useEffect(() => {
    if (!feed) return;
    let seen = feed.head; // by seq: the feed is a window whose positions shift
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const unsubscribe = feed.subscribe(() => {
      const entries = feed.entries;
      const fresh: Flash[] = [];
      if (feed.head < seen) seen = 0; // a new scenario
      let i = entries.length;
      while (i > 0 && entries[i - 1].seq > seen) i--;
      for (; i < entries.length; i++) {
        const e = entries[i];
        if (e.kind === 'deny' && e.object && e.actor) {
          fresh.push({ seq: e.seq, kind: 'denied', source: `p:${e.actor}`, target: `o:${e.object}`, reason: shortReason(e.detail), detail: e.detail });
        }
        if (e.kind === 'abort' && e.actor) {
          const need = /needs (.*?);/.exec(e.detail)?.[1] ?? '';
          fresh.push({ seq: e.seq, kind: 'abort', source: `p:${e.actor}`, target: '', reason: `aborted: missing ${need}`, detail: e.detail });
        }
      }
      seen = feed.head;
      if (!fresh.length) return;
      setFlashes((f) => [...f, ...fresh].slice(-8));
      const timer = setTimeout(() => {
        timers.delete(timer);
        setFlashes((f) => f.filter((x) => !fresh.includes(x)));
      }, FLASH_MS);
      timers.add(timer);
    });
    return () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
    };
  }, [feed]);
  return flashes;
}

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
            <g key={f.seq} className="graph-edge graph-denied graph-aborted" data-edge-kind="aborted" data-node-flash={f.source} data-seq={f.seq} aria-label={f.detail}>
              <title>{f.detail}</title>
              <rect className="graph-aborted-box" x={n.x - 3} y={n.y - 3} width={n.width + 6} height={n.height + 6} rx={7} />
              <rect className="graph-edge-label-bg" x={n.x + n.width / 2 - w / 2} y={n.y + n.height + 4} width={w} height={LINE_HEIGHT} rx={3} />
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
    <g key={view.count} className="yield-route" data-testid="graph-yield-route" data-key={route.key} data-count={view.count} aria-label={`yield ${route.key}: ${route.hops.map((h) => h.name).join(' → ')}`}>
      {hops.map((h, i) => {
        const n = nodes.get(h.id)!;
        return (
          <g key={i}>
            {i > 0 && <path className="yield-walk" d={`M${points[i - 1].x},${points[i - 1].y} L${points[i].x},${points[i].y}`} style={{ animationDelay: `${(i - 0.5) * HOP_S}s` }} />}
            <rect className={`yield-hop role-${h.role}`} data-role={h.role} data-node={h.id} x={n.x - 4} y={n.y - 4} width={n.width + 8} height={n.height + 8} rx={8} style={{ animationDelay: `${i * HOP_S}s` }}>
              <title>{`${i + 1}. ${h.role}: ${h.name}`}</title>
            </rect>
          </g>
        );
      })}
      {fault ? (
        <text className="yield-fault" data-role="fault" x={top.x + top.width / 2} y={top.y - 12} style={{ animationDelay: `${resumeAt - HOP_S}s` }}>
          {faultText}
        </text>
      ) : (
        points.length > 1 && <polyline className="yield-resume" data-role="resume" points={[...points].reverse().map((p) => `${p.x},${p.y}`).join(' ')} style={{ animationDelay: `${resumeAt}s` }} />
      )}
    </g>
  );
}

/** Baseline of text line `i` inside a node (texts use dominant-baseline: central). */
const lineY = (i: number) => NODE_PAD_Y + LINE_HEIGHT * (i + 0.5);

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
      return <rect className="graph-shape" width={w} height={h} rx={h / 2} />;
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

function EdgeView({ edge, markerId, related, title }: { edge: LaidOutEdge; markerId: string; related: boolean; title: string }) {
  const l = edge.labelBox;
  return (
    <g
      data-edge-id={edge.id}
      data-edge-kind={edge.kind}
      data-relabeled={edge.relabeled || undefined}
      data-dead={edge.dead || undefined}
      className={`graph-edge${related ? ' is-related' : ''}${edge.relabeled ? ' is-relabeled' : ''}${edge.dead ? ' is-dead' : ''}`}
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

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ── live figures: straight to the DOM ─────────────────────────────────────────────────────────────────────────

interface LiveSlot {
  el: Element;
  text: Element | null;
  // Last written values, so unchanged figures cost no DOM writes.
  state: number;
  count: number;
  /** When the counter text was last written: counters need not redraw every frame (states do). */
  at: number;
}

/** Counters (runs, messages) are redrawn at most this often per node; state changes show at once. */
const COUNTER_MS = 250;
/** Past this many nodes the counters are too small to read and repainting them costs frames: states only, and
 * each node's at most every COUNTER_MS (a thousand spinners flip running/ready every tick; restyling them all each
 * frame cost the frame budget, and nobody can follow 60 flips a second anyway). */
const COUNTER_NODE_LIMIT = 300;

interface LiveIndex {
  processes: Map<number, LiveSlot>;
  endpoints: Map<number, LiveSlot>;
}

function emptyLiveIndex(): LiveIndex {
  return { processes: new Map(), endpoints: new Map() };
}

function indexLiveNodes(root: Element): LiveIndex {
  const index = emptyLiveIndex();
  for (const el of root.querySelectorAll('[data-node-id]')) {
    const kind = el.getAttribute('data-kind');
    const id = el.getAttribute('data-node-id') ?? '';
    const num = Number(id.slice(2));
    const slot = { el, text: el.querySelector('[data-live]'), state: -1, count: -1, at: 0 };
    if (kind === 'process') index.processes.set(num, slot);
    else if (kind === 'endpoint') index.endpoints.set(num, slot);
  }
  return index;
}

function applyLive(index: LiveIndex, frame: Frame): void {
  const now = performance.now();
  if (index.processes.size > 0) {
    const pids = frame.proc[PROC.PID];
    const states = frame.proc[PROC.STATE];
    const runs = frame.proc[PROC.RUNS];
    const counters = index.processes.size <= COUNTER_NODE_LIMIT;
    for (let row = 0; row < frame.procRows; row++) {
      const slot = index.processes.get(pids[row]);
      if (!slot || (slot.state === states[row] && (!counters || slot.count === runs[row] || now - slot.at < COUNTER_MS))) continue;
      if (!counters && now - slot.at < COUNTER_MS) continue;
      const state = stateName(states[row]);
      if (slot.state !== states[row]) slot.el.setAttribute('data-state', state);
      if (slot.text) slot.text.textContent = processLiveText(state, runs[row]);
      slot.state = states[row];
      slot.count = runs[row];
      slot.at = now;
    }
  }
  if (index.endpoints.size > 0) {
    const ids = frame.obj[OBJ.ID];
    const kinds = frame.obj[OBJ.KIND];
    const counters = frame.obj[OBJ.COUNTER];
    for (let row = 0; row < frame.objRows; row++) {
      if (kinds[row] !== OBJECT_KIND_ENDPOINT) continue;
      const slot = index.endpoints.get(ids[row]);
      if (!slot || slot.count === counters[row] || now - slot.at < COUNTER_MS) continue;
      if (slot.text) slot.text.textContent = endpointLiveText(counters[row]);
      slot.count = counters[row];
      slot.at = now;
    }
  }
}
