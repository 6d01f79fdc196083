import type { ExecResult, Transcript, TranscriptEntry } from '../host-api';
import type { Kernel } from '../kernel';

/** A transcript keeps at most this many commands (the newest)… */
export const TRANSCRIPT_COMMANDS = 200;
/** …and at most about this many lines of what they printed. */
export const TRANSCRIPT_LINES = 2000;

/** One command and what followed it until the next (its output, then what programs printed meanwhile). */
interface Block {
  entries: TranscriptEntry[];
  /** 1 for a command, 0 for what programs printed before the first one. */
  commands: number;
  /** Lines of its output dropped (it printed more than the bound), after its command line. */
  cut: number;
}

/**
 * What a terminal showed while commands ran — the prompt and line, the line's own output, then what programs
 * printed — recorded as a replay (or a scenario's script) runs, so the page can show the transcript that led to
 * the state it opens. Bounded: the newest TRANSCRIPT_COMMANDS commands and about TRANSCRIPT_LINES lines; the
 * transcript says how many earlier commands ran and are not shown. Text stays untrusted: the terminal sanitizes it.
 */
export class TranscriptRecorder {
  private readonly blocks: Block[] = [{ entries: [], commands: 0, cut: 0 }];
  private lines = 0;
  private commands = 0;
  private shown = 0;
  /** What programs printed before the recording began (at boot) was not on anyone's screen: it is skipped. */
  private printed: number;

  constructor(kernel: Kernel) {
    this.printed = kernel.console.length;
  }

  /** A command is about to run: what programs printed since goes before it, then its prompt and line. */
  command(kernel: Kernel, c: { line: string; input?: true; interrupt?: true }): void {
    this.drain(kernel);
    const entry: TranscriptEntry = c.interrupt
      ? { kind: 'command', line: '', interrupt: true, ...(kernel.foreground ? { prompt: kernel.prompt } : {}) }
      : c.input
        ? { kind: 'command', line: c.line, prompt: kernel.prompt }
        : { kind: 'command', line: c.line };
    this.blocks.push({ entries: [entry], commands: 1, cut: 0 });
    this.commands++;
    this.shown++;
    this.lines++;
    this.bound();
  }

  /** The command's own output (a shell line's): `clear` empties the screen, as it did. */
  result(r: Pick<ExecResult, 'lines' | 'clear'> | undefined): void {
    if (!r) return;
    if (r.clear) {
      // The screen was emptied, the clearing line with it: what comes after starts afresh.
      this.blocks.length = 0;
      this.blocks.push({ entries: [], commands: 0, cut: 0 });
      this.shown = 0;
      this.lines = 0;
    }
    for (const l of r.lines) this.add({ kind: 'output', text: l.text, ...(l.style ? { style: l.style } : {}) });
  }

  /** The transcript so far, with what programs printed since the last command. */
  finish(kernel: Kernel): Transcript {
    this.drain(kernel);
    const entries: TranscriptEntry[] = [];
    for (const b of this.blocks) {
      b.entries.forEach((e, i) => {
        if (i === b.commands && b.cut)
          entries.push({ kind: 'output', text: `[${b.cut.toLocaleString('en')} lines of output are not shown]`, style: 'dim' });
        entries.push(e);
      });
    }
    return { entries, commands: this.commands, hidden: this.commands - this.shown };
  }

  private drain(kernel: Kernel): void {
    const c = kernel.console;
    // Programs that printed more than the bound: only the newest lines can be kept anyway.
    if (c.length - this.printed > TRANSCRIPT_LINES) {
      this.blocks[this.blocks.length - 1].cut += c.length - TRANSCRIPT_LINES - this.printed;
      this.printed = c.length - TRANSCRIPT_LINES;
    }
    for (; this.printed < c.length; this.printed++) this.add({ kind: 'console', text: c[this.printed].text, style: c[this.printed].style });
  }

  private add(e: TranscriptEntry): void {
    const last = this.blocks[this.blocks.length - 1];
    last.entries.push(e);
    this.lines++;
    // One command that printed past the bound keeps its line and its newest output.
    if (last.entries.length > TRANSCRIPT_LINES) {
      const cut = last.entries.splice(last.commands, last.entries.length - TRANSCRIPT_LINES).length;
      last.cut += cut;
      this.lines -= cut;
    }
    this.bound();
  }

  /** Drop the oldest blocks while more are kept than the bounds allow (the newest always stays). */
  private bound(): void {
    while (this.blocks.length > 1 && (this.shown > TRANSCRIPT_COMMANDS || this.lines > TRANSCRIPT_LINES)) {
      const old = this.blocks.shift()!;
      this.shown -= old.commands;
      this.lines -= old.entries.length;
    }
  }
}
