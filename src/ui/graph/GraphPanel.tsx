/**
 * The live capability graph.
 *
 * Three speeds of change, three mechanisms:
 *  - topology (processes, objects, caps appear or go): rare. useGraphLayout builds a model, lays it out in the
 *    layout worker, and GraphPicture renders the result with React.
 *  - live figures (process state and run counters, endpoint message counters): every frame. useLiveFigures writes
 *    them straight into the SVG from the frame listener; React never hears of them.
 *  - the view (pan, zoom): every pointer event. usePanZoom keeps it in a ref and writes one `transform` attribute.
 * Selection is a store change and re-renders with React; it is rare enough.
 */

import { useCallback, useEffect, useId, useRef } from 'react';
import { appStore, useApp } from '../../store/store';
import { GraphPicture } from './GraphPicture';
import { useDeniedFlashes } from './useDeniedFlashes';
import { useGraphLayout } from './useGraphLayout';
import { useLiveFigures } from './useLiveFigures';
import { fitScale, usePanZoom } from './usePanZoom';
import { FindNode } from './FindNode';
import { NAME_FONT, PRESENTER_READABLE_PX, READABLE_PX } from './detail';
import type { LaidOutGraph } from './model';
import './graph.css';

const BUTTON_ZOOM = 1.25;
const clearSelection = () => appStore.getState().select(null);

export function GraphPanel() {
  const selected = useApp((s) => s.selected);
  const flashes = useDeniedFlashes();
  const yields = useApp((s) => s.yields);
  const attack = useApp((s) => s.attack);
  // A new verdict frames its parties: if the view was panned or zoomed away from any of them, fit the graph again.
  const attackSeq = attack?.seq;
  useEffect(() => {
    const svg = svgRef.current;
    if (attackSeq === undefined || !svg) return;
    const pane = svg.getBoundingClientRect();
    const parties = appStore.getState().attack?.nodes ?? [];
    const away = parties.some((id) => {
      const r = svg.querySelector(`[data-node-id="${CSS.escape(id)}"]`)?.getBoundingClientRect();
      return r && (r.left < pane.left || r.right > pane.right || r.top < pane.top || r.bottom > pane.bottom);
    });
    if (away) view.fitToView();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per verdict; view only touches refs
  }, [attackSeq]);
  const presenter = useApp((s) => s.presenter);
  const svgRef = useRef<SVGSVGElement>(null);
  // Readable: node names at least 11 CSS px at fit (16 in presenter mode); else the layout drops detail.
  const readable = useCallback(
    (graph: LaidOutGraph) => {
      const svg = svgRef.current;
      if (!svg || !svg.clientWidth || !svg.clientHeight) return true; // not shown: nothing to judge by
      return fitScale(graph, svg.clientWidth, svg.clientHeight) * NAME_FONT >= (presenter ? PRESENTER_READABLE_PX : READABLE_PX);
    },
    [presenter],
  );
  const { layout, layoutCount, error, canCollapse, expand, collapseAll, recheck } = useGraphLayout(readable, presenter);
  useEffect(recheck, [presenter, recheck]);
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || typeof ResizeObserver === 'undefined') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // After the panel settles (a splitter drag, a window resize), not on every pixel of it.
    const ro = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(recheck, 200);
    });
    ro.observe(svg);
    return () => {
      clearTimeout(timer);
      ro.disconnect();
    };
  }, [recheck]);
  const viewportRef = useRef<SVGGElement>(null);
  useLiveFigures(viewportRef, layout);
  // A click on empty space clears the selection.
  const view = usePanZoom(svgRef, viewportRef, layout, clearSelection, (presenter ? PRESENTER_READABLE_PX : READABLE_PX) / NAME_FONT);
  // Marker ids must be unique per panel and safe inside url(#…).
  const uid = 'g' + useId().replace(/[^a-zA-Z0-9_-]/g, '');

  const select = useCallback(
    (id: string) => {
      if (id.startsWith('cl:')) {
        // A collapsed machine: expand it in place, and show the machine in the inspector.
        const machine = id.slice(3);
        expand(machine);
        appStore.getState().select(machine);
        return;
      }
      appStore.getState().select(id);
    },
    [expand],
  );

  return (
    <section
      data-testid="graph"
      className="panel graph-panel"
      aria-label="Capability graph"
      data-layout-ms={layout ? layout.durationMs.toFixed(1) : undefined}
      data-layout-count={layoutCount}
    >
      <div className="graph-toolbar" role="toolbar" aria-label="Graph view">
        <FindNode
          layout={layout}
          onFound={(n) => {
            select(n.id);
            // After the inspector has folded out beside the graph (the panel is narrower then).
            requestAnimationFrame(() => requestAnimationFrame(() => view.centreOn(n)));
          }}
        />
        <button type="button" onClick={() => view.zoomBy(1 / BUTTON_ZOOM)} aria-label="Zoom out" title="Zoom out">
          −
        </button>
        <button type="button" onClick={() => view.zoomBy(BUTTON_ZOOM)} aria-label="Zoom in" title="Zoom in">
          +
        </button>
        <button type="button" onClick={view.fitToView} aria-label="Fit graph to view" title="Fit graph to view">
          fit
        </button>
        {canCollapse && (
          <button
            type="button"
            onClick={() => {
              view.resumeAutoFit();
              collapseAll();
            }}
            aria-label="Collapse every machine"
            title="Collapse every machine into one node"
          >
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
      <GraphPicture
        layout={layout}
        selected={selected}
        flashes={flashes}
        yields={yields}
        markerPrefix={uid}
        attack={attack}
        onSelect={select}
        svgRef={svgRef}
        viewportRef={viewportRef}
        pointer={view.handlers}
      />
    </section>
  );
}
