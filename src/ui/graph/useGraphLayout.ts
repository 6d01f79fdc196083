import { useCallback, useEffect, useRef, useState } from 'react';
import type { Frame } from '../../kernel/sab/layout';
import { appStore } from '../../store/store';
import { buildGraphModel, latestOnly, type GraphModel, type LaidOutGraph } from './model';
import { layoutClient, type LayoutClient } from './layoutClient';
import { withYieldWorld } from './yieldModel';
import { clusterable, clustered } from './clusters';
import { followFrames } from './followFrames';

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
}

/**
 * The graph's topology, laid out in the layout worker: a new model is built and laid out only when the frame's
 * topology version (or scenario generation) moves, the yield view changes, or machines are expanded or
 * collapsed; a model equal to the last one laid out is not sent again. React re-renders once per layout.
 */
export function useGraphLayout(): GraphLayout {
  const [layout, setLayout] = useState<LaidOutGraph | null>(null);
  const [layoutCount, setLayoutCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [canCollapse, setCanCollapse] = useState(false);
  /** Machines the user expanded in a clustered (big) graph. */
  const expanded = useRef<Set<string>>(new Set());
  const relayoutRef = useRef<() => void>(() => {});

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
      // The scenario generation is part of the key: a reloaded scenario restarts the topology counter.
      const key = `${frame.scenarioGen}:${frame.topology}`;
      if (key === topologyKey) return;
      topologyKey = key;
      if (frame.scenarioGen !== generation) {
        generation = frame.scenarioGen;
        expanded.current = new Set(); // a new world starts collapsed (if it is big)
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

  return { layout, layoutCount, error, canCollapse, expand, collapseAll };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
