import { useRef } from 'react';
import { appStore, useApp } from '../../store/store';
import { useFrameValue, useLiveText } from '../../store/useFrame';

const SPEEDS = [0.25, 0.5, 1, 2, 5, 10];

/** Clock controls go through the shell's own `clock` command, so they land in the command log like typed ones. */
function run(line: string) {
  const kernel = appStore.getState().kernel;
  kernel?.exec(line).catch(() => {});
}

export function TopBar() {
  const status = useApp((s) => s.status);
  const scenario = useFrameValue((f, s) => s.get(f.scenarioName), '');
  const running = useFrameValue((f) => f.running, true);
  const speed = useFrameValue((f) => f.speed, 1);
  const time = useRef<HTMLSpanElement>(null);
  useLiveText(time, (f) => `${(f.time / 1000).toFixed(3)} s`);
  const ready = status === 'ready';

  return (
    <header className="topbar">
      <h1>
        capplay <span className="muted">capability playground</span>
      </h1>
      <span className="scenario" data-testid="scenario-name" title="Scenario">
        {scenario || '—'}
      </span>
      <div className="clock" role="group" aria-label="Virtual clock">
        <button type="button" disabled={!ready} onClick={() => run(running ? 'clock pause' : 'clock run')} aria-pressed={!running}>
          {running ? '❚❚ Pause' : '▶ Run'}
        </button>
        <button type="button" disabled={!ready} onClick={() => run('clock step 1')} title="Advance one tick (1 ms of virtual time)">
          Step
        </button>
        <label>
          speed{' '}
          <select disabled={!ready} value={SPEEDS.includes(speed) ? speed : ''} onChange={(e) => run(`clock speed ${e.target.value}`)} aria-label="Clock speed">
            {!SPEEDS.includes(speed) && <option value="">×{speed}</option>}
            {SPEEDS.map((x) => (
              <option key={x} value={x}>
                ×{x}
              </option>
            ))}
          </select>
        </label>
        <span className="vtime" data-testid="vtime" ref={time} aria-label="Virtual time" />
      </div>
      <span className={`isolation ${globalThis.crossOriginIsolated ? 'ok' : 'bad'}`} title="SharedArrayBuffer needs a cross-origin-isolated page">
        {globalThis.crossOriginIsolated ? 'isolated' : 'not isolated'}
      </span>
    </header>
  );
}
