import { readConsole, type ConsoleLine, type Frame, type SabViews, type StringTable } from '../kernel/sab/layout';

export interface ConsoleUpdate {
  /** New lines programs wrote to the terminal (already in order); text is untrusted. */
  lines: ConsoleLine[];
  /** Lines the ring overwrote before the UI saw them. */
  dropped: number;
  /** The process the terminal is attached to (0 = the shell prompt) and its prompt. */
  foreground: number;
  prompt: string;
}

/**
 * Program output for the terminal, read from the SAB console ring each frame. Listeners hear about new lines and
 * about the foreground changing, never per frame otherwise.
 */
export class ConsoleFeed {
  private head = -1;
  private generation = -1;
  /** -1 until the first frame: a new feed (a replaced worker) always says who has the terminal. */
  private foreground = -1;
  private prompt = '';
  private listeners = new Set<(u: ConsoleUpdate) => void>();

  /** `views` is replaced when the worker moves to a new state buffer; the new generation restarts the feed. */
  constructor(public views: SabViews) {}

  onFrame = (frame: Frame, strings: StringTable): void => {
    if (frame.scenarioGen !== this.generation) {
      this.generation = frame.scenarioGen;
      this.head = frame.consoleHead; // a new world: what the old one printed is not replayed
    }
    const prompt = strings.get(frame.prompt);
    const moved = frame.consoleHead > this.head;
    if (!moved && frame.foreground === this.foreground && prompt === this.prompt) return;
    let lines: ConsoleLine[] = [];
    let dropped = 0;
    if (moved) {
      const read = readConsole(this.views, this.head + 1);
      if (!read) return; // the writer held the lock: next frame
      lines = read.lines;
      dropped = Math.max(0, read.firstAvailable - (this.head + 1));
      this.head = read.head;
    }
    this.foreground = frame.foreground;
    this.prompt = prompt;
    const update = { lines, dropped, foreground: frame.foreground, prompt };
    for (const l of this.listeners) l(update);
  };

  subscribe(listener: (u: ConsoleUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
