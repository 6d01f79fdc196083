import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import { OBJ, OBJECT_KINDS, PROC, type Frame } from '../../kernel/sab/layout';
import { endpointLiveText, processLiveText, stateName, type LaidOutGraph } from './model';
import { followFrames } from './followFrames';

const OBJECT_KIND_ENDPOINT = OBJECT_KINDS.indexOf('endpoint');

/**
 * The figures that change every frame (process states and run counters, endpoint message counters and queues,
 * callers waiting on a reply), written
 * straight into the rendered SVG from the frame listener: React never hears of them. After each new layout is
 * committed the live nodes are found again and given the latest frame's figures at once.
 */
export function useLiveFigures(viewportRef: RefObject<SVGGElement | null>, layout: LaidOutGraph | null): void {
  const live = useRef<LiveIndex>(emptyLiveIndex());
  /** The latest frame, so freshly rendered nodes can get their live figures before the next frame arrives. */
  const lastFrame = useRef<Frame | null>(null);

  useEffect(
    () =>
      followFrames((frame) => {
        lastFrame.current = frame;
        applyLive(live.current, frame);
      }),
    [],
  );

  useLayoutEffect(() => {
    const viewport = viewportRef.current;
    if (!viewport) return;
    live.current = indexLiveNodes(viewport);
    if (lastFrame.current) applyLive(live.current, lastFrame.current);
  }, [layout, viewportRef]);
}

interface LiveSlot {
  el: Element;
  text: Element | null;
  // Last written values, so unchanged figures cost no DOM writes.
  state: number;
  count: number;
  /** Processes: the endpoint its call waits on (0 none). Endpoints: calls in its queue. */
  waiting: number;
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
    const slot = { el, text: el.querySelector('[data-live]'), state: -1, count: -1, waiting: 0, at: 0 };
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
    const waits = frame.proc[PROC.WAITING];
    const counters = index.processes.size <= COUNTER_NODE_LIMIT;
    for (let row = 0; row < frame.procRows; row++) {
      const slot = index.processes.get(pids[row]);
      // A caller waiting on an endpoint (queued or in flight) is marked at once, like a state change.
      if (slot && slot.waiting !== waits[row]) {
        slot.waiting = waits[row];
        if (waits[row]) slot.el.setAttribute('data-waiting', '');
        else slot.el.removeAttribute('data-waiting');
      }
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
    const queued = frame.obj[OBJ.QUEUED];
    for (let row = 0; row < frame.objRows; row++) {
      if (kinds[row] !== OBJECT_KIND_ENDPOINT) continue;
      const slot = index.endpoints.get(ids[row]);
      if (!slot) continue;
      const queueMoved = (slot.waiting === 0) !== (queued[row] === 0);
      if (queueMoved) {
        // A queue forming or emptying shows at once (the marker); its length redraws with the counter.
        if (queued[row]) slot.el.setAttribute('data-queued', '');
        else slot.el.removeAttribute('data-queued');
      }
      if (!queueMoved && ((slot.count === counters[row] && slot.waiting === queued[row]) || now - slot.at < COUNTER_MS)) continue;
      if (slot.text) slot.text.textContent = endpointLiveText(counters[row], queued[row]);
      slot.count = counters[row];
      slot.waiting = queued[row];
      slot.at = now;
    }
  }
}
