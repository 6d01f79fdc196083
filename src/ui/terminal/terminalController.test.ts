import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleUpdate } from '../../client/consoleFeed';
import type { ConsoleLine } from '../../kernel/sab/layout';
import { PROMPT, TerminalController, type TerminalKernel } from './terminalController';

type ExecAnswer = Awaited<ReturnType<TerminalKernel['exec']>>;

/** What a person would read of a stretch of output: escape sequences and carriage returns taken out. */
const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/**
 * A screen that keeps what it was sent (`out`) and what it shows (`rows()`): just enough of a VT terminal for
 * what the controller and the line editor write (text, CR, LF, cursor up/right, erase below, erase line).
 */
class FakeScreen {
  out = '';
  clears = 0;
  readonly cols = 80;
  private lines: string[] = [''];
  private row = 0;
  private col = 0;

  write(data: string): void {
    this.out += data;
    for (let i = 0; i < data.length; i++) {
      const c = data[i];
      if (c === '\x1b') {
        const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(data.slice(i));
        if (!m) continue;
        i += m[0].length - 1;
        const n = Number(m[1] || 1);
        if (m[2] === 'A') this.row = Math.max(0, this.row - n);
        else if (m[2] === 'C') this.col += n;
        else if (m[2] === 'J') this.lines = [...this.lines.slice(0, this.row), this.line().slice(0, this.col)];
        else if (m[2] === 'K' && m[1] === '2') this.lines[this.row] = '';
        continue;
      }
      if (c === '\r') this.col = 0;
      else if (c === '\n') {
        this.row++;
        if (this.row === this.lines.length) this.lines.push('');
      } else if (c >= ' ') {
        const l = this.line().padEnd(this.col);
        this.lines[this.row] = l.slice(0, this.col) + c + l.slice(this.col + 1);
        this.col++;
      }
    }
  }

  clear(): void {
    this.clears++;
  }

  /** The rows as shown, trailing blanks trimmed. */
  rows(): string[] {
    const rows = this.lines.map((l) => l.trimEnd());
    while (rows.length > 1 && rows.at(-1) === '') rows.pop();
    return rows;
  }

  private line(): string {
    return this.lines[this.row] ?? '';
  }
}

function setup(ready = true) {
  const screen = new FakeScreen();
  // Each exec waits until the test answers it (or refuses it), so the test decides what arrives while it runs.
  const execs: { line: string; answer(r: ExecAnswer): void; refuse(e: unknown): void }[] = [];
  const inputs: string[] = [];
  let interrupts = 0;
  const kernel: TerminalKernel = {
    exec: (line) => new Promise((answer, refuse) => execs.push({ line, answer, refuse })),
    complete: async () => ({ from: 0, candidates: [] }),
    input: (line) => void inputs.push(line),
    interrupt: () => void interrupts++,
  };
  let listener: ((u: ConsoleUpdate) => void) | null = null;
  const feed = {
    subscribe: (l: (u: ConsoleUpdate) => void) => {
      listener = l;
      return () => (listener = null);
    },
  };
  /** Program output as the console ring reports it (line numbers and pids do not matter to the terminal). */
  let n = 0;
  const console = (lines: Omit<ConsoleLine, 'n' | 'pid'>[], foreground = 0, prompt = '') =>
    listener!({ lines: lines.map((l) => ({ ...l, n: ++n, pid: 10 })), dropped: 0, foreground, prompt });
  const scriptsDone: number[] = [];
  const controller = new TerminalController(screen, kernel, {
    banner: 'welcome\n',
    ready,
    onScriptDone: () => scriptsDone.push(execs.length),
  });
  const detach = controller.attachConsole(feed);
  return { screen, execs, inputs, interrupts: () => interrupts, console, controller, detach, scriptsDone };
}

/** Let the exec answer's promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('TerminalController', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ignores input until the kernel is ready, then replaces "booting kernel…" with the first prompt', () => {
    const { screen, execs, controller } = setup(false);
    expect(plain(screen.out)).toBe('welcome\nbooting kernel…');
    controller.handleData('ps\r');
    expect(execs).toHaveLength(0);
    const mark = screen.out.length;
    controller.setReady(true);
    expect(screen.out.slice(mark).startsWith('\r\x1b[2K')).toBe(true); // the booting line is erased
    expect(plain(screen.out.slice(mark))).toBe('capplay$ ');
  });

  it("prints a running line's own output before the console lines that arrived while it ran, then the prompt", async () => {
    const { screen, execs, console, controller } = setup();
    controller.setReady(true);
    controller.handleData('ps\r');
    expect(execs.map((e) => e.line)).toEqual(['ps']);
    const mark = screen.out.length;
    console([
      { text: 'echo-bot: hello', style: 'out' },
      { text: 'echo-bot: oops', style: 'err' },
    ]);
    expect(screen.out.slice(mark)).toBe(''); // held while the line runs
    execs[0].answer({ lines: [{ text: 'PID  PPID  NAME' }, { text: '4    1     shell', style: 'dim' }] });
    await settle();
    const after = screen.out.slice(mark);
    expect(plain(after)).toBe('PID  PPID  NAME\n4    1     shell\necho-bot: hello\necho-bot: oops\ncapplay$ ');
    expect(screen.rows()).toEqual([
      'welcome',
      'capplay$ ps',
      'PID  PPID  NAME',
      '4    1     shell',
      'echo-bot: hello',
      'echo-bot: oops',
      'capplay$',
    ]);
    expect(after).toContain('\x1b[90m4    1     shell\x1b[0m\r\n'); // the line's own style
    expect(after).toContain('\x1b[31mecho-bot: oops\x1b[0m\r\n'); // a program's stderr in red
    // Nothing held is printed twice: the next console line goes straight above the prompt.
    console([{ text: 'later', style: 'out' }]);
    expect(plain(screen.out.slice(mark)).match(/echo-bot: hello/g)).toHaveLength(1);
  });

  it('prints console lines that arrive while idle above the prompt, and redraws the half-typed line below them', () => {
    const { screen, execs, console, controller } = setup();
    controller.setReady(true);
    controller.handleData('ca');
    const mark = screen.out.length;
    console([{ text: '[chat-client (pid 10) exited with code 0]', style: 'sys' }]);
    const after = screen.out.slice(mark);
    expect(screen.rows()).toEqual(['welcome', '[chat-client (pid 10) exited with code 0]', 'capplay$ ca']);
    expect(after.indexOf('exited')).toBeLessThan(after.lastIndexOf(PROMPT));
    expect(after).toContain('\x1b[90m[chat-client (pid 10) exited with code 0]\x1b[0m'); // system lines dim
    expect(execs).toHaveLength(0);
    controller.handleData('ps 4\r'); // the line typed so far is still there: "caps 4"
    expect(execs.map((e) => e.line)).toEqual(['caps 4']);
  });

  it("sends typed lines and Ctrl-C to a foreground program (interrupt), and the shell's prompt back when it leaves", () => {
    const { screen, execs, inputs, interrupts, console, controller } = setup();
    controller.setReady(true);
    controller.handleData('\x03'); // at the shell: Ctrl-C clears the line, and the kernel cancels lines waiting for energy, if any
    expect(interrupts()).toBe(1);
    console([{ text: 'chat-client: connected', style: 'out' }], 10, '#lobby> ');
    expect(screen.rows()).toEqual(['welcome', 'capplay$ ^C', 'chat-client: connected', '#lobby>']);
    controller.handleData('hello\r');
    expect(inputs).toEqual(['hello']);
    expect(execs).toHaveLength(0);
    controller.handleData('\x03');
    expect(interrupts()).toBe(2);
    console([{ text: '[chat-client (pid 10) was killed]', style: 'sys' }], 0, '');
    expect(screen.rows().slice(-4)).toEqual(['#lobby> hello', '#lobby> ^C', '[chat-client (pid 10) was killed]', 'capplay$']);
    controller.handleData('\x03');
    expect(interrupts()).toBe(3);
    controller.handleData('ps\r');
    expect(execs.map((e) => e.line)).toEqual(['ps']);
  });

  it('reports a thrown exec as an error line and carries on with the next line', async () => {
    const { screen, execs, controller } = setup();
    controller.setReady(true);
    controller.handleData('ps\r');
    const mark = screen.out.length;
    execs[0].refuse(new Error('the kernel is not running'));
    await settle();
    expect(screen.out.slice(mark)).toContain('\x1b[31mthe kernel is not running\x1b[0m\r\n');
    expect(plain(screen.out.slice(mark))).toBe('the kernel is not running\ncapplay$ ');
    expect(screen.rows()).toEqual(['welcome', 'capplay$ ps', 'the kernel is not running', 'capplay$']);
    controller.handleData('caps 4\r');
    expect(execs.map((e) => e.line)).toEqual(['ps', 'caps 4']);
    const next = screen.out.length;
    execs[1].answer({ lines: [{ text: 'shell (pid 4) holds 10 caps' }], clear: true });
    await settle();
    expect(screen.clears).toBe(1);
    expect(plain(screen.out.slice(next))).toBe('shell (pid 4) holds 10 caps\ncapplay$ ');
  });

  it('types a script one line at a time, each after the one before has finished, and says when it is done', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { execs, controller, scriptsDone } = setup();
    controller.setReady(true);
    controller.typeLines(['ps', 'caps 4']);
    expect(execs.map((e) => e.line)).toEqual(['ps']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(execs).toHaveLength(1); // the first line still runs: the second waits
    execs[0].answer({ lines: [] });
    await vi.advanceTimersByTimeAsync(100);
    expect(execs.map((e) => e.line)).toEqual(['ps', 'caps 4']);
    expect(scriptsDone).toEqual([]);
    execs[1].answer({ lines: [] });
    await vi.advanceTimersByTimeAsync(1000);
    expect(scriptsDone).toEqual([2]);
  });

  it('writes nothing once disposed, not even the answer of a line that was running', async () => {
    const { screen, execs, controller, console } = setup();
    controller.setReady(true);
    controller.handleData('ps\r');
    controller.dispose();
    const mark = screen.out.length;
    console([{ text: 'late', style: 'out' }]);
    execs[0].answer({ lines: [{ text: 'PID' }] });
    await settle();
    expect(screen.out.slice(mark)).toBe('');
  });

  describe('a transcript (a replay, a script)', () => {
    const transcript = {
      label: 'Opening the shared session: 203 commands replayed',
      commands: 203,
      hidden: 200,
      entries: [
        { kind: 'command', line: 'run "chat-client"' },
        { kind: 'output', text: 'running chat-client\x1b]52;c;c2VjcmV0\x07 in the foreground', style: 'dim' },
        { kind: 'console', text: '[#lobby] * you joined', style: 'out' },
        { kind: 'command', line: 'hello\x1b[2J all', prompt: '#lobby> ' },
        { kind: 'command', line: '', interrupt: true, prompt: '#lobby> ' },
      ] as const,
    };

    it('shows a heading, how many earlier commands are hidden, then each command at its prompt and its output, sanitized', () => {
      const { screen, controller } = setup();
      controller.setReady(true);
      controller.showTranscript({ ...transcript, entries: [...transcript.entries] });
      expect(screen.rows()).toEqual([
        'welcome',
        '── Opening the shared session: 203 commands replayed ──',
        '[200 earlier commands were replayed and are not shown]',
        'capplay$ run "chat-client"',
        'running chat-client in the foreground', // the OSC 52 clipboard write is gone, payload and all
        '[#lobby] * you joined',
        '#lobby> hello all',
        '#lobby> ^C',
        'capplay$', // the prompt, redrawn below it
      ]);
      expect(screen.out).not.toContain('\x1b]52');
      expect(screen.out).not.toContain('\x1b[2J');
    });

    it('arriving while the kernel boots, it goes above "booting kernel…"', () => {
      const { screen, controller } = setup(false);
      controller.showTranscript({
        label: 'Restoring your session: 1 command replayed',
        commands: 1,
        hidden: 0,
        entries: [{ kind: 'command', line: 'ps' }],
      });
      expect(screen.rows()).toEqual(['welcome', '── Restoring your session: 1 command replayed ──', 'capplay$ ps', 'booting kernel…']);
      controller.setReady(true);
      expect(screen.rows().at(-1)).toBe('capplay$');
    });
  });
});
