import { useSyncExternalStore } from 'react';
import type { Remote } from 'comlink';
import type { KernelWorkerApi, TravelState } from '../../kernel/host-api';
import { latestOnly } from '../graph/model';
import { appStore } from '../../store/store';

/**
 * Time travel requests, one way in for every control that moves the timeline (its scrubber and steps, a click
 * on a ledger row). The newest request wins (a scrub sends many); what was asked last is kept, so the timeline
 * can show where it is going while the replay runs and the ledger can mark the record it was asked for.
 */
export interface TravelAsk {
  /** The seq asked for last (null before any). */
  asked: number | null;
  /** The seq of a request still replaying in the worker (null when none is). */
  pending: number | null;
}

type Direction = 'back' | 'forward';

let ask: TravelAsk = { asked: null, pending: null };
const listeners = new Set<() => void>();
const set = (next: Partial<TravelAsk>) => {
  ask = { ...ask, ...next };
  for (const l of listeners) l();
};

let requests: { kernel: Remote<KernelWorkerApi>; queue: { request(to: { seq: number; direction: Direction }): void } } | null = null;

/**
 * Show the session at ledger record `seq` (kernel.travel): 'back' the last state with at most `seq` records, as a
 * scrub does; 'forward' the first with at least `seq`, so the record itself is in the state shown (a ledger row).
 */
export function travelTo(seq: number, direction: Direction = 'back'): void {
  const kernel = appStore.getState().kernel;
  if (!kernel) return;
  if (requests?.kernel !== kernel)
    requests = {
      kernel,
      queue: latestOnly(
        (to: { seq: number; direction: Direction }) => kernel.travel(to.seq, to.direction),
        (t: TravelState) => {
          appStore.setState({ travel: t });
          set({ pending: null });
        },
        () => set({ pending: null }),
      ),
    };
  set({ asked: seq, pending: seq });
  requests.queue.request({ seq, direction });
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function useTravelAsk(): TravelAsk {
  return useSyncExternalStore(subscribe, () => ask);
}
