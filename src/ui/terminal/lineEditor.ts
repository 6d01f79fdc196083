/**
 * A DOM-free line editor for xterm, which has none of its own. Feed it xterm's `onData` through
 * `handleData`; it keeps the line, cursor and history, and writes VT sequences through `write`.
 *
 * Rendering: every change erases the prompt+line block (cursor back to the prompt's first row, `ESC [J`)
 * and writes it again, then places the cursor. Row and column positions are computed from `columns()`
 * and xterm's cell widths, so long lines that wrap over several rows stay correct.
 *
 * States: the editor starts *idle* (no prompt shown). `promptAgain()` shows the prompt and makes it
 * *editing*. Enter submits the line and makes it idle again until the owner calls `promptAgain()`.
 * While idle, typed text is buffered without echo (type-ahead): Enter queues the buffered line, which is
 * submitted at the next prompt; any unfinished text becomes the next prompt's line. Ctrl-C while idle
 * discards the type-ahead. This is also how a pasted chunk with several lines submits them one by one.
 */

import { sanitize } from '../../text/sanitize';

export interface CompletionResult {
  /** Start index (UTF-16 code units) of the text that the candidates replace, up to the cursor. */
  from: number;
  candidates: string[];
}

export interface LineEditorOptions {
  write(data: string): void;
  /** May contain the owner's own SGR codes; its visible width is measured without them. */
  prompt: string;
  /** Terminal width in cells; needed to place the cursor on wrapped lines. Defaults to 80. */
  columns?(): number;
  /** Longest line in UTF-16 code units; longer input is dropped with a bell. Defaults to 4096. */
  maxLength?: number;
  complete?(line: string, cursor: number): Promise<CompletionResult>;
  submit(line: string): void;
  /** Clears the screen for Ctrl-L; the editor then redraws the prompt and line at the cursor's row. */
  clearScreen?(): void;
  /** Called on Ctrl-C while a submitted command is running. */
  interrupt?(): void;
}

export const HISTORY_LIMIT = 500;
const BELL = '\x07';

// ---------------------------------------------------------------------------------------------------------
// Cell widths, matching xterm's default (Unicode 6, Markus Kuhn's wcwidth) so wrapped rows line up.

const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;

/** Cells taken by one code point: 0 (combining/format), 1, or 2 (East Asian wide). */
export function cellWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1; // fast path; the only format character below, U+00AD, is 1 wide
  if ((cp >= 0x1160 && cp <= 0x11ff) || cp === 0x200b) return 0;
  if (ZERO_WIDTH.test(String.fromCodePoint(cp))) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    cp === 0x2329 ||
    cp === 0x232a ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe10 && cp <= 0xfe19) ||
    (cp >= 0xfe30 && cp <= 0xfe6f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x2fffd) ||
    (cp >= 0x30000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Cells taken by a string of printable text. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += cellWidth(ch.codePointAt(0)!);
  return w;
}

/** Longest common prefix, never splitting a surrogate pair. */
export function commonPrefix(words: string[]): string {
  if (words.length === 0) return '';
  let end = words[0].length;
  for (const w of words) {
    let i = 0;
    while (i < end && i < w.length && w.charCodeAt(i) === words[0].charCodeAt(i)) i++;
    end = i;
  }
  const last = words[0].charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return words[0].slice(0, end);
}

/** Only printable characters may enter the line: anything else would be echoed to the terminal raw. */
function printableOnly(text: string): string {
  return sanitize(text).replace(/[\n\t]/g, '');
}

// ---------------------------------------------------------------------------------------------------------

const COMPLETION_TIMEOUT_MS = 2000;

type Key = { kind: 'text'; text: string } | { kind: 'enter' } | { kind: 'ignore' } | { kind: 'cmd'; cmd: Command };

type Command =
  | 'left'
  | 'right'
  | 'wordLeft'
  | 'wordRight'
  | 'home'
  | 'end'
  | 'up'
  | 'down'
  | 'backspace'
  | 'delete'
  | 'interrupt'
  | 'clear'
  | 'killStart'
  | 'killEnd'
  | 'killWord'
  | 'tab';

const CONTROL_KEYS: Record<number, Command> = {
  0x01: 'home', // Ctrl-A
  0x02: 'left', // Ctrl-B
  0x03: 'interrupt', // Ctrl-C
  0x04: 'delete', // Ctrl-D (no EOF in this shell: just delete forward)
  0x05: 'end', // Ctrl-E
  0x06: 'right', // Ctrl-F
  0x08: 'backspace', // Ctrl-H / \b
  0x09: 'tab',
  0x0b: 'killEnd', // Ctrl-K
  0x0c: 'clear', // Ctrl-L
  0x0e: 'down', // Ctrl-N
  0x10: 'up', // Ctrl-P
  0x15: 'killStart', // Ctrl-U
  0x17: 'killWord', // Ctrl-W
  0x7f: 'backspace',
};

const CSI_TILDE: Record<string, Command> = { '1': 'home', '7': 'home', '4': 'end', '8': 'end', '3': 'delete' };
const CSI_FINAL: Record<string, Command> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };

/**
 * Splits one onData chunk into keys. xterm delivers each escape sequence whole, so sequences never
 * straddle chunks. Printable runs (typed or pasted) come out as one text key.
 */
function* keys(data: string): Generator<Key> {
  const n = data.length;
  let i = 0;
  while (i < n) {
    const c = data.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) {
      i += c === 0x0d && data.charCodeAt(i + 1) === 0x0a ? 2 : 1; // CRLF from a paste is one Enter
      yield { kind: 'enter' };
    } else if (c === 0x1b) {
      const [key, next] = escapeKey(data, i + 1);
      i = next;
      yield key;
    } else if (c < 0x20 || c === 0x7f) {
      i++;
      const cmd = CONTROL_KEYS[c];
      yield cmd ? { kind: 'cmd', cmd } : { kind: 'ignore' };
    } else if (c >= 0x80 && c <= 0x9f) {
      i++; // C1 controls: never inserted
      yield { kind: 'ignore' };
    } else {
      let j = i + 1;
      while (j < n) {
        const d = data.charCodeAt(j);
        if (d < 0x20 || d === 0x7f || (d >= 0x80 && d <= 0x9f)) break;
        j++;
      }
      yield { kind: 'text', text: data.slice(i, j) };
      i = j;
    }
  }
}

/** Decodes the escape sequence after an ESC at `i - 1`; returns the key and the index after the sequence. */
function escapeKey(data: string, i: number): [Key, number] {
  const c = data[i];
  if (c === '[') {
    // CSI: parameter/intermediate bytes, then a final byte.
    let j = i + 1;
    while (j < data.length && data.charCodeAt(j) >= 0x20 && data.charCodeAt(j) <= 0x3f) j++;
    if (j >= data.length) return [{ kind: 'ignore' }, j];
    const params = data.slice(i + 1, j);
    const final = data[j];
    const next = j + 1;
    const code = data.charCodeAt(j);
    if (code < 0x40 || code > 0x7e) return [{ kind: 'ignore' }, j]; // malformed: rescan from the odd byte
    if (final === '~') {
      const cmd = CSI_TILDE[params.split(';')[0]];
      return [cmd ? { kind: 'cmd', cmd } : { kind: 'ignore' }, next];
    }
    const cmd = CSI_FINAL[final];
    if (!cmd || !/^(\d*(;\d*)?)$/.test(params)) return [{ kind: 'ignore' }, next];
    // A modifier (e.g. `ESC [1;5D` for Ctrl-Left, `;3` for Alt) turns Left/Right into word moves.
    const modified = params.includes(';') && params.split(';')[1] !== '1' && params.split(';')[1] !== '';
    if (modified && cmd === 'left') return [{ kind: 'cmd', cmd: 'wordLeft' }, next];
    if (modified && cmd === 'right') return [{ kind: 'cmd', cmd: 'wordRight' }, next];
    return [{ kind: 'cmd', cmd }, next];
  }
  if (c === 'O') {
    // SS3 forms sent in application cursor mode: ESC O A/B/C/D/H/F.
    const f = data[i + 1];
    const cmd = f === undefined ? undefined : CSI_FINAL[f];
    return [cmd ? { kind: 'cmd', cmd } : { kind: 'ignore' }, f === undefined ? i + 1 : i + 2];
  }
  if (c === 'b') return [{ kind: 'cmd', cmd: 'wordLeft' }, i + 1]; // Alt-b
  if (c === 'f') return [{ kind: 'cmd', cmd: 'wordRight' }, i + 1]; // Alt-f
  if (c === '\x7f') return [{ kind: 'cmd', cmd: 'killWord' }, i + 1]; // Alt-Backspace
  // Any other Alt-key or a lone ESC: swallow one printable character so it is not inserted.
  const code = data.charCodeAt(i);
  if (code >= 0x20 && code < 0x7f) return [{ kind: 'ignore' }, i + 1];
  return [{ kind: 'ignore' }, i];
}

// ---------------------------------------------------------------------------------------------------------

interface Cell {
  row: number;
  col: number;
}

/** What is on screen: enough to find the terminal cursor's row again, even after a resize. */
interface Shown {
  promptWidths: number[];
  text: string;
  pos: number;
}

/**
 * Screen cell (relative to the prompt's first row) where the cursor shows when it is at `pos` in `text`.
 * Mirrors xterm's autowrap: a character that does not fit in the rest of the row (a wide one at the last
 * column, or any at the pending-wrap position) starts the next row.
 */
function locate(promptWidths: number[], text: string, pos: number, cols: number): Cell {
  let row = 0;
  let col = 0;
  const place = (w: number) => {
    if (w === 0) return;
    if (col + w > cols && col > 0) {
      row++;
      col = 0;
    }
    col += w;
  };
  for (const w of promptWidths) place(w);
  for (let i = 0; i < pos;) {
    const cp = text.codePointAt(i)!;
    place(cellWidth(cp));
    i += cp > 0xffff ? 2 : 1;
  }
  const nextWidth = pos < text.length ? Math.max(1, cellWidth(text.codePointAt(pos)!)) : 1;
  if (col + nextWidth > cols && col > 0) return { row: row + 1, col: 0 };
  return { row, col };
}

export class LineEditor {
  private readonly opts: LineEditorOptions;
  private readonly maxLength: number;
  private promptText: string;
  private promptWidths: number[] = [];

  private buf = '';
  private pos = 0; // cursor, in UTF-16 code units, always on a cell boundary
  private editing = false;
  private shown: Shown | null = null; // prompt+line as last drawn, while they are on screen
  private dirty = false; // the line changed since it was last drawn
  private version = 0; // bumped on every change so a slow completion cannot apply to a stale line

  private readonly entries: string[] = [];
  private histIndex = 0; // === entries.length when on the live line
  private draft = ''; // the live line, saved while browsing history

  private readonly queue: string[] = []; // lines entered while a command was running
  private completing = false; // a Tab completion is in flight
  private held: Key[] = []; // keys typed while it was
  private inSubmit = false;

  constructor(options: LineEditorOptions) {
    this.opts = options;
    this.maxLength = Math.max(1, options.maxLength ?? 4096);
    this.promptText = options.prompt;
    this.measurePrompt();
  }

  get line(): string {
    return this.buf;
  }

  get cursor(): number {
    return this.pos;
  }

  get prompt(): string {
    return this.promptText;
  }

  /** True while the prompt is up; false while a submitted command runs (or before the first prompt). */
  get isEditing(): boolean {
    return this.editing;
  }

  /** Oldest first. */
  get history(): readonly string[] {
    return this.entries.slice();
  }

  setPrompt(prompt: string): void {
    const erase = this.eraseSeq();
    this.promptText = prompt;
    this.measurePrompt();
    if (this.editing) this.opts.write(erase + this.drawSeq(this.pos));
  }

  /** Shows the prompt with the current (possibly type-ahead) line; submits lines queued meanwhile first. */
  promptAgain(): void {
    if (this.editing) return;
    this.editing = true;
    // Called from inside submit(): the submitting loop finishes the job once submit() returns,
    // which keeps a long paste from recursing once per line.
    if (this.inSubmit) return;
    this.resume();
  }

  /** Writes asynchronous output above the prompt, then redraws the prompt and line below it. */
  printAbove(text: string): void {
    if (text === '') return;
    const out = /\n$/.test(text) ? text : text + '\r\n';
    if (!this.editing) {
      this.opts.write(out);
      return;
    }
    this.opts.write(this.eraseSeq() + out + this.drawSeq(this.pos));
  }

  handleData(data: string): void {
    this.processKeys(keys(data));
  }

  private processKeys(input: Iterable<Key>): void {
    let bell = false;
    for (const key of input) {
      if (key.kind === 'ignore') continue;
      // Completion answers asynchronously; keys typed meanwhile wait for it, so "Tab, Enter" runs the completed line.
      if (this.completing) {
        this.held.push(key);
        continue;
      }
      if (!this.editing) {
        this.typeAhead(key);
        continue;
      }
      if (key.kind === 'text') {
        bell = this.insert(key.text) || bell;
      } else if (key.kind === 'enter') {
        this.enter();
      } else {
        bell = this.command(key.cmd) || bell;
      }
    }
    this.flush(bell ? BELL : '');
  }

  // --- editing -------------------------------------------------------------------------------------------

  /** Inserts printable text at the cursor; returns true if some was dropped for length. */
  private insert(text: string): boolean {
    const clean = printableOnly(text);
    let room = this.maxLength - this.buf.length;
    let take = 0;
    for (const ch of clean) {
      if (ch.length > room) break;
      room -= ch.length;
      take += ch.length;
    }
    if (take > 0) {
      const { buf, pos } = this;
      this.setLine(buf.slice(0, pos) + clean.slice(0, take) + buf.slice(pos), pos + take);
    }
    return take < clean.length;
  }

  private enter(): void {
    const line = this.buf;
    this.opts.write(this.eraseSeq() + this.drawBelowSeq());
    this.buf = '';
    this.pos = 0;
    this.resetHistoryCursor();
    this.submit(line);
    if (this.editing) this.resume(); // submit() called promptAgain() synchronously
  }

  /** Runs one command; returns true to ring the bell. */
  private command(cmd: Command): boolean {
    const { buf, pos } = this;
    switch (cmd) {
      case 'left':
        this.moveTo(this.prevBoundary(pos));
        return false;
      case 'right':
        this.moveTo(this.nextBoundary(pos));
        return false;
      case 'wordLeft':
        this.moveTo(this.wordStart(pos));
        return false;
      case 'wordRight':
        this.moveTo(this.wordEnd(pos));
        return false;
      case 'home':
        this.moveTo(0);
        return false;
      case 'end':
        this.moveTo(buf.length);
        return false;
      case 'backspace': {
        if (pos === 0) return false;
        const from = this.prevBoundary(pos);
        this.setLine(buf.slice(0, from) + buf.slice(pos), from);
        return false;
      }
      case 'delete': {
        if (pos >= buf.length) return false;
        this.setLine(buf.slice(0, pos) + buf.slice(this.nextBoundary(pos)), pos);
        return false;
      }
      case 'killStart':
        this.setLine(buf.slice(pos), 0);
        return false;
      case 'killEnd':
        this.setLine(buf.slice(0, pos), pos);
        return false;
      case 'killWord': {
        const from = this.wordStart(pos);
        this.setLine(buf.slice(0, from) + buf.slice(pos), from);
        return false;
      }
      case 'up':
        return !this.browseHistory(-1);
      case 'down':
        return !this.browseHistory(1);
      case 'interrupt': {
        // Show the abandoned line in full with ^C after it, then a fresh prompt below.
        const abandoned = this.eraseSeq() + this.drawSeq(buf.length) + '^C\r\n';
        this.shown = null;
        this.buf = '';
        this.pos = 0;
        this.version++;
        this.resetHistoryCursor();
        this.opts.write(abandoned + this.drawSeq(0));
        return false;
      }
      case 'clear':
        this.shown = null; // whatever was on screen is gone
        this.opts.clearScreen?.();
        // The cleared screen may keep the cursor's row (xterm's clear() does); wipe it before drawing.
        this.opts.write('\r\x1b[J' + this.drawSeq(this.pos));
        return false;
      case 'tab':
        this.flush('');
        this.requestCompletion();
        return false;
    }
  }

  private typeAhead(key: Key): void {
    if (key.kind === 'text') {
      const clean = printableOnly(key.text);
      const room = this.maxLength - this.buf.length;
      const fits = clean.slice(0, room);
      this.buf += fits.length > 0 && /[\ud800-\udbff]$/.test(fits) ? fits.slice(0, -1) : fits;
      this.pos = this.buf.length;
    } else if (key.kind === 'enter') {
      this.queue.push(this.buf);
      this.buf = '';
      this.pos = 0;
    } else if (key.kind === 'cmd' && key.cmd === 'interrupt') {
      // Ctrl-C during a command: drop everything typed ahead and tell the owner.
      this.queue.length = 0;
      this.buf = '';
      this.pos = 0;
      this.opts.write('^C\r\n');
      this.opts.interrupt?.();
    } else if (key.kind === 'cmd' && key.cmd === 'backspace') {
      this.buf = this.buf.slice(0, this.prevBoundary(this.buf.length));
      this.pos = this.buf.length;
    }
    // Other keys have nothing sensible to act on without a visible line; ignore them.
  }

  /** Submits queued lines (each after its own prompt) until one is running, then shows the prompt. */
  private resume(): void {
    while (this.editing && this.queue.length > 0) {
      const line = this.queue.shift()!;
      this.opts.write(this.promptText + line + '\r\n');
      this.submit(line);
    }
    if (this.editing) {
      this.shown = null;
      this.opts.write(this.drawSeq(this.pos));
    }
  }

  private submit(line: string): void {
    this.addHistory(line);
    this.editing = false;
    this.version++;
    this.inSubmit = true;
    try {
      this.opts.submit(line);
    } finally {
      this.inSubmit = false;
    }
  }

  // --- history -------------------------------------------------------------------------------------------

  private addHistory(line: string): void {
    if (line.trim() === '' || this.entries[this.entries.length - 1] === line) return;
    this.entries.push(line);
    if (this.entries.length > HISTORY_LIMIT) this.entries.splice(0, this.entries.length - HISTORY_LIMIT);
    this.resetHistoryCursor();
  }

  private resetHistoryCursor(): void {
    this.histIndex = this.entries.length;
    this.draft = '';
  }

  /** Moves through history; returns false at either end. */
  private browseHistory(step: -1 | 1): boolean {
    const target = this.histIndex + step;
    if (target < 0 || target > this.entries.length) return false;
    if (this.histIndex === this.entries.length) this.draft = this.buf; // leaving the live line: keep it
    this.histIndex = target;
    const text = target === this.entries.length ? this.draft : this.entries[target];
    this.setLine(text, text.length);
    return true;
  }

  // --- completion ----------------------------------------------------------------------------------------

  private requestCompletion(): void {
    const complete = this.opts.complete;
    if (!complete) {
      this.opts.write(BELL);
      return;
    }
    const line = this.buf;
    const cursor = this.pos;
    const version = this.version;
    let pending: Promise<CompletionResult>;
    try {
      pending = Promise.resolve(complete(line, cursor));
    } catch {
      this.opts.write(BELL);
      return;
    }
    this.completing = true;
    // Release held keys even if the answer never comes (a dead worker must not freeze the terminal).
    const timer = setTimeout(() => settle(() => this.opts.write(BELL)), COMPLETION_TIMEOUT_MS);
    const settle = (apply: () => void) => {
      if (!this.completing) return;
      clearTimeout(timer);
      this.completing = false;
      // A line that changed meanwhile (history, Ctrl-C) makes the answer stale.
      if (this.version === version && this.editing) apply();
      this.processKeys(this.held.splice(0));
    };
    pending.then(
      (result) => settle(() => this.applyCompletion(line, cursor, result)),
      () => settle(() => this.opts.write(BELL)),
    );
  }

  private applyCompletion(line: string, cursor: number, result: CompletionResult): void {
    const from = result?.from;
    if (!Number.isInteger(from) || from < 0 || from > cursor || !Array.isArray(result.candidates)) {
      this.opts.write(BELL);
      return;
    }
    // Candidates come from the simulated system (file names from scenarios): keep only printable text.
    const seen = new Set<string>();
    for (const c of result.candidates) {
      const clean = printableOnly(String(c));
      if (clean !== '') seen.add(clean);
    }
    const candidates = [...seen];
    const typed = line.slice(from, cursor);
    const rest = line.slice(cursor);

    if (candidates.length === 0) {
      this.opts.write(BELL);
      return;
    }
    if (candidates.length === 1) {
      // A finished word gets a trailing space; a directory ('…/') stays open for the next component.
      const word = candidates[0];
      const space = word.endsWith('/') || rest.startsWith(' ') ? '' : ' ';
      this.replace(line, from, cursor, word + space);
      return;
    }
    const prefix = commonPrefix(candidates);
    if (prefix.length > typed.length) {
      this.replace(line, from, cursor, prefix);
      return;
    }
    // Ambiguous: list them under the line, then redraw the prompt below the list.
    const list = this.eraseSeq() + this.drawBelowSeq() + candidates.join('  ') + '\r\n';
    this.opts.write(list + this.drawSeq(this.pos));
  }

  private replace(line: string, from: number, to: number, text: string): void {
    const next = line.slice(0, from) + text + line.slice(to);
    if (next.length > this.maxLength) {
      this.opts.write(BELL);
      return;
    }
    this.setLine(next, from + text.length);
    this.flush('');
  }

  // --- cursor boundaries ---------------------------------------------------------------------------------
  // The cursor never sits inside a surrogate pair or before a zero-width mark (those share the
  // previous character's cell), so Left/Right/Backspace move over whole cells.

  private codePointAt(i: number): number {
    return this.buf.codePointAt(i) ?? 0;
  }

  private prevBoundary(i: number): number {
    while (i > 0) {
      i--;
      const c = this.buf.charCodeAt(i);
      if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
        const h = this.buf.charCodeAt(i - 1);
        if (h >= 0xd800 && h <= 0xdbff) i--;
      }
      if (cellWidth(this.codePointAt(i)) > 0) return i;
    }
    return 0;
  }

  private nextBoundary(i: number): number {
    const n = this.buf.length;
    if (i >= n) return n;
    i += this.codePointAt(i) > 0xffff ? 2 : 1;
    while (i < n && cellWidth(this.codePointAt(i)) === 0) i += this.codePointAt(i) > 0xffff ? 2 : 1;
    return i;
  }

  private wordStart(i: number): number {
    while (i > 0 && /\s/.test(this.buf[i - 1])) i--;
    while (i > 0 && !/\s/.test(this.buf[i - 1])) i--;
    return i;
  }

  private wordEnd(i: number): number {
    const n = this.buf.length;
    while (i < n && /\s/.test(this.buf[i])) i++;
    while (i < n && !/\s/.test(this.buf[i])) i++;
    return i;
  }

  // --- state changes and rendering -----------------------------------------------------------------------

  private setLine(text: string, pos: number): void {
    if (text === this.buf && pos === this.pos) return;
    this.buf = text;
    this.pos = pos;
    this.dirty = true;
    this.version++;
  }

  private moveTo(pos: number): void {
    this.setLine(this.buf, pos);
  }

  /** Writes pending redraw output (if the line changed) plus `extra`. */
  private flush(extra: string): void {
    let out = '';
    if (this.dirty && this.editing) out = this.eraseSeq() + this.drawSeq(this.pos);
    this.dirty = false;
    if (out + extra !== '') this.opts.write(out + extra);
  }

  private columns(): number {
    const cols = Math.floor(this.opts.columns?.() ?? 80);
    return Number.isFinite(cols) && cols >= 1 ? cols : 80;
  }

  private measurePrompt(): void {
    // The prompt is ours and may carry colour codes; only its visible text takes cells.
    this.promptWidths = [];
    for (const ch of sanitize(this.promptText).replace(/\n/g, '')) {
      const w = cellWidth(ch.codePointAt(0)!);
      if (w > 0) this.promptWidths.push(w);
    }
  }

  /**
   * Moves from the shown cursor to the prompt's first column and clears everything after it. The row is
   * worked out from what was drawn (not the current line, which may have changed since) and the current
   * width, since xterm reflows wrapped rows when the terminal is resized.
   */
  private eraseSeq(): string {
    const shown = this.shown;
    if (!shown) return '';
    this.shown = null;
    const { row } = locate(shown.promptWidths, shown.text, shown.pos, this.columns());
    return '\r' + (row > 0 ? `\x1b[${row}A` : '') + '\x1b[J';
  }

  /** Writes prompt and line, leaving the cursor at the start of the row below them (and `shown` cleared). */
  private drawBelowSeq(): string {
    const out = this.drawSeq(this.buf.length);
    this.shown = null;
    // drawSeq already stepped to the next row if the text exactly filled its last row.
    const end = locate(this.promptWidths, this.buf, this.buf.length, this.columns());
    return end.col === 0 && end.row > 0 ? out : out + '\r\n';
  }

  /** Writes prompt and line from the current position, then moves the cursor to `pos`. */
  private drawSeq(pos: number): string {
    const cols = this.columns();
    let out = this.promptText + this.buf;
    const end = locate(this.promptWidths, this.buf, this.buf.length, cols);
    // Text that exactly fills its last row leaves xterm in the pending-wrap state; step to the next row
    // explicitly so the cursor's row is unambiguous for the moves below and for the next erase.
    if (end.col === 0 && end.row > 0) out += '\r\n';
    const at = locate(this.promptWidths, this.buf, pos, cols);
    if (end.row > at.row) out += `\x1b[${end.row - at.row}A`;
    if (at.col !== end.col || end.row > at.row) out += '\r' + (at.col > 0 ? `\x1b[${at.col}C` : '');
    this.shown = { promptWidths: this.promptWidths, text: this.buf, pos };
    this.dirty = false; // the screen now matches the line
    return out;
  }
}
