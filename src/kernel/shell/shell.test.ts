import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import { MAX_LINE, tokenize } from './tokenize';

const host = () => new KernelHost(undefined, false);
const text = (h: KernelHost, line: string) => h.exec(line).lines.map((l) => l.text).join('\n');
const isError = (h: KernelHost, line: string) => h.exec(line).lines.some((l) => l.style === 'error');

describe('tokenizer', () => {
  it('reads words, strings, refs and punctuation with columns', () => {
    expect(tokenize('run "chat-client" with { chat: client @chat badge 200 }')).toEqual([
      { type: 'word', value: 'run', column: 1 },
      { type: 'string', value: 'chat-client', column: 5 },
      { type: 'word', value: 'with', column: 19 },
      { type: 'punct', value: '{', column: 24 },
      { type: 'word', value: 'chat', column: 26 },
      { type: 'punct', value: ':', column: 30 },
      { type: 'word', value: 'client', column: 32 },
      { type: 'ref', value: 'chat', column: 39 },
      { type: 'word', value: 'badge', column: 45 },
      { type: 'word', value: '200', column: 51 },
      { type: 'punct', value: '}', column: 55 },
    ]);
    expect(tokenize('echo "a \\"q\\" b"  # comment')[1].value).toBe('a "q" b');
  });

  it.each([
    ['run "chat', 'unterminated string: missing closing " (column 5)'],
    ['run "x" with { a: @b', 'unbalanced "{": missing "}" (column 14)'],
    ['run "x" with a: @b }', 'unbalanced "}": no "{" to close (column 20)'],
    ['ps\u0007', 'control character U+0007 is not allowed (column 3)'],
    ['ps \u001b[31m', 'control character U+001B is not allowed (column 4)'],
    ['caps \u009b1', 'control character U+009B is not allowed (column 6)'],
    ['grant @', '"@" must be followed by a cap name (column 7)'],
    ['ps; rm', 'unexpected character ";" (column 3)'],
    ['ps \u202e', 'unexpected character U+202E (column 4)'],
    ['echo "\\n"', 'unknown escape \\n in string; only \\" and \\\\ are allowed (column 7)'],
  ])('rejects %j', (line, message) => {
    expect(() => tokenize(line)).toThrow(message);
  });

  it('refuses huge lines quickly', () => {
    expect(() => tokenize('a'.repeat(MAX_LINE + 1))).toThrow(/limit is 4096/);
    expect(tokenize('a '.repeat(2000)).length).toBe(2000);
  });
});

describe('shell commands', () => {
  it('ps lists the boot processes', () => {
    const out = text(host(), 'ps');
    expect(out.split('\n')[0]).toMatch(/^PID\s+PPID\s+MACHINE\s+STATE\s+CAPS\s+PROGRAM\s+NAME$/);
    for (const name of ['init', 'stdio', 'chat', 'shell', 'alice', 'bob']) expect(out).toMatch(new RegExp(`\\b${name}$`, 'm'));
  });

  it('caps shows the shell’s table by default and any pid on request', () => {
    const h = host();
    expect(text(h, 'caps')).toMatch(/@chat\s+client\s+endpoint "chat"/);
    expect(text(h, 'caps 1')).toMatch(/@spawner\s+spawner/);
    expect(text(h, 'caps 99')).toBe('caps: no process with pid 99 (column 6). Usage: caps [pid]');
    expect(text(h, 'caps x')).toBe('caps: pid must be a whole number, got "x" (column 6). Usage: caps [pid]');
  });

  it('ledger shows the newest records', () => {
    const out = text(host(), 'ledger 3');
    expect(out.split('\n')).toHaveLength(5); // count line, header, 3 rows
    expect(out).toMatch(/grant/);
  });

  it('clock pause, step and run control virtual time', () => {
    const h = host();
    h.exec('clock pause');
    h.advance(1000);
    expect(h.kernel.time).toBe(0);
    expect(text(h, 'clock step 25')).toBe('clock paused at 0.025s, speed ×1');
    h.exec('clock run');
    h.advance(100);
    expect(h.kernel.time).toBe(125);
    h.exec('clock speed 2.5');
    h.advance(100);
    expect(h.kernel.time).toBe(375);
    expect(h.kernel.ledger.page(1, 1e4).filter((e) => e.kind === 'clock').map((e) => e.detail)).toEqual(['clock paused', 'clock running', 'clock speed ×2.5']);
  });

  it('errors say what and where, and the shell keeps working', () => {
    const h = host();
    expect(text(h, 'pss')).toBe('"pss": unknown command (column 1). did you mean ps? Type "help" for the list.');
    expect(text(h, 'clock speed 0')).toMatch(/speed must be a number above 0 and at most 100, got "0" \(column 13\)/);
    expect(text(h, 'clock warp')).toMatch(/unknown clock action "warp".*\(column 7\)/);
    expect(text(h, 'ps extra')).toMatch(/unexpected "extra" \(column 4\)/);
    expect(isError(h, 'run "x')).toBe(true);
    expect(isError(h, 'ps')).toBe(false);
  });

  it('clear asks the terminal to clear; help lists every command', () => {
    const h = host();
    expect(h.exec('clear').clear).toBe(true);
    const help = text(h, 'help');
    for (const c of ['help', 'ps', 'caps', 'ledger', 'clear', 'clock']) expect(help).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('completes commands, subcommands, pids and cap names', () => {
    const h = host();
    expect(h.complete('cl', 2)).toEqual({ from: 0, candidates: ['clear', 'clock'] });
    expect(h.complete('clock st', 8)).toEqual({ from: 6, candidates: ['step'] });
    expect(h.complete('caps ', 5).candidates).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(h.complete('x { a: @ch', 10)).toEqual({ from: 7, candidates: ['@chat'] });
  });

  it('the same scenario, seed and command log replay to the same ledger', async () => {
    const { replay } = await import('../host');
    const h = host();
    h.advance(300);
    h.exec('clock pause');
    h.exec('clock step 500');
    h.exec('bogus');
    h.exec('clock run');
    h.advance(1200);
    const again = replay(JSON.stringify(h.scenario), h.kernel.seed, h.log);
    again.kernel.step(h.kernel.ticks - again.kernel.ticks);
    expect(JSON.stringify(again.kernel.ledger.page(1, 1e6))).toBe(JSON.stringify(h.kernel.ledger.page(1, 1e6)));
  });
});
