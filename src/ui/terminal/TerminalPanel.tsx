import { useEffect, useLayoutEffect, useRef } from 'react';
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { ConsoleFeed } from '../../client/consoleFeed';
import { TerminalController, type TerminalKernel } from './terminalController';
import { appStore } from '../../store/store';
import { currentTheme, onThemeChange, type Theme } from '../theme/theme';

/**
 * The terminal's colours per theme; the background matches --term-bg (app.css). The light one sets the bright
 * colours too: bold text (the prompt) is drawn in them, and xterm's defaults are pale on white.
 */
const XTERM_THEMES: Record<Theme, ITheme> = {
  dark: {
    background: '#0d1117',
    foreground: '#e6edf3',
    cursor: '#58a6ff',
    cursorAccent: '#0d1117',
    selectionBackground: '#264f78',
    black: '#484f58',
    red: '#ff7b72',
    green: '#7ee787',
    yellow: '#d29922',
    blue: '#79c0ff',
    magenta: '#d2a8ff',
    cyan: '#a5d6ff',
    white: '#e6edf3',
    brightBlack: '#8b949e',
  },
  light: {
    background: '#ffffff',
    foreground: '#1f2328',
    cursor: '#0969da',
    cursorAccent: '#ffffff',
    selectionBackground: '#b6e3ff',
    black: '#24292f',
    red: '#cf222e',
    green: '#116329',
    yellow: '#7d4e00',
    blue: '#0969da',
    magenta: '#8250df',
    cyan: '#1b7c83',
    white: '#57606a',
    brightBlack: '#57606a',
    brightRed: '#a40e26',
    brightGreen: '#1a7f37',
    brightYellow: '#633c01',
    brightBlue: '#0550ae',
    brightMagenta: '#6639ba',
    brightCyan: '#1b7c83',
    brightWhite: '#1f2328',
  },
};

const FONT = 13;
const PRESENTER_FONT = 20;

export interface TerminalPanelProps extends TerminalKernel {
  /** Program output and the foreground, from the SAB. */
  console: ConsoleFeed | null;
  ready: boolean;
  banner?: string;
}

/** The xterm and the controller driving it; StrictMode mounts twice, so this is rebuilt per mount. */
interface Mounted {
  term: Terminal;
  controller: TerminalController;
}

/**
 * The shell: an xterm (DOM renderer, so its rows can be read from `.xterm-rows`) driven by a TerminalController
 * (the line editor, commands, program output). Input is ignored until the kernel is ready.
 */
export function TerminalPanel(props: TerminalPanelProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const mountedRef = useRef<Mounted | null>(null);
  // The latest props, read by long-lived callbacks without re-creating the terminal.
  const propsRef = useRef(props);
  useLayoutEffect(() => {
    propsRef.current = props;
  });

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;

    const term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      scrollback: 5000,
      allowProposedApi: false,
      fontFamily: "ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace",
      fontSize: appStore.getState().presenter ? PRESENTER_FONT : FONT,
      theme: XTERM_THEMES[currentTheme()],
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // Not laid out yet (hidden or zero-sized): the next resize will fit it.
      }
    };
    refit();
    // Presenter mode changes the type size; the panel's size changes too, and the observer below refits.
    const unsubscribePresenter = appStore.subscribe((st, prev) => {
      if (st.presenter === prev.presenter) return;
      term.options.fontSize = st.presenter ? PRESENTER_FONT : FONT;
      requestAnimationFrame(refit);
    });

    const unsubscribeTheme = onThemeChange(() => {
      term.options.theme = XTERM_THEMES[currentTheme()];
    });

    const controller = new TerminalController(
      term,
      {
        exec: (line) => propsRef.current.exec(line),
        complete: (line, cursor) => propsRef.current.complete(line, cursor),
        input: (line) => propsRef.current.input(line),
        interrupt: () => propsRef.current.interrupt(),
      },
      { banner: propsRef.current.banner, ready: propsRef.current.ready, onScriptDone: () => appStore.setState({ scriptBusy: false }) },
    );
    const mounted: Mounted = { term, controller };
    mountedRef.current = mounted;
    const input = term.onData((data) => controller.handleData(data));

    // Scripted lines (the gallery, lessons) are typed through the editor, one at a time, as a person would.
    const unsubscribeScript = appStore.subscribe((st, prev) => {
      if (st.script && st.script !== prev.script) controller.typeLines(st.script.lines);
      // What a replay or a scenario's script ran: shown once, when it arrives.
      if (st.transcript && st.transcript !== prev.transcript) controller.showTranscript(st.transcript);
    });
    // A reload's replay can finish before the terminal is first mounted: show it then.
    const early = appStore.getState();
    if (early.transcript && early.status !== 'ready') controller.showTranscript(early.transcript);
    term.focus();

    // Refit on the next frame: resizing inside the observer callback can trigger "ResizeObserver loop" errors.
    let frame = 0;
    const observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => {
            cancelAnimationFrame(frame);
            frame = requestAnimationFrame(refit);
          });
    observer?.observe(host);

    return () => {
      unsubscribeScript();
      unsubscribePresenter();
      unsubscribeTheme();
      controller.dispose();
      cancelAnimationFrame(frame);
      observer?.disconnect();
      input.dispose();
      term.dispose();
      if (mountedRef.current === mounted) mountedRef.current = null;
    };
  }, []);

  // Program output goes above the prompt; the prompt follows the foreground program.
  useEffect(() => {
    const feed = props.console;
    const mounted = mountedRef.current;
    if (!feed || !mounted) return;
    return mounted.controller.attachConsole(feed);
  }, [props.console]);

  // First prompt once the kernel is up (also on mount when it already is).
  useEffect(() => {
    mountedRef.current?.controller.setReady(props.ready);
  }, [props.ready]);

  return (
    <section
      data-testid="terminal"
      className="panel terminal-panel"
      aria-label="Terminal"
      aria-busy={!props.ready}
      style={{ display: 'flex', flexDirection: 'column' }}
      onClick={() => mountedRef.current?.term.focus()}
    >
      <header className="panel-head">
        <h2>Terminal</h2>
        {!props.ready && (
          <span className="muted" role="status">
            booting kernel…
          </span>
        )}
      </header>
      <div ref={hostRef} className="terminal-host" style={{ flex: 1, minHeight: 0, overflow: 'hidden' }} />
    </section>
  );
}
