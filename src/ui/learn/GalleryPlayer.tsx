import { useEffect, useState } from 'react';
import { GALLERY, stepLines, scenarioText, type GalleryMode } from '../../content/gallery/entries';
import { loadScenario, typeLines, useApp } from '../../store/store';

/**
 * The attack gallery, played at human pace: pick an attack and whether its defense is on, then step through it.
 * Each step shows its narration, and "Run step" has the terminal type its lines; the verdict banner ends it.
 * PageDown (or Ctrl+Alt+N) runs the next step, for presenters. `entry` picks the attack it starts on (the embed's).
 */
export function GalleryPlayer({ entry: first }: { entry?: string }) {
  const [id, setId] = useState(first ?? GALLERY[0].id);
  const [mode, setMode] = useState<GalleryMode>('on');
  const [step, setStep] = useState<number | null>(null);
  const busy = useApp((s) => s.scriptBusy);
  const entry = GALLERY.find((e) => e.id === id) ?? GALLERY[0];

  const start = async () => {
    if (!(await loadScenario(scenarioText(entry.scenario), entry.title))) return;
    setStep(0);
    if (entry.defense) typeLines([`defense ${entry.defense} ${mode}`]);
  };

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
        <button type="button" className="button" data-testid="gallery-play" onClick={() => void start()}>
          {step === null ? 'Play' : 'Restart'}
        </button>
      </div>
      {shown !== null && (
        <div className="gallery-step" data-testid="gallery-narration" data-step={shown + 1}>
          <div className="muted">
            step {Math.min(step! + (finished ? 0 : 1), entry.steps.length)} of {entry.steps.length}
            {finished ? ' · done' : ''}
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
          {finished ? (
            <p className="gallery-done" data-testid="gallery-done">
              Played {mode === 'on' ? 'with the defense on' : 'with the defense off'}: the verdict banner above has the outcome.
            </p>
          ) : (
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
      )}
    </div>
  );
}
