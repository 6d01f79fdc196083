import { useEffect, useLayoutEffect, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { LineEditor } from './lineEditor';
import type { CompletionResult } from './lineEditor';
import type { ConsoleFeed, ConsoleUpdate } from '../../client/consoleFeed';
import { sanitize, toTerminal } from './sanitize';
import { appStore } from '../../store/store';

const FONT = 13;
const PRESENTER_FONT = 20;
/** Pause between scripted lines, so people can follow them. */
const SCRIPT_PACE_MS = 350;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type LineStyle = 'error' | 'dim' | 'ok' | 'head';

export interface TerminalPanelProps {
  exec(line: string): Promise<{ lines: { text: string; style?: LineStyle }[]; clear?: boolean }>;
  complete(line: string, cursor: number): Promise<CompletionResult>;
  /** A line typed while a program is in the foreground, and Ctrl-C for it. */
  input(line: string): void;
  interrupt(): void;
  /** Program output and the foreground, from the SAB. */
  console: ConsoleFeed | null;
  ready: boolean;
  banner?: string;
}

// Our own escape codes: trusted. Only text that comes back from exec (and the banner) goes through toTerminal.
const PROMPT = '\x1b[1;32mcapplay$\x1b[0m ';
const RESET = '\x1b[0m';
const STYLES: Record<LineStyle, string> = {
  error: '\x1b[31m',
  dim: '\x1b[90m',
  ok: '\x1b[32m',
  head: '\x1b[1m',
};

function styled(text: string, style: LineStyle | undefined): string {
  const code = style ? STYLES[style] : undefined;
  const body = toTerminal(text);
  return (code ? code + body + RESET : body) + '\r\n';
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** Everything tied to one xterm instance; StrictMode mounts twice, so this is rebuilt per mount. */
interface Session {
  term: Terminal;
  editor: LineEditor;
  booting: boolean; // "booting kernel…" is on the last row, to be replaced by the first prompt
  running: boolean; // a command is executing; the owner re-prompts when it settles
  foreground: number; // the pid typed lines go to (0 = the shell)
  held: string; // program output that arrived while a shell command ran: printed after the command's own output
}

const CONSOLE_STYLE: Record<ConsoleUpdate['lines'][number]['style'], LineStyle | undefined> = { out: undefined, err: 'error', sys: 'dim' };

/** A foreground program's prompt is untrusted text: sanitized, then drawn in our own colour. */
const programPrompt = (p: string) => `\x1b[1;36m${sanitize(p).replace(/\n/g, ' ') || '> '}\x1b[0m`;

/**
 * The shell: an xterm (DOM renderer, so its rows can be read from `.xterm-rows`) with our line editor
 * on top. Input is ignored until the kernel is ready; commands run one at a time.
 */
export function TerminalPanel(props: TerminalPanelProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const sessionRef = useRef<Session | null>(null);
  // The latest props, read by long-lived xterm callbacks without re-creating the terminal.
  const propsRef = useRef(props);
  useLayoutEffect(() => {
    propsRef.current = props;
  });

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let disposed = false;

    const term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      scrollback: 5000,
      allowProposedApi: false,
      fontFamily: "ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace",
      fontSize: appStore.getState().presenter ? PRESENTER_FONT : FONT,
      theme: {
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

    const write = (data: string) => {
      if (!disposed) term.write(data);
    };

    const run = async (line: string) => {
      if (session.foreground) {
        // A program owns the terminal: the line is its input (it reads it through its stdio cap).
        try {
          propsRef.current.input(line);
        } catch (err) {
          write(styled(messageOf(err), 'error'));
        }
        editor.promptAgain();
        return;
      }
      if (line.trim() === '') {
        editor.promptAgain();
        return;
      }
      session.running = true;
      try {
        const result = await propsRef.current.exec(line);
        if (disposed) return;
        if (result?.clear) term.clear();
        const lines = Array.isArray(result?.lines) ? result.lines : [];
        write(lines.map((l) => styled(String(l?.text ?? ''), l?.style)).join(''));
      } catch (err) {
        // A failed command must not end the session: report it and carry on.
        write(styled(messageOf(err), 'error'));
      } finally {
        session.running = false;
        if (session.held) write(session.held);
        session.held = '';
        if (!disposed) editor.promptAgain();
      }
    };

    const editor = new LineEditor({
      write,
      prompt: PROMPT,
      columns: () => term.cols,
      complete: (line, cursor) => propsRef.current.complete(line, cursor),
      clearScreen: () => term.clear(),
      submit: (line) => void run(line),
    });
    const session: Session = { term, editor, booting: false, running: false, foreground: 0, held: '' };
    sessionRef.current = session;

    const input = term.onData((data) => {
      if (!propsRef.current.ready) return;
      if (session.foreground && data.includes('\x03')) propsRef.current.interrupt();
      try {
        editor.handleData(data);
      } catch (err) {
        editor.printAbove(styled(`terminal: ${messageOf(err)}`, 'error'));
      }
    });

    // Scripted lines (the gallery, lessons) are typed through the editor, one at a time, as a person would.
    const queue: string[] = [];
    let pumping = false;
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      while (queue.length && !disposed) {
        while ((session.running || !propsRef.current.ready) && !disposed) await sleep(40);
        const line = queue.shift()!;
        editor.handleData('\x15' + line + '\r'); // Ctrl-U first: a half-typed line gives way
        await sleep(SCRIPT_PACE_MS);
      }
      while (session.running && !disposed) await sleep(40);
      pumping = false;
      if (!disposed) appStore.setState({ scriptBusy: false });
    };
    const unsubscribeScript = appStore.subscribe((st, prev) => {
      if (st.script && st.script !== prev.script) {
        queue.push(...st.script.lines);
        void pump();
      }
    });

    const banner = propsRef.current.banner;
    if (banner) write(toTerminal(banner.endsWith('\n') ? banner : banner + '\n'));
    if (!propsRef.current.ready) {
      write(STYLES.dim + 'booting kernel…' + RESET);
      session.booting = true;
    }
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
      disposed = true;
      cancelAnimationFrame(frame);
      observer?.disconnect();
      input.dispose();
      term.dispose();
      if (sessionRef.current === session) sessionRef.current = null;
    };
  }, []);

  // Program output goes above the prompt; the prompt follows the foreground program.
  useEffect(() => {
    const feed = props.console;
    const session = sessionRef.current;
    if (!feed || !session) return;
    return feed.subscribe((u) => {
      const text =
        (u.dropped ? styled(`[${u.dropped} lines of output were dropped]`, 'dim') : '') + u.lines.map((l) => styled(l.text, CONSOLE_STYLE[l.style])).join('');
      if (text && session.running) session.held += text;
      else if (text) session.editor.printAbove(text);
      if (u.foreground !== session.foreground || (u.foreground && session.editor.prompt !== programPrompt(u.prompt))) {
        session.foreground = u.foreground;
        session.editor.setPrompt(u.foreground ? programPrompt(u.prompt) : PROMPT);
      }
    });
  }, [props.console]);

  // First prompt once the kernel is up (also on mount when it already is).
  useEffect(() => {
    const session = sessionRef.current;
    if (!props.ready || !session) return;
    if (session.booting) {
      session.term.write('\r\x1b[2K'); // replace the "booting kernel…" line
      session.booting = false;
    }
    if (!session.running) session.editor.promptAgain();
  }, [props.ready]);

  return (
    <section
      data-testid="terminal"
      className="panel terminal-panel"
      aria-label="Terminal"
      aria-busy={!props.ready}
      style={{ display: 'flex', flexDirection: 'column' }}
      onClick={() => sessionRef.current?.term.focus()}
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
