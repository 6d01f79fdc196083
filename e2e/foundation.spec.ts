import { expect, terminalFlat, terminalText, test, typeLine, vtime } from './fixtures';

const BOOT = ['init', 'stdio', 'chat', 'shell', 'echo', 'alice', 'bob', 'adventure', 'troll'];

test('the page is cross-origin isolated and the kernel runs', async ({ app }) => {
  expect(await app.evaluate(() => crossOriginIsolated && typeof SharedArrayBuffer === 'function')).toBe(true);
  await expect(app.getByTestId('isolation-banner')).toHaveCount(0);
  await expect(app.getByTestId('scenario-name')).toHaveText('Chat on one machine');
});

test('ps in the terminal prints the boot processes', async ({ app }) => {
  await typeLine(app, 'ps');
  await expect.poll(() => terminalText(app)).toMatch(/PID\s+PPID\s+STATE\s+CAPS\s+NAME/);
  const text = await terminalText(app);
  for (const name of BOOT) expect(text).toMatch(new RegExp(`\\b${name}\\b`));
  expect(text).toMatch(/chat-server/);
});

test('the graph shows the same processes as nodes, and caps as edges', async ({ app }) => {
  const graph = app.getByTestId('graph');
  const nodes = graph.locator('[data-node-id^="p:"]');
  await expect(nodes).toHaveCount(BOOT.length);
  const labels = await nodes.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  for (const name of BOOT) expect(labels.some((l) => l.includes(name))).toBe(true);
  await expect(graph.locator('[data-node-id][data-kind="endpoint"]')).toHaveCount(3);
  await expect(graph.locator('[data-kind="machine"]')).toHaveCount(1);
  for (const kind of ['endpoint', 'client', 'spawner', 'process', 'object', 'session']) {
    expect(await graph.locator(`[data-edge-kind="${kind}"]`).count()).toBeGreaterThan(0);
  }
  expect(Number(await graph.getAttribute('data-layout-ms'))).toBeGreaterThan(0);
});

test('the ledger shows the boot events and filters by kind', async ({ app }) => {
  const ledger = app.getByTestId('ledger');
  await expect(ledger.locator('[data-event="grant"]').first()).toBeVisible();
  await ledger.getByLabel('Filter ledger by event kind').selectOption('spawn');
  await expect(ledger.locator('[data-event="spawn"]')).toHaveCount(BOOT.length);
  await expect(ledger.locator('[data-event]:not([data-event="spawn"])')).toHaveCount(0);
  await ledger.getByLabel('Filter ledger by event kind').selectOption('boot');
  await expect(ledger.locator('[data-event="boot"][data-seq="1"]')).toContainText('Chat on one machine');
});

test('clock pause stops virtual time; clock step advances it', async ({ app }) => {
  await typeLine(app, 'clock pause');
  await expect.poll(() => terminalText(app)).toMatch(/clock paused at/);
  const paused = await vtime(app);
  await app.waitForTimeout(400);
  expect(await vtime(app)).toBe(paused);
  await typeLine(app, 'clock step 250');
  await expect.poll(() => vtime(app)).toBeCloseTo(paused + 0.25, 3);
  await typeLine(app, 'clock run');
  await expect.poll(() => vtime(app)).toBeGreaterThan(paused + 0.3);
  await expect(app.getByTestId('ledger').locator('[data-event="clock"]').first()).toBeVisible();
});

test('a bad command prints an error and the shell keeps working', async ({ app }) => {
  await typeLine(app, 'frobnicate --now');
  await expect.poll(() => terminalText(app)).toMatch(/"frobnicate": unknown command \(column 1\)/);
  await typeLine(app, 'run "chat-client');
  await expect.poll(() => terminalText(app)).toMatch(/syntax error: unterminated string/);
  await typeLine(app, 'caps 3');
  await expect.poll(() => terminalText(app)).toMatch(/chat \(pid 3\) holds 1 cap/);
});

test('tab completes commands and their arguments; arrows recall history', async ({ app }) => {
  await app.getByTestId('terminal').locator('.xterm').click();
  await app.keyboard.type('cap');
  await app.keyboard.press('Tab');
  await app.keyboard.press('Enter');
  await expect.poll(() => terminalText(app)).toMatch(/shell \(pid 4\) holds 9 caps/);
  await app.keyboard.type('clo');
  await app.keyboard.press('Tab');
  await app.keyboard.type('pa');
  await app.keyboard.press('Tab');
  await app.keyboard.press('Enter');
  await expect.poll(() => terminalText(app)).toMatch(/clock paused at/);
  await app.keyboard.press('ArrowUp');
  await expect.poll(async () => (await terminalText(app)).trimEnd().split('\n').at(-1)).toMatch(/^capplay\$ clock pause\s*$/);
  await app.keyboard.press('ArrowUp');
  await expect.poll(async () => (await terminalText(app)).trimEnd().split('\n').at(-1)).toMatch(/^capplay\$ caps\s*$/);
});

test('clicking a process node opens its cap table in the inspector', async ({ app }) => {
  await app.getByTestId('graph').locator('[data-node-id="p:4"]').click();
  const inspector = app.getByTestId('inspector');
  await expect(inspector).toContainText('shell');
  const rows = inspector.getByTestId('inspector-caps').locator('tbody tr');
  await expect(rows).toHaveCount(9);
  // each cap: kind, interface, generation, rights and how it was obtained
  const participant = rows.filter({ hasText: '@chat_participant' });
  await expect(participant).toContainText('ChatParticipant · generation 1 · #');
  await expect(participant).toContainText('rights: call');
  await expect(participant).toContainText('boot manifest');
  await expect(rows.filter({ hasText: '@chat' }).first()).toContainText('badge 42');
  await expect(inspector.getByTestId('inspector-state')).toHaveText(/sleeping|ready|running|blocked/);
});

test('a call left in flight at its server shows in the graph and the inspector; Ctrl-C cancels it', async ({ app }) => {
  await typeLine(app, 'clock pause'); // nobody speaks meanwhile, so the listen stays in flight
  await typeLine(app, 'call @chat_participant poll 100');
  await typeLine(app, 'call @chat_participant listen');
  await expect.poll(() => terminalFlat(app)).toMatch(/call: waiting: call \d+ is in flight at chat/);
  const graph = app.getByTestId('graph');
  await expect(graph.locator('[data-node-id="p:4"]')).toHaveAttribute('data-waiting', '');
  await graph.locator('[data-node-id="p:4"]').click();
  await expect(app.getByTestId('inspector-waiting')).toHaveText('a call in flight at endpoint "chat" (taken, not answered yet)');
  await graph.locator('[data-kind="endpoint"][aria-label^="endpoint chat "]').click();
  await expect(app.getByTestId('inspector-queue')).toHaveText('0 waiting, 1 in flight: shell (pid 4) (in flight)');
  await app.getByTestId('terminal').locator('.xterm').click();
  await app.keyboard.press('Control+C');
  await expect.poll(() => terminalFlat(app)).toMatch(/call: ECANCELED: the call was cancelled: interrupted \(Ctrl-C\)/);
  await expect(app.getByTestId('inspector-queue')).toHaveText('empty: the server takes each call as it comes');
  await expect(graph.locator('[data-node-id="p:4"]')).not.toHaveAttribute('data-waiting', '');
});

test('a malformed scenario file is refused with field-precise errors; a valid one boots', async ({ app }) => {
  const file = app.getByTestId('scenario-file');
  const bad = {
    format: 'capplay-scenario',
    version: 1,
    name: 'Broken',
    machines: [{ name: 'alpha' }],
    processes: [{ name: 'sh', program: 'shell', caps: [{ client: 'nowhere' }] }],
  };
  await file.setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  const errors = app.getByTestId('scenario-errors');
  await expect(errors).toContainText('broken.json was not loaded');
  await expect(errors).toContainText('processes[0].caps[0].client: no endpoint named "nowhere"');
  await expect(app.getByTestId('scenario-name')).toHaveText('Chat on one machine');
  await file.setInputFiles({ name: 'garbage.json', mimeType: 'application/json', buffer: Buffer.from('{"format": ') });
  await expect(errors).toContainText('not valid JSON');

  const good = {
    ...bad,
    name: 'Solo shell',
    processes: [
      { name: 'sh', program: 'shell' },
      { name: 'spare', program: 'idle', parent: 'sh' },
    ],
  };
  await file.setInputFiles({ name: 'solo.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(good)) });
  await expect(app.getByTestId('scenario-name')).toHaveText('Solo shell');
  await expect(errors).toHaveCount(0);
  await expect(app.getByTestId('graph').locator('[data-node-id^="p:"]')).toHaveCount(2);
  await typeLine(app, 'ps');
  await expect.poll(() => terminalText(app)).toMatch(/spare/);
});
