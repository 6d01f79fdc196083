import { readLedger, type Frame, type LedgerEntry, type SabViews } from '../kernel/sab/layout';
import { plainText } from '../text/sanitize';

/** Ledger details name things from scenario files and programs: strip control and bidi characters before display. */
export function cleanDetails(entries: LedgerEntry[]): LedgerEntry[] {
  return entries.map((e) => {
    const detail = plainText(e.detail);
    return detail === e.detail ? e : { ...e, detail };
  });
}

/** The page keeps at most this many of the newest records; older ones stay in the worker (ledger pages). */
export const FEED_WINDOW = 100_000;

/**
 * The UI's window on the ledger: the newest FEED_WINDOW records, fed from the SAB ring each frame. If the UI fell
 * so far behind that the ring already overwrote events it has not seen (a background tab, a burst), it fetches
 * the gap from the worker in bulk reads (only the part that still fits the window). Listeners are told when
 * entries were added, not per event. Older records are read from the worker on demand (the ledger panel does).
 */
export class LedgerFeed {
  /** Contiguous, oldest first: entries[i].seq === base + i. */
  readonly entries: LedgerEntry[] = [];
  private gen = -1;
  private fetching = false;
  private listeners = new Set<() => void>();
  version = 0;

  constructor(
    public views: SabViews,
    private fetchPage: (from: number, count: number) => Promise<LedgerEntry[]>,
  ) {}

  /** The scenario generation the entries belong to (it changes when a new scenario or time-travel view starts the feed over). */
  get generation(): number {
    return this.gen;
  }

  get head(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].seq : this.skipped;
  }

  /** The oldest record held (head + 1 when none are). */
  get base(): number {
    return this.entries.length ? this.entries[0].seq : this.head + 1;
  }

  /** The record with this seq, if the window holds it. */
  bySeq(seq: number): LedgerEntry | undefined {
    return this.entries[seq - this.base];
  }

  /** Records before the window that were never fetched (the newest seq skipped over). */
  private skipped = 0;

  /** Call once per frame. */
  onFrame(frame: Frame): void {
    if (frame.scenarioGen !== this.gen) {
      this.gen = frame.scenarioGen;
      this.entries.length = 0;
      this.skipped = 0;
      this.changed();
    }
    if (this.fetching || frame.ledgerHead <= this.head) return;
    const read = readLedger(this.views, this.head + 1);
    if (!read) return;
    const { entries, firstAvailable, head } = read;
    if (firstAvailable > this.head + 1) {
      // The ring no longer holds what we need next: fetch what is missing from the worker, but never more than
      // the window holds (further back, the panel reads pages from the worker as they scroll into view).
      this.fetching = true;
      const gen = this.gen;
      const from = Math.max(this.head + 1, head - FEED_WINDOW + 1);
      const jump = from > this.head + 1;
      this.fetchPage(from, head - from + 1)
        .then((page) => {
          if (gen !== this.gen) return;
          if (jump) {
            this.entries.length = 0;
            this.skipped = from - 1;
          }
          if (this.head === from - 1) this.append(page);
        })
        .catch(() => {}) // the next frame retries
        .finally(() => (this.fetching = false));
      return;
    }
    this.append(entries);
  }

  private append(page: LedgerEntry[]) {
    if (!page.length) return;
    page = cleanDetails(page);
    for (let i = 0; i < page.length; i += 10_000) this.entries.push(...page.slice(i, i + 10_000));
    // Drop the oldest in chunks, not per record, so trimming costs nothing per frame.
    if (this.entries.length > FEED_WINDOW * 1.2) this.entries.splice(0, this.entries.length - FEED_WINDOW);
    this.changed();
  }

  private changed() {
    this.version++;
    for (const l of this.listeners) l();
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}
