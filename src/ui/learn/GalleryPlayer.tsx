import { useEffect, useState } from 'react';
import { GALLERY, stepLines, scenarioText, type GalleryMode } from '../../content/gallery/entries';
import { appStore, loadScenario, typeLines, useApp } from '../../store/store';
import { verdictOutcome, type VerdictOutcome } from '../../kernel/sab/layout';
import { plainText } from '../../text/sanitize';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the terminal has typed everything it was given. */
async function typed(): Promise<void> {
  while (appStore.getState().scriptBusy) await pause(50);
}

/** The newest verdict the kernel has recorded in the running world, if any. */
function newestVerdict(): { outcome: VerdictOutcome; text: string } | null {
  const entries = appStore.getState().ledger?.entries ?? [];
  for (let i = entries.length - 1; i >= 0; i--)
    if (entries[i].kind === 'verdict') return { outcome: verdictOutcome(entries[i]) ?? 'info', text: plainText(entries[i].detail) };
  return null;
}

const MARK: Record<VerdictOutcome, string> = { held: '✓', breach: '⚠', info: 'ℹ' };

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
  const [compared, setCompared] = useState<{ mode: GalleryMode; verdict: ReturnType<typeof newestVerdict> }[] | null>(null);
  const [comparing, setComparing] = useState(false);
  const busy = useApp((s) => s.scriptBusy);
  const entry = GALLERY.find((e) => e.id === id) ?? GALLERY[0];

  const start = async (e = entry) => {
    if (!(await loadScenario(scenarioText(e.scenario), e.title))) return;
    setStep(0);
    if (e.defense) typeLines([`defense ${e.defense} ${mode}`]);
  };

  /** Play the whole entry with the defense on, then again with it off, and keep both verdicts side by side. */
  const compare = async () => {
    setComparing(true);
    setCompared([]);
    try {
      for (const m of ['on', 'off'] as const) {
        setMode(m);
        if (!(await loadScenario(scenarioText(entry.scenario), entry.title))) return;
        setStep(0);
        if (entry.defense) typeLines([`defense ${entry.defense} ${m}`]);
        await typed();
        for (let i = 0; i < entry.steps.length; i++) {
          typeLines(stepLines(entry.steps[i], m));
          setStep(i + 1);
          await typed();
          // The step's virtual wait, at the clock's speed, and a little for the verdict to reach the page.
          await pause(Math.min(5000, (entry.steps[i].wait ?? 0) / Math.max(0.25, appStore.getState().frames?.frame.speed ?? 1)) + 400);
        }
        const verdict = newestVerdict();
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
          onChange={(e) => {
            setId(e.target.value);
            setStep(null);
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
            <input type="radio" name="gallery-mode" data-testid={`gallery-mode-${m}`} checked={mode === m} onChange={() => setMode(m)} />
            {entry.defense ? `${m === 'on' ? 'defense on' : 'defense off'}` : m === 'on' ? 'capability variant' : 'vulnerable variant'}
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
              <b>{entry.defense ? `defense ${c.mode}` : c.mode === 'on' ? 'capability variant' : 'vulnerable variant'}:</b>{' '}
              {c.verdict ? `${MARK[c.verdict.outcome]} ${c.verdict.text}` : 'no verdict'}
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
