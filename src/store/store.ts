import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { Remote } from 'comlink';
import type { KernelHostApi } from '../kernel/host-api';
import type { FrameLoop } from './frames';

export type Status = 'starting' | 'ready' | 'not-isolated' | 'error';

export interface AppState {
  status: Status;
  /** A plain sentence for the banner when status is 'not-isolated' or 'error'. */
  problem: string;
  kernel: Remote<KernelHostApi> | null;
  frames: FrameLoop | null;
  /** Graph node id open in the inspector: "p:<pid>", "o:<objectId>" or "m:<machineId>". */
  selected: string | null;
  select(id: string | null): void;
}

/** The whole store, React-free; components bind to it through `useApp`. */
export const appStore = createStore<AppState>()((set) => ({
  status: 'starting',
  problem: '',
  kernel: null,
  frames: null,
  selected: null,
  select: (selected) => set({ selected }),
}));

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
