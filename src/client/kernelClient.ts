import { wrap, type Remote } from 'comlink';
import type { StoreApi } from 'zustand/vanilla';
import type { BootResult, ExecResult, KernelHostApi, KernelWorkerApi, Logged, Session } from '../kernel/host-api';
import { H, HEADER_WORDS, SabViews } from '../kernel/sab/layout';
import { LedgerFeed } from './ledgerFeed';
import { FrameLoop } from './frames';
import { connectFeeds } from './connect';
import { SessionKeeper } from '../session/keeper';
import { SessionOwner } from '../session/owner';
import { clearSession, countKept, keepAside, loadSession, NotOwner, sessionWriter, StorageError } from '../session/persist';
import { openFirstSession, type Opened, type OpeningIo } from '../session/opening';
import { decodeShare } from '../session/share';
import { recentCuts, stepInProgress, withCuts, type HeaderCut } from '../session/cut';
import type { AppState } from '../store/store';

/** How often the running session is saved even when nobody types (time runs on). */
const SAVE_EVERY_MS = 2000;
/** Ledger changes (every frame while records stream) are saved at most this often, the last one always. */
const SAVE_AFTER_LEDGER_MS = 300;
/** The worker is asked for a sign of life this often… */
const HEARTBEAT_MS = 1000;
/** …and taken for dead if it has not answered for this long (its longest single command is a few seconds). */
const HEARTBEAT_TIMEOUT_MS = 8000;
/** …or, before its first answer (its script may still be loading), for this long. */
const FIRST_ANSWER_TIMEOUT_MS = 30_000;
/**
 * One step of a user program that holds the worker this long without reaching an interrupt check (where the
 * worker's own backstop would cut it after 1 s) is cut from here: the worker is replaced and the session replayed
 * with the cut logged (src/kernel/programs/backstop.ts).
 */
const STEP_WATCHDOG_MS = 3000;
/** Recoveries this close together mean the session itself brings the worker down: stop trying. */
const RECOVERY_WINDOW_MS = 60_000;
const MAX_RECOVERIES = 3;

/** Kinds of ledger record after which the yield view may have changed. */

export interface KernelClientOptions {
  /** The app store the client reports to: status, the feeds, banners, ownership. */
  store: StoreApi<AppState>;
  /** Start a kernel worker (at the start, and again after a crash). */
  spawnWorker(): Worker;
}

/** The worker an opening was replaying on went away; the recovery carries on from here. */
class WorkerReplaced extends Error {}

/**
 * The page's side of the kernel worker: it starts the worker and the frame loop, opens the first session, saves
 * the session as it goes, watches the worker's heartbeat and rebuilds the session by replay when the worker dies.
 * The app makes one (src/client/instance.ts); `dispose()` ends its worker, timers and listeners.
 */
export class KernelClient {
  private readonly store: StoreApi<AppState>;
  private readonly spawn: () => Worker;
  private worker: Worker | null = null;
  private frames: FrameLoop | null = null;
  private saver: ReturnType<typeof setInterval> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private saveNow: (() => void) | null = null;
  private savedLayout = '';
  private recovering = false;
  private disposed = false;
  /**
   * What a recovery rebuilds while the page has no copy of the session yet (at the first open): the saved session,
   * or the one a replay under way is for — for a link, still the person's own.
   */
  private fallback: Session | null = null;
  /** The session a restore is replaying now (a step it hangs on is cut in it); null when none is. */
  private replaying: Session | null = null;
  /** The current worker's state buffer header, once it has answered: where its user step is, and its recent cuts. */
  private header: Int32Array | null = null;
  /** The saved session has been read (a recovery must not choose before it has). */
  private initialLoadDone: () => void = () => {};
  private readonly initialLoad = new Promise<void>((resolve) => (this.initialLoadDone = resolve));
  private readonly recoveries: number[] = [];
  /** Unsubscribes from the store and the owner, for dispose(). */
  private readonly listeners: (() => void)[] = [];
  /** Unsubscribes from the feeds of the worker attached now: dropped when another attaches, so an old feed can go. */
  private readonly attached: (() => void)[] = [];

  /** The page's copy of the session (saved in chunks; what a crashed worker is rebuilt from). */
  private readonly keeper = new SessionKeeper();
  /** Whether this tab keeps the saved session (one tab at a time). */
  private readonly owner = new SessionOwner();
  private readonly layout = () => {
    const { presenter, learnTab, panes } = this.store.getState();
    return { presenter, learnTab, panes };
  };
  private readonly write = sessionWriter(this.layout);

  constructor(options: KernelClientOptions) {
    this.store = options.store;
    this.spawn = options.spawnWorker;
  }

  /**
   * Start the kernel worker and the frame loop, or say plainly why it cannot start. The session comes from a share
   * link in the URL fragment if there is one, else from IndexedDB (a reload or a reopened tab), else the default
   * scenario boots; `#fresh` starts clean and forgets the saved session. Nothing that cannot be opened ever
   * replaces what is saved.
   */
  async start(): Promise<void> {
    const store = this.store;
    if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
      store.setState({
        status: 'not-isolated',
        problem:
          'This page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the kernel cannot start. ' +
          'Serve it with the headers "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" ' +
          '(npm start and npm run preview do; public/_headers does on Netlify and Cloudflare Pages), or use a browser that allows the ' +
          'service-worker fallback, then reload.',
      });
      return;
    }
    this.listeners.push(
      this.owner.subscribe((s) => {
        const before = store.getState().ownership;
        store.setState({ ownership: s });
        // This tab keeps the session now (the person chose to): write it whole.
        if (s === 'owner' && before !== 'owner') {
          this.keeper.forget(); // (a keeper that knows nothing yet writes whole anyway)
          this.saveSoon(0);
        }
      }),
      store.subscribe((s, prev) => {
        if (s.presenter !== prev.presenter || s.learnTab !== prev.learnTab || s.panes !== prev.panes) this.saveSoon(0);
      }),
    );
    // The worker starts loading at once (watched from the start: a replay that hangs it is noticed too); the lock
    // and the saved session are read meanwhile.
    const w = this.spawnWorker();
    const kernel = wrap<KernelWorkerApi>(w);
    this.startHeartbeat(kernel, w);
    let loaded: Awaited<ReturnType<typeof loadSession>>;
    try {
      [, loaded] = await Promise.all([this.owner.claim(), loadSession()]);
    } finally {
      this.initialLoadDone();
    }
    if (this.disposed) return;
    const saved = loaded.saved?.session ?? null;
    this.fallback = saved; // what a recovery rebuilds until the page has its own copy of the session
    if (loaded.refused) this.storageProblem(`could not read what it stored (${loaded.refused})`);
    void countKept().then((n) => n > 0 && store.setState({ kept: true }));
    if (loaded.saved)
      store.setState({ presenter: loaded.saved.ui.presenter, learnTab: loaded.saved.ui.learnTab, panes: loaded.saved.ui.panes ?? {} });
    if (this.worker !== w) return; // it went while storage was read: the recovery carries on
    const hash = location.hash;
    // The fragment has been read: a reload should come back to the session as it goes on, not to the link.
    if (hash === '#fresh' || hash.startsWith('#s=')) history.replaceState(null, '', location.pathname + location.search);
    const damaged = loaded.problem ? { problem: loaded.problem, raw: loaded.raw } : undefined;
    let opened;
    try {
      opened = await openFirstSession(hash, saved, damaged, {
        // If the worker goes while a link replays, the recovery brings back the person's own session, not the link.
        restore: async (session, label) => {
          const r = await this.restoreWithProgress(kernel, session, label, w, label.includes('shared') ? saved : session);
          if (this.worker !== w) throw new WorkerReplaced();
          return r;
        },
        keepAside,
        clear: clearSession,
        owns: this.owner.owns,
      });
    } catch (e) {
      if (e instanceof WorkerReplaced) return; // the recovery took over, and says what happened
      throw e;
    }
    if (this.worker !== w) return;
    if (opened.notice) store.setState({ notice: opened.notice });
    if (opened.kept) store.setState({ kept: true });
    if (opened.firstVisit) store.setState({ firstVisit: true });
    await this.attach(kernel);
    // From now on a link pasted into this tab is offered, never opened unasked.
    if (typeof addEventListener === 'function' && !this.disposed) {
      const onHash = () => void this.offerLink();
      addEventListener('hashchange', onHash);
      this.listeners.push(() => removeEventListener('hashchange', onHash));
    }
  }

  /**
   * The fragment changed in this open tab (a share link or #fresh was pasted): offer it (store.offer), saying
   * how many commands it replays; a link that cannot be read says why at once and changes nothing.
   */
  private async offerLink(): Promise<void> {
    const hash = location.hash;
    if (hash !== '#fresh' && !hash.startsWith('#s=')) return;
    if (hash === '#fresh') return this.store.setState({ offer: { hash, commands: null } });
    const link = await decodeShare(hash);
    if (location.hash !== hash) return; // another was pasted meanwhile
    if (link.ok) return this.store.setState({ offer: { hash, commands: link.session.log.length } });
    this.dropFragment();
    this.store.setState({ offer: null, notice: `The pasted link was not opened: ${link.error}. Your session is unchanged.` });
  }

  /** The offered link is dealt with (opened, or the person kept their own): a reload comes back to the session. */
  dropFragment(): void {
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  }

  /**
   * Open a link (or #fresh) in this tab, exactly as a first visit opens one (openFirstSession), on the world
   * running now: a link that cannot be opened leaves it as it is; #fresh boots the default world here.
   */
  async openLink(hash: string): Promise<Opened> {
    this.dropFragment();
    const kernel = this.store.getState().kernel;
    if (!kernel || this.store.getState().status !== 'ready')
      return { notice: 'The link was not opened: the kernel is not running.', kept: false, replaced: false, firstVisit: false };
    const io: OpeningIo = {
      restore: (session, label) => this.restoreWithProgress(kernel, session, label),
      keepAside,
      // The next save writes the whole session again, over nothing.
      clear: () => clearSession().then(() => this.keeper.forget()),
      owns: this.owner.owns,
      fresh: async () => (await kernel.boot()).ok,
    };
    const opened = await openFirstSession(hash, null, undefined, io);
    if (opened.replaced) this.store.setState({ travel: null, selected: null });
    return opened;
  }

  /**
   * Replay a session in worker `on`, showing how far it has come with a Stop button; the world shown until then
   * stays. Resolves with the worker's answer (a stopped replay is a refusal that says so). Should the worker go
   * meanwhile, a recovery rebuilds `recoverWith` (the session itself, or for a link the person's own).
   */
  async restoreWithProgress(
    kernel: Remote<KernelHostApi>,
    session: Session,
    label: string,
    on = this.worker,
    recoverWith: Session | null = session,
  ): Promise<BootResult> {
    const store = this.store;
    const before = this.fallback;
    this.fallback = recoverWith;
    let result: BootResult = { ok: false, errors: ['the replay did not run'] };
    const mine = on;
    const banner = { label, progress: null, stop: () => void kernel.restoreStop().catch(() => {}) };
    store.setState({ replay: banner });
    let poll: ReturnType<typeof setInterval> | undefined;
    // A worker that dies mid-replay never answers: the heartbeat replaces it, and this gives up on it.
    const gone = new Promise<BootResult>((resolve) => {
      poll = setInterval(() => {
        if (this.worker !== mine) return resolve({ ok: false, errors: ['the kernel worker went away during the replay'] });
        kernel.restoreProgress().then(
          (progress) => {
            const r = store.getState().replay;
            if (r?.stop === banner.stop && progress) store.setState({ replay: { ...r, progress } });
          },
          () => {},
        );
      }, 200);
    });
    this.replaying = session;
    try {
      result = await Promise.race([kernel.restore(session), gone]);
    } catch (e) {
      result = { ok: false, errors: [`the kernel worker stopped during the replay (${e instanceof Error ? e.message : String(e)})`] };
    } finally {
      clearInterval(poll);
      if (this.replaying === session) this.replaying = null;
      // The world is now this session if it was restored; else what it was. (Only while this worker is the one.)
      if (this.worker === mine) this.fallback = result.ok ? session : before;
      if (store.getState().replay?.stop === banner.stop) store.setState({ replay: null });
    }
    // The terminal shows what the replay ran, as it ran (a reopened session is never a blank terminal).
    if (result.ok && result.transcript && (result.transcript.commands || result.transcript.entries.length)) {
      const n = result.transcript.commands;
      store.setState({
        transcript: { ...result.transcript, label: `${label}: ${n.toLocaleString('en')} command${n === 1 ? '' : 's'} replayed` },
      });
    }
    return result;
  }

  /** Take this tab's session as the saved one, though another tab keeps it now (it is told, and stops saving). */
  async keepThisTab(): Promise<void> {
    await this.owner.claim(true); // the ownership listener then writes this tab's session whole
  }

  /** Ask the worker to crash for real (an uncaught error), to show and test recovery. */
  crash(): void {
    void this.store
      .getState()
      .kernel?.crash()
      .catch(() => {});
  }

  /**
   * End the worker, the frame loop, every timer and every listener; what was under way stops where it is (each
   * step after an await looks whether its worker is still the one). The store keeps what it last showed.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const w = this.worker;
    this.worker = null;
    for (const t of [this.saver, this.heartbeat]) if (t) clearInterval(t);
    this.saver = this.heartbeat = null;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.saveNow = null;
    this.frames?.stop();
    this.frames = null;
    for (const unsubscribe of [...this.listeners.splice(0), ...this.attached.splice(0)]) unsubscribe();
    this.owner.release();
    w?.terminate();
  }

  private spawnWorker(): Worker {
    const w = this.spawn();
    this.worker = w;
    w.addEventListener('error', (e) => {
      e.preventDefault();
      void this.recover(`crashed (${e.message || 'unknown error'})`, w);
    });
    return w;
  }

  /** Wire the page to a worker whose world is ready: the state buffer, the feeds, saving, the heartbeat. */
  private async attach(remote: Remote<KernelWorkerApi>): Promise<void> {
    try {
      const kernel = this.journaled(remote);
      const views = new SabViews(await kernel.buffer());
      if (this.disposed) return;
      this.frames?.stop();
      for (const unsubscribe of this.attached.splice(0)) unsubscribe();
      const { loop, ledger, stop } = connectFeeds(this.store, kernel, views);
      this.frames = loop;
      this.attached.push(stop);
      this.startSaving(kernel, ledger);
    } catch (e) {
      this.store.setState({ status: 'error', problem: `The kernel could not start: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /**
   * The worker as the page uses it: a command's result carries the command as logged, and the page keeps it
   * (and saves it) before the output reaches the screen, so a worker that dies right after cannot take it along.
   */
  private journaled(remote: Remote<KernelWorkerApi>): Remote<KernelWorkerApi> {
    // Kept at once if it is the next command of the session known; if the session was just replaced (a boot, a
    // fork), read it from the worker at once, so the window in which a crash could take a command is a round trip.
    const keep = (l: Logged | null | undefined) => {
      if (l) this.saveSoon(0);
      this.keeper.journal(l);
    };
    const boot = async (text?: string, seed?: number) => {
      const r = await remote.boot(text, seed);
      this.saveSoon(0);
      return r;
    };
    const load = async (text: string, seed?: number) => {
      const r = await remote.load(text, seed);
      this.saveSoon(0);
      return r;
    };
    const travelFork = async () => {
      const r = await remote.travelFork();
      this.saveSoon(0);
      return r;
    };
    const restore = async (session: Session) => {
      const r = await remote.restore(session);
      this.saveSoon(0);
      return r;
    };
    const exec = async (line: string): Promise<ExecResult> => {
      const r = await remote.exec(line);
      keep(r.logged);
      return r;
    };
    const input = async (line: string) => {
      const l = await remote.input(line);
      keep(l);
      return l;
    };
    const interrupt = async () => {
      const l = await remote.interrupt();
      keep(l);
      return l;
    };
    const defineProgram = async (program: Parameters<KernelWorkerApi['defineProgram']>[0]) => {
      const r = await remote.defineProgram(program);
      if (r.ok) keep(r.logged);
      return r;
    };
    const own: Record<string, unknown> = { exec, input, interrupt, boot, load, travelFork, restore, defineProgram };
    return new Proxy(remote, {
      get: (target, key, receiver) => (typeof key === 'string' && key in own ? own[key] : Reflect.get(target, key, receiver)),
    });
  }

  /** Save within `ms` (the first request sets the time; later ones within it are covered by the same save). */
  private saveSoon(ms: number): void {
    if (!this.saveNow) return;
    if (this.saveTimer && ms > 0) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.saveNow?.();
    }, ms);
  }

  /** The session is saved after every command, shortly after changes the ledger shows, and every couple of seconds. */
  private startSaving(kernel: Remote<KernelHostApi>, ledger: LedgerFeed): void {
    const keeper = this.keeper;
    let busy = false;
    let again = false;
    const save = async () => {
      if (busy) {
        again = true; // a save under way may predate the change: save again after it
        return;
      }
      if (this.recovering) return;
      busy = true;
      try {
        // A command just journaled is written first, before asking the worker; what the worker adds is written
        // after, but time alone not twice in one save (the periodic save keeps it).
        const wroteCommands = keeper.commandsUnsaved && (await this.persist());
        keeper.apply(await kernel.sessionSince(keeper.cursor.id, keeper.cursor.from));
        if (!wroteCommands || keeper.commandsUnsaved) await this.persist();
      } catch (e) {
        if (e instanceof StorageError) this.storageProblem(`refused to store it (${e.message})`);
        // The head is another tab's (or gone). If this tab holds the lock it is the keeper: write whole next time.
        // If not, the other tab took over between the check and the write, and the banner says so.
        else if (e instanceof NotOwner && this.owner.owns) {
          keeper.forget();
          again = true;
        }
        // Otherwise the worker is going away: the next save (or the recovery) takes over.
      } finally {
        busy = false;
        if (again) {
          again = false;
          this.saveSoon(0);
        }
      }
    };
    this.saveNow = () => void save();
    if (this.saver) clearInterval(this.saver);
    this.saver = setInterval(() => void save(), SAVE_EVERY_MS);
    void save();
    let head = 0;
    this.attached.push(
      ledger.subscribe(() => {
        if (ledger.head !== head) {
          head = ledger.head;
          this.saveSoon(SAVE_AFTER_LEDGER_MS);
        }
      }),
    );
  }

  /** Write what changed (and the layout, if it did) when this tab keeps the session; true if it wrote. */
  private async persist(): Promise<boolean> {
    const ui = JSON.stringify(this.layout());
    if (!this.owner.owns || (!this.keeper.dirty && ui === this.savedLayout)) return false;
    await this.keeper.save(this.write, ui !== this.savedLayout);
    this.savedLayout = ui;
    if (this.store.getState().storage) this.store.setState({ storage: '' });
    return true;
  }

  private storageProblem(why: string): void {
    this.store.setState({
      storage: `Your work is not being kept: the browser ${why}. Share → Export session saves a copy you can import later.`,
    });
  }

  /**
   * Ask worker `w` for a sign of life; one that stops answering (dead, or stuck) is replaced, and the person told.
   * It runs from the worker's start, so a replay that hangs it is noticed too.
   */
  private startHeartbeat(kernel: Remote<KernelHostApi>, w: Worker): void {
    let waitingSince = 0;
    let lastBeat = performance.now();
    let answered = false;
    // The state buffer's header says which user step runs now (asked for at once, before any replay starts, and
    // again if the worker moves to a new buffer); one that stays put past STEP_WATCHDOG_MS is cut.
    let header: Int32Array | null = null;
    let asking = false;
    this.header = null;
    const askHeader = () => {
      if (asking) return;
      asking = true;
      kernel.buffer().then(
        (b) => {
          header = new Int32Array(b, 0, HEADER_WORDS);
          if (this.worker === w) this.header = header;
          asking = false;
        },
        () => (asking = false),
      );
    };
    askHeader();
    let stuck = { key: '', since: 0 };
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.worker !== w) return;
      const now = performance.now();
      // The page itself was asleep (a laptop lid, a frozen tab): the worker was too; ask again rather than blame it.
      if (now - lastBeat > 3 * HEARTBEAT_MS) waitingSince = stuck.since = 0;
      lastBeat = now;
      if (header && Atomics.load(header, H.MOVED) === 1) askHeader();
      const step = header ? stepInProgress(header) : null;
      const key = step ? `${step.session}/${step.pid}/${step.step}/${step.check}` : '';
      if (!step || key !== stuck.key || !stuck.since) stuck = { key, since: now };
      else if (now - stuck.since > STEP_WATCHDOG_MS) {
        const s = Math.round((now - stuck.since) / 1000);
        void this.recover(`was held by one step of a user program (pid ${step.pid}) for ${s} s`, w, step);
        return;
      }
      if (waitingSince) {
        // Until its first answer the worker may still be loading its script (a slow network): give it longer.
        const limit = answered ? HEARTBEAT_TIMEOUT_MS : FIRST_ANSWER_TIMEOUT_MS;
        if (now - waitingSince > limit)
          void this.recover(`stopped answering (no reply for ${Math.round((now - waitingSince) / 1000)} s)`, w);
        return;
      }
      const asked = (waitingSince = now);
      kernel.ping().then(
        () => {
          answered = true;
          if (waitingSince === asked) waitingSince = 0;
        },
        () => {},
      );
    }, HEARTBEAT_MS);
  }

  /**
   * The worker died or stopped answering: say so, start a new one and rebuild the session by replay from the page's
   * copy (which holds every command whose output was shown). A session that keeps bringing the worker down is
   * kept aside instead of being replayed forever.
   */
  private async recover(why: string, failed: Worker, stuck?: HeaderCut): Promise<void> {
    if (failed !== this.worker) return; // already being replaced
    const store = this.store;
    this.recovering = true;
    this.worker = null;
    await this.initialLoad;
    for (const t of [this.saver, this.heartbeat]) if (t) clearInterval(t);
    this.saver = this.heartbeat = null;
    this.frames?.stop();
    failed.terminate();
    if (this.disposed) return;
    const now = Date.now();
    const recoveries = this.recoveries;
    recoveries.push(now);
    while (recoveries.length && recoveries[0] < now - RECOVERY_WINDOW_MS) recoveries.shift();
    // The page's copy if it has one; else the session a first restore was replaying when the worker went.
    let session = this.keeper.known ? this.keeper.session() : this.fallback;
    // The worker's cuts go into the session they belong to: the page's copy of the live one (by its session id),
    // or the one a restore was replaying — never the person's own for a link's, or an older copy for a newer one.
    const of = this.keeper.known ? this.keeper.cursor.id : this.replaying !== null && this.replaying === session ? 'replaying' : null;
    let cutNote = '';
    const header = this.header;
    if (session && header && of !== null) {
      const r = withCuts(session, of, recentCuts(header), stuck ?? null);
      session = r.session;
      if (r.stuckCut) cutNote = ' The step that held it is cut before it ran, and the cut is logged: every replay cuts it there too.';
    }
    this.keeper.detach();
    if (recoveries.length >= MAX_RECOVERIES) {
      const kept = session ? await keepAside(session, `the kernel worker ${why}, ${MAX_RECOVERIES} times in a minute`) : false;
      store.setState({
        status: 'error',
        kept: kept || store.getState().kept,
        replay: null,
        problem: `The kernel worker ${why}, ${MAX_RECOVERIES} times within a minute while running this session, so it was not restarted again. ${kept ? 'Your session is kept: Share → Download the kept session, or reload for a new start.' : session ? 'Storage refused to keep your session aside: Share → Export session may still save it. Reload for a new start.' : 'Reload for a new start.'}`,
      });
      return;
    }
    store.setState({ status: 'recovering', problem: `The kernel worker ${why}. Restoring your session by replay…` });
    const w = this.spawnWorker();
    const kernel = wrap<KernelWorkerApi>(w);
    this.startHeartbeat(kernel, w);
    let restored = true;
    let kept = false;
    if (session) {
      const r = await this.restoreWithProgress(kernel, session, 'Restoring your session', w);
      if (this.worker !== w) return; // this worker went too: a newer recovery took over (or the client was disposed)
      if (!r.ok) {
        restored = false;
        kept = await keepAside(session, r.errors[0]);
        if (kept) store.setState({ kept: true });
      }
    }
    this.recovering = false;
    await this.attach(kernel);
    if (store.getState().status === 'ready' && !this.disposed) {
      store.setState({
        notice: restored
          ? `The kernel worker ${why} and was restarted; your session was restored by replay${session ? ` (${session.log.length} commands)` : ''}.${cutNote}`
          : `The kernel worker ${why} and was restarted, but your session could not be replayed; ${kept ? 'it is kept: Share → Download the kept session' : 'storage refused to keep it aside'}.`,
      });
    }
  }
}
