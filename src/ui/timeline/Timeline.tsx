import type { TravelState } from '../../kernel/host-api';
import { appStore, useApp } from '../../store/store';
import { useFrameValue } from '../../store/useFrame';
import { travelTo, useTravelAsk } from './travel';
import './timeline.css';

/**
 * Time travel over ledger sequence numbers. Moving the scrubber replays the session (scenario + seed + command
 * log, deterministic) up to that record in the worker and shows its graph, energy and ledger; the live session
 * waits, parked. "Live" goes back to it; "resume from here" forks the session at the record shown. A click on a
 * ledger row travels the same way (travel.ts).
 */
export function Timeline() {
  const kernel = useApp((s) => s.kernel);
  const travel = useApp((s) => s.travel);
  const head = useFrameValue((f) => f.ledgerHead, 0);
  const { pending } = useTravelAsk();

  const total = travel?.total ?? head;
  const shown = pending ?? travel?.seq ?? head;
  const go = (seq: number, direction: 'back' | 'forward' = 'back') => travelTo(Math.max(1, Math.min(total, seq)), direction);
  const settle = (p: Promise<TravelState> | undefined) =>
    p?.then(
      (t) => appStore.setState({ travel: t.traveling ? t : null }),
      () => {},
    );

  return (
    <section
      className={`timeline${travel ? ' is-traveling' : ''}`}
      data-testid="timeline"
      aria-label="Timeline"
      data-seq={shown}
      data-total={total}
      data-traveling={travel ? 'true' : 'false'}
    >
      <button
        type="button"
        className="button"
        aria-label="Step back one record"
        disabled={!kernel || shown <= 1}
        onClick={() => go(shown - 1)}
      >
        ◀
      </button>
      <input
        type="range"
        aria-label="Ledger record to show"
        min={1}
        max={Math.max(1, total)}
        value={Math.max(1, shown)}
        disabled={!kernel || total < 2}
        onChange={(e) => go(Number(e.target.value))}
      />
      <button
        type="button"
        className="button"
        aria-label="Step forward one record"
        disabled={!kernel || !travel || shown >= total}
        onClick={() => go(shown + 1, 'forward')}
      >
        ▶
      </button>
      <span className="where">
        {travel ? (
          <>
            <b>past</b>: record {travel.seq} of {travel.total}
          </>
        ) : (
          <>live · {head} records</>
        )}
      </span>
      {travel && (
        <>
          <button type="button" className="button" onClick={() => settle(kernel?.travelEnd())}>
            back to live
          </button>
          <button
            type="button"
            className="button"
            title="Fork: the state shown becomes the live session; what came after it is dropped"
            onClick={() => settle(kernel?.travelFork())}
          >
            resume from here
          </button>
        </>
      )}
    </section>
  );
}
