import { expect, terminalFlat, terminalText, test, typeLine, toggleDefense } from './fixtures';

const RELABEL = 'run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }';

test('chat-client with the right grants joins, sends, and the echo bot answers in the transcript', async ({ app }) => {
  await typeLine(app, 'run "chat-client" with { stdio: client @stdio, chat: @chat_participant }');
  await expect.poll(() => terminalFlat(app)).toMatch(/chat-client: connected\. You are in #lobby/);
  await expect.poll(() => terminalText(app)).toMatch(/#lobby> /);
  await typeLine(app, 'hello from the e2e test');
  await expect.poll(() => terminalFlat(app)).toMatch(/\[#lobby\] <you> hello from the e2e test/);
  await expect.poll(() => terminalFlat(app)).toMatch(/\[#lobby\] <echo-bot> echo: hello from the e2e test/);
  await typeLine(app, '/join #dev');
  await expect.poll(() => terminalText(app)).toMatch(/#dev> /);
  await typeLine(app, '/exit');
  await expect.poll(() => terminalFlat(app)).toMatch(/\[chat-client \(pid 10\) exited with code 0\]/);
  // back at the shell
  await typeLine(app, 'ps');
  await expect.poll(() => terminalText(app)).toMatch(/PID\s+PPID/);
});

test('Ctrl-C stops a foreground program and returns to the shell', async ({ app }) => {
  await typeLine(app, 'run "chat-client" with { stdio: client @stdio, chat: @chat_participant }');
  await expect.poll(() => terminalText(app)).toMatch(/#lobby> /);
  await app.keyboard.press('Control+C');
  await expect.poll(() => terminalText(app)).toMatch(/\[chat-client \(pid 10\) was killed\]/);
  await typeLine(app, 'caps 4');
  await expect.poll(() => terminalText(app)).toMatch(/shell \(pid 4\) holds 10 caps/);
});

test('the relabeling attack: blocked by Gate 0, visible when the defense is off', async ({ app }) => {
  const graph = app.getByTestId('graph');
  const verdict = app.getByTestId('verdict');

  // Gate 0 on: refused, the grant is named, a red dashed edge flashes toward the chat endpoint, the ledger records it.
  await expect(app.getByTestId('defense-gate0')).toBeChecked();
  await typeLine(app, RELABEL);
  await expect.poll(() => terminalFlat(app)).toMatch(/EGATE0: grant "chat: client @chat badge 200" refused\. Gate 0: badge 200 differs/);
  await expect(verdict).toContainText('relabel blocked');
  // The banner's colour comes from the record's outcome field (the SAB ring's OUTCOME column), not its wording.
  await expect(verdict).toHaveAttribute('data-outcome', 'held');
  await expect(verdict).toHaveClass(/\bblocked\b/);
  const denied = graph.locator('[data-edge-kind="denied"]');
  await expect(denied).toHaveCount(1);
  await expect(denied).toContainText('Gate 0: badge 200 differs from the source');
  await expect(graph.locator('[data-node-id^="p:"]')).toHaveCount(9); // no child was spawned
  const ledger = app.getByTestId('ledger');
  await ledger.getByLabel('Filter ledger by event kind').selectOption('deny');
  await expect(ledger.locator('[data-event="deny"]').last()).toContainText('Gate 0: badge 200 differs');

  // Gate 0 off (toggled in the top bar, which is ledgered): the same line succeeds and the child speaks as bob.
  await toggleDefense(app, 'gate0');
  await expect(app.getByTestId('defense-gate0')).not.toBeChecked();
  await ledger.getByLabel('Filter ledger by event kind').selectOption('defense');
  await expect(ledger.locator('[data-event="defense"]')).toContainText('Gate 0 relabel check turned off');
  await typeLine(app, RELABEL);
  await expect(verdict).toContainText('relabel succeeded');
  await expect(verdict).toContainText('speaks as bob (pid 7)');
  await expect(verdict).toHaveAttribute('data-outcome', 'breach');
  await expect(verdict).toHaveClass(/\bsucceeded\b/);
  const impersonation = graph.locator('[data-edge-id][data-relabeled="true"]');
  await expect(impersonation).toHaveCount(1);
  await expect(impersonation).toContainText('impersonation');
  await expect(impersonation).toHaveAttribute('data-edge-kind', 'client');
  await expect.poll(() => terminalText(app)).toMatch(/#lobby> /);
  await typeLine(app, 'I am definitely bob');
  await expect.poll(() => terminalFlat(app)).toMatch(/\[#lobby\] <bob> I am definitely bob/);
  await expect.poll(() => terminalFlat(app)).toMatch(/<echo-bot> echo: I am definitely bob/);
});

test('adventure: play in the terminal, speak through chat, the troll answers', async ({ app }) => {
  await typeLine(app, 'run "adventure-client" with { stdio: client @stdio, game: @adventure_player, chat: @chat_participant }');
  await expect.poll(() => terminalFlat(app)).toMatch(/Great Hall\. Dusty banners/);
  await typeLine(app, 'go east');
  await expect.poll(() => terminalFlat(app)).toMatch(/Walled Garden\. A troll naps/);
  await typeLine(app, 'take brass key');
  await expect.poll(() => terminalFlat(app)).toMatch(/Taken: brass key\./);
  await typeLine(app, 'say hello troll');
  await expect.poll(() => terminalFlat(app)).toMatch(/You say: hello troll/);
  await typeLine(app, 'quit');
  await typeLine(app, 'call @chat_participant poll 50');
  await expect.poll(() => terminalFlat(app)).toMatch(/"from":"troll","text":"\*grunts at you\* I stay in the Walled Garden/);
});
