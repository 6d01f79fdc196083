import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import { LEDGER_KINDS, type LedgerEntry, type LedgerKind } from '../../kernel/sab/layout';
import { useApp } from '../../store/store';
import { LedgerIntegrity } from './LedgerIntegrity';
import { cleanDetails } from '../../client/ledgerFeed';
import { actorText, ledgerMatcher } from '../../text/ledgerRow';
import { travelTo, useTravelAsk } from '../timeline/travel';
import { LedgerProof } from './LedgerProof';
import './ledger.css';

const ROW = 22;
const OVERSCAN = 10;

const fmtTime = (ms: number) => (ms / 1000).toFixed(3);
/** An appended record is a process's text (service-fs), not the kernel's: its row says whose. */
const appendedTitle = (pid: number) => `appended by process ${pid} through service-fs: its own text, not a kernel record`;
/** A search waits for typing to pause this long, so each keystroke does not start a scan of the whole ledger. */
const SEARCH_DEBOUNCE_MS = 200;
/** The longest query the box takes (a longer one is still only text, but nothing shown is that long). */
const MAX_QUERY = 200;

/** Records read from the worker per page, for rows older than the feed's window; and how many pages are kept. */
const PAGE = 500;
const PAGES_KEPT = 40;
const MAX_IN_FLIGHT = 2;

/**
 * The audit ledger: a virtualized table over every record (not only the ones the page holds), following new
 * entries unless you scroll up, filterable by kind and searchable by text. Rows are addressed by sequence number:
 * the newest come from the feed's window, older ones from the worker a page at a time as they scroll into view.
 * A filter or search is one scan in the worker, then kept current from the feed. A click on a row (or Enter on
 * the row the arrow keys reached) moves the timeline there.
 */
export function LedgerPanel() {
  const [popsAt, setPopsAt] = useState<HTMLDivElement | null>(null);
  const feed = useApp((s) => s.ledger);
  const kernel = useApp((s) => s.kernel);
  const version = useSyncExternalStore(feed?.subscribe ?? noSubscribe, () => feed?.version ?? 0);

  const [filter, setFilter] = useState<LedgerKind | 'all'>('all');
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState(''); // the query once typing paused
  useEffect(() => {
    const t = setTimeout(() => setSearch(query), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [query]);
  const match = useMemo(() => ledgerMatcher(search), [search]);
  const active = filter !== 'all' || match !== null;
  // The worker's scan (kept as it came: an Int32Array) plus matches the feed brought since.
  const [found, setFound] = useState<{
    feed: unknown;
    gen: number;
    kind: LedgerKind | 'all';
    search: string;
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

  // The filter and search: every matching seq in the ledger (one scan in the worker), then the feed's new matches.
  useEffect(() => {
    if (!active || !kernel || !feed) return;
    let live = true;
    kernel.ledgerFind(filter === 'all' ? null : filter, match ? search : '').then(
      (scanned) =>
        live && setFound({ feed, gen, kind: filter, search, scanned, more: [], upTo: scanned.length ? scanned[scanned.length - 1] : 0 }),
      () => {}, // superseded by a newer search (this effect's cleanup already said so), or the worker went away
    );
    return () => {
      live = false;
    };
  }, [active, filter, search, match, kernel, feed, gen]);
  const matches = useMemo(() => {
    if (!active || !found || found.kind !== filter || found.search !== search || found.feed !== feed || found.gen !== gen || !feed)
      return null;
    if (head < found.upTo) return { scanned: new Int32Array(0), more: [] as number[] };
    for (let i = Math.max(0, found.upTo - feed.base + 1); i < feed.entries.length; i++) {
      const e = feed.entries[i]; // the worker's test, on the same cleaned text
      if ((filter === 'all' || e.kind === filter) && (!match || match(e.kind, e.actor, e.detail))) found.more.push(e.seq);
    }
    found.upTo = head;
    return found;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- version: the feed grows in place, so its entries change without a new feed
  }, [active, filter, search, match, found, feed, gen, version, head]);
  const count = !active ? head : matches ? matches.scanned.length + matches.more.length : 0;
  const seqAt = (row: number) =>
    !matches ? row + 1 : row < matches.scanned.length ? matches.scanned[row] : matches.more[row - matches.scanned.length];
  /** The row showing `seq`, or -1 (filtered out, or not in yet). Both lists are ascending. */
  const rowOf = (seq: number): number => {
    if (!active) return seq >= 1 && seq <= head ? seq - 1 : -1;
    if (!matches) return -1;
    const { scanned, more } = matches;
    let lo = 0;
    let hi = scanned.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (scanned[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    if (scanned[lo] === seq) return lo;
    const i = more.indexOf(seq);
    return i < 0 ? -1 : scanned.length + i;
  };

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

  // The row the arrow keys are on (aria-activedescendant: the rows come and go as they scroll, so focus stays on
  // the table), and the record marked as the one the timeline shows: the row asked for, or while scrubbing the
  // newest record of the state shown (a scrub lands on the last state with at most the seq asked for).
  const [cursor, setCursor] = useState<number | null>(null);
  /** The record clicked last: its inclusion proof is shown under the header. */
  const [proved, setProved] = useState<number | null>(null);
  const travel = useApp((s) => s.travel);
  const ask = useTravelAsk();
  const marked = travel ? Math.min(ask.asked ?? travel.seq, travel.seq) : ask.pending;
  useEffect(() => setCursor(null), [filter, search]);
  // A record asked for from elsewhere (a provenance step, the timeline) is brought into view if its row is not —
  // once, when its row is there (a travel forward brings it in after it was asked for).
  const broughtIn = useRef<number | null>(null);
  useEffect(() => {
    const el = scroller.current;
    const seq = ask.asked;
    if (!el || seq === null || broughtIn.current === seq) return;
    const row = rowOf(seq);
    if (row < 0) return;
    broughtIn.current = seq;
    if (row * ROW >= el.scrollTop && (row + 1) * ROW <= el.scrollTop + el.clientHeight) return;
    follow.current = false;
    el.scrollTop = Math.max(0, row * ROW - el.clientHeight / 2);
    setScrollTop(el.scrollTop);
  }, [ask.asked, count]); // eslint-disable-line react-hooks/exhaustive-deps -- rowOf reads what count follows
  const at = cursor === null || !count ? null : Math.min(cursor, count - 1);

  const rowsShown = Math.max(1, Math.floor(height / ROW));
  const moveTo = (row: number) => {
    const r = Math.max(0, Math.min(count - 1, row));
    setCursor(r);
    const el = scroller.current!;
    if (r * ROW < el.scrollTop) el.scrollTop = r * ROW;
    else if ((r + 1) * ROW > el.scrollTop + el.clientHeight) el.scrollTop = (r + 1) * ROW - el.clientHeight;
  };
  /** Time travel to a row's record: the first state that holds it (its command's other records come with it). */
  const open = (row: number) => {
    const seq = seqAt(row);
    if (seq) travelTo(seq, 'forward');
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!count) return;
    const from = at ?? Math.min(count - 1, Math.ceil(scrollTop / ROW));
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: rowsShown, PageUp: -rowsShown };
    if (Object.hasOwn(step, e.key)) moveTo(at === null ? from : from + step[e.key]);
    else if (e.key === 'Home') moveTo(0);
    else if (e.key === 'End') moveTo(count - 1);
    else if ((e.key === 'Enter' || e.key === ' ') && at !== null) open(at);
    else return;
    e.preventDefault();
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const visible: { row: number; seq: number; e: LedgerEntry | undefined }[] = [];
  for (let row = first; row < last; row++) {
    const seq = seqAt(row);
    visible.push({ row, seq, e: entry(seq) });
  }
  const rowProps = (row: number, seq: number) => ({
    id: `ledger-row-${row}`,
    role: 'row',
    'data-seq': seq,
    'aria-rowindex': row + 1,
    'aria-selected': seq === marked,
    style: { transform: `translateY(${row * ROW}px)` },
    onClick: () => {
      setCursor(row);
      setProved(seq);
      open(row);
    },
  });
  const rowClass = (row: number, seq: number) => `${row === at ? ' is-cursor' : ''}${seq === marked ? ' is-marked' : ''}`;

  const countText = !active
    ? `${count} records`
    : !matches
      ? match
        ? 'searching…'
        : 'filtering…'
      : match
        ? count
          ? `${count} ${count === 1 ? 'match' : 'matches'}`
          : 'no matches'
        : `${count} of ${head}`;

  return (
    <section data-testid="ledger" className="panel ledger-panel" aria-label="Audit ledger">
      <header className="panel-head">
        <h2>Ledger</h2>
        <span className="muted" data-testid="ledger-count" title={active ? `of ${head} records` : undefined}>
          {countText}
        </span>
        <input
          type="search"
          className="ledger-search"
          aria-label="Search the ledger"
          placeholder="search…"
          maxLength={MAX_QUERY}
          spellCheck={false}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key !== 'Escape' || !query) return;
            setQuery('');
            setSearch('');
            e.stopPropagation(); // Esc clears the box here; it is not also a "deselect" elsewhere
            e.preventDefault();
          }}
        />
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
        <LedgerIntegrity popsAt={popsAt} />
      </header>
      {/* Where the integrity verdicts and the key show, over the first rows (the header scrolls sideways when narrow). */}
      <div className="ledger-pops-at" ref={setPopsAt} />
      {proved !== null && <LedgerProof seq={proved} onClose={() => setProved(null)} />}
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
        role="grid"
        aria-label="Ledger records: arrow keys move, Enter shows the session at that record"
        aria-readonly
        aria-rowcount={count}
        aria-activedescendant={at !== null && at >= first && at < last ? `ledger-row-${at}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <div style={{ height: count * ROW, position: 'relative' }}>
          {visible.map(({ row, seq, e }) =>
            !e ? (
              <div key={seq} {...rowProps(row, seq)} className={`ledger-row loading${rowClass(row, seq)}`}>
                <span role="gridcell">{seq}</span>
                <span role="gridcell" className="muted">
                  reading from the worker…
                </span>
              </div>
            ) : (
              <div key={e.seq} {...rowProps(row, seq)} className={`ledger-row ev-${e.kind}${rowClass(row, seq)}`} data-event={e.kind}>
                <span role="gridcell">{e.seq}</span>
                <span role="gridcell">{fmtTime(e.time)}</span>
                <span role="gridcell" className="ev" title={e.kind === 'appended' ? appendedTitle(e.actor) : undefined}>
                  {e.kind}
                </span>
                <span role="gridcell">{actorText(e.actor)}</span>
                <span role="gridcell" className="detail" title={e.detail}>
                  {e.kind === 'appended' && <span className="by-process">process</span>}
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
