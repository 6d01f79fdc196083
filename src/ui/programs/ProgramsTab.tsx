import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ProgramCheck, ProgramRunView, UserProgramView } from '../../kernel/host-api';
import { sanitize } from '../../text/sanitize';
import { typeLines, useApp } from '../../store/store';
import { useFrameValue } from '../../store/useFrame';
import { PROGRAM_TEMPLATE } from './sysApi';
import './programs.css';

/** CodeMirror loads only when the tab is first shown: it is not part of the page's initial JavaScript. */
const Editor = lazy(() => import('./Editor'));

interface Draft {
  name: string;
  source: string;
  summary: string;
  run: string;
  /** Changed here since it was the world's (or never in it): a new world's version does not replace it. */
  edited: boolean;
}

/**
 * What is being edited, kept while the tab is not shown (the tab body unmounts): one draft per program name,
 * and which one is open. Only Run puts a draft in the world (and so in the session).
 */
const drafts = createStore<{ open: string | null; drafts: Record<string, Draft>; fresh: number }>(() => ({
  open: null,
  drafts: {},
  fresh: 0,
}));

const draftOf = (p: UserProgramView): Draft => ({ name: p.name, source: p.source, summary: p.summary, run: p.run, edited: false });

/**
 * The world's programs were read (a boot, a restore, time travel, a Run): drafts nobody edited follow the world
 * (a program it no longer has goes); edited ones stay as they are.
 */
function followWorld(list: UserProgramView[]): void {
  const s = drafts.getState();
  const next: Record<string, Draft> = {};
  for (const [name, d] of Object.entries(s.drafts)) if (d.edited) next[name] = d;
  for (const p of list) next[p.name] ??= draftOf(p);
  const was = s.open ? s.drafts[s.open] : undefined;
  const open = s.open && next[s.open] ? s.open : (list[0]?.name ?? null);
  const now = open ? next[open] : undefined;
  // The open program's text changed under the editor: make the editor anew with it.
  const fresh = open !== s.open || was?.source !== now?.source ? s.fresh + 1 : s.fresh;
  drafts.setState({ drafts: next, open, fresh });
}

/** The Programs tab: the world's user programs, an editor, Run, and the latest run's output and end. */
export function ProgramsTab() {
  const kernel = useApp((s) => s.kernel);
  const traveling = useApp((s) => s.travel?.traveling ?? false);
  const gen = useFrameValue((f) => f.scenarioGen, 0);
  const { open, drafts: all } = useStore(drafts);
  const [programs, setPrograms] = useState<UserProgramView[] | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [error, setError] = useState('');
  const [syntax, setSyntax] = useState<ProgramCheck | null>(null);

  useEffect(() => {
    if (!kernel) return;
    let live = true;
    kernel.programs().then(
      (list) => {
        if (!live) return;
        setPrograms(list);
        followWorld(list);
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [kernel, gen, refresh]);

  const draft = open ? all[open] : undefined;
  const update = useCallback((change: Partial<Draft>) => {
    const s = drafts.getState();
    if (!s.open || !s.drafts[s.open]) return;
    drafts.setState({ drafts: { ...s.drafts, [s.open]: { ...s.drafts[s.open], ...change, edited: true } } });
  }, []);

  const newProgram = () => {
    const s = drafts.getState();
    const taken = new Set([...Object.keys(s.drafts), ...(programs ?? []).map((p) => p.name)]);
    let n = 1;
    while (taken.has(`program-${n}`)) n++;
    const name = `program-${n}`;
    drafts.setState({
      open: name,
      fresh: s.fresh + 1,
      drafts: {
        ...s.drafts,
        [name]: { name, source: PROGRAM_TEMPLATE, summary: 'my program', run: `run "${name}" with { stdio: client @stdio }`, edited: true },
      },
    });
    setError('');
  };

  const run = async () => {
    if (!kernel || !draft) return;
    setError('');
    const r = await kernel.defineProgram({ name: draft.name, source: draft.source, summary: draft.summary, run: draft.run });
    if (!r.ok) return setError(r.error);
    // It is the world's now (under its name, if it was renamed in the form).
    const s = drafts.getState();
    const next = { ...s.drafts, [draft.name]: { ...draft, edited: false } };
    if (open && open !== draft.name && !inWorld.has(open)) delete next[open]; // a new one, renamed before its first Run
    drafts.setState({ open: draft.name, drafts: next });
    setRefresh((n) => n + 1);
    typeLines([draft.run]);
  };

  const inWorld = new Set((programs ?? []).map((p) => p.name));
  const names = [...new Set([...(programs ?? []).map((p) => p.name), ...Object.keys(all)])].sort();
  return (
    <section className="programs" aria-label="Programs" data-testid="programs">
      <div className="programs-bar">
        <label>
          Program{' '}
          <select
            value={open ?? ''}
            data-testid="program-pick"
            onChange={(e) => {
              drafts.setState({ open: e.target.value });
              setError('');
              setSyntax(null);
            }}
          >
            {names.length === 0 && <option value="">(none yet)</option>}
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
                {inWorld.has(n) ? '' : ' (not run yet)'}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button" data-testid="program-new" onClick={newProgram}>
          New program
        </button>
      </div>
      {!draft ? (
        <p className="muted">This world has no user programs yet. “New program” starts one from a template.</p>
      ) : (
        <>
          <div className="programs-fields">
            <label>
              Name{' '}
              <input
                value={draft.name}
                data-testid="program-name"
                spellCheck={false}
                maxLength={32}
                onChange={(e) => update({ name: e.target.value })}
              />
            </label>
            <label className="grow">
              Summary{' '}
              <input
                value={draft.summary}
                data-testid="program-summary"
                maxLength={200}
                onChange={(e) => update({ summary: e.target.value })}
              />
            </label>
          </div>
          <div className="program-editor-box">
            <Suspense fallback={<p className="muted">Loading the editor…</p>}>
              <Editor
                docKey={`${open}:${drafts.getState().fresh}`}
                initial={draft.source}
                onChange={(source) => update({ source })}
                check={(source) => kernel!.checkProgram(source)}
                onChecked={(r) => setSyntax(r)}
              />
            </Suspense>
          </div>
          <p className={`program-syntax ${syntax && !syntax.ok ? 'bad' : ''}`} data-testid="program-syntax" aria-live="polite">
            {syntax === null
              ? 'Checking with the sandbox engine as you type…'
              : syntax.ok
                ? 'Compiles (checked by the sandbox engine, QuickJS).'
                : `Syntax error at line ${syntax.line}:${syntax.column}: ${sanitize(syntax.message)}`}
          </p>
          <div className="programs-run">
            <label className="grow">
              Run line{' '}
              <input
                value={draft.run}
                data-testid="program-run-line"
                spellCheck={false}
                maxLength={400}
                onChange={(e) => update({ run: e.target.value })}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') void run();
                }}
              />
            </label>
            <button
              type="button"
              className="button primary"
              data-testid="program-run"
              disabled={!kernel || traveling}
              title={
                traveling
                  ? 'Go back to live (or resume from here) to run a program'
                  : 'Define the program in the world, then type the run line'
              }
              onClick={() => void run()}
            >
              Run
            </button>
          </div>
          {error && (
            <p className="program-error" role="alert" data-testid="program-error">
              Not defined: {sanitize(error)}
            </p>
          )}
          {inWorld.has(draft.name) && <LatestRun name={draft.name} />}
        </>
      )}
    </section>
  );
}

/**
 * The program's latest run as the kernel recorded it: its output and its end (exit code and reason, the exit or
 * kill record). Re-read at most four times a second while the world changes (process table, console), never per
 * frame through React.
 */
function LatestRun({ name }: { name: string }) {
  const kernel = useApp((s) => s.kernel);
  const frames = useApp((s) => s.frames);
  const [run, setRun] = useState<ProgramRunView | null>(null);
  const shown = useRef('');
  useEffect(() => {
    if (!kernel || !frames) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let seen = '';
    const read = () => {
      timer = null;
      kernel.programRun(name).then(
        (r) => {
          const text = JSON.stringify(r);
          if (live && text !== shown.current) {
            shown.current = text;
            setRun(r);
          }
        },
        () => {},
      );
    };
    read();
    const stop = frames.subscribe((f) => {
      const key = `${f.scenarioGen}:${f.topology}:${f.consoleHead}:${f.ledgerHead}`;
      if (key === seen) return;
      seen = key;
      timer ??= setTimeout(read, 250);
    });
    return () => {
      live = false;
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [kernel, frames, name]);
  if (!run) return <p className="muted program-run-none">Not run yet in this world.</p>;
  return (
    <div className="program-latest" data-testid="program-latest">
      <h3>
        Latest run: {sanitize(run.name)} (pid {run.pid}){' '}
        {/* Its own exit code, in no verdict's colour: exit 0 may be a breach won, or a refusal read and reported. */}
        <span className={run.end ? '' : 'muted'} data-testid="program-fate">
          {run.end ? `exit ${run.end.code}` : 'running'}
        </span>
      </h3>
      {run.end && (
        <p className="program-reason" data-testid="program-reason">
          {sanitize(run.end.reason)} <span className="muted">(ledger #{run.end.seq})</span>
        </p>
      )}
      {run.verdicts.length > 0 && (
        <ul className="program-verdicts" data-testid="program-verdicts" aria-label="The kernel's verdicts while it ran">
          {run.verdicts.map((v) => (
            <li key={v.seq} className={v.outcome === 'breach' ? 'bad' : v.outcome === 'held' ? 'ok' : ''}>
              <strong>{v.outcome === 'breach' ? 'Breach' : v.outcome === 'held' ? 'Held' : 'Note'}:</strong> {sanitize(v.detail)}{' '}
              <span className="muted">(ledger #{v.seq})</span>
            </li>
          ))}
        </ul>
      )}
      <pre className="program-output" data-testid="program-output" tabIndex={0} aria-label="What it printed">
        {run.cut > 0 && `… ${run.cut} earlier lines\n`}
        {run.lines.length ? run.lines.map((l) => sanitize(l.text)).join('\n') : '(it printed nothing)'}
      </pre>
    </div>
  );
}
