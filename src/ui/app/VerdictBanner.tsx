import { useEffect, useState } from 'react';
import type { LedgerEntry } from '../../kernel/sab/layout';
import { useApp } from '../../store/store';

/**
 * The outcome of the latest attack demo, from the kernel's own `verdict` ledger records ("relabel blocked",
 * "relabel succeeded"): the UI never decides a verdict itself.
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
  const bad = /succeeded/.test(headline);
  return (
    <div className={`verdict ${bad ? 'succeeded' : 'blocked'}`} data-testid="verdict" role="status" data-seq={verdict.seq}>
      <span className="headline">
        {bad ? '⚠ ' : '✓ '}
        {headline}
      </span>
      <span className="detail">{rest.join(': ')}</span>
      <button type="button" aria-label="Dismiss verdict" onClick={() => setDismissed(verdict.seq)}>
        ×
      </button>
    </div>
  );
}
