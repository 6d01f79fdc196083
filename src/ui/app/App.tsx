import { useCallback, useEffect } from 'react';
import type { ExecResult } from '../../kernel/host-api';
import { appStore, useApp } from '../../store/store';
import { EnergyPanel } from '../energy/EnergyPanel';
import { GraphPanel } from '../graph/GraphPanel';
import { InspectorPanel } from '../inspector/InspectorPanel';
import { LedgerPanel } from '../ledger/LedgerPanel';
import { TerminalPanel } from '../terminal/TerminalPanel';
import { TopBar } from './TopBar';
import { VerdictBanner } from './VerdictBanner';
import { LearnTabs } from '../learn/LearnTabs';
import { Timeline } from '../timeline/Timeline';
import { downloadText } from '../download';
import { plainText } from '../terminal/sanitize';
import './app.css';

const BANNER = 'capplay: a capability-secured world in your browser. Type "help" to begin, "ps" to see who runs.\n';

function kernelOrThrow() {
  const k = appStore.getState().kernel;
  if (!k) throw new Error('the kernel is not running');
  return k;
}

export function App() {
  const status = useApp((s) => s.status);
  const problem = useApp((s) => s.problem);
  const scenarioErrors = useApp((s) => s.scenarioErrors);
  const exec = useCallback(async (line: string): Promise<ExecResult> => {
    const r = await kernelOrThrow().exec(line);
    if (r.download) downloadText(r.download.name, r.download.text);
    return r;
  }, []);
  const complete = useCallback((line: string, cursor: number) => kernelOrThrow().complete(line, cursor), []);
  // Fire-and-forget: a dead worker is reported by the kernel client's banner, not as an unhandled rejection.
  const input = useCallback((line: string) => void kernelOrThrow().input(line).catch(() => {}), []);
  const interrupt = useCallback(() => void kernelOrThrow().interrupt().catch(() => {}), []);
  const consoleFeed = useApp((s) => s.console);
  const notice = useApp((s) => s.notice);
  const presenter = useApp((s) => s.presenter);

  // Presenter mode: Ctrl+Alt+P anywhere (the terminal included) switches it.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey && e.altKey && e.key.toLowerCase() === 'p') {
        e.preventDefault();
        appStore.setState({ presenter: !appStore.getState().presenter });
      }
    };
    addEventListener('keydown', onKey, true);
    return () => removeEventListener('keydown', onKey, true);
  }, []);

  return (
    <div className={presenter ? 'app presenter' : 'app'} data-presenter={presenter ? 'true' : 'false'}>
      <TopBar />
      {problem && (
        <div className="banner" role="alert" data-testid={status === 'not-isolated' ? 'isolation-banner' : status === 'recovering' ? 'recovery-banner' : 'error-banner'}>
          {plainText(problem)}
        </div>
      )}
      {notice && !problem && (
        <div className="banner notice" role="status" data-testid="notice">
          <button type="button" className="dismiss" aria-label="Dismiss" onClick={() => appStore.setState({ notice: '' })}>
            ×
          </button>
          {plainText(notice)}
        </div>
      )}
      {scenarioErrors && (
        <div className="banner" role="alert" data-testid="scenario-errors">
          <button type="button" className="dismiss" aria-label="Dismiss" onClick={() => appStore.setState({ scenarioErrors: null })}>
            ×
          </button>
          <strong>{plainText(scenarioErrors.file)} was not loaded</strong>; the running world is unchanged.
          <ul>
            {scenarioErrors.errors.slice(0, 20).map((e, i) => (
              <li key={i}>{plainText(e)}</li>
            ))}
            {scenarioErrors.errors.length > 20 && <li>…and {scenarioErrors.errors.length - 20} more</li>}
          </ul>
        </div>
      )}
      <VerdictBanner />
      <Timeline />
      <main className="panels">
        <TerminalPanel exec={exec} complete={complete} input={input} interrupt={interrupt} console={consoleFeed} ready={status === 'ready'} banner={BANNER} />
        <GraphPanel />
        <div className="right-column">
          <InspectorPanel />
          <LearnTabs />
        </div>
        <LedgerPanel />
        <EnergyPanel />
      </main>
    </div>
  );
}
