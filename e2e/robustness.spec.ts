import type { Page } from '@playwright/test';
import defaultScenario from '../src/content/scenarios/default.json' with { type: 'json' };
import { forkBombWorld } from '../bench/scenarios';
import { encodeShare } from '../src/session/share';
import { expect, terminalFlat, test, typeLine } from './fixtures';
import { tsImport } from 'tsx/esm/api';
import type * as Engine from '../src/kernel/programs/engine';

/** Some history of one's own: a child that holds a participant (pid 10) and Gate 0 off. */
async function myHistory(page: Page) {
  await typeLine(page, 'spawn "idle" with { chat: @chat_participant }');
  await typeLine(page, 'defense gate0 off');
  await expect.poll(() => terminalFlat(page)).toContain('spawned idle as pid 10');
}

/** Wait until the session is saved (the keeper writes after every command; a periodic save follows). */
const saved = (page: Page) => page.waitForTimeout(2500);

const sessionOf = (scenario: object, log: { at: number; line: string }[] = [], ticks = 0) => ({
  scenario: JSON.stringify(scenario),
  seed: 2026,
  log,
  ticks,
});

test('a share link that cannot be opened keeps the session the tab had, and says what was wrong', async ({ app, baseURL }) => {
  await myHistory(app);
  await saved(app);
  const cases = [
    // Well formed, but its scenario fails validation.
    {
      link: await encodeShare(sessionOf({ ...defaultScenario, processes: [{ name: 'x', program: 'no-such-program' }] })),
      says: /The share link could not be opened: processes\[0\]\.program: unknown program/,
    },
    // Made by a newer build.
    { link: await encodeShare(sessionOf({ ...defaultScenario, version: 3 })), says: /made by a newer capplay \(scenario format 3\)/ },
    { link: '#s=7.abcd', says: /newer capplay \(format 7\)/ },
  ];
  for (const c of cases) {
    await app.goto('about:blank'); // a hash change alone would not reload the page
    await app.goto(`${baseURL}/${c.link}`);
    await expect(app.getByTestId('notice')).toContainText(c.says);
    await expect(app.getByTestId('notice')).toContainText('Your own session was restored instead.');
    await expect(app.getByTestId('notice')).not.toContainText('saved session could not be restored');
    // The world is the person's own: their child is there and Gate 0 is still off…
    await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
    expect(await app.getByTestId('defense-gate0').isChecked()).toBe(false);
  }
  // …and it is still what a reload brings back (the bad links never replaced it).
  await app.goto('about:blank');
  await app.goto(`${baseURL}/`);
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
});

test('a worker killed from outside the app is noticed by the heartbeat and replaced, with a banner', async ({ app }) => {
  await myHistory(app);
  await typeLine(app, 'spawn "idle"');
  await expect.poll(() => terminalFlat(app)).toContain('spawned idle as pid 11');
  // Straight away: the command whose output is on screen must survive, with no save in between.
  const kernelWorker = app.workers().find((w) => w.url().includes('kernel'));
  expect(kernelWorker).toBeTruthy();
  await kernelWorker!.evaluate(() => (self as unknown as { close(): void }).close()); // no error event, no crash hook
  await expect(app.getByTestId('notice')).toContainText(
    /The kernel worker stopped answering \(no reply for \d+ s\) and was restarted; your session was restored by replay \(3 commands\)/,
    { timeout: 25_000 },
  );
  await expect(app.getByTestId('graph').locator('[data-node-id="p:11"]')).toHaveCount(1);
  await typeLine(app, 'ps');
  await expect.poll(() => terminalFlat(app)).toMatch(/11\s+4\s+\w+\s+0\s+idle/);
});

test('a crash replays user programs too: the same program, the same deterministic roll, still running', async ({ app }) => {
  const { ENGINE_VERSION } = (await tsImport('../src/kernel/programs/engine.ts', import.meta.url)) as typeof Engine;
  // The roll reaches the kernel's ledger: a call on a cap named after it, which the kernel refuses and records.
  const scenario = {
    ...defaultScenario,
    name: 'Dice',
    engine: ENGINE_VERSION,
    programs: {
      dice: {
        summary: 'rolls, calls a cap named after the roll (refused: ledgered), then waits',
        source:
          "function* main(sys) { const n = sys.random(1000000); yield sys.call('stdio', 'write', ['rolled ' + n + ' holding ' + sys.caps().map((c) => c.name).join(',')]); yield sys.call('roll' + n, 'x'); yield sys.wait(); }",
      },
    },
  };
  const file = { name: 'dice.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(scenario)) };
  await app.getByTestId('scenario-file').setInputFiles(file);
  await expect(app.getByTestId('scenario-name')).toHaveText('Dice');
  await typeLine(app, 'spawn "dice" with { stdio: client @stdio }');
  await expect.poll(() => terminalFlat(app)).toMatch(/rolled \d+ holding stdio/);
  const rolled = (await terminalFlat(app)).match(/rolled (\d+)/)![1];
  const pid = Number((await terminalFlat(app)).match(/spawned dice as pid (\d+)/)![1]);

  const kernelWorker = app.workers().find((w) => w.url().includes('kernel'))!;
  await kernelWorker.evaluate(() => (self as unknown as { close(): void }).close());
  await expect(app.getByTestId('notice')).toContainText(/was restarted; your session was restored by replay/, { timeout: 25_000 });
  // The replayed world ran the program again in a fresh sandbox: the same roll in the kernel's ledger, and it waits.
  await expect(app.getByTestId('graph').locator(`[data-node-id="p:${pid}"]`)).toHaveCount(1);
  await typeLine(app, 'ps');
  await expect.poll(() => terminalFlat(app)).toMatch(new RegExp(`${pid}\\s+\\d+\\s+blocked\\s+\\d+\\s+dice`));
  await typeLine(app, 'ledger 5');
  await expect.poll(() => terminalFlat(app)).toContain(`denied: x on @roll${rolled} by dice (pid ${pid}): ENOCAP`);
});

test('a worker stuck in a loop is replaced too', async ({ app }) => {
  await myHistory(app);
  const kernelWorker = app.workers().find((w) => w.url().includes('kernel'))!;
  await kernelWorker.evaluate(
    () =>
      void setTimeout(() => {
        for (;;);
      }),
  );
  await expect(app.getByTestId('notice')).toContainText('stopped answering', { timeout: 25_000 });
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
});

test('two tabs: one keeps the session, the other is told and does not overwrite it, until it takes over', async ({
  app,
  context,
  baseURL,
}) => {
  test.setTimeout(60_000); // five tabs opened in turn, each booting a kernel worker
  await myHistory(app);
  await saved(app);
  const second = await context.newPage();
  await second.goto(`${baseURL}/`);
  await expect(second.getByTestId('owner-banner')).toContainText('open in another tab');
  await expect(app.getByTestId('owner-banner')).toHaveCount(0);
  // The second tab started from the saved session, and what it does is not saved over the first tab's.
  await expect(second.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
  await typeLine(second, 'kill 10');
  await expect.poll(() => terminalFlat(second)).toContain('killed');
  await saved(second);
  const third = await context.newPage();
  await third.goto(`${baseURL}/`);
  await expect(third.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
  await third.close();
  // Taking over: the second tab keeps the session now, and the first is told it no longer does.
  await second.getByTestId('keep-this-tab').click();
  await expect(second.getByTestId('owner-banner')).toHaveCount(0);
  await expect(app.getByTestId('owner-banner')).toContainText('Another tab took over');
  await saved(second);
  await app.close();
  await second.reload();
  await expect(second.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
  await expect(second.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(0);
  // When the tab that keeps the session closes, the other says so, but does not write its own (perhaps older)
  // session over the saved one by itself: the person chooses.
  const waiting = await context.newPage();
  await waiting.goto(`${baseURL}/`);
  await expect(waiting.getByTestId('owner-banner')).toContainText('open in another tab');
  await second.close();
  await expect(waiting.getByTestId('owner-banner')).toContainText('The tab that kept the session has closed', { timeout: 15_000 });
  await waiting.getByTestId('keep-this-tab').click();
  await expect(waiting.getByTestId('owner-banner')).toHaveCount(0);
});

test('the tab that keeps the session stays its keeper through a reload; the other tab does not grab it', async ({
  app,
  context,
  baseURL,
}) => {
  await myHistory(app);
  await saved(app);
  const other = await context.newPage();
  await other.goto(`${baseURL}/`);
  await expect(other.getByTestId('owner-banner')).toContainText('open in another tab');
  await app.reload();
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
  await expect(app.getByTestId('owner-banner')).toHaveCount(0);
  await app.waitForTimeout(3000); // the other tab looks every 2 s
  await expect(other.getByTestId('owner-banner')).toContainText('open in another tab');
});

test('storage that refuses is shown: the person is told their work is not being kept', async ({ app, browser, baseURL }) => {
  await expect(app.getByTestId('storage-banner')).toHaveCount(0);
  // A browser whose quota for this origin is one byte, from before the page first opens its database.
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const cdp = await context.newCDPSession(page);
  const origin = new URL(baseURL!).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1 });
  await page.goto(`${baseURL}/`);
  await expect(page.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible(); // the terminal takes keys
  await myHistory(page);
  await expect(page.getByTestId('storage-banner')).toContainText(
    'Your work is not being kept: the browser refused to store it (QuotaExceededError',
    { timeout: 15_000 },
  );
  await expect(page.getByTestId('storage-banner')).toContainText('Share → Export session saves a copy');
  // The session runs on regardless; once storage is granted again, saving resumes and the banner goes.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await typeLine(page, 'ps');
  await expect(page.getByTestId('storage-banner')).toHaveCount(0, { timeout: 15_000 });
  expect(errors).toEqual([]);
  await context.close();
});

test('a long replay shows its progress and can be stopped, keeping the session the tab had', async ({ app, baseURL }) => {
  await myHistory(app);
  await saved(app);
  // Six days of virtual time after one command: minutes of replay.
  const link = await encodeShare(sessionOf(defaultScenario, [{ at: 5, line: 'spawn "idle"' }], 6 * 86_400_000));
  await app.goto('about:blank');
  await app.goto(`${baseURL}/${link}`);
  const banner = app.getByTestId('replay-banner');
  await expect(banner).toContainText('Opening the shared session: replaying');
  await expect(banner).toContainText(/\d+% \(1 of 1 commands, [\d.]+ (s|min \d+ s|h \d+ min) of 6 days 0 h of virtual time\)/);
  await app.getByTestId('replay-stop').click();
  await expect(app.getByTestId('notice')).toContainText('The share link was not opened: you stopped its replay.');
  await expect(app.getByTestId('notice')).toContainText('Your own session was restored instead.');
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
});

test('the 3,991-fork-bomb world keeps the shell answering', async ({ app }) => {
  test.setTimeout(90_000);
  await app
    .getByTestId('scenario-file')
    .setInputFiles({ name: 'bombs.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(forkBombWorld(3991))) });
  await expect(app.getByTestId('scenario-name')).toHaveText(/3991 fork bombs/, { timeout: 30_000 });
  await expect
    .poll(
      () =>
        app.evaluate(
          () =>
            (
              globalThis as unknown as { capplay: { store: { getState(): { frames: { frame: { procRows: number } } } } } }
            ).capplay.store.getState().frames.frame.procRows,
        ),
      { timeout: 30_000 },
    )
    .toBeGreaterThan(8000);
  // The world runs flat out, yet the worker answers pings and commands between its slices.
  const pings = await app.evaluate(async () => {
    const k = (
      globalThis as unknown as { capplay: { store: { getState(): { kernel: { ping(): Promise<number> } } } } }
    ).capplay.store.getState().kernel;
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await k.ping();
      times.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
    return times.sort((a, b) => a - b);
  });
  // Before slicing, each round trip took 80–110 s here. The bench measures the p95 against its 100 ms target; a
  // test only asks that every ping is answered within seconds, whatever else the machine is doing.
  expect(pings[pings.length - 1]).toBeLessThan(5000);
  const t = Date.now();
  await typeLine(app, 'clock');
  await expect.poll(() => terminalFlat(app)).toMatch(/clock running at \d+\.\d+s/);
  expect(Date.now() - t).toBeLessThan(10_000);
  await typeLine(app, 'tables');
  await expect.poll(() => terminalFlat(app)).toMatch(/processes\s+8192\s+8192/);
});
