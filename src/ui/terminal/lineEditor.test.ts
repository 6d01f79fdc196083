import { describe, it, expect, vi } from 'vitest';
import fc from 'fast-check';
import { LineEditor, HISTORY_LIMIT, cellWidth, commonPrefix } from './lineEditor';
import type { CompletionResult, LineEditorOptions } from './lineEditor';

const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/**
 * A tiny model of the parts of xterm the editor relies on: printing with autowrap and pending wrap,
 * CR, LF, CUU/CUD/CUF/CUB (which first pull a pending-wrap cursor back onto the last column), EL and ED.
 * Rows grow without limit, so relative movement is all that matters.
 */
class Screen {
  rows: string[][] = [[]];
  x = 0;
  y = 0;
  bells = 0;
  constructor(public cols: number) {}

  write(data: string): void {
    for (let i = 0; i < data.length;) {
      const c = data[i];
      if (c === '\x1b') {
        const m = /^\x1b\[([0-9;?]*)([@-~])/.exec(data.slice(i, i + 32));
        if (!m) throw new Error(`unexpected escape in editor output: ${JSON.stringify(data.slice(i, i + 8))}`);
        this.csi(m[1], m[2]);
        i += m[0].length;
        continue;
      }
      if (c === '\r') this.x = 0;
      else if (c === '\n') {
        if (this.x >= this.cols) this.x = this.cols - 1;
        this.y++;
      } else if (c === '\x07') this.bells++;
      else if (CONTROL.test(c)) throw new Error(`unexpected control in editor output: ${c.charCodeAt(0)}`);
      else {
        const cp = data.codePointAt(i)!;
        this.print(String.fromCodePoint(cp), cellWidth(cp));
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
      i++;
    }
  }

  private row(y: number): string[] {
    while (this.rows.length <= y) this.rows.push([]);
    return this.rows[y];
  }

  private print(ch: string, w: number): void {
    if (w === 0) {
      // Combining: joins the previous cell (skipping a wide character's placeholder).
      const r = this.row(this.y);
      let at = Math.min(this.x, this.cols) - 1;
      if (at >= 0 && r[at] === '') at--;
      if (at >= 0) r[at] += ch;
      return;
    }
    if (this.x + w > this.cols) {
      this.x = 0;
      this.y++;
    }
    const r = this.row(this.y);
    while (r.length < this.x) r.push(' ');
    r[this.x] = ch;
    if (w === 2) r[this.x + 1] = '';
    this.x += w;
  }

  private csi(params: string, final: string): void {
    const n = Math.max(1, parseInt(params || '1', 10));
    const restrict = () => (this.x = Math.min(this.x, this.cols - 1));
    switch (final) {
      case 'A':
        restrict();
        this.y = Math.max(0, this.y - n);
        break;
      case 'B':
        restrict();
        this.y += n;
        break;
      case 'C':
        restrict();
        this.x = Math.min(this.cols - 1, this.x + n);
        break;
      case 'D':
        restrict();
        this.x = Math.max(0, this.x - n);
        break;
      case 'K':
        this.row(this.y).length = Math.min(this.x, this.row(this.y).length);
        break;
      case 'J':
        this.row(this.y).length = Math.min(this.x, this.row(this.y).length);
        this.rows.length = this.y + 1;
        break;
      case 'm':
        break;
      default:
        throw new Error(`unexpected CSI ${params}${final}`);
    }
  }

  /** Like xterm's clear(): the cursor's row becomes the only row. */
  clear(): void {
    this.rows = [this.row(this.y)];
    this.y = 0;
  }

  /** Visible rows, trailing blanks trimmed. */
  text(): string[] {
    const lines = this.rows.map((r) => r.join('').trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }
}

/** Where prompt+line should sit on screen, computed independently of the editor. */
function trimBlankTail(rows: string[]): string[] {
  const out = rows.slice();
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

function layout(text: string, cursor: number, cols: number): { rows: string[]; row: number; col: number } {
  const rows: string[][] = [[]];
  let x = 0;
  let cur: { row: number; col: number } | null = null;
  let i = 0;
  for (const ch of text) {
    const w = cellWidth(ch.codePointAt(0)!);
    if (w > 0 && x + w > cols) {
      rows.push([]);
      x = 0;
    }
    if (i === cursor && cur === null && w > 0) cur = { row: rows.length - 1, col: x };
    const r = rows[rows.length - 1];
    if (w === 0) r[r.length - 1] += ch;
    else {
      r.push(ch);
      if (w === 2) r.push('');
    }
    x += w;
    i += ch.length;
  }
  if (cur === null) cur = x >= cols ? { row: rows.length, col: 0 } : { row: rows.length - 1, col: x };
  return { rows: rows.map((r) => r.join('').trimEnd()), ...cur };
}

interface Harness {
  ed: LineEditor;
  out: string[];
  screen: Screen;
  submitted: string[];
  clears: number;
  interrupts: number;
  /** Everything written since the last call. */
  take(): string;
}

/**
 * An editor with a recording writer and a Screen. By default the owner re-prompts as soon as a line is
 * submitted (`autoPrompt`); pass false to play a command that is still running.
 */
function setup(options: Partial<LineEditorOptions> & { cols?: number; autoPrompt?: boolean } = {}): Harness {
  const cols = options.cols ?? 80;
  const screen = new Screen(cols);
  let mark = 0;
  const h: Harness = {
    ed: undefined as unknown as LineEditor,
    out: [],
    screen,
    submitted: [],
    clears: 0,
    interrupts: 0,
    take() {
      const s = h.out.slice(mark).join('');
      mark = h.out.length;
      return s;
    },
  };
  h.ed = new LineEditor({
    prompt: '$ ',
    columns: () => cols,
    ...options,
    write(data) {
      h.out.push(data);
      screen.write(data);
    },
    submit(line) {
      h.submitted.push(line);
      if (options.autoPrompt !== false) h.ed.promptAgain();
    },
    clearScreen() {
      h.clears++;
      screen.clear();
    },
    interrupt() {
      h.interrupts++;
    },
  });
  h.ed.promptAgain();
  return h;
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const completer = (result: CompletionResult) => () => Promise.resolve(result);

describe('LineEditor: prompt and insertion', () => {
  it('starts idle and shows the prompt on promptAgain', () => {
    const out: string[] = [];
    const ed = new LineEditor({ write: (d) => out.push(d), prompt: '$ ', submit: () => {} });
    expect(out.join('')).toBe('');
    expect(ed.isEditing).toBe(false);
    ed.promptAgain();
    expect(out.join('')).toBe('$ ');
    expect(ed.isEditing).toBe(true);
  });

  it('inserts typed and pasted text at the cursor', () => {
    const { ed, screen } = setup();
    ed.handleData('h');
    ed.handleData('i');
    ed.handleData(' there');
    expect(ed.line).toBe('hi there');
    expect(ed.cursor).toBe(8);
    ed.handleData('\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D');
    ed.handleData('!!');
    expect(ed.line).toBe('hi!! there');
    expect(ed.cursor).toBe(4);
    expect(screen.text()).toEqual(['$ hi!! there']);
    expect(screen.x).toBe(6);
  });

  it('measures a prompt with colour codes by its visible width', () => {
    const { ed, screen } = setup({ prompt: '\x1b[1;32mcapplay$\x1b[0m ' });
    ed.handleData('ls\x1b[D');
    expect(screen.text()).toEqual(['capplay$ ls']);
    expect(screen.x).toBe(10);
  });

  it('never inserts escape sequences or control characters', () => {
    const { ed } = setup();
    ed.handleData('a');
    const junk = [
      '\x1b[200~',
      '\x1b[201~',
      '\x1b[1;5A',
      '\x1b[5~',
      '\x1b[6~',
      '\x1b[15~',
      '\x1b[Z',
      '\x1bOP',
      '\x1bOQ',
      '\x1b[I',
      '\x1b[O',
      '\x1b[?1;2c',
      '\x1bx',
      '\x1b',
      '\x00',
      '\x07',
      '\x1a',
      '\x1f',
      '\u009b',
      '\u0085',
      '\x1b[M',
      '\x1b[12;40R',
    ];
    for (const seq of junk) ed.handleData(seq);
    ed.handleData('b');
    expect(ed.line).toBe('ab');
    // Even in a paste that mixes them with text, only the printable parts go in.
    ed.handleData('c\x1b[31md\x1b[0me\x00f');
    expect(ed.line).toBe('abcdef');
    expect(CONTROL.test(ed.line)).toBe(false);
  });
});

describe('LineEditor: deleting and killing', () => {
  it('deletes backwards with DEL and BS, forwards with Delete', () => {
    const { ed } = setup();
    ed.handleData('abcdef');
    ed.handleData('\x7f');
    expect(ed.line).toBe('abcde');
    ed.handleData('\b');
    expect(ed.line).toBe('abcd');
    ed.handleData('\x1b[D\x1b[D\x1b[3~');
    expect(ed.line).toBe('abd');
    expect(ed.cursor).toBe(2);
    ed.handleData('\x1b[H\x7f');
    expect(ed.line).toBe('abd'); // nothing before the cursor
    ed.handleData('\x1b[F\x1b[3~');
    expect(ed.line).toBe('abd'); // nothing after it
  });

  it('treats a surrogate pair and a base with its combining mark as one character', () => {
    const { ed } = setup();
    ed.handleData('a😀e\u0301b');
    ed.handleData('\x1b[D');
    expect(ed.cursor).toBe('a😀e\u0301'.length);
    ed.handleData('\x1b[D');
    expect(ed.cursor).toBe('a😀'.length);
    ed.handleData('\x7f');
    expect(ed.line).toBe('ae\u0301b');
    ed.handleData('\x1b[3~');
    expect(ed.line).toBe('ab');
  });

  it('Ctrl-U kills to the start, Ctrl-K to the end, Ctrl-W the previous word', () => {
    const { ed } = setup();
    ed.handleData('cat  /etc/passwd more');
    ed.handleData('\x17');
    expect(ed.line).toBe('cat  /etc/passwd ');
    ed.handleData('\x17');
    expect(ed.line).toBe('cat  ');
    ed.handleData('\x17');
    expect(ed.line).toBe('');
    ed.handleData('one two three');
    ed.handleData('\x1b[D'.repeat(6));
    ed.handleData('\x0b');
    expect(ed.line).toBe('one two');
    ed.handleData('\x1b[D\x1b[D\x1b[D');
    ed.handleData('\x15');
    expect(ed.line).toBe('two');
    expect(ed.cursor).toBe(0);
  });
});

describe('LineEditor: cursor movement', () => {
  it('moves left and right with CSI and SS3 arrows, stopping at the ends', () => {
    const { ed } = setup();
    ed.handleData('abc');
    ed.handleData('\x1b[D');
    expect(ed.cursor).toBe(2);
    ed.handleData('\x1bOD');
    expect(ed.cursor).toBe(1);
    ed.handleData('\x1b[D\x1b[D\x1b[D');
    expect(ed.cursor).toBe(0);
    ed.handleData('\x1b[C');
    expect(ed.cursor).toBe(1);
    ed.handleData('\x1bOC\x1bOC\x1bOC\x1bOC');
    expect(ed.cursor).toBe(3);
  });

  it.each([
    ['\x1b[H', '\x1b[F'],
    ['\x1bOH', '\x1bOF'],
    ['\x1b[1~', '\x1b[4~'],
    ['\x1b[7~', '\x1b[8~'],
    ['\x01', '\x05'],
  ])('Home %j and End %j', (home, end) => {
    const { ed, screen } = setup();
    ed.handleData('hello world');
    ed.handleData(home);
    expect(ed.cursor).toBe(0);
    expect(screen.x).toBe(2);
    ed.handleData(end);
    expect(ed.cursor).toBe(11);
    expect(screen.x).toBe(13);
    expect(ed.line).toBe('hello world');
  });

  it('moves by word with Ctrl-Left/Right and Alt-b/f', () => {
    const { ed } = setup();
    ed.handleData('cat  /etc/passwd x');
    ed.handleData('\x1b[1;5D');
    expect(ed.cursor).toBe(17);
    ed.handleData('\x1bb');
    expect(ed.cursor).toBe(5);
    ed.handleData('\x1b[1;5C');
    expect(ed.cursor).toBe(16);
    ed.handleData('\x1bf');
    expect(ed.cursor).toBe(18);
  });
});

describe('LineEditor: submitting and history', () => {
  it('submits on Enter, echoes a newline and starts an empty line', () => {
    const h = setup();
    h.ed.handleData('ls -l');
    h.take();
    h.ed.handleData('\r');
    expect(h.submitted).toEqual(['ls -l']);
    expect(h.ed.line).toBe('');
    expect(h.ed.cursor).toBe(0);
    expect(h.take()).toContain('\r\n$ ');
    expect(h.screen.text()).toEqual(['$ ls -l', '$']);
  });

  it('submits the whole line even when the cursor is in the middle', () => {
    const h = setup();
    h.ed.handleData('echo hi\x1b[H\r');
    expect(h.submitted).toEqual(['echo hi']);
    expect(h.screen.text()).toEqual(['$ echo hi', '$']);
  });

  it('submits each complete line of a multi-line paste in order and keeps the rest', () => {
    const h = setup();
    h.ed.handleData('ls\rcat a\r\nps\nhalf');
    expect(h.submitted).toEqual(['ls', 'cat a', 'ps']);
    expect(h.ed.line).toBe('half');
    expect(h.ed.history).toEqual(['ls', 'cat a', 'ps']);
  });

  it('browses history with Up/Down and restores the line in progress', () => {
    const { ed } = setup();
    ed.handleData('one\rtwo\rthree\r');
    ed.handleData('draft');
    ed.handleData('\x1b[A');
    expect(ed.line).toBe('three');
    expect(ed.cursor).toBe(5);
    ed.handleData('\x1b[A\x1b[A');
    expect(ed.line).toBe('one');
    ed.handleData('\x1b[A'); // already at the oldest
    expect(ed.line).toBe('one');
    ed.handleData('\x1b[B');
    expect(ed.line).toBe('two');
    ed.handleData('\x1b[B\x1b[B');
    expect(ed.line).toBe('draft');
    ed.handleData('\x1b[B');
    expect(ed.line).toBe('draft');
  });

  it('skips blank lines and immediate duplicates in history', () => {
    const { ed } = setup();
    ed.handleData('a\r\r   \ra\rb\ra\r');
    expect(ed.history).toEqual(['a', 'b', 'a']);
  });

  it(`keeps at most ${HISTORY_LIMIT} history entries`, () => {
    const { ed } = setup();
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) ed.handleData(`cmd ${i}\r`);
    expect(ed.history.length).toBe(HISTORY_LIMIT);
    expect(ed.history[0]).toBe('cmd 20');
    expect(ed.history[HISTORY_LIMIT - 1]).toBe(`cmd ${HISTORY_LIMIT + 19}`);
  });
});

describe('LineEditor: Ctrl-C and Ctrl-L', () => {
  it('Ctrl-C prints ^C, abandons the line without submitting, and shows a new prompt', () => {
    const h = setup();
    h.ed.handleData('rm -rf\x1b[D\x1b[D');
    h.ed.handleData('\x03');
    expect(h.ed.line).toBe('');
    expect(h.ed.cursor).toBe(0);
    expect(h.submitted).toEqual([]);
    expect(h.ed.history).toEqual([]);
    expect(h.screen.text()).toEqual(['$ rm -rf^C', '$']);
    h.ed.handleData('\x03');
    expect(h.screen.text()).toEqual(['$ rm -rf^C', '$ ^C', '$']);
  });

  it('Ctrl-L clears the screen and redraws the prompt and line with the cursor in place', () => {
    const h = setup();
    h.ed.handleData('first\r');
    h.ed.handleData('second\x1b[D\x1b[D');
    h.ed.handleData('\x0c');
    expect(h.clears).toBe(1);
    expect(h.screen.text()).toEqual(['$ second']);
    expect(h.screen.x).toBe(6);
    expect(h.ed.line).toBe('second');
    expect(h.ed.cursor).toBe(4);
  });
});

describe('LineEditor: tab completion', () => {
  it('completes a single candidate and adds a space', async () => {
    const calls: [string, number][] = [];
    const { ed } = setup({
      complete: (line, cursor) => {
        calls.push([line, cursor]);
        return Promise.resolve({ from: 4, candidates: ['/etc/passwd'] });
      },
    });
    ed.handleData('cat /e\t');
    await flush();
    expect(calls).toEqual([['cat /e', 6]]);
    expect(ed.line).toBe('cat /etc/passwd ');
    expect(ed.cursor).toBe(16);
  });

  it('does not add a space after a directory, or before an existing space', async () => {
    const { ed } = setup({ complete: completer({ from: 3, candidates: ['/home/'] }) });
    ed.handleData('ls /h\t');
    await flush();
    expect(ed.line).toBe('ls /home/');
    const h2 = setup({ complete: completer({ from: 0, candidates: ['cat'] }) });
    h2.ed.handleData('c x\x1b[D\x1b[D\t');
    await flush();
    expect(h2.ed.line).toBe('cat x');
    expect(h2.ed.cursor).toBe(3);
  });

  it('inserts the longest common prefix of several candidates', async () => {
    const { ed, out } = setup({ complete: completer({ from: 0, candidates: ['spawn', 'spawnv', 'spawn-all'] }) });
    ed.handleData('sp\t');
    await flush();
    expect(ed.line).toBe('spawn');
    expect(ed.cursor).toBe(5);
    expect(out.join('')).not.toContain('spawnv');
  });

  it('lists the candidates when there is no longer common prefix, then redraws the line', async () => {
    const h = setup({ complete: completer({ from: 0, candidates: ['cat', 'cap', 'cd'] }) });
    h.ed.handleData('c\t');
    await flush();
    expect(h.ed.line).toBe('c');
    expect(h.screen.text()).toEqual(['$ c', 'cat  cap  cd', '$ c']);
    expect([h.screen.y, h.screen.x]).toEqual([2, 3]);
  });

  it('rings the bell when nothing matches, or the completer fails', async () => {
    const h = setup({ complete: completer({ from: 0, candidates: [] }) });
    h.ed.handleData('zz\t');
    await flush();
    expect(h.ed.line).toBe('zz');
    expect(h.screen.bells).toBe(1);
    const h2 = setup({ complete: () => Promise.reject(new Error('kernel gone')) });
    h2.ed.handleData('x\t');
    await flush();
    expect(h2.ed.line).toBe('x');
    expect(h2.screen.bells).toBe(1);
  });

  it('holds keys typed while a completion is pending and applies them after it', async () => {
    let resolve: (r: CompletionResult) => void = () => {};
    const { ed, submitted } = setup({ complete: () => new Promise((r) => (resolve = r)) });
    ed.handleData('ca\t');
    ed.handleData('r');
    expect(ed.line).toBe('ca');
    resolve({ from: 0, candidates: ['cat'] });
    await flush();
    expect(ed.line).toBe('cat r');
    ed.handleData('\x15cl\t\r'); // Ctrl-U, then Tab and Enter in one chunk: Enter runs the completed line
    resolve({ from: 0, candidates: ['clock'] });
    await flush();
    expect(submitted).toEqual(['clock ']);
  });

  it('releases held keys if a completion never answers', async () => {
    vi.useFakeTimers();
    try {
      const h = setup({ complete: () => new Promise<CompletionResult>(() => {}) });
      h.ed.handleData('ca\tr');
      expect(h.ed.line).toBe('ca');
      await vi.advanceTimersByTimeAsync(2500);
      expect(h.ed.line).toBe('car');
      expect(h.screen.bells).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('strips control sequences from candidates before inserting them', async () => {
    const { ed } = setup({ complete: completer({ from: 0, candidates: ['ev\x1b]52;c;aGk=\x07il\x1b[31m'] }) });
    ed.handleData('e\t');
    await flush();
    expect(ed.line).toBe('evil ');
    expect(CONTROL.test(ed.line)).toBe(false);
  });
});

describe('LineEditor: maxLength', () => {
  it('drops typed input past maxLength with a bell', () => {
    const h = setup({ maxLength: 5 });
    h.ed.handleData('abc');
    h.ed.handleData('def');
    expect(h.ed.line).toBe('abcde');
    expect(h.screen.bells).toBe(1);
    h.ed.handleData('g');
    expect(h.ed.line).toBe('abcde');
    expect(h.screen.bells).toBe(2);
  });

  it('defaults to 4096 and never splits a surrogate pair', () => {
    const h = setup();
    h.ed.handleData('x'.repeat(5000));
    expect(h.ed.line.length).toBe(4096);
    const h2 = setup({ maxLength: 4 });
    h2.ed.handleData('ab😀😀');
    expect(h2.ed.line).toBe('ab😀');
  });
});

describe('LineEditor: running commands and type-ahead', () => {
  it('buffers typed text while a command runs and shows it at the next prompt', () => {
    const h = setup({ autoPrompt: false });
    h.ed.handleData('sleep\r');
    expect(h.ed.isEditing).toBe(false);
    h.take();
    h.ed.handleData('ec\x1b[Dho');
    expect(h.take()).toBe(''); // no echo while the command runs
    h.ed.promptAgain();
    expect(h.ed.line).toBe('echo');
    expect(h.screen.text()).toEqual(['$ sleep', '$ echo']);
  });

  it('queues lines entered while a command runs and submits them at the next prompt', () => {
    const h = setup({ autoPrompt: false });
    h.ed.handleData('one\rtwo\rthree\rfour');
    expect(h.submitted).toEqual(['one']);
    h.ed.promptAgain();
    expect(h.submitted).toEqual(['one', 'two']);
    h.ed.promptAgain();
    h.ed.promptAgain();
    expect(h.submitted).toEqual(['one', 'two', 'three']);
    expect(h.ed.line).toBe('four');
    expect(h.screen.text()).toEqual(['$ one', '$ two', '$ three', '$ four']);
  });

  it('Ctrl-C while a command runs discards the type-ahead and tells the owner', () => {
    const h = setup({ autoPrompt: false });
    h.ed.handleData('sleep\rnext\rtyped');
    h.ed.handleData('\x03');
    expect(h.interrupts).toBe(1);
    h.ed.promptAgain();
    expect(h.submitted).toEqual(['sleep']);
    expect(h.ed.line).toBe('');
    expect(h.screen.text()).toEqual(['$ sleep', '^C', '$']);
  });

  it('printAbove puts output above the prompt and keeps the line and cursor', () => {
    const h = setup();
    h.ed.handleData('abc\x1b[D');
    h.ed.printAbove('event one\r\n');
    h.ed.printAbove('event two');
    expect(h.screen.text()).toEqual(['event one', 'event two', '$ abc']);
    expect([h.screen.y, h.screen.x]).toEqual([2, 4]);
    h.ed.handleData('X');
    expect(h.screen.text()).toEqual(['event one', 'event two', '$ abXc']);
  });

  it('setPrompt redraws the line under the new prompt', () => {
    const h = setup();
    h.ed.handleData('ls');
    h.ed.setPrompt('root# ');
    expect(h.screen.text()).toEqual(['root# ls']);
    expect(h.screen.x).toBe(8);
  });
});

describe('LineEditor: wrapped lines', () => {
  it('keeps the screen and cursor right when the line wraps', () => {
    const h = setup({ cols: 10 });
    h.ed.handleData('abcdefghijklmnopqrstuvwxyz');
    expect(h.screen.text()).toEqual(['$ abcdefgh', 'ijklmnopqr', 'stuvwxyz']);
    expect([h.screen.y, h.screen.x]).toEqual([2, 8]);
    h.ed.handleData('\x1b[H');
    expect([h.screen.y, h.screen.x]).toEqual([0, 2]);
    h.ed.handleData('12');
    expect(h.screen.text()).toEqual(['$ 12abcdef', 'ghijklmnop', 'qrstuvwxyz']);
    expect([h.screen.y, h.screen.x]).toEqual([0, 4]);
    h.ed.handleData('\x1b[F\x7f\x7f\x7f');
    expect(h.screen.text()).toEqual(['$ 12abcdef', 'ghijklmnop', 'qrstuvw']);
    expect([h.screen.y, h.screen.x]).toEqual([2, 7]);
  });

  it('puts the cursor on the next row when the text exactly fills a row', () => {
    const h = setup({ cols: 10 });
    h.ed.handleData('abcdefgh');
    expect(h.screen.text()).toEqual(['$ abcdefgh']);
    expect([h.screen.y, h.screen.x]).toEqual([1, 0]);
    h.ed.handleData('\x7f');
    expect(h.screen.text()).toEqual(['$ abcdefg']);
    expect([h.screen.y, h.screen.x]).toEqual([0, 9]);
    h.ed.handleData('h\r');
    expect(h.submitted).toEqual(['abcdefgh']);
    expect(h.screen.text()).toEqual(['$ abcdefgh', '$']);
  });

  it('wraps a wide character that does not fit in the last column', () => {
    const h = setup({ cols: 10 });
    h.ed.handleData('abcdefg中x');
    expect(h.screen.text()).toEqual(['$ abcdefg', '中x']);
    h.ed.handleData('\x1b[D\x1b[D');
    expect([h.screen.y, h.screen.x]).toEqual([1, 0]);
    expect(h.ed.cursor).toBe(7);
  });

  it('matches an independent layout after any sequence of edits (property)', () => {
    const key = fc.constantFrom(
      'a',
      'bc',
      ' ',
      '中',
      '😀',
      'e\u0301',
      'wxyz',
      '\x1b[D',
      '\x1b[C',
      '\x1b[H',
      '\x1b[F',
      '\x7f',
      '\x1b[3~',
      '\x17',
      '\x15',
      '\x0b',
      '\x1b[1;5D',
      '\x1b[A',
    );
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 12 }), fc.array(key, { maxLength: 40 }), (cols, keys) => {
        const h = setup({ cols });
        for (const k of keys) h.ed.handleData(k);
        const want = layout('$ ' + h.ed.line, 2 + h.ed.cursor, cols);
        expect(h.screen.text()).toEqual(trimBlankTail(want.rows));
        expect([h.screen.y, h.screen.x]).toEqual([want.row, want.col]);
      }),
    );
  });

  it('leaves a clean transcript through Enter, Ctrl-C and Ctrl-L on wrapped lines (property)', () => {
    const key = fc.constantFrom(...['ab', 'c', ' ', '中', '😀', 'wxyz'], ...['\x1b[D', '\x1b[H', '\x7f', '\x1b[A', '\r', '\x03', '\x0c']);
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 12 }), fc.array(key, { maxLength: 40 }), (cols, keys) => {
        const h = setup({ cols });
        let transcript: string[] = []; // rows of finished prompts, as they should stay on screen
        for (const k of keys) {
          if (k === '\r') transcript.push(...layout('$ ' + h.ed.line, 0, cols).rows);
          if (k === '\x03') transcript.push(...layout('$ ' + h.ed.line + '^C', 0, cols).rows);
          if (k === '\x0c') transcript = [];
          h.ed.handleData(k);
        }
        const want = layout('$ ' + h.ed.line, 2 + h.ed.cursor, cols);
        expect(h.screen.text()).toEqual(trimBlankTail([...transcript, ...want.rows]));
        expect([h.screen.y, h.screen.x]).toEqual([transcript.length + want.row, want.col]);
      }),
    );
  });
});

describe('commonPrefix', () => {
  it('finds the shared start and never splits a surrogate pair', () => {
    expect(commonPrefix(['spawn', 'spawnv', 'spa'])).toBe('spa');
    expect(commonPrefix(['abc'])).toBe('abc');
    expect(commonPrefix([])).toBe('');
    expect(commonPrefix(['x😀', 'x😃'])).toBe('x');
  });
});
