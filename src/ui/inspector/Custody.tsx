import { useEffect, useRef } from 'react';
import type { Provenance } from '../../kernel/host-api';
import { travelTo, useTravelAsk } from '../timeline/travel';

/** A chain of custody the inspector shows (pinned: it stays while the timeline moves, saying when it was read). */
export interface Custody {
  pid: number;
  slot: number;
  name: string;
  holder: string;
  chain: Provenance;
}

/**
 * Provenance (seed 003 S1): how a cap came to its holder, oldest step first, each with the kernel's ledger record
 * it stands on; a click on a step shows the session at that record (time travel, as a ledger row does).
 */
export function CustodyView({ custody, onClose }: { custody: Custody; onClose: () => void }) {
  const { asked } = useTravelAsk();
  const { chain } = custody;
  const ref = useRef<HTMLElement>(null);
  // Opened from a row far down the cap table: bring the chain into view, or the click would seem to do nothing.
  // (A block body: Chromium's scrollIntoView now returns a promise, which React would take for a cleanup.)
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
  }, [custody]);
  return (
    <section ref={ref} className="custody" data-testid="custody" aria-label={`Chain of custody of @${custody.name}`}>
      <h4>
        chain of custody: @{custody.name} <span className="muted">in {custody.holder}</span>
      </h4>
      <p className="muted">
        From the kernel&apos;s grant and mask records, oldest first, as of record #{chain.head}. A step shows the session at its record.
      </p>
      <ol className="custody-steps">
        {chain.steps.map((s) => (
          <li key={`${s.seq}:${s.how}`}>
            <button
              type="button"
              className="custody-step"
              data-testid="custody-step"
              data-seq={s.seq}
              data-how={s.how}
              aria-current={asked === s.seq ? 'step' : undefined}
              onClick={() => travelTo(s.seq, 'forward')}
            >
              <span className="seq">#{s.seq}</span> <b className={`how how-${s.how}`}>{s.how}</b> {s.detail}
              {s.inferred && <em> (minted from the cap above: inferred, the record does not name it)</em>}
            </button>
          </li>
        ))}
      </ol>
      {chain.problem && <p className="alarm">The chain stops: {chain.problem}</p>}
      <button type="button" className="custody-close" onClick={onClose}>
        close
      </button>
    </section>
  );
}
