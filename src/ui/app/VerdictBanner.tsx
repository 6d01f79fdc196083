import { useEffect, useState } from 'react';
import { verdictOutcome, type LedgerEntry, type VerdictOutcome } from '../../kernel/sab/layout';
import { appStore, useApp } from '../../store/store';
import { plainText } from '../../text/sanitize';

/** The banner's look for each outcome: a defense that held, an attack that succeeded, a plain statement. */
export const OUTCOME_MARK: Record<VerdictOutcome, string> = { held: '✓', breach: '⚠', info: 'ℹ' };
const LOOK: Record<VerdictOutcome, { className: string; says: string }> = {
  held: { className: 'blocked', says: 'defense held' },
  breach: { className: 'succeeded', says: 'attack succeeded' },
  info: { className: 'info', says: 'note' },
};

/**
 * What a verdict is about, as graph node ids: who acted, on whom, and the kernel object concerned; and the edges
 * that are the attack: the caps its subject (else its actor) holds to that object (else to the other parties).
 */
export function verdictParties(v: LedgerEntry): { nodes: string[]; from: string[]; to: string | null } {
  const ids = new Set<string>();
  if (v.actor > 0) ids.add(`p:${v.actor}`);
  if (v.subject > 0) ids.add(`p:${v.subject}`);
  if (v.object > 0) ids.add(`o:${v.object}`);
  const from = v.subject > 0 ? [`p:${v.subject}`] : v.actor > 0 ? [`p:${v.actor}`] : [];
  return { nodes: [...ids], from, to: v.object > 0 ? `o:${v.object}` : null };
}

/**
 * The outcome of the latest attack demo, from the kernel's own `verdict` ledger records ("relabel blocked",
 * "relabel succeeded"): the UI never decides a verdict itself. Its colour comes from the record's outcome field
 * (published in the SAB ring), never from reading its prose. The full text is read from the worker (the ring
 * keeps only the first 192 bytes of a detail). A defense toggled after it makes it stale: what it described is
 * no longer how the world is set up, so it is greyed and says so. Its parties are published for the graph to
 * highlight (`attack` in the store).
 */
export function VerdictBanner() {
  const feed = useApp((s) => s.ledger);
  const kernel = useApp((s) => s.kernel);
  const [verdict, setVerdict] = useState<LedgerEntry | null>(null);
  // Both keyed by the record itself, not its seq: a replayed world repeats seqs, and its verdict is another record.
  const [full, setFull] = useState<{ of: LedgerEntry; detail: string } | null>(null);
  const [stale, setStale] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState<LedgerEntry | null>(null);

  useEffect(() => {
    if (!feed) return;
    let seen = 0; // the newest seq looked at (the feed is a window: positions shift, sequence numbers do not)
    let current: LedgerEntry | null = null;
    const check = () => {
      const entries = feed.entries;
      if (feed.head < seen) {
        current = null; // a new scenario (or a time-travel view) started over
        setVerdict(null);
        setStale(null);
        seen = 0;
      }
      let newest: LedgerEntry | null = null;
      let toggled: LedgerEntry | null = null;
      for (let i = entries.length - 1; i >= 0 && entries[i].seq > seen; i--) {
        const e = entries[i];
        if (!newest && e.kind === 'verdict') newest = e;
        if (!newest && !toggled && e.kind === 'defense') toggled = e;
      }
      if (newest) {
        current = newest;
        setVerdict(newest);
        setStale(toggled ? plainText(toggled.detail) : null);
      } else if (current && toggled) setStale(plainText(toggled.detail));
      seen = feed.head;
    };
    check();
    return feed.subscribe(check);
  }, [feed]);

  // The full detail, from the worker's ledger.
  useEffect(() => {
    if (!verdict || !kernel) return;
    let live = true;
    kernel.ledgerPage(verdict.seq, 1).then(
      ([e]) => {
        if (live && e?.seq === verdict.seq) setFull({ of: verdict, detail: e.detail });
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [verdict, kernel]);

  const shown = verdict && verdict !== dismissed ? verdict : null;
  // The graph highlights what a live (not stale, not dismissed) verdict is about.
  useEffect(() => {
    appStore.setState({
      attack: shown && !stale ? { seq: shown.seq, ...verdictParties(shown), outcome: verdictOutcome(shown) ?? 'info' } : null,
    });
  }, [shown, stale]);

  if (!shown) return null;
  const text = plainText(full?.of === shown ? full.detail : shown.detail);
  const [headline, ...rest] = text.split(': ');
  const outcome = verdictOutcome(shown) ?? 'info';
  const look = LOOK[outcome];
  return (
    <div
      className={`verdict ${look.className}${stale ? ' is-stale' : ''}`}
      data-testid="verdict"
      data-outcome={outcome}
      data-stale={stale ? 'true' : undefined}
      role="status"
      data-seq={shown.seq}
    >
      <span className="headline">
        {OUTCOME_MARK[outcome]} <span className="outcome">{look.says}: </span>
        {headline}
      </span>
      <span className="detail">{rest.join(': ')}</span>
      {stale && (
        <span className="stale" data-testid="verdict-stale">
          stale — since then: {stale}
        </span>
      )}
      <button type="button" aria-label="Dismiss verdict" onClick={() => setDismissed(shown)}>
        ×
      </button>
    </div>
  );
}
