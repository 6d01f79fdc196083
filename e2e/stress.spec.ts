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
});
