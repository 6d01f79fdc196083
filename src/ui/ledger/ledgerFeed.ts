import { readLedger, type Frame, type LedgerEntry, type SabViews } from '../../kernel/sab/layout';

/**
 * The UI's copy of the ledger, fed from the SAB ring each frame. If the UI fell so far behind that the ring
 * already overwrote events it has not seen (a background tab, a burst), it fetches the gap from the worker in
 * one bulk read. Listeners are told when entries were added, not per event.
 */
export class LedgerFeed {
  readonly entries: LedgerEntry[] = [];
  private generation = -1;
  private fetching = false;
  private listeners = new Set<() => void>();
  version = 0;

  constructor(
    private views: SabViews,
    private fetchPage: (from: number, count: number) => Promise<LedgerEntry[]>,
  ) {}

  get head(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].seq : 0;
  }

  /** Call once per frame. */
  onFrame(frame: Frame): void {
    if (frame.scenarioGen !== this.generation) {
      this.generation = frame.scenarioGen;
      this.entries.length = 0;
      this.changed();
    }
    if (this.fetching || frame.ledgerHead <= this.head) return;
    const read = readLedger(this.views, this.head + 1);
    if (!read) return;
    const { entries, firstAvailable, head } = read;
    if (firstAvailable > this.head + 1) {
      // The ring no longer holds what we need next: fetch everything missing from the worker.
      this.fetching = true;
      const gen = this.generation;
      const from = this.head + 1;
      this.fetchPage(from, head - from + 1)
        .then((page) => {
          if (gen === this.generation && this.head === from - 1) this.append(page);
        })
        .catch(() => {}) // the next frame retries
        .finally(() => (this.fetching = false));
      return;
    }
    this.append(entries);
  }

  private append(page: LedgerEntry[]) {
    if (!page.length) return;
    this.entries.push(...page);
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
