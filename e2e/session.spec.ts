import { expect, terminalFlat, test, typeLine } from './fixtures';
import type { Page } from '@playwright/test';

/** The newest ledger record the page's ledger feed holds (its sequence number and text). */
const ledgerTail = (page: Page) =>
  page.evaluate(() => {
    const feed = (
      globalThis as unknown as { capplay: { store: { getState(): { ledger: { entries: { seq: number; detail: string }[] } | null } } } }
    ).capplay.store.getState().ledger;
    const e = feed?.entries.at(-1);
    return { seq: e?.seq ?? 0, detail: e?.detail ?? '', count: feed?.entries.length ?? 0 };
  });

async function someHistory(app: Page) {
  await typeLine(app, 'spawn "idle" with { chat: @chat_participant }');
  await typeLine(app, 'defense gate0 off');
  await typeLine(app, 'spawn "idle" with { c: client @chat badge 200 }');
  await expect.poll(() => terminalFlat(app)).toContain('as pid 11');
}

test('timeline: scrub back and forward through the ledger, back to live, then resume from a past record', async ({ app }) => {
  await someHistory(app);
  const timeline = app.getByTestId('timeline');
  const live = await ledgerTail(app);
  await expect(timeline).toHaveAttribute('data-total', String(live.seq));

  // Step back five records: the page shows the past (graph, ledger) by replay.
  for (let i = 0; i < 5; i++) await timeline.getByRole('button', { name: 'Step back one record' }).click();
  await expect(timeline).toHaveAttribute('data-traveling', 'true');
  await expect.poll(async () => (await ledgerTail(app)).seq).toBeLessThan(live.seq);
  await expect(app.getByTestId('graph').locator('[data-node-id="p:11"]')).toHaveCount(0); // the relabeled child did not exist yet
  const back = (await ledgerTail(app)).seq;
  await timeline.getByRole('button', { name: 'Step forward one record' }).click();
  // A step forward always moves, to the first state with more records; the page shows it.
  await expect.poll(async () => (await ledgerTail(app)).seq).toBeGreaterThan(back);
  await expect.poll(async () => Number(await timeline.getAttribute('data-seq'))).toBe((await ledgerTail(app)).seq);

  // Commands are refused while looking at the past.
  await typeLine(app, 'ps');
  await expect.poll(() => terminalFlat(app)).toContain('you are looking at the past');

  await timeline.getByRole('button', { name: 'back to live' }).click();
  await expect(timeline).toHaveAttribute('data-traveling', 'false');
  await expect.poll(async () => (await ledgerTail(app)).seq).toBe(live.seq);
  await expect(app.getByTestId('graph').locator('[data-node-id="p:11"]')).toHaveCount(1);

  // Scrub with the slider, then fork there.
  await timeline.getByRole('slider').fill('20');
  await expect(timeline).toHaveAttribute('data-traveling', 'true');
  await timeline.getByRole('button', { name: 'resume from here' }).click();
  await expect(timeline).toHaveAttribute('data-traveling', 'false');
  const forked = await ledgerTail(app);
  expect(forked.seq).toBeLessThan(live.seq);
  await typeLine(app, 'spawn "idle"');
  await expect.poll(() => terminalFlat(app)).toContain('spawned idle as pid 10');
});

test('a share link opens the same session in a fresh browser; a broken one says why', async ({ app, browser, baseURL }) => {
  await someHistory(app);
  await app.getByTestId('share-toggle').click();
  await app.getByTestId('share-make').click();
  const link = await app.getByTestId('share-link').inputValue();
  expect(link).toMatch(/#s=2\./);
  const mine = await ledgerTail(app);

  const context = await browser.newContext();
  const other = await context.newPage();
  const errors: string[] = [];
  other.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await other.goto(link);
  await expect(other.getByTestId('notice')).toContainText('Opened a shared session');
  await expect.poll(async () => (await ledgerTail(other)).seq).toBeGreaterThanOrEqual(mine.seq);
  await expect(other.getByTestId('graph').locator('[data-node-id="p:11"]')).toHaveCount(1);
  expect(await other.getByTestId('defense-gate0').isChecked()).toBe(false);

  // A hash change alone does not reload the page: open the broken link in a page of its own.
  const broken = await context.newPage();
  broken.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await broken.goto(`${baseURL}/#s=9.xyz`);
  await expect(broken.getByTestId('notice')).toContainText('newer capplay (format 9)');
  expect(errors).toEqual([]);
  await context.close();
});

test('nothing lost: a reload and a crashed kernel worker both come back to the same session', async ({ app }) => {
  await someHistory(app);
  await app.getByTestId('tab-lessons').click(); // the layout is part of the session too: the open tab,
  const splitter = app.getByRole('separator', { name: 'Resize: graph and ledger' });
  await splitter.focus(); // and the pane sizes (a splitter moved from the keyboard)
  for (let i = 0; i < 3; i++) await app.keyboard.press('ArrowUp');
  const moved = await splitter.getAttribute('aria-valuenow');
  const before = await ledgerTail(app);
  await app.waitForTimeout(2500); // one periodic save at least
  await app.reload();
  await expect(app.getByTestId('tab-lessons')).toHaveAttribute('aria-selected', 'true');
  await expect(app.getByRole('separator', { name: 'Resize: graph and ledger' })).toHaveAttribute('aria-valuenow', moved ?? '');
  await expect(app.getByTestId('graph').locator('[data-node-id="p:11"]')).toHaveCount(1);
  await expect.poll(async () => (await ledgerTail(app)).seq).toBeGreaterThanOrEqual(before.seq);
  expect(await app.getByTestId('defense-gate0').isChecked()).toBe(false);

  await app.evaluate(() => (globalThis as unknown as { capplay: { crashKernel(): void } }).capplay.crashKernel());
  await expect(app.getByTestId('notice')).toContainText('crashed', { timeout: 15_000 });
  await expect(app.getByTestId('graph').locator('[data-node-id="p:11"]')).toHaveCount(1);
  await typeLine(app, 'ps');
  await expect.poll(() => terminalFlat(app)).toMatch(/11\s+4\s+\w+\s+1\s+idle/);
});

test('presenter mode: large type and only the terminal and graph', async ({ app }) => {
  await app.getByTestId('presenter-toggle').click();
  await expect(app.locator('.app')).toHaveAttribute('data-presenter', 'true');
  await expect(app.getByTestId('ledger')).toBeHidden();
  await expect(app.getByTestId('graph')).toBeVisible();
  await app.keyboard.press('Control+Alt+P');
  await expect(app.locator('.app')).toHaveAttribute('data-presenter', 'false');
  await expect(app.getByTestId('ledger')).toBeVisible();
});
