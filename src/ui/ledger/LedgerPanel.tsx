import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { LEDGER_KINDS, type LedgerEntry, type LedgerKind } from '../../kernel/sab/layout';
import { useApp } from '../../store/store';
import { LedgerIntegrity } from './LedgerIntegrity';
import './ledger.css';

const ROW = 22;
const OVERSCAN = 10;

const fmtTime = (ms: number) => (ms / 1000).toFixed(3);
const who = (pid: number) => (pid ? String(pid) : 'kernel');

/** The audit ledger: a virtualized table that follows new entries unless you scroll up; filterable by kind. */
export function LedgerPanel() {
  const feed = useApp((s) => s.ledger);
  const version = useSyncExternalStore(feed?.subscribe ?? noSubscribe, () => feed?.version ?? 0);

  const [filter, setFilter] = useState<LedgerKind | 'all'>('all');
  // Long sessions: "all" is the feed's own array (no copy per frame), and a filter scans only what arrived since
  // its last scan, so a million records cost one pass when the filter changes and almost nothing per frame.
  const filtered = useRef<{ feed: unknown; kind: LedgerKind | 'all'; scanned: number; rows: LedgerEntry[] } | null>(null);
  const rows = useMemo(() => {
    const all = feed?.entries ?? [];
    if (filter === 'all') return all;
    let f = filtered.current;
    if (!f || f.feed !== feed || f.kind !== filter || f.scanned > all.length) f = filtered.current = { feed, kind: filter, scanned: 0, rows: [] };
    for (let i = f.scanned; i < all.length; i++) if (all[i].kind === filter) f.rows.push(all[i]);
    f.scanned = all.length;
    return f.rows;
  }, [feed, filter, version]); // version: the feed grows its array in place

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
  }, [rows.length, height]);

  const onScroll = () => {
    const el = scroller.current!;
    follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    setScrollTop(el.scrollTop);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const visible = rows.slice(first, last);

  return (
    <section data-testid="ledger" className="panel ledger-panel" aria-label="Audit ledger">
      <header className="panel-head">
        <h2>Ledger</h2>
        <span className="muted" data-testid="ledger-count">
          {filter === 'all' ? `${rows.length} records` : `${rows.length} of ${feed?.entries.length ?? 0}`}
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
      <div className="ledger-scroll" ref={scroller} onScroll={onScroll} role="table" aria-rowcount={rows.length}>
        <div style={{ height: rows.length * ROW, position: 'relative' }}>
          {visible.map((e, i) => (
            <div
              key={e.seq}
              role="row"
              className={`ledger-row ev-${e.kind}`}
              data-seq={e.seq}
              data-event={e.kind}
              style={{ transform: `translateY(${(first + i) * ROW}px)` }}
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
          ))}
        </div>
      </div>
    </section>
  );
}

const noSubscribe = () => () => {};
