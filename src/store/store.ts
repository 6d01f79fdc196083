import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { Remote } from 'comlink';
import type { BootResult, KernelWorkerApi, RestoreProgress, Session, Transcript, TravelState, YieldView } from '../kernel/host-api';
import type { Ownership } from '../session/owner';
import type { FrameLoop } from '../client/frames';
import type { LedgerFeed } from '../client/ledgerFeed';
import type { ConsoleFeed } from '../client/consoleFeed';

/** Sizes per resizable group (see ui/app/Workspace.tsx): pane id → percent. */
export type PaneLayouts = Partial<Record<'main' | 'left' | 'right' | 'top' | 'bottom', Record<string, number>>>;

export type Status = 'starting' | 'ready' | 'recovering' | 'not-isolated' | 'error';

export interface AppState {
  status: Status;
  /** A plain sentence for the banner when status is 'not-isolated' or 'error'. */
  problem: string;
  kernel: Remote<KernelWorkerApi> | null;
  frames: FrameLoop | null;
  /** The UI's copy of the audit ledger (the ledger panel, the verdict banner and the graph's denial flashes). */
  ledger: LedgerFeed | null;
  /** Program output and the terminal's foreground. */
  console: ConsoleFeed | null;
  /** Graph node id open in the inspector: "p:<pid>", "o:<objectId>", "m:<machineId>" or a group's "grp:…". */
  selected: string | null;
  select(id: string | null): void;
  /** Processes the graph on show draws as one node (its id → their pids), for the inspector to list. */
  groups: ReadonlyMap<string, readonly number[]>;
  /** Yield routing (the yields view and the graph's yield runtime), re-read when the ledger records a yield. */
  yields: YieldView | null;
  /** A passing message (a restored session, a link that could not be opened); dismissable. */
  notice: string;
  /** Presenter mode: large type, high contrast, fewer panels. Saved with the session. */
  presenter: boolean;
  /** Which tab the lower left shows (yield routes, gallery, lessons, challenges, programs). Saved with the session. */
  learnTab: 'yields' | 'gallery' | 'lessons' | 'challenges' | 'programs';
  /** Pane sizes (percent per pane id) of each resizable group, as the user left them. Saved with the session. */
  panes: PaneLayouts;
  /** What the verdict on show is about (graph node ids), for the graph to highlight; null when none or stale. */
  attack: { seq: number; nodes: string[]; from: string[]; to: string | null; outcome: 'held' | 'breach' | 'info' } | null;
  /** Time travel: the ledger record shown, or null while live. */
  travel: TravelState | null;
  /** Lines for the terminal to type as if the user did (the gallery and lessons); `id` tells batches apart. */
  script: { id: number; lines: readonly string[] } | null;
  /** The terminal is still typing a script. */
  scriptBusy: boolean;
  /** Why the last scenario file was refused (field path and problem per line); empty when none was. */
  scenarioErrors: { file: string; errors: string[] } | null;
  /** A replay under way in the worker (a restore): what it is, how far it has come, and how to stop it. */
  replay: { label: string; progress: RestoreProgress | null; stop: () => void } | null;
  /** Why the session is not being saved (storage refused), or ''. */
  storage: string;
  /** Whether this tab keeps the saved session, or another tab does. */
  ownership: Ownership;
  /** A session that could not be restored is kept aside (Share offers it for download). */
  kept: boolean;
  /** What the terminal is to show of a replay or a script that just ran (`label` says which); each new one is shown once. */
  transcript: (Transcript & { label: string }) | null;
  /** A share link (or #fresh) pasted into this open tab, offered before anything is replaced; commands: how many it replays. */
  offer: { hash: string; commands: number | null } | null;
  /** The session before a Reset, a fresh playground or an opened link, and what the Undo notice says. */
  undo: { text: string; session: Session } | null;
  /** Nothing was saved and no link came: the start-here card may show. */
  firstVisit: boolean;
  /** An attack-gallery entry to show (and play) when the gallery opens: the start-here card asks for one. */
  galleryPick: { id: string; play: boolean } | null;
}

/** The whole store, React-free; components bind to it through `useApp`. */
export const appStore = createStore<AppState>()((set) => ({
  status: 'starting',
  problem: '',
  kernel: null,
  frames: null,
  ledger: null,
  console: null,
  selected: null,
  select: (selected) => set({ selected }),
  groups: new Map(),
  yields: null,
  notice: '',
  presenter: false,
  learnTab: 'gallery',
  panes: {},
  travel: null,
  attack: null,
  script: null,
  scriptBusy: false,
  scenarioErrors: null,
  replay: null,
  storage: '',
  ownership: 'owner',
  kept: false,
  transcript: null,
  offer: null,
  undo: null,
  firstVisit: false,
  galleryPick: null,
}));

/**
 * Boot a scenario from untrusted text (a file the user picked), or the default when text is undefined. An
 * invalid file is refused whole and the running world is left as it was. A scenario with a `script` runs it in
 * the worker as `capplay run` does (the same ledger), with the replay banner meanwhile; the terminal says so
 * and then shows what the script typed and printed.
 */
export async function loadScenario(text: string | undefined, file = 'default scenario'): Promise<boolean> {
  const kernel = appStore.getState().kernel;
  if (!kernel) return false;
  const lines = text === undefined ? 0 : scriptLength(text);
  const say = (label: string, t: Transcript = { entries: [], commands: 0, hidden: 0 }) =>
    appStore.setState({ transcript: { ...t, label } });
  if (lines) say(`The script of ${file} is running (${lines} line${lines === 1 ? '' : 's'})…`);
  const r = lines ? await withProgress(kernel, `Running the script of ${file}`, kernel.load(text!)) : await kernel.boot(text);
  if (!r) return false;
  appStore.setState(r.ok ? { scenarioErrors: null, selected: null, travel: null } : { scenarioErrors: { file, errors: r.errors } });
  if (!r.ok && lines) say(`${file} was not loaded, so its script did not run`);
  if (r.ok && r.script && r.transcript)
    say(
      r.script.stopped
        ? `The script of ${file} was stopped after ${r.script.ran} of ${r.script.lines} lines`
        : `The script of ${file} ran (${r.script.lines} line${r.script.lines === 1 ? '' : 's'})`,
      r.transcript,
    );
  return r.ok;
}

/** How many lines a scenario's script has (0: none, or the text is not even JSON: boot says why). */
function scriptLength(text: string): number {
  try {
    const script = (JSON.parse(text) as { script?: unknown } | null)?.script;
    return Array.isArray(script) ? script.length : 0;
  } catch {
    return 0;
  }
}

/** The replay banner (how far, and Stop) while a long call runs in the worker; a worker that goes meanwhile ends it. */
async function withProgress(kernel: Remote<KernelWorkerApi>, label: string, call: Promise<BootResult>): Promise<BootResult | null> {
  const banner = { label, progress: null, stop: () => void kernel.restoreStop().catch(() => {}) };
  appStore.setState({ replay: banner });
  let poll: ReturnType<typeof setInterval> | undefined;
  const gone = new Promise<null>((resolve) => {
    poll = setInterval(() => {
      const s = appStore.getState();
      if (s.kernel !== kernel || s.status !== 'ready') return resolve(null); // the recovery banner says what happened
      kernel.restoreProgress().then(
        (progress) => {
          const r = appStore.getState().replay;
          if (r?.stop === banner.stop && progress) appStore.setState({ replay: { ...r, progress } });
        },
        () => {},
      );
    }, 200);
  });
  try {
    return await Promise.race([call, gone]);
  } finally {
    clearInterval(poll);
    if (appStore.getState().replay?.stop === banner.stop) appStore.setState({ replay: null });
  }
}

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}

let scriptId = 0;
/** Have the terminal type these lines, one after another at a human pace, exactly as if typed. */
export function typeLines(lines: readonly string[]): void {
  if (lines.length) appStore.setState({ script: { id: ++scriptId, lines }, scriptBusy: true });
}
