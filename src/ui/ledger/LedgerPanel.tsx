import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { LEDGER_KINDS, type LedgerEntry, type LedgerKind } from '../../kernel/sab/layout';
import { useApp } from '../../store/store';
import { LedgerIntegrity } from './LedgerIntegrity';
import { cleanDetails } from '../../client/ledgerFeed';
import './ledger.css';

const ROW = 22;
const OVERSCAN = 10;

const fmtTime = (ms: number) => (ms / 1000).toFixed(3);
const who = (pid: number) => (pid ? String(pid) : 'kernel');

/** Records read from the worker per page, for rows older than the feed's window; and how many pages are kept. */
const PAGE = 500;
const PAGES_KEPT = 40;
const MAX_IN_FLIGHT = 2;

/**
 * The audit ledger: a virtualized table over every record (not only the ones the page holds), following new
 * entries unless you scroll up, filterable by kind. Rows are addressed by sequence number: the newest come from
 * the feed's window, older ones from the worker a page at a time as they scroll into view. A kind filter is one
 * scan in the worker, then kept current from the feed.
 */
export function LedgerPanel() {
  const feed = useApp((s) => s.ledger);
  const kernel = useApp((s) => s.kernel);
  const version = useSyncExternalStore(feed?.subscribe ?? noSubscribe, () => feed?.version ?? 0);

  const [filter, setFilter] = useState<LedgerKind | 'all'>('all');
  // The worker's scan (kept as it came: an Int32Array) plus matches the feed brought since.
  const [found, setFound] = useState<{
    feed: unknown;
    gen: number;
    kind: LedgerKind;
    scanned: Int32Array;
    more: number[];
    upTo: number;
  } | null>(null);
  const [, setPagesVersion] = useState(0);
  const pages = useRef(new Map<number, LedgerEntry[]>());
  const asked = useRef(new Set<number>());
  const inFlight = useRef(0);

  // A new scenario (or a time-travel view) starts the feed over (a new generation): forget pages read from the
  // old one, and scan again for the filter (the effect below is keyed on it).
  const head = feed?.head ?? 0;
  const gen = feed?.generation ?? -1;
  const lastGen = useRef(gen);
  if (gen !== lastGen.current) {
    pages.current.clear();
    asked.current.clear();
    lastGen.current = gen;
  }

  // The filter: every matching seq in the ledger (one scan in the worker), then the feed's new matches.
  useEffect(() => {
    if (filter === 'all' || !kernel || !feed) return;
    let live = true;
    kernel.ledgerFind(filter).then(
      (scanned) => live && setFound({ feed, gen, kind: filter, scanned, more: [], upTo: scanned.length ? scanned[scanned.length - 1] : 0 }),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [filter, kernel, feed, gen]);
  const matches = useMemo(() => {
    if (filter === 'all' || !found || found.kind !== filter || found.feed !== feed || found.gen !== gen || !feed) return null;
    if (head < found.upTo) return { scanned: new Int32Array(0), more: [] as number[] };
    for (let i = Math.max(0, found.upTo - feed.base + 1); i < feed.entries.length; i++)
      if (feed.entries[i].kind === filter) found.more.push(feed.entries[i].seq);
    found.upTo = head;
    return found;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- version: the feed grows in place, so its entries change without a new feed
  }, [filter, found, feed, gen, version, head]);
  const count = filter === 'all' ? head : matches ? matches.scanned.length + matches.more.length : 0;
  const seqAt = (row: number) =>
    !matches ? row + 1 : row < matches.scanned.length ? matches.scanned[row] : matches.more[row - matches.scanned.length];

  /** A record by seq: from the feed's window, or a page read from the worker (asked for once, kept a while). */
  const entry = (seq: number): LedgerEntry | undefined => {
    const e = feed?.bySeq(seq);
    if (e) return e;
    const page = Math.floor((seq - 1) / PAGE);
    const held = pages.current.get(page);
    if (held) return held[seq - 1 - page * PAGE];
    // At most two pages in flight: a fast scroll across a million records must not queue hundreds of reads in
    // the worker ahead of everything else (a filter, a command). When one arrives, the re-render asks for what
    // is on screen then.
    if (kernel && !asked.current.has(page) && inFlight.current < MAX_IN_FLIGHT) {
      asked.current.add(page);
      inFlight.current++;
      const askedGen = gen;
      kernel
        .ledgerPage(page * PAGE + 1, PAGE)
        .finally(() => inFlight.current--)
        .then(
          (got) => {
            if (askedGen !== lastGen.current) return; // read from a scenario no longer shown
            pages.current.set(page, cleanDetails(got));
            if (pages.current.size > PAGES_KEPT) {
              const oldest = pages.current.keys().next().value!;
              pages.current.delete(oldest);
              asked.current.delete(oldest);
            }
            setPagesVersion((v) => v + 1);
          },
          () => askedGen === lastGen.current && asked.current.delete(page), // asked again at the next render (a scroll), not in a loop
        );
    }
    return undefined;
  };

  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(300);
  const follow = useRef(true);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Follow the newest entry while the view is pinned to the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && follow.current) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
  }, [count, height]);

  const onScroll = () => {
    const el = scroller.current!;
    follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    setScrollTop(el.scrollTop);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const visible: { row: number; seq: number; e: LedgerEntry | undefined }[] = [];
  for (let row = first; row < last; row++) {
    const seq = seqAt(row);
    visible.push({ row, seq, e: entry(seq) });
  }

  return (
    <section data-testid="ledger" className="panel ledger-panel" aria-label="Audit ledger">
      <header className="panel-head">
        <h2>Ledger</h2>
        <span className="muted" data-testid="ledger-count">
          {filter === 'all' ? `${count} records` : matches ? `${count} of ${head}` : 'filtering…'}
        </span>
        <label className="ledger-filter">
          kind{' '}
          <select aria-label="Filter ledger by event kind" value={filter} onChange={(e) => setFilter(e.target.value as LedgerKind | 'all')}>
            <option value="all">all</option>
            {LEDGER_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <LedgerIntegrity />
      </header>
      <div className="ledger-columns" aria-hidden>
        <span>seq</span>
        <span>time s</span>
        <span>event</span>
        <span>actor</span>
        <span>detail</span>
      </div>
      <div
        className="ledger-scroll"
        ref={scroller}
        onScroll={onScroll}
        role="table"
        aria-rowcount={count}
        tabIndex={0}
        aria-label="Ledger records"
      >
        <div style={{ height: count * ROW, position: 'relative' }}>
          {visible.map(({ row, seq, e }) =>
            !e ? (
              <div key={seq} role="row" className="ledger-row loading" data-seq={seq} style={{ transform: `translateY(${row * ROW}px)` }}>
                <span role="cell">{seq}</span>
                <span role="cell" className="muted">
                  reading from the worker…
                </span>
              </div>
            ) : (
              <div
                key={e.seq}
                role="row"
                className={`ledger-row ev-${e.kind}`}
                data-seq={e.seq}
                data-event={e.kind}
                style={{ transform: `translateY(${row * ROW}px)` }}
              >
                <span role="cell">{e.seq}</span>
                <span role="cell">{fmtTime(e.time)}</span>
                <span role="cell" className="ev">
                  {e.kind}
                </span>
                <span role="cell">{who(e.actor)}</span>
                <span role="cell" className="detail" title={e.detail}>
                  {e.detail}
                </span>
              </div>
            ),
          )}
        </div>
      </div>
    </section>
  );
}

const noSubscribe = () => () => {};
