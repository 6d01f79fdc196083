import { useEffect, useState } from 'react';
import { GALLERY, stepLines, scenarioText, type GalleryMode } from '../../content/gallery/entries';
import { appStore, loadScenario, typeLines, useApp } from '../../store/store';
import { verdictOutcome, type VerdictOutcome } from '../../kernel/sab/layout';
import { plainText } from '../../text/sanitize';
import { OUTCOME_MARK } from '../app/VerdictBanner';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the terminal has typed everything it was given. */
async function typed(): Promise<void> {
  while (appStore.getState().scriptBusy) await pause(50);
}

type Verdict = { outcome: VerdictOutcome; text: string };

/**
 * The newest verdict of the running world newer than `after`, asked of the worker (the page's feed lags, and
 * stops in a background tab): its whole text, its outcome field. Polled until one comes, for `patience` ms.
 */
async function verdictAfter(after: number, patience: number): Promise<Verdict | null> {
  const kernel = appStore.getState().kernel;
  for (const until = Date.now() + patience; kernel; await pause(200)) {
    const seq = (await kernel.ledgerFind('verdict')).at(-1) ?? 0;
    if (seq > after) {
      const [e] = await kernel.ledgerPage(seq, 1);
      if (e) return { outcome: verdictOutcome(e) ?? 'info', text: plainText(e.detail) };
    }
    if (Date.now() > until) break;
  }
  return null;
}

/** The newest verdict's seq in the running world (0: none). */
const lastVerdictSeq = async () => (await appStore.getState().kernel?.ledgerFind('verdict'))?.at(-1) ?? 0;

/** What a mode is called: the defense on or off, or (with no toggle) the capability or vulnerable variant. */
const modeName = (defense: string | null, m: GalleryMode) =>
  defense ? `defense ${m}` : m === 'on' ? 'capability variant' : 'vulnerable variant';

/**
 * The attack gallery, played at human pace: pick an attack and whether its defense is on, then step through it.
 * Each step shows its narration, and "Run step" has the terminal type its lines; the verdict banner ends it.
 * PageDown (or Ctrl+Alt+N) runs the next step, for presenters. `entry` picks the attack it starts on (the embed's).
 */
export function GalleryPlayer({ entry: first }: { entry?: string }) {
  const [id, setId] = useState(first ?? GALLERY[0].id);
  const [mode, setMode] = useState<GalleryMode>('on');
  const [step, setStep] = useState<number | null>(null);
  /** The on-then-off comparison: each run's verdict, as the kernel recorded it. */
  const [compared, setCompared] = useState<{ mode: GalleryMode; verdict: Verdict | null }[] | null>(null);
  const [comparing, setComparing] = useState(false);
  const busy = useApp((s) => s.scriptBusy);
  const entry = GALLERY.find((e) => e.id === id) ?? GALLERY[0];

  const start = async (e = entry, m = mode): Promise<boolean> => {
    if (!(await loadScenario(scenarioText(e.scenario), e.title))) return false;
    setStep(0);
    if (e.defense) typeLines([`defense ${e.defense} ${m}`]);
    return true;
  };

  /** Play the whole entry with the defense on, then again with it off, and keep both verdicts side by side. */
  const compare = async () => {
    setComparing(true);
    setCompared([]);
    try {
      for (const m of ['on', 'off'] as const) {
        setMode(m);
        if (!(await start(entry, m))) return;
        const before = await lastVerdictSeq(); // the new world's: a verdict after it is this run's
        await typed();
        for (let i = 0; i < entry.steps.length; i++) {
          typeLines(stepLines(entry.steps[i], m));
          setStep(i + 1);
          await typed();
          // The step's virtual wait, at the clock's speed, and a little for the verdict to reach the page.
          await pause(Math.min(5000, (entry.steps[i].wait ?? 0) / Math.max(0.25, appStore.getState().frames?.frame.speed ?? 1)) + 400);
        }
        const verdict = await verdictAfter(before, 10_000);
        setCompared((c) => [...(c ?? []), { mode: m, verdict }]);
      }
    } finally {
      setComparing(false);
    }
  };

  // An entry asked for from elsewhere (the start-here card): show it, and play it if asked to.
  const pick = useApp((s) => s.galleryPick);
  useEffect(() => {
    if (!pick) return;
    appStore.setState({ galleryPick: null });
    const e = GALLERY.find((g) => g.id === pick.id);
    if (!e) return;
    setId(e.id);
    setStep(null);
    if (pick.play) void start(e);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new request starts anything
  }, [pick]);

  const runStep = () => {
    if (step === null || step >= entry.steps.length || busy) return;
    typeLines(stepLines(entry.steps[step], mode));
    setStep(step + 1);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // PageDown is only taken while an entry is playing with a step left: otherwise it belongs to the page
      // (the ledger, the terminal).
      const pageDown = e.key === 'PageDown' && step !== null && step < entry.steps.length;
      if (pageDown || (e.ctrlKey && e.altKey && e.key.toLowerCase() === 'n')) {
        e.preventDefault();
        runStep();
      }
    };
    addEventListener('keydown', onKey, true);
    return () => removeEventListener('keydown', onKey, true);
  });

  const shown = step === null ? null : Math.min(step, entry.steps.length - 1);
  const finished = step !== null && step >= entry.steps.length;
  return (
    <div className="gallery" data-testid="gallery">
      <label>
        attack{' '}
        <select
          data-testid="gallery-entry"
          value={id}
          disabled={comparing}
          onChange={(e) => {
            setId(e.target.value);
            setStep(null);
            setCompared(null);
          }}
        >
          {GALLERY.map((g) => (
            <option key={g.id} value={g.id}>
              {g.title}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">{entry.summary}</p>
      <div className="gallery-mode" role="radiogroup" aria-label="Defense">
        {(['on', 'off'] as const).map((m) => (
          <label key={m}>
            <input
              type="radio"
              name="gallery-mode"
              data-testid={`gallery-mode-${m}`}
              checked={mode === m}
              disabled={comparing}
              onChange={() => setMode(m)}
            />
            {modeName(entry.defense, m)}
          </label>
        ))}
        <button type="button" className="button" data-testid="gallery-play" disabled={comparing} onClick={() => void start()}>
          {step === null ? 'Play' : 'Restart'}
        </button>
        <button
          type="button"
          className="button"
          data-testid="gallery-compare"
          disabled={comparing || busy}
          title="Play the whole attack with the defense on, then off, and show both outcomes"
          onClick={() => void compare()}
        >
          {entry.defense ? 'Play on, then off' : 'Play both variants'}
        </button>
      </div>
      {compared && (
        <ul className="gallery-compare" data-testid="gallery-compared" aria-live="polite">
          {compared.map((c) => (
            <li
              key={c.mode}
              data-mode={c.mode}
              data-outcome={c.verdict?.outcome ?? 'none'}
              className={`outcome-${c.verdict?.outcome ?? 'none'}`}
            >
              <b>{modeName(entry.defense, c.mode)}:</b> {c.verdict ? `${OUTCOME_MARK[c.verdict.outcome]} ${c.verdict.text}` : 'no verdict'}
            </li>
          ))}
          {comparing && <li className="muted">playing…</li>}
        </ul>
      )}
      {shown !== null && (
        <div className="gallery-step" data-testid="gallery-narration" data-step={shown + 1}>
          {/* The step and its button first: in a short pane Run step must not fall below the fold. */}
          <div className="gallery-step-head">
            <span className="muted">
              step {Math.min(step! + (finished ? 0 : 1), entry.steps.length)} of {entry.steps.length}
              {finished ? ' · done' : ''}
            </span>
            {!finished && (
              <button
                type="button"
                className="button"
                data-testid="gallery-next"
                disabled={busy}
                onClick={runStep}
                title="PageDown or Ctrl+Alt+N"
              >
                Run step ▶
              </button>
            )}
          </div>
          <p>{entry.steps[finished ? entry.steps.length - 1 : shown].narration}</p>
          {!finished && (
            <ul className="gallery-lines">
              {stepLines(entry.steps[shown], mode).map((l, i) => (
                <li key={i}>
                  <code>{l}</code>
                </li>
              ))}
            </ul>
          )}
          {finished && (
            <p className="gallery-done" data-testid="gallery-done">
              Played {mode === 'on' ? 'with the defense on' : 'with the defense off'}: the verdict banner above has the outcome.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
