import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import { MAX_LINE, tokenize } from './tokenize';

const host = () => new KernelHost(undefined, false);
const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');
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
    expect(out.split('\n')[0]).toMatch(/^PID\s+PPID\s+STATE\s+CAPS\s+NAME\s+PROGRAM$/);
    for (const name of ['init', 'stdio', 'chat', 'shell', 'echo', 'alice', 'bob', 'adventure', 'troll'])
      expect(out).toMatch(new RegExp(`\\s${name}\\s+\\S+$`, 'm'));
  });

  it('caps shows the shell’s table by default and any pid on request', () => {
    const h = host();
    expect(text(h, 'caps')).toMatch(/@chat\s+client\s+endpoint "chat"\s+42/);
    expect(text(h, 'caps')).toMatch(/@chat_participant\s+object\s+ChatParticipant you/);
    expect(text(h, 'caps 1')).toMatch(/@spawner\s+spawner/);
    expect(text(h, 'caps 99')).toBe('caps: no process with pid 99 (column 6). Usage: caps [pid] | caps --why [@cap] [pid]');
    expect(text(h, 'caps x')).toBe('caps: pid must be a whole number, got "x" (column 6). Usage: caps [pid] | caps --why [@cap] [pid]');
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
    expect(
      h.kernel.ledger
        .page(1, 1e4)
        .filter((e) => e.kind === 'clock')
        .map((e) => e.detail),
    ).toEqual(['clock paused', 'clock running', 'clock speed ×2.5']);
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
    // Every summary starts in its own column after a gap: a long usage is never run into its summary.
    const lines = help.split('\n');
    const names = h.complete('', 0).candidates.filter((n) => !['verbs', 'pledge'].includes(n));
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      const [usage, summary] = h.exec(`help ${name}`).lines.map((l) => l.text.trim());
      const row = lines.findIndex((l) => l.endsWith(`  ${summary}`) && l.indexOf(summary) === 36);
      expect(row, `help: ${usage}`).toBeGreaterThanOrEqual(0);
      expect(lines[row].startsWith(`  ${usage}`) || lines[row - 1] === `  ${usage}`, usage).toBe(true);
    }
    expect(help).toContain('  spawn "prog [args]" [pledge "…"] [unveil "…"] [with { … }]\n');
  });

  it('completes commands, subcommands, pids and cap names', () => {
    const h = host();
    expect(h.complete('cl', 2)).toEqual({ from: 0, candidates: ['clear', 'clock'] });
    expect(h.complete('clock st', 8)).toEqual({ from: 6, candidates: ['step'] });
    expect(h.complete('caps ', 5).candidates).toEqual(['--why', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(h.complete('x { a: @chat_', 13)).toEqual({ from: 7, candidates: ['@chat_mod', '@chat_participant', '@chat_root'] });
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
    h.exec('run "chat-client" with { stdio: client @stdio, chat: @chat_participant }');
    h.advance(100);
    h.input('replay me');
    h.advance(300);
    h.interrupt();
    h.exec('defense gate0 off');
    h.exec('run "chat-client" with { chat: client @chat badge 200 }');
    h.advance(500);
    const again = replay(JSON.stringify(h.scenario), h.kernel.seed, h.log);
    again.kernel.step(h.kernel.ticks - again.kernel.ticks);
    expect(JSON.stringify(again.kernel.ledger.page(1, 1e6))).toBe(JSON.stringify(h.kernel.ledger.page(1, 1e6)));
  });
});

describe('launching programs', () => {
  it('run attaches the terminal; typed lines reach the program through its stdio cap; the echo bot answers', () => {
    const h = host();
    const r = h.exec('run "chat-client" with { stdio: client @stdio, chat: @chat_participant }');
    expect(r.foreground).toBe(10);
    expect(h.kernel.foreground).toBe(10);
    h.kernel.step(50);
    expect(h.kernel.prompt).toBe('#lobby> ');
    h.input('hello everyone');
    h.kernel.step(200);
    const printed = h.kernel.console.map((l) => l.text);
    expect(printed).toContain('[#lobby] <you> hello everyone');
    expect(printed).toContain('[#lobby] <echo-bot> echo: hello everyone');
    h.input('/who');
    h.kernel.step(60);
    expect(h.kernel.console.map((l) => l.text)).toContain('#lobby: alice, bob, echo-bot, shell, troll, you');
    h.input('/exit');
    h.kernel.step(60);
    expect(h.kernel.foreground).toBe(0);
    expect(h.kernel.console.at(-1)).toMatchObject({ style: 'sys', text: '[chat-client (pid 10) exited with code 0]' });
  });

  it('given the ChatRoot and a session instead, chat-client derives a proof and joins as the session subject', () => {
    const h = host();
    h.exec('run "chat-client" with { stdio: client @stdio, chat: @chat_root, session: @session }');
    h.kernel.step(50);
    h.input('/who');
    h.kernel.step(60);
    const out = h.kernel.console.map((l) => l.text);
    expect(out).toContain('chat-client: connected. You are in #lobby. /join #channel, /leave, /who, /exit; anything else is sent.');
    expect(out).toContain('#lobby: alice, bob, chat-client, echo-bot, shell, troll, you');
    const child = h.kernel.process(10);
    expect(child.cnode.lookup('participant').cap.origin).toEqual({ how: 'minted', by: 3 }); // minted by the chat server
    expect(
      h.kernel.ledger.page(1, 1e4).some((e) => /derived a proof for subject "you" scoped to ChatRoot, audience "chat"/.test(e.detail)),
    ).toBe(true);
  });

  it('a child without stdio cannot touch the terminal', () => {
    const h = host();
    h.exec('run "chat-client" with { chat: @chat_participant }');
    h.input('/exit');
    h.kernel.step(50);
    expect(h.kernel.console.filter((l) => l.pid === 10 && l.style !== 'sys')).toEqual([]);
  });

  it('Ctrl-C kills the foreground program; spawn, wait and kill work with pids and handles', () => {
    const h = host();
    h.exec('run "idle"');
    h.interrupt();
    expect(h.kernel.foreground).toBe(0);
    expect(h.kernel.console.at(-1)?.text).toBe('[idle (pid 10) was killed]');
    expect(text(h, 'spawn "idle"')).toBe('spawned idle as pid 11; the shell holds @idle-2 to wait on or kill it');
    expect(text(h, 'kill @idle-2')).toBe('killed idle (pid 11)');
    expect(text(h, 'wait 11')).toBe('pid 11 ended with code 137');
    expect(text(h, 'caps')).not.toMatch(/@idle-2/); // waiting reaped the handle
    expect(text(h, 'kill 1')).toMatch(/^kill: EPERM: kill: shell \(pid 4\) holds no process handle to pid 1$/);
    expect(text(h, 'wait @chat')).toMatch(/@chat is a client cap, not a process handle \(column 6\)/);
  });

  it('the legacy relabel line is refused by Gate 0 with the grant named; with Gate 0 off it succeeds', () => {
    const h = host();
    const line = 'run "chat-client" with { chat: client @chat badge 200 }';
    expect(text(h, line)).toBe(
      `run: EGATE0: grant "chat: client @chat badge 200" refused. Gate 0: badge 200 differs from the source's badge 42; a delegated client facet cannot be relabeled (column 26). Usage: ${'run "prog [args]" [pledge "…"] [unveil "…"] [with { name: @cap, name: client @cap, name: move @cap, … }]'}`,
    );
    expect(h.kernel.processes.size).toBe(9);
    expect(text(h, 'defense gate0 off')).toBe('Gate 0 relabel check is off');
    expect(h.exec(line).foreground).toBe(10);
    expect(
      h.kernel.ledger
        .page(1, 1e4)
        .filter((e) => e.kind === 'verdict')
        .map((e) => e.detail.split(':')[0]),
    ).toEqual(['relabel blocked', 'relabel succeeded']);
  });

  it.each([
    ['run', 'run: expected a program name in quotes, e.g. "chat-client" at the end of the line (column 4)'],
    ['run chat-client', 'run: expected a program name in quotes, e.g. "chat-client", found "chat-client" (column 5)'],
    ['run "idle" { a: @chat }', 'run: expected pledge "…", unveil "…", "with { … }" or nothing, found "{" (column 12)'],
    ['run "idle" with { a @chat }', 'run: expected ":" after the grant name a, found "chat" (column 21)'],
    ['run "idle" with { a: chat }', 'run: expected a cap (@name), "client @name" or "move @name", found "chat" (column 22)'],
    ['run "idle" with { a: @chat badge 3 }', 'run: only a client facet takes a badge ("client @chat badge N") (column 28)'],
    ['run "idle" with { a: client @chat badge -1 }', 'run: expected a badge number (0 to 2147483647), found "-1" (column 41)'],
    [
      'run "idle" with { a: client @chat badge 99999999999 }',
      'run: expected a badge number (0 to 2147483647), found "99999999999" (column 41)',
    ],
    ['run "idle" with { a: @chat b: @stdio }', 'run: expected "," or "}", found "b" (column 28)'],
    ['run "idle" with { a: @chat } extra', 'run: expected the end of the line after "}", found "extra" (column 30)'],
    ['run "idle" with { a: @chat, a: @stdio }', 'grant name "a" is used twice'],
    ['run "idle" with { a: @nope }', 'grant "a: @nope": no cap named @nope'],
    ['run "nope"', 'no program named "nope"; "help" lists the programs (column 5)'],
    ['run "idle" with {{ a: @chat }}', 'run: expected a grant name (the child’s name for the cap), found "{" (column 18)'],
  ])('hostile launch line %j is refused clearly', (line, message) => {
    const h = host();
    const out = text(h, line);
    expect(out).toContain(message);
    expect(h.kernel.processes.size).toBe(9);
    expect(text(h, 'ps')).toMatch(/^PID/); // still working
  });

  it('call reaches a service through a cap and shows new caps', () => {
    const h = host();
    expect(text(h, 'call @chat_participant who "#lobby"')).toBe('["alice","bob","echo-bot","shell","troll","you"]');
    expect(text(h, 'call @chat_participant kick "#lobby"')).toBe(
      'call: EIFACE: kick belongs to ChatModerator; @chat_participant is a ChatParticipant',
    );
    expect(text(h, 'call @chat_mod kick "#lobby" @chat_participant')).toBe('true');
  });
});

describe('Ctrl-C always works', () => {
  it('even when the shell has no energy left to pay for the kill', () => {
    const h = new KernelHost(undefined, false);
    h.exec('run "idle"');
    const shell = [...h.kernel.processes.values()].find((p) => p.program === 'shell')!;
    shell.meter.energy = 0;
    h.interrupt();
    expect(h.kernel.foreground).toBe(0);
    expect(h.kernel.ledger.last(2).some((e) => e.kind === 'kill' && /killed by the kernel/.test(e.detail))).toBe(true);
  });
});

describe('drop, rotate inflight, and the verdicts they leave', () => {
  const verdicts = (h: KernelHost) =>
    h.kernel.ledger
      .page(1, 1e5)
      .filter((e) => e.kind === 'verdict')
      .map((e) => e.detail);

  it('drop deletes a cap from the shell only; a local delete is no revocation', () => {
    const h = host();
    expect(text(h, 'drop news')).toMatch(/^drop: expected the cap to drop, e\.g\. @vault \(column 6\)/);
    expect(text(h, 'drop @nope')).toMatch(/^drop: no cap named @nope \(column 6\)/);
    h.exec('channel news');
    h.exec('spawn "idle" with { news: @news }');
    expect(text(h, 'drop @news')).toBe('the shell no longer holds @news');
    expect(isError(h, 'mask @news r')).toBe(true);
    expect(h.kernel.ledger.last(1)[0]).toMatchObject({
      kind: 'release',
      detail: 'shell (pid 4) no longer holds @news: dropped by the shell',
    });
    expect(verdicts(h)).toEqual([]); // only imports get the "revocation incomplete" verdict
  });

  it('rotate … inflight: a call in flight finishes under its snapshot; a new call through the old cap faults', () => {
    const h = host();
    expect(text(h, 'rotate invoke_key invoke_key_2 inflight')).toMatch(
      /^→ \{"status":"ok","result":\{"by":"B","processed":\{"inflight":true\}\}\}\nroute: invoke_key: EndpointRefCap#\d+ → InFlight#\d+ → caught by Chain#1$/,
    );
    expect(text(h, 'invoke old')).toMatch(/^fault: unhandled yield_key invoke_key/);
    expect(text(h, 'invoke')).toMatch(/^→ \{"status":"ok","result":\{"by":"B","processed":null\}\}\nroute: invoke_key_2: /);
    expect(verdicts(h).map((v) => v.split(':')[0])).toEqual(['snapshot caveat', 'revoked by key rotation']);
  });

  it('defense lists the receiver generation check', () => {
    expect(text(host(), 'defense').split('\n').at(-1)).toBe('generation on   receiver generation check');
  });
});

describe('a shell whose process is gone', () => {
  it('answers ESRCH, never an internal error (the kernel ended it; no shell line can)', () => {
    const h = host();
    h.kernel.kill(0, 4);
    for (const line of ['wait @chat', 'kill @x', 'tier @x void', 'grant @x @stdio', 'tofu']) {
      expect(text(h, line)).toMatch(/ESRCH: no process with pid 4/);
    }
  });
});
