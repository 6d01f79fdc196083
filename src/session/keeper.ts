import type { Logged, Session, SessionDelta } from '../kernel/host-api';

/** Commands per stored chunk: a save writes only the chunks that changed (the last one, as a session goes on). */
export const CHUNK = 1024;

type Command = Session['log'][number];

/** What one save writes: the session's head, the chunks that changed, and where stale chunks begin. */
export interface SaveWrite {
  head: { scenario: string; seed: number; ticks: number; logLength: number };
  chunks: [index: number, commands: Command[]][];
  /** Chunks from this index on belong to an older, longer session: delete them. */
  dropFrom: number;
  /** The whole session is written (it was replaced, or storage may hold another's): not only what changed. */
  whole: boolean;
}

/** Where a save goes (IndexedDB in the page, memory in tests). Resolves when written; rejects with the reason when refused. */
export type WriteSession = (w: SaveWrite) => Promise<void>;

/**
 * The page's copy of the session, kept up to date from the worker (deltas: only what is new) and from each
 * command's own result (journaled before its output shows, so a worker that dies right after cannot take it
 * along), and saved in chunks: a long session costs a save no more than a short one.
 */
export class SessionKeeper {
  private id = -1;
  private scenario = '';
  private seed = 0;
  private ticks = 0;
  private readonly log: Command[] = [];
  /** What storage holds of this session: its id and how many commands. */
  private saved = { id: -1, count: 0, ticks: -1 };

  /** The session id the worker gave, and how many commands are known: what to ask the worker for next. */
  get cursor(): { id: number; from: number } {
    return { id: this.id, from: this.log.length };
  }

  get known(): boolean {
    return this.id >= 0;
  }

  /** Take what the worker said changed. */
  apply(d: SessionDelta): void {
    if (d.scenario !== null || d.id !== this.id) {
      if (d.scenario === null) return; // a delta for a session we no longer know: the next read brings it whole
      this.id = d.id;
      this.scenario = d.scenario;
      this.seed = d.seed;
      this.log.length = 0;
    }
    if (d.from > this.log.length) return; // a gap: cannot happen from one worker; the next read fills it
    this.log.length = d.from;
    for (const c of d.log) this.log.push(c);
    this.ticks = Math.max(d.ticks, this.lastAt());
  }

  /** A command's own result: keep it at once if it is the next of this session (true if kept). */
  journal(l: Logged | null | undefined): boolean {
    if (!l || l.session !== this.id || l.index !== this.log.length) return false;
    this.log.push(l.command);
    this.ticks = Math.max(this.ticks, l.command.at);
    return true;
  }

  /** The session as known: what a crashed worker is rebuilt from, and what a save writes. */
  session(): Session {
    return { scenario: this.scenario, seed: this.seed, log: [...this.log], ticks: this.ticks };
  }

  /** Commands (or a replaced session) known but not saved yet. */
  get commandsUnsaved(): boolean {
    return this.known && (this.saved.id !== this.id || this.saved.count !== this.log.length);
  }

  /** Anything at all a save would change: commands, or only the time reached. */
  get dirty(): boolean {
    return this.commandsUnsaved || (this.known && this.saved.ticks !== this.ticks);
  }

  /**
   * Save what changed since the last save (the whole session if it was replaced); `force` writes the head even if
   * nothing did (the layout changed). Rejects if storage refused, and then the same is tried again next time.
   */
  async save(write: WriteSession, force = false): Promise<void> {
    if (!this.known || (!this.dirty && !force)) return;
    const whole = this.saved.id !== this.id;
    const chunks = Math.ceil(this.log.length / CHUNK);
    const first = whole ? 0 : Math.floor(Math.min(this.saved.count, this.log.length) / CHUNK);
    const w: SaveWrite = {
      head: { scenario: this.scenario, seed: this.seed, ticks: this.ticks, logLength: this.log.length },
      chunks: [],
      dropFrom: chunks,
      whole,
    };
    for (let i = first; i < chunks; i++) w.chunks.push([i, this.log.slice(i * CHUNK, (i + 1) * CHUNK)]);
    const state = { id: this.id, count: this.log.length, ticks: this.ticks };
    await write(w);
    this.saved = state;
  }

  /** A new worker took over: its session ids are its own, so the next read from it brings the whole session. */
  detach(): void {
    this.id = -1;
    this.forget();
  }

  /** Storage may hold something else now (another tab saved there): the next save writes the whole session. */
  forget(): void {
    this.saved = { id: -1, count: 0, ticks: -1 };
  }

  private lastAt(): number {
    return this.log.length ? this.log[this.log.length - 1].at : 0;
  }
}
