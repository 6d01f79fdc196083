import type { ConsoleUpdate } from '../../client/consoleFeed';
import type { Transcript, TranscriptEntry } from '../../kernel/host-api';
import { LineEditor, type CompletionResult } from './lineEditor';
import { sanitize, toTerminal } from '../../text/sanitize';

/** Pause between scripted lines, so people can follow them. */
const SCRIPT_PACE_MS = 350;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type LineStyle = 'error' | 'dim' | 'ok' | 'head';

/** What the controller draws on: an xterm in the page, a fake in tests. */
export interface TerminalScreen {
  write(data: string): void;
  clear(): void;
  /** Width in cells (the line editor wraps long lines by it). */
  readonly cols: number;
}

/** The kernel calls the terminal makes. */
export interface TerminalKernel {
  exec(line: string): Promise<{ lines: { text: string; style?: LineStyle }[]; clear?: boolean }>;
  complete(line: string, cursor: number): Promise<CompletionResult>;
  /** A line typed while a program is in the foreground, and Ctrl-C (for it, or for shell lines waiting for energy). */
  input(line: string): void;
  interrupt(): void;
}

/** Program output and the foreground, as the console feed reports them. */
export interface ConsoleSource {
  subscribe(listener: (u: ConsoleUpdate) => void): () => void;
}

export interface TerminalControllerOptions {
  /** Written once, first (untrusted text: it goes through toTerminal). */
  banner?: string;
  /** Whether the kernel is up; until it is, input is ignored and "booting kernel…" shows. */
  ready: boolean;
  /** A script (typeLines) has been typed to the end. */
  onScriptDone?(): void;
}

// Our own escape codes: trusted. Only text that comes back from exec (and the banner) goes through toTerminal.
export const PROMPT = '\x1b[1;32mcapplay$\x1b[0m ';
const RESET = '\x1b[0m';
const STYLES: Record<LineStyle, string> = {
  error: '\x1b[31m',
  dim: '\x1b[90m',
  ok: '\x1b[32m',
  head: '\x1b[1m',
};

export function styled(text: string, style: LineStyle | undefined): string {
  const code = style ? STYLES[style] : undefined;
  const body = toTerminal(text);
  return (code ? code + body + RESET : body) + '\r\n';
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

const CONSOLE_STYLE: Record<ConsoleUpdate['lines'][number]['style'], LineStyle | undefined> = { out: undefined, err: 'error', sys: 'dim' };

/** A foreground program's prompt is untrusted text: sanitized, then drawn in our own colour. */
export const programPrompt = (p: string) => `\x1b[1;36m${sanitize(p).replace(/\n/g, ' ') || '> '}\x1b[0m`;

/** One line of a transcript as the terminal showed it: a command at its prompt (Ctrl-C as ^C), or output. */
function transcriptLine(e: TranscriptEntry): string {
  if (e.kind === 'output') return styled(e.text, e.style);
  if (e.kind === 'console') return styled(e.text, CONSOLE_STYLE[e.style]);
  const prompt = e.prompt === undefined ? PROMPT : programPrompt(e.prompt);
  return `${prompt}${e.interrupt ? '^C' : sanitize(e.line).replace(/\n/g, ' ')}\r\n`;
}

/**
 * The shell's terminal without the DOM: the line editor, the lines it runs, and program output from the console
 * feed, written to one screen in the order a person should read them. Output reaches the page two ways — a shell
 * line's own output returns with its exec call, programs' output arrives through the console ring — so console
 * lines that arrive while a line runs are held and printed after that line's output; while idle they print
 * above the prompt. Commands run one at a time; a failed one is reported and the terminal carries on.
 */
export class TerminalController {
  private readonly editor: LineEditor;
  private readonly screen: TerminalScreen;
  private readonly kernel: TerminalKernel;
  private readonly onScriptDone: () => void;
  private disposed = false;
  private ready: boolean;
  /** "booting kernel…" is on the last row, to be replaced by the first prompt. */
  private booting = false;
  /** A line is executing; it re-prompts when it settles. */
  private running = false;
  /** The pid typed lines go to (0 = the shell). */
  private foreground = 0;
  /** Program output that arrived while a shell line ran: printed after the line's own output. */
  private held = '';
  /** Scripted lines (the gallery, lessons) still to type. */
  private readonly queue: string[] = [];
  private pumping = false;

  constructor(screen: TerminalScreen, kernel: TerminalKernel, options: TerminalControllerOptions) {
    this.screen = screen;
    this.kernel = kernel;
    this.ready = options.ready;
    this.onScriptDone = options.onScriptDone ?? (() => {});
    this.editor = new LineEditor({
      write: (data) => this.write(data),
      prompt: PROMPT,
      columns: () => screen.cols,
      complete: (line, cursor) => kernel.complete(line, cursor),
      clearScreen: () => screen.clear(),
      submit: (line) => void this.run(line),
    });
    const banner = options.banner;
    if (banner) this.write(toTerminal(banner.endsWith('\n') ? banner : banner + '\n'));
    if (!this.ready) {
      this.write(STYLES.dim + 'booting kernel…' + RESET);
      this.booting = true;
    }
  }

  /** Keys and pasted text from the screen (xterm's onData). */
  handleData(data: string): void {
    if (!this.ready) return;
    // Ctrl-C: the kernel stops the foreground program, or cancels shell lines waiting for energy (else it does nothing).
    if (data.includes('\x03')) this.kernel.interrupt();
    try {
      this.editor.handleData(data);
    } catch (err) {
      this.editor.printAbove(styled(`terminal: ${messageOf(err)}`, 'error'));
    }
  }

  /** The kernel came up (the first prompt replaces "booting kernel…"), or went away (input is ignored meanwhile). */
  setReady(ready: boolean): void {
    this.ready = ready;
    if (!ready) return;
    if (this.booting) {
      this.screen.write('\r\x1b[2K'); // replace the "booting kernel…" line
      this.booting = false;
    }
    if (!this.running) this.editor.promptAgain();
  }

  /** Program output goes above the prompt (or after a running line's output); the prompt follows the foreground program. */
  attachConsole(feed: ConsoleSource): () => void {
    return feed.subscribe((u) => this.onConsole(u));
  }

  /**
   * What a replay (a reload, a link, a recovery) or a scenario's script ran, as the terminal would have shown it:
   * a heading, how many earlier commands are not shown, then each command at its prompt and what it printed.
   * Written above the prompt (or after a running line's output, or above "booting kernel…").
   */
  showTranscript(t: Transcript & { label: string }): void {
    const n = t.hidden;
    let text = styled(`── ${t.label} ──`, 'dim');
    if (n)
      text += styled(
        `[${n.toLocaleString('en')} earlier command${n === 1 ? ' was' : 's were'} replayed and ${n === 1 ? 'is' : 'are'} not shown]`,
        'dim',
      );
    for (const e of t.entries) text += transcriptLine(e);
    if (this.running) this.held += text;
    else if (this.booting) this.write('\r\x1b[2K' + text + STYLES.dim + 'booting kernel…' + RESET);
    else this.editor.printAbove(text);
  }

  /** Type these lines through the editor, one at a time at a human pace, as a person would. */
  typeLines(lines: readonly string[]): void {
    this.queue.push(...lines);
    void this.pump();
  }

  dispose(): void {
    this.disposed = true;
  }

  private write(data: string): void {
    if (!this.disposed) this.screen.write(data);
  }

  private async run(line: string): Promise<void> {
    const editor = this.editor;
    if (this.foreground) {
      // A program owns the terminal: the line is its input (it reads it through its stdio cap).
      try {
        this.kernel.input(line);
      } catch (err) {
        this.write(styled(messageOf(err), 'error'));
      }
      editor.promptAgain();
      return;
    }
    if (line.trim() === '') {
      editor.promptAgain();
      return;
    }
    this.running = true;
    try {
      const result = await this.kernel.exec(line);
      if (this.disposed) return;
      if (result?.clear) this.screen.clear();
      const lines = Array.isArray(result?.lines) ? result.lines : [];
      this.write(lines.map((l) => styled(String(l?.text ?? ''), l?.style)).join(''));
    } catch (err) {
      // A failed command must not end the terminal: report it and carry on.
      this.write(styled(messageOf(err), 'error'));
    } finally {
      this.running = false;
      if (this.held) this.write(this.held);
      this.held = '';
      if (!this.disposed) editor.promptAgain();
    }
  }

  private onConsole(u: ConsoleUpdate): void {
    const text =
      (u.dropped ? styled(`[${u.dropped} lines of output were dropped]`, 'dim') : '') +
      u.lines.map((l) => styled(l.text, CONSOLE_STYLE[l.style])).join('');
    if (text && this.running) this.held += text;
    else if (text) this.editor.printAbove(text);
    if (u.foreground !== this.foreground || (u.foreground && this.editor.prompt !== programPrompt(u.prompt))) {
      this.foreground = u.foreground;
      this.editor.setPrompt(u.foreground ? programPrompt(u.prompt) : PROMPT);
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    while (this.queue.length && !this.disposed) {
      while ((this.running || !this.ready) && !this.disposed) await sleep(40);
      const line = this.queue.shift()!;
      this.editor.handleData('\x15' + line + '\r'); // Ctrl-U first: a half-typed line gives way
      await sleep(SCRIPT_PACE_MS);
    }
    while (this.running && !this.disposed) await sleep(40);
    this.pumping = false;
    if (!this.disposed) this.onScriptDone();
  }
}
