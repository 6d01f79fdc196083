import { useRef } from 'react';
import { BUILT_IN_SCENARIOS } from '../../content/scenarios';
import { ShareMenu } from '../share/ShareMenu';
import { appStore, loadScenario, useApp } from '../../store/store';
import { useFrameValue, useLiveText } from '../../store/useFrame';
import { Pace } from './pace';
import { DefensesMenu } from './DefensesMenu';
import { FileButton } from '../FileButton';
import { runControl as run } from './controls';
import { askReset } from './sessionActions';
import { ThemeToggle } from '../theme/ThemeToggle';

const MAX_FILE_BYTES = 1 << 20;

async function openFile(input: HTMLInputElement) {
  const file = input.files?.[0];
  input.value = ''; // picking the same file again still fires change
  if (!file) return;
  if (file.size > MAX_FILE_BYTES) {
    appStore.setState({ scenarioErrors: { file: file.name, errors: [`the file is ${file.size} bytes; the limit is ${MAX_FILE_BYTES}`] } });
    return;
  }
  try {
    await loadScenario(await file.text(), file.name);
  } catch (e) {
    appStore.setState({
      scenarioErrors: { file: file.name, errors: [`could not read it: ${e instanceof Error ? e.message : String(e)}`] },
    });
  }
}

const SPEEDS = [0.25, 0.5, 1, 2, 5, 10];

export function TopBar() {
  const status = useApp((s) => s.status);
  const scenario = useFrameValue((f, s) => s.get(f.scenarioName), '');
  const running = useFrameValue((f) => f.running, true);
  const speed = useFrameValue((f) => f.speed, 1);
  const time = useRef<HTMLSpanElement>(null);
  useLiveText(time, (f) => `${(f.time / 1000).toFixed(3)} s`);
  const lag = useRef<HTMLSpanElement>(null);
  const pace = useRef(new Pace());
  useLiveText(lag, (f) => pace.current.text(f.time, f.running ? f.speed : 0, performance.now()));
  const ready = status === 'ready';
  const presenter = useApp((s) => s.presenter);

  return (
    <header className="topbar">
      <h1>
        capplay <span className="muted">capability playground</span>
      </h1>
      <span className="scenario" data-testid="scenario-name" title={scenario ? `Scenario: ${scenario}` : 'Scenario'}>
        {scenario || '—'}
      </span>
      <select
        className="button"
        aria-label="Open a built-in scenario"
        data-testid="scenario-picker"
        disabled={!ready}
        value=""
        onChange={(e) => {
          const pick = BUILT_IN_SCENARIOS.find((x) => x.id === e.target.value);
          if (pick) void loadScenario(pick.text, pick.name);
        }}
      >
        <option value="">Scenarios…</option>
        {BUILT_IN_SCENARIOS.map((x) => (
          <option key={x.id} value={x.id}>
            {x.name}
          </option>
        ))}
      </select>
      <FileButton
        className="button"
        accept=".json,application/json"
        disabled={!ready}
        title="Boot a scenario file (a system policy file, JSON)"
        testId="scenario-file"
        onFile={(input) => void openFile(input)}
      >
        Load…
      </FileButton>
      <button type="button" className="button" disabled={!ready} onClick={() => void askReset()} title="Boot the default scenario again">
        Reset
      </button>
      <ShareMenu />
      <button
        type="button"
        className="button"
        data-testid="presenter-toggle"
        aria-pressed={presenter}
        title="Presenter mode: large type, high contrast, fewer panels (Ctrl+Alt+P)"
        onClick={() => appStore.setState({ presenter: !presenter })}
      >
        Present
      </button>
      <ThemeToggle />
      <DefensesMenu ready={ready} />
      <div className="clock" role="group" aria-label="Virtual clock">
        <button type="button" disabled={!ready} onClick={() => run(running ? 'clock pause' : 'clock run')} aria-pressed={!running}>
          {running ? '❚❚ Pause' : '▶ Run'}
        </button>
        <button type="button" disabled={!ready} onClick={() => run('clock step 1')} title="Advance one tick (1 ms of virtual time)">
          Step
        </button>
        <label>
          <select
            disabled={!ready}
            value={SPEEDS.includes(speed) ? speed : ''}
            onChange={(e) => run(`clock speed ${e.target.value}`)}
            aria-label="Clock speed"
          >
            {!SPEEDS.includes(speed) && <option value="">×{speed}</option>}
            {SPEEDS.map((x) => (
              <option key={x} value={x}>
                ×{x}
              </option>
            ))}
          </select>
        </label>
        <span className="vtime" data-testid="vtime" ref={time} aria-label="Virtual time" />
        <span
          className="pace"
          data-testid="pace"
          ref={lag}
          title="The world is too heavy to keep up with its clock speed: the scheduler runs it in slices so the page and shell stay responsive"
        />
      </div>
      <span
        className={`isolation ${globalThis.crossOriginIsolated ? 'ok' : 'bad'}`}
        title="SharedArrayBuffer needs a cross-origin-isolated page"
      >
        {globalThis.crossOriginIsolated ? 'isolated' : 'not isolated'}
      </span>
    </header>
  );
}
