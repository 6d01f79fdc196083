import { expect, terminalFlat, test, typeLine } from './fixtures';
import type { Page } from '@playwright/test';

/** The seqs of the rows the ledger panel shows, and their text. */
const rows = (page: Page) =>
  page
    .getByTestId('ledger')
    .locator('.ledger-row')
    .evaluateAll((els) =>
      els.map((el) => ({ seq: Number(el.getAttribute('data-seq')), kind: el.getAttribute('data-event'), text: el.textContent ?? '' })),
    );

/** How many records of the page's ledger feed (the whole ledger here) hold `q` in their kind, actor or detail. */
const recordsHolding = (page: Page, q: string) =>
  page.evaluate((q) => {
    type E = { kind: string; actor: number; detail: string };
    const feed = (globalThis as unknown as { capplay: { store: { getState(): { ledger: { entries: E[] } } } } }).capplay.store.getState()
      .ledger;
    return feed.entries.filter((e) => [e.kind, e.actor ? String(e.actor) : 'kernel', e.detail].some((t) => t.toLowerCase().includes(q)))
      .length;
  }, q);

test('ledger: search the whole ledger with a kind filter, clear it with Esc; a row (clicked, or Enter) moves the timeline there', async ({
  app,
}) => {
  await typeLine(app, 'spawn "idle" with { chat: @chat_participant }');
  await expect.poll(() => terminalFlat(app)).toContain('spawned idle as pid 10');
  await typeLine(app, 'kill 10');
  await expect.poll(() => terminalFlat(app)).toContain('killed idle (pid 10)');
  const ledger = app.getByTestId('ledger');
  await expect(ledger.locator('.ledger-row[data-event="release"]').last()).toContainText('idle (pid 10) released');
  const count = ledger.getByTestId('ledger-count');
  const box = ledger.getByLabel('Search the ledger');
  const total = Number((await count.innerText()).match(/^(\d+) records$/)![1]);

  // Case aside, only the rows that hold the text, and how many.
  await box.fill('IDLE');
  const expected = await recordsHolding(app, 'idle');
  expect(expected).toBeGreaterThan(2);
  await expect(count).toHaveText(`${expected} matches`);
  const found = await rows(app);
  expect(found).toHaveLength(expected);
  for (const r of found) expect(r.text.toLowerCase()).toContain('idle');

  // With a kind filter: both at once.
  await ledger.getByLabel('Filter ledger by event kind').selectOption('spawn');
  await expect(count).toHaveText('1 match');
  const [spawn] = await rows(app);
  expect(spawn).toMatchObject({ kind: 'spawn', text: expect.stringContaining('idle (pid 10) runs "idle"') });
  // Text that is only text: regex syntax matches nothing here.
  await box.fill('idle.*');
  await expect(count).toHaveText('no matches');
  await expect(ledger.locator('.ledger-row')).toHaveCount(0);

  // Esc clears the search; the kind filter stays.
  await box.press('Escape');
  await expect(box).toHaveValue('');
  await expect(count).toHaveText(new RegExp(`^\\d+ of ${total}$`));
  await ledger.getByLabel('Filter ledger by event kind').selectOption('all');
  await expect(count).toHaveText(`${total} records`);

  // A click on the spawn row: the timeline shows the session as that command left it (its records come together).
  const timeline = app.getByTestId('timeline');
  const kill = (await rows(app)).find((r) => r.kind === 'kill')!;
  await ledger.locator(`.ledger-row[data-seq="${spawn.seq}"]`).click();
  await expect(timeline).toHaveAttribute('data-traveling', 'true');
  await expect.poll(async () => Number(await timeline.getAttribute('data-seq'))).toBeGreaterThanOrEqual(spawn.seq);
  expect(Number(await timeline.getAttribute('data-seq'))).toBeLessThan(kill.seq);
  await expect(ledger.locator(`.ledger-row[data-seq="${spawn.seq}"]`)).toHaveAttribute('aria-selected', 'true');
  await expect(ledger.locator('.ledger-row[aria-selected="true"]')).toHaveCount(1);

  // Back to live, then by keyboard: the last row, one up (the kill), Enter.
  await timeline.getByRole('button', { name: 'back to live' }).click();
  await expect(timeline).toHaveAttribute('data-traveling', 'false');
  await ledger.getByRole('grid').focus();
  await app.keyboard.press('End');
  await app.keyboard.press('ArrowUp');
  await expect(ledger.getByRole('grid')).toHaveAttribute('aria-activedescendant', `ledger-row-${total - 2}`);
  await app.keyboard.press('Enter');
  await expect(timeline).toHaveAttribute('data-traveling', 'true');
  await expect.poll(async () => Number(await timeline.getAttribute('data-seq'))).toBeGreaterThanOrEqual(total - 1);
  await expect(ledger.locator(`.ledger-row[data-seq="${total - 1}"]`)).toHaveAttribute('aria-selected', 'true');
});
