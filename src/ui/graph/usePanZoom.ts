import { useEffect, useLayoutEffect, useRef, type MouseEvent, type PointerEvent, type RefObject } from 'react';
import type { LaidOutGraph, Point } from './model';

const MIN_ZOOM = 0.1;
const MAX_ZOOM = 4;
/** Zoom levels below which edge labels, then node labels, are left out (level of detail). */
const LOD_MID = 0.4;
const LOD_FAR = 0.22;
/** Labels come back this long after the view stops moving. */
const SETTLE_MS = 150;
/** A fitted graph is not blown up past this: a three-node graph should not fill the screen. */
const MAX_FIT_ZOOM = 1.5;
const FIT_MARGIN = 10;
/** Pointer travel (px) that turns a press into a pan rather than a click. */
const DRAG_THRESHOLD = 3;

interface View {
  x: number;
  y: number;
  k: number;
}

/** The pointer handlers the graph's <svg> takes. */
export interface PanZoomHandlers {
  onPointerDown(e: PointerEvent<SVGSVGElement>): void;
  onPointerMove(e: PointerEvent<SVGSVGElement>): void;
  onPointerUp(e: PointerEvent<SVGSVGElement>): void;
  onPointerCancel(e: PointerEvent<SVGSVGElement>): void;
  onClickCapture(e: MouseEvent<SVGSVGElement>): void;
}

export interface PanZoom {
  /** Zoom by `factor` keeping the point `at` (SVG pixels; the middle by default) fixed on screen. */
  zoomBy(factor: number, at?: Point): void;
  /** Fit the graph to the panel, and keep fitting it as it grows (until the user pans or zooms). */
  fitToView(): void;
  /** Fit the next layout (and every resize) again, without fitting now. */
  resumeAutoFit(): void;
  /** Bring a box of the graph (a found node) to the middle of the panel, zoomed in to readable if need be. */
  centreOn(box: { x: number; y: number; width: number; height: number }): void;
  handlers: PanZoomHandlers;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The scale at which `graph` fits a w×h panel (what "fit" shows). */
export function fitScale(graph: { width: number; height: number }, w: number, h: number): number {
  const gw = Math.max(graph.width, 1);
  const gh = Math.max(graph.height, 1);
  return clamp(Math.min((w - 2 * FIT_MARGIN) / gw, (h - 2 * FIT_MARGIN) / gh), MIN_ZOOM, MAX_FIT_ZOOM);
}

/**
 * Pan (drag), zoom (wheel, buttons) and fit for the graph. The view lives in a ref and is written to the
 * viewport's one `transform` attribute, at most once per animation frame: pointer events never re-render React.
 * A press that does not travel stays a click (on a node, or on empty space: `onBackgroundClick`).
 */
export function usePanZoom(
  svgRef: RefObject<SVGSVGElement | null>,
  viewportRef: RefObject<SVGGElement | null>,
  layout: LaidOutGraph | null,
  onBackgroundClick: () => void,
  /** The smallest scale a kept view may have when a fit would be at least this large (readable type). */
  readableScale = 0,
): PanZoom {
  const view = useRef<View>({ x: 0, y: 0, k: 1 });
  const readableRef = useRef(readableScale);
  readableRef.current = readableScale;
  /** The rendered layout, for callbacks registered once (resize observer, toolbar). */
  const layoutRef = useRef<LaidOutGraph | null>(null);
  /**
   * Fit every new layout (and every resize) to the panel until the user pans or zooms; "fit" turns it back on.
   * So the whole graph stays in view as it grows, but a view the user chose is never taken away from them.
   */
  const autoFit = useRef(true);
  const drag = useRef<{ id: number; x: number; y: number; moved: boolean; onNode: boolean } | null>(null);
  const suppressClick = useRef(false);

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
    const k = fitScale(graph, w, h);
    view.current = { k, x: (w - graph.width * k) / 2, y: (h - graph.height * k) / 2 };
    layoutShown.current = true;
    applyView();
    return true;
  };

  /**
   * A new layout that still fits the view as it is keeps that view: nodes already on screen stay where they
   * are when a process comes or goes (the layout keeps their places). Only one that would not fit, or one
   * that has shrunk to well under the view (or would be readable only if fitted), is fitted again.
   */
  const stillFits = (graph: LaidOutGraph, before: LaidOutGraph | null): boolean => {
    const svg = svgRef.current;
    if (!svg || !layoutShown.current || !before) return false;
    // The same world, a node or two different (not a new scenario, not a rack expanded).
    const key = (n: { id: string; label: string }) => `${n.id} ${n.label}`;
    const known = new Set(before.nodes.map(key));
    if (graph.nodes.filter((n) => known.has(key(n))).length < Math.max(1, graph.nodes.length - 3)) return false;
    const { x, y, k } = view.current;
    const w = svg.clientWidth;
    const h = svg.clientHeight;
    const fits = x >= 0 && y >= 0 && x + graph.width * k <= w && y + graph.height * k <= h;
    const fit = fitScale(graph, w, h);
    // Kept only while it is about the fit's size, and never smaller than readable when the fit would be readable.
    return fits && k <= fit * 1.05 && fit < k * 1.3 && (k >= readableRef.current || fit < readableRef.current);
  };
  const layoutShown = useRef(false);

  /**
   * Keep the view, shifted so the nodes (and machine boxes) on screen in both layouts move as little as possible:
   * by the middle of how far they moved, per axis (a machine box that grows pushes the ones under it down;
   * splitting that push halves the largest move), as far as the panel allows (the view as it was fits: stillFits
   * said so).
   */
  const settle = (graph: LaidOutGraph, before: LaidOutGraph): void => {
    const svg = svgRef.current;
    if (!svg) return;
    const was = new Map<string, Point>([...before.machines, ...before.nodes].map((n) => [n.id, n]));
    const dx: number[] = [];
    const dy: number[] = [];
    for (const n of [...graph.machines, ...graph.nodes]) {
      const b = was.get(n.id);
      if (!b) continue;
      dx.push(n.x - b.x);
      dy.push(n.y - b.y);
    }
    const { x, y, k } = view.current;
    const mid = (d: number[]) => (d.length ? (Math.min(...d) + Math.max(...d)) / 2 : 0);
    const within = (at: number, room: number) => clamp(at, 0, Math.max(0, room));
    view.current = {
      k,
      x: within(x - mid(dx) * k, svg.clientWidth - graph.width * k),
      y: within(y - mid(dy) * k, svg.clientHeight - graph.height * k),
    };
    applyView();
  };

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
    // eslint-disable-next-line react-hooks/exhaustive-deps -- zoomBy and svgRef only touch refs: the first render's copy is as good as any
  }, []);

  // After a new layout is committed: write the view, and fit while fitting is automatic.
  useLayoutEffect(() => {
    const before = layoutRef.current;
    layoutRef.current = layout;
    if (!viewportRef.current) return;
    applyView();
    if (layout && autoFit.current) {
      if (stillFits(layout, before)) settle(layout, before!);
      else fit(layout);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- applyView and fit only touch refs; a new layout is what calls for this
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
    // eslint-disable-next-line react-hooks/exhaustive-deps -- fit and svgRef only touch refs: one observer for the panel's life
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
      onBackgroundClick(); // a click on empty space
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

  return {
    zoomBy,
    fitToView: () => {
      autoFit.current = true;
      fit();
    },
    resumeAutoFit: () => {
      autoFit.current = true;
    },
    centreOn: (box) => {
      const svg = svgRef.current;
      if (!svg) return;
      const k = Math.max(view.current.k, 1);
      autoFit.current = false;
      view.current = { k, x: svg.clientWidth / 2 - (box.x + box.width / 2) * k, y: svg.clientHeight / 2 - (box.y + box.height / 2) * k };
      applyView();
    },
    handlers: { onPointerDown, onPointerMove, onPointerUp, onPointerCancel, onClickCapture },
  };
}
