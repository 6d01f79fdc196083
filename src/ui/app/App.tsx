import { useEffect } from 'react';
import { appStore, useApp, type AppState } from '../../store/store';
import { kernelClient } from '../../client/instance';
import { ShellTerminal } from '../terminal/ShellTerminal';
import { TopBar } from './TopBar';
import { VerdictBanner } from './VerdictBanner';
import { Timeline } from '../timeline/Timeline';
import { Workspace } from './Workspace';
import { escapeClaimed } from './escape';
import { SessionOffers } from './SessionOffers';
import { StartHere } from './StartHere';
import { plainText } from '../../text/sanitize';
import './app.css';

const BANNER = 'capplay: a capability-secured world in your browser. Type "help" to begin, "ps" to see who runs.\n';

/** Virtual ms as a person reads a span: "12.3 s", "4 min 10 s", "3 h 5 min", "6 days 2 h". */
function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const [m, h, d] = [Math.floor(s / 60), Math.floor(s / 3600), Math.floor(s / 86400)];
  if (s < 3600) return `${m} min ${Math.floor(s % 60)} s`;
  if (s < 86400) return `${h} h ${m % 60} min`;
  return `${d} day${d === 1 ? '' : 's'} ${h % 24} h`;
}

/** A replay under way: what it is, how far it has come, and a Stop that keeps the world shown as it was. */
function ReplayBanner({ replay }: { replay: NonNullable<AppState['replay']> }) {
  const p = replay.progress;
  const share = p && p.totalTicks > 0 ? Math.min(1, p.ticks / p.totalTicks) : 0;
  return (
    <div className="banner notice replay" role="status" data-testid="replay-banner">
      <span>
        {replay.label}: replaying{' '}
        {p
          ? `${Math.floor(share * 100)}% (${p.commands.toLocaleString('en')} of ${p.totalCommands.toLocaleString('en')} commands, ${duration(p.ticks)} of ${duration(p.totalTicks)} of virtual time)`
          : '…'}
      </span>
      <progress max={1} value={share} aria-label="Replay progress" />
      <button type="button" className="button" data-testid="replay-stop" onClick={replay.stop}>
        Stop
      </button>
    </div>
  );
}

export function App() {
  const status = useApp((s) => s.status);
  const problem = useApp((s) => s.problem);
  const scenarioErrors = useApp((s) => s.scenarioErrors);
  const notice = useApp((s) => s.notice);
  const presenter = useApp((s) => s.presenter);
  const replay = useApp((s) => s.replay);
  const storage = useApp((s) => s.storage);
  const ownership = useApp((s) => s.ownership);

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

  // Esc lets go of the picked node, unless a field, a menu, a dialog or the terminal has the key.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || !appStore.getState().selected || escapeClaimed(e)) return;
      if ((e.target as Element | null)?.closest?.('.xterm')) return; // the terminal's (a program may want it)
      appStore.getState().select(null);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className={presenter ? 'app presenter' : 'app'} data-presenter={presenter ? 'true' : 'false'}>
      <TopBar />
      {problem && (
        <div
          className="banner"
          role="alert"
          data-testid={status === 'not-isolated' ? 'isolation-banner' : status === 'recovering' ? 'recovery-banner' : 'error-banner'}
        >
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
      {replay && <ReplayBanner replay={replay} />}
      {storage && (
        <div className="banner warn" role="alert" data-testid="storage-banner">
          {storage}
        </div>
      )}
      {ownership !== 'owner' && status !== 'not-isolated' && (
        <div className="banner warn" role="status" data-testid="owner-banner">
          {ownership === 'other-tab'
            ? 'This playground is open in another tab, which keeps the saved session: what you do in this tab is not saved. '
            : ownership === 'taken-over'
              ? 'Another tab took over keeping the session: what you do in this tab is no longer saved. '
              : 'The tab that kept the session has closed: what you do in this tab is not saved until you choose to keep it. '}
          <button type="button" className="button" data-testid="keep-this-tab" onClick={() => void kernelClient.keepThisTab()}>
            Keep this tab’s session instead
          </button>
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
      <SessionOffers />
      <StartHere />
      <Workspace terminal={<ShellTerminal banner={BANNER} />} />
    </div>
  );
}
