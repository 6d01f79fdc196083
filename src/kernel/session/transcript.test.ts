import { describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../host-api';
import { KernelHost } from '../host';
import { TRANSCRIPT_COMMANDS, TRANSCRIPT_LINES } from './transcript';

const CHAT = 'run "chat-client" with { chat: client @chat, stdio: client @stdio }';

/** Restore a session in a new host, as a reload does, and return what its terminal is to show. */
function replayed(h: KernelHost) {
  const r = new KernelHost(undefined, false).restoreNow(JSON.parse(JSON.stringify(h.session())));
  if (!r.ok || !r.transcript) throw new Error('no transcript');
  return r.transcript;
}
const commands = (entries: TranscriptEntry[]) => entries.filter((e) => e.kind === 'command');

describe('the transcript of a replay', () => {
  it('shows each command as it was typed (prompt, line), its output, then what programs printed', () => {
    const h = new KernelHost(undefined, false);
    h.exec('ps');
    h.exec(CHAT);
    h.kernel.step(50);
    const prompt = h.kernel.prompt;
    h.input('hello all');
    h.kernel.step(50);
    h.interrupt();
    h.kernel.step(10);
    const t = replayed(h);
    expect(t).toMatchObject({ commands: 4, hidden: 0 });
    expect(commands(t.entries)).toEqual([
      { kind: 'command', line: 'ps' },
      { kind: 'command', line: CHAT },
      { kind: 'command', line: 'hello all', prompt },
      { kind: 'command', line: '', interrupt: true, prompt },
    ]);
    const at = (e: Partial<TranscriptEntry>) => t.entries.findIndex((x) => Object.entries(e).every(([k, v]) => x[k as never] === v));
    // ps's own output follows it; the chat client's greeting follows the run line, before the line typed to it…
    expect(at({ kind: 'output', style: 'head' })).toBe(1);
    const greeting = at({ kind: 'console', text: '[#lobby] * you joined #lobby' });
    expect(greeting).toBeGreaterThan(at({ line: CHAT }));
    expect(greeting).toBeLessThan(at({ line: 'hello all' }));
    // …what it said back follows the typed line, and its end follows Ctrl-C.
    expect(at({ kind: 'console', text: '[#lobby] <shell> hello all' })).toBeGreaterThan(at({ line: 'hello all' }));
    expect(at({ kind: 'console', style: 'sys' })).toBeGreaterThan(at({ interrupt: true } as never));
  });

  it('after `clear` shows only what came after it, and counts what it hides', () => {
    const h = new KernelHost(undefined, false);
    h.exec('help');
    h.exec('clear');
    h.exec('ps');
    const t = replayed(h);
    expect(t).toMatchObject({ commands: 3, hidden: 2 });
    expect(commands(t.entries)).toEqual([{ kind: 'command', line: 'ps' }]);
  });

  it(`keeps the newest ${TRANSCRIPT_COMMANDS} commands and at most ${TRANSCRIPT_LINES} lines, saying how many are hidden`, () => {
    const h = new KernelHost(undefined, false);
    for (let i = 0; i < TRANSCRIPT_COMMANDS + 50; i++) h.exec(`clock speed ${1 + (i % 3)}`);
    let t = replayed(h);
    expect(t).toMatchObject({ commands: TRANSCRIPT_COMMANDS + 50, hidden: 50 });
    expect(commands(t.entries)).toHaveLength(TRANSCRIPT_COMMANDS);
    expect(commands(t.entries).at(-1)).toEqual({ kind: 'command', line: `clock speed ${1 + ((TRANSCRIPT_COMMANDS + 49) % 3)}` });
    // Long outputs: the line bound drops older commands first.
    for (let i = 0; i < 40; i++) h.exec('help');
    t = replayed(h);
    expect(t.entries.length).toBeLessThanOrEqual(TRANSCRIPT_LINES);
    expect(t.hidden).toBe(t.commands - commands(t.entries).length);
    expect(t.hidden).toBeGreaterThan(TRANSCRIPT_COMMANDS + 50);
  });

  it('skips what programs printed at boot (nobody saw it), and is empty for an empty log', () => {
    const t = replayed(new KernelHost(undefined, false));
    expect(t).toEqual({ entries: [], commands: 0, hidden: 0 });
  });
});
