import { useCallback, useEffect, useRef, useState } from 'react';
import type { Frame } from '../../kernel/sab/layout';
import { appStore } from '../../store/store';
import { buildGraphModel, latestOnly, type GraphModel, type LaidOutGraph } from './model';
import { layoutClient, type LayoutClient } from './layoutClient';
import { withYieldWorld } from './yieldModel';
import { clusterable, clustered } from './clusters';
import { followFrames } from './followFrames';
import { DETAILS, withDetail } from './detail';

export interface GraphLayout {
  /** The newest laid-out picture, or null until the first arrives. */
  layout: LaidOutGraph | null;
  /** How many layouts have arrived (the panel shows it for tests and benchmarks). */
  layoutCount: number;
  /** Why there is no picture (the worker failed, or a layout did), or null. */
  error: string | null;
  /** The graph is big enough that machines are collapsed into clusters. */
  canCollapse: boolean;
  /** Open a collapsed machine in place. */
  expand(machineId: string): void;
  /** Collapse every machine again. */
  collapseAll(): void;
  /** The panel changed size (or type size): choose the level of detail again. */
  recheck(): void;
}

/**
 * The graph's topology, laid out in the layout worker: a new model is built and laid out only when the frame's
 * topology version (or scenario generation) moves, the yield view changes, or machines are expanded or
 * collapsed; a model equal to the last one laid out is not sent again. React re-renders once per layout.
 */
export function useGraphLayout(readable: (graph: LaidOutGraph) => boolean, tall: boolean): GraphLayout {
  const [layout, setLayout] = useState<LaidOutGraph | null>(null);
  const [layoutCount, setLayoutCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [canCollapse, setCanCollapse] = useState(false);
  /** Machines the user expanded in a clustered (big) graph. */
  const expanded = useRef<Set<string>>(new Set());
  const relayoutRef = useRef<(probeUp?: boolean) => boolean>(() => false);
  const recheckRef = useRef<() => void>(() => {});
  const readableRef = useRef(readable);
  readableRef.current = readable;
  const tallRef = useRef(tall);
  tallRef.current = tall;

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
    // Level of detail (see detail.ts): the first level whose picture is readable at fit. A picture that is not
    // steps down a level before it is shown; while below full, the level above is laid out too ("probed"), and
    // shown instead as soon as it is readable again (the world shrank, the panel grew).
    let level = 0;
    let request = 0; // bumped per model built, so a probe of an older world is dropped
    let shown: LaidOutGraph | null = null;
    const show = (graph: LaidOutGraph) => {
      shown = graph;
      const groups = graph.nodes.filter((n) => n.members).map((n) => [n.id, n.members!] as const);
      if (groups.length || appStore.getState().groups.size) appStore.setState({ groups: new Map(groups) });
      setLayout(graph);
      setLayoutCount((n) => n + 1);
      setError(null);
    };
    const failed = (e: unknown) => {
      if (!disposed) setError(`The graph could not be laid out: ${message(e)}`);
    };
    type Request = { model: GraphModel; json: string; level: number; request: number };
    const lay = (req: Request) => api.layout(req.model);
    const layouts = latestOnly<Request, LaidOutGraph>(
      lay,
      (graph, req) => {
        // Only the picture of the model last asked for: an older one (a world since changed, a level since left
        // whose model differs) is dropped, as a newer layout is on its way. Levels alike share a model.
        if (disposed || req.json !== modelKey) return;
        // Unreadable: a layout of a level below is asked for (its result comes here), unless there is none.
        if (readableRef.current(graph) || !stepDown()) show(graph);
      },
      failed,
    );
    const probes = latestOnly<Request, LaidOutGraph>(
      lay,
      (graph, req) => {
        if (disposed || req.request !== request || req.level !== level - 1 || !readableRef.current(graph)) return;
        level = req.level;
        modelKey = req.json;
        show(graph);
        probe();
      },
      failed,
    );

    let topologyKey = '';
    let modelKey = '';
    let frameModel: GraphModel | null = null;
    let yields = appStore.getState().yields;
    let generation = -1;
    const modelAt = (at: number) =>
      withDetail(withYieldWorld(clustered(frameModel!, expanded.current), yields), DETAILS[at], tallRef.current);
    const probe = () => {
      if (!frameModel || level === 0) return;
      const model = modelAt(level - 1);
      probes.request({ model, json: JSON.stringify(model), level: level - 1, request });
    };
    /** Lay the world out at the current level; false if that would draw what was last asked for (no layout). */
    const relayout = (probeUp = true): boolean => {
      if (!frameModel) return false;
      const model = modelAt(level);
      setCanCollapse(clusterable(frameModel));
      // Some topology bumps change nothing the graph shows; skip those layouts.
      const json = JSON.stringify(model);
      if (json === modelKey) return false;
      modelKey = json;
      request++;
      layouts.request({ model, json, level, request });
      if (probeUp) probe();
      return true;
    };
    /**
     * Down a level, past any that would draw the same picture (nothing to group asks for no layout), until one
     * asks for a layout; false if there is none lower (the picture in hand is the best there is). The level just
     * left is not worth probing.
     */
    const stepDown = (): boolean => {
      while (level < DETAILS.length - 1) {
        level++;
        if (relayout(false)) return true;
      }
      return false;
    };
    relayoutRef.current = relayout;
    // The panel changed size: the shown level may be unreadable now (step down), or the one above readable.
    recheckRef.current = () => {
      if (shown && !readableRef.current(shown)) stepDown();
      else if (!relayout()) probe(); // a new `tall` is a new model; an unchanged one is not laid out again
    };
    const onFrame = (frame: Frame, strings: { get(id: number): string }) => {
      // The scenario generation is part of the key: a reloaded scenario restarts the topology counter.
      const key = `${frame.scenarioGen}:${frame.topology}`;
      if (key === topologyKey) return;
      topologyKey = key;
      if (frame.scenarioGen !== generation) {
        generation = frame.scenarioGen;
        expanded.current = new Set(); // a new world starts collapsed (if it is big)
        level = 0; // and with full detail, if that is readable
      }
      frameModel = buildGraphModel(frame, strings);
      relayout();
    };
    // A new frame loop (a restarted kernel) is laid out afresh.
    const unsubscribeFrames = followFrames(onFrame, () => {
      topologyKey = '';
      modelKey = '';
    });
    const unsubscribeStore = appStore.subscribe((s) => {
      if (s.yields !== yields) {
        yields = s.yields;
        relayout();
      }
    });

    return () => {
      disposed = true;
      unsubscribeStore();
      unsubscribeFrames();
      worker.removeEventListener('error', onError);
    };
  }, []);

  const expand = useCallback((machineId: string) => {
    expanded.current = new Set([...expanded.current, machineId]);
    relayoutRef.current();
  }, []);
  const collapseAll = useCallback(() => {
    expanded.current = new Set();
    relayoutRef.current();
  }, []);

  const recheck = useCallback(() => recheckRef.current(), []);
  return { layout, layoutCount, error, canCollapse, expand, collapseAll, recheck };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
