import { expect, terminalFlat, test, typeLine } from './fixtures';

test('the stress world: 1,000 processes on 8 machines load collapsed; zoom and a click respond; the shell answers', async ({ app }) => {
  await app.getByTestId('scenario-picker').selectOption('stress');
  await expect(app.getByTestId('scenario-name')).toHaveText(/Stress/);
  const graph = app.getByTestId('graph');
  await expect(graph.locator('[data-kind="cluster"]')).toHaveCount(8, { timeout: 20_000 });
  await expect(graph.locator('[data-kind="cluster"]').first()).toHaveAttribute('aria-label', /12\d processes · \d+ objects · \d+ caps/);

  // Zoom responds: the view transform changes.
  const viewport = graph.locator('.graph-viewport');
  const before = await viewport.getAttribute('transform');
  await graph.getByRole('button', { name: 'Zoom in' }).click();
  await expect(viewport).not.toHaveAttribute('transform', before ?? '');

  // A click expands a rack in place: its processes appear, the rest stay collapsed, the inspector shows it.
  await graph.getByRole('button', { name: 'Fit graph to view' }).click();
  await graph.locator('[data-kind="cluster"]').nth(2).click();
  await expect(graph.locator('[data-kind="cluster"]')).toHaveCount(7, { timeout: 20_000 });
  await expect.poll(() => graph.locator('[data-node-id^="p:"]').count(), { timeout: 20_000 }).toBeGreaterThan(100);
  await expect(app.getByTestId('inspector')).toContainText('rack3');
  await graph.getByRole('button', { name: 'Collapse every machine' }).click();
  await expect(graph.locator('[data-kind="cluster"]')).toHaveCount(8, { timeout: 20_000 });

  // The shell answers, and the energy panel and the ledger stay live.
  await typeLine(app, 'ps');
  await expect.poll(() => terminalFlat(app)).toContain('w989');
  await expect.poll(() => app.getByTestId('energy').locator('.energy-row').count()).toBeGreaterThan(100);
  await typeLine(app, 'spawn "idle"');
  await expect.poll(() => terminalFlat(app)).toContain('spawned idle as pid 1001');
  await expect(app.getByTestId('ledger').locator('[data-event="spawn"]').last()).toContainText('idle');
  // Its state tables were sized for it (the page followed the worker to a bigger state buffer).
  await typeLine(app, 'tables');
  await expect.poll(() => terminalFlat(app)).toMatch(/processes\s+1001\s+2048/);
});

test('a long session: the ledger panel scrolls over every record, older ones read from the worker, and filters them all', async ({
  app,
}) => {
  const total = await app.evaluate(() =>
    (
      globalThis as unknown as { capplay: { store: { getState(): { kernel: { benchFillLedger(n: number): Promise<number> } } } } }
    ).capplay.store
      .getState()
      .kernel.benchFillLedger(150_000),
  );
  const ledger = app.getByTestId('ledger');
  await expect(ledger.getByTestId('ledger-count')).toHaveText(`${total} records`, { timeout: 30_000 });
  // The page holds a window of the newest; scrolling to the top reads the first records from the worker.
  await ledger.locator('.ledger-scroll').evaluate((el) => (el.scrollTop = 0));
  await expect(ledger.locator('[data-seq="1"]')).toHaveAttribute('data-event', 'boot');
  const held = await app.evaluate(
    () =>
      (globalThis as unknown as { capplay: { store: { getState(): { ledger: { entries: unknown[] } } } } }).capplay.store.getState().ledger
        .entries.length,
  );
  expect(held).toBeLessThan(total);
  // A filter covers the whole ledger, not only the window.
  await ledger.getByLabel('Filter ledger by event kind').selectOption('boot');
  await expect(ledger.getByTestId('ledger-count')).toHaveText(`1 of ${total}`);
  await ledger.getByLabel('Filter ledger by event kind').selectOption('deny');
  await expect(ledger.getByTestId('ledger-count')).toHaveText(new RegExp(`^2500\\d of ${total}$`));
  // So does a text search, with the filter: record 7 is long gone from the page's window.
  await ledger.getByLabel('Search the ledger').fill('BENCH record 7:');
  await expect(ledger.getByTestId('ledger-count')).toHaveText('1 match', { timeout: 10_000 });
  await expect(ledger.locator('.ledger-row')).toContainText('bench record 7: granted');
  // Its sealed segments left the worker's memory for a file (OPFS), and it still verifies from there.
  await typeLine(app, 'tables');
  await expect
    .poll(() => terminalFlat(app))
    .toMatch(
      /ledger: \d+ records in the worker, about \d+\.\d MB of them in its memory; sealed segments \(8,192 records each\) are kept in a file \(the origin-private file system\)/,
    );
  await typeLine(app, 'ledger verify');
  await expect.poll(() => terminalFlat(app), { timeout: 20_000 }).toMatch(new RegExp(`✓ ${total} entries, every hash matches its record`));
});
