import { wrap, type Remote } from 'comlink';
import type { KernelHostApi, KernelWorkerApi, Session } from '../kernel/host-api';
import { SabViews } from '../kernel/sab/layout';
import { LedgerFeed } from '../ui/ledger/ledgerFeed';
import { ConsoleFeed } from '../ui/terminal/consoleFeed';
import { clearSession, loadSession, saveSession } from '../session/persist';
import { decodeShare } from '../session/share';
import { FrameLoop } from './frames';
import { appStore } from './store';

/** How often the running session is saved even when nobody types (time runs on). */
const SAVE_EVERY_MS = 2000;
/** Ledger changes (every frame while records stream) are saved at most this often, the last one always. */
const SAVE_AFTER_LEDGER_MS = 300;

let worker: Worker | null = null;
let frames: FrameLoop | null = null;
let saver: ReturnType<typeof setInterval> | null = null;
let saveSoon: ReturnType<typeof setTimeout> | null = null;
/** The newest session saved: what a crashed worker is rebuilt from. */
let lastSaved: Session | null = null;
let recovering = false;

/**
 * Start the kernel worker and the frame loop, or say plainly why it cannot start. The session comes from a share
 * link in the URL fragment if there is one, else from IndexedDB (a reload or a reopened tab), else the default
 * scenario boots; `#fresh` starts clean and forgets the saved session.
 */
export async function startKernel(): Promise<void> {
  if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
    appStore.setState({
      status: 'not-isolated',
      problem:
        'This page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the kernel cannot start. ' +
        'Serve it with the headers "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" ' +
        '(npm start and npm run preview do; public/_headers does on Netlify and Cloudflare Pages), or use a browser that allows the ' +
        'service-worker fallback, then reload.',
    });
    return;
  }
  // The worker starts loading at once; reading the saved session from IndexedDB happens meanwhile.
  const w = spawnWorker();
  const { session, notice } = await initialSession();
  if (notice) appStore.setState({ notice });
  await launch(session, w);
}

function spawnWorker(): Worker {
  const w = new Worker(new URL('../../workers/kernel.worker.ts', import.meta.url), { type: 'module', name: 'kernel' });
  worker = w;
  w.addEventListener('error', (e) => {
    e.preventDefault();
    if (worker === w) void recover(e.message || 'unknown error');
  });
  return w;
}

async function initialSession(): Promise<{ session: Session | null; notice?: string }> {
  const hash = location.hash;
  if (hash === '#fresh') {
    await clearSession();
    history.replaceState(null, '', location.pathname + location.search);
    return { session: null, notice: 'A fresh playground: the saved session was cleared.' };
  }
  if (hash.startsWith('#s=')) {
    const r = await decodeShare(hash);
    // The link has been read: a reload should come back to the session as it goes on, not to the link.
    history.replaceState(null, '', location.pathname + location.search);
    if (r.ok) return { session: r.session, notice: `Opened a shared session (${r.session.log.length} commands replayed).` };
    return { session: (await loadSession())?.session ?? null, notice: `The share link could not be opened: ${r.error}` };
  }
  const saved = await loadSession();
  if (saved) appStore.setState({ presenter: saved.ui.presenter, learnTab: saved.ui.learnTab });
  return { session: saved?.session ?? null };
}

async function launch(session: Session | null, w?: Worker): Promise<void> {
  try {
    const kernel = wrap<KernelWorkerApi>(w ?? spawnWorker());
    if (session) {
      const r = await kernel.restore(session);
      if (!r.ok) appStore.setState({ notice: `The saved session could not be restored (${r.errors[0]}); the default scenario is running.` });
    }
    const views = new SabViews(await kernel.buffer());
    frames?.stop();
    frames = new FrameLoop(views);
    const ledger = new LedgerFeed(views, (from, n) => kernel.ledgerPage(from, n));
    const console = new ConsoleFeed(views);
    const loop = frames;
    loop.onMoved = () =>
      void kernel.buffer().then(
        (buffer) => {
          const moved = new SabViews(buffer);
          loop.attach(moved);
          ledger.views = moved;
          console.views = moved;
        },
        () => {}, // a worker going away cannot answer; recovery starts a new loop
      );
    frames.subscribe((f) => ledger.onFrame(f));
    frames.subscribe(console.onFrame);
    frames.start();
    appStore.setState({ status: 'ready', problem: '', kernel, frames, ledger, console, travel: null });
    watchYields(kernel, ledger);
    startSaving(kernel, ledger);
  } catch (e) {
    appStore.setState({ status: 'error', problem: `The kernel could not start: ${e instanceof Error ? e.message : String(e)}` });
  }
}

/**
 * The worker died: say so, start a new one and rebuild the session by replay from the last save. Commands are
 * saved as they run, so only idle time since the last save can differ.
 */
async function recover(why: string): Promise<void> {
  if (recovering) return;
  recovering = true;
  appStore.setState({ status: 'recovering', problem: `The kernel worker crashed (${why}). Restoring your session by replay…` });
  if (saver) clearInterval(saver);
  frames?.stop();
  worker?.terminate();
  worker = null;
  const session = lastSaved;
  await launch(session);
  recovering = false;
  if (appStore.getState().status === 'ready') {
    appStore.setState({ notice: `The kernel worker crashed (${why}) and was restarted; your session was restored by replay${session ? ` (${session.log.length} commands)` : ''}.` });
  }
}

/** Save shortly after changes the ledger shows, and every couple of seconds while time runs. */
function startSaving(kernel: Remote<KernelHostApi>, ledger: LedgerFeed): void {
  if (saver) clearInterval(saver);
  if (saveSoon) clearTimeout(saveSoon);
  saveSoon = null;
  let busy = false;
  let last = '';
  const save = async () => {
    if (busy || recovering) return;
    busy = true;
    try {
      const session = await kernel.session();
      const { presenter, learnTab } = appStore.getState();
      const key = `${session.log.length}:${session.ticks}:${session.scenario.length}:${presenter}:${learnTab}`;
      if (key !== last) {
        last = key;
        lastSaved = session;
        await saveSession({ session, ui: { presenter, learnTab } });
      }
    } catch {
      // A worker that is going away cannot answer; the next save (or the recovery) takes over.
    } finally {
      busy = false;
    }
  };
  void save();
  saver = setInterval(() => void save(), SAVE_EVERY_MS);
  // Trailing: the first change starts the delay, later ones within it are saved by the same save (it reads the
  // session when it runs). A save still under way may predate the change, so wait for it and save again.
  const later = () => {
    saveSoon = null;
    if (busy) saveSoon = setTimeout(later, SAVE_AFTER_LEDGER_MS);
    else void save();
  };
  let head = 0;
  ledger.subscribe(() => {
    if (ledger.head !== head) {
      head = ledger.head;
      saveSoon ??= setTimeout(later, SAVE_AFTER_LEDGER_MS);
    }
  });
}

/** Ask the worker to crash for real (an uncaught error), to show and test recovery. */
export function crashKernel(): void {
  void appStore.getState().kernel?.crash().catch(() => {});
}

/** Kinds of ledger record after which the yield view may have changed. */
const YIELD_KINDS = new Set(['yield', 'verdict', 'defense', 'boot']);

/** One bulk read of the yield view per batch of ledger records that could change it (never per frame). */
function watchYields(kernel: Remote<KernelHostApi>, ledger: LedgerFeed): void {
  let seenSeq = 0;
  const refresh = () => kernel.yieldView().then((yields) => appStore.setState({ yields }), () => {});
  refresh();
  ledger.subscribe(() => {
    if (ledger.head < seenSeq) seenSeq = 0; // a new scenario restarted the sequence
    let relevant = false;
    for (let i = ledger.entries.length - 1; i >= 0 && ledger.entries[i].seq > seenSeq; i--) relevant ||= YIELD_KINDS.has(ledger.entries[i].kind);
    seenSeq = ledger.head;
    if (relevant) refresh();
  });
}
