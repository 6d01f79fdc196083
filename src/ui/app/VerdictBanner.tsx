import { useEffect, useState } from 'react';
import { verdictOutcome, type LedgerEntry, type VerdictOutcome } from '../../kernel/sab/layout';
import { useApp } from '../../store/store';

/** The banner's look for each outcome: a defense that held, an attack that succeeded, a plain statement. */
const LOOK: Record<VerdictOutcome, { className: string; mark: string }> = {
  held: { className: 'blocked', mark: '✓ ' },
  breach: { className: 'succeeded', mark: '⚠ ' },
  info: { className: 'info', mark: 'ℹ ' },
};

/**
 * The outcome of the latest attack demo, from the kernel's own `verdict` ledger records ("relabel blocked",
 * "relabel succeeded"): the UI never decides a verdict itself. Its colour comes from the record's outcome field
 * (published in the SAB ring), never from reading its prose.
 */
export function VerdictBanner() {
  const feed = useApp((s) => s.ledger);
  const [verdict, setVerdict] = useState<LedgerEntry | null>(null);
  const [dismissed, setDismissed] = useState(0);

  useEffect(() => {
    if (!feed) return;
    let seen = 0; // the newest seq looked at (the feed is a window: positions shift, sequence numbers do not)
    const check = () => {
      const entries = feed.entries;
      if (feed.head < seen) {
        setVerdict(null); // a new scenario started over
        seen = 0;
      }
      for (let i = entries.length - 1; i >= 0 && entries[i].seq > seen; i--) {
        if (entries[i].kind === 'verdict') {
          setVerdict(entries[i]);
          break;
        }
      }
      seen = feed.head;
    };
    check();
    return feed.subscribe(check);
  }, [feed]);

  if (!verdict || verdict.seq === dismissed) return null;
  const [headline, ...rest] = verdict.detail.split(': ');
  const outcome = verdictOutcome(verdict) ?? 'info';
  const look = LOOK[outcome];
  return (
    <div className={`verdict ${look.className}`} data-testid="verdict" data-outcome={outcome} role="status" data-seq={verdict.seq}>
      <span className="headline">
        {look.mark}
        {headline}
      </span>
      <span className="detail">{rest.join(': ')}</span>
      <button type="button" aria-label="Dismiss verdict" onClick={() => setDismissed(verdict.seq)}>
        ×
      </button>
    </div>
  );
}
