import AxeBuilder from '@axe-core/playwright';
import { expect, terminalFlat, test, typeLine } from './fixtures';

// Provenance (seed 003 S1: "delegation is explicit and auditable via ProvChain"; seed 000: "the set of grants in
// force at any time is inspectable"): the inspector shows a cap's chain of custody, each step with its ledger
// record, and a click on a step shows the session at that record.
test('the inspector shows a cap’s chain of custody; a step jumps the timeline to its record', async ({ app }) => {
  test.setTimeout(60_000);
  await typeLine(app, 'spawn "idle" with { chat: @chat_participant }');
  await expect.poll(() => terminalFlat(app)).toMatch(/spawned idle as pid \d+/);
  const pid = Number((await terminalFlat(app)).match(/spawned idle as pid (\d+)/)![1]);

  // The shell prints the same chain.
  await typeLine(app, `caps --why @chat ${pid}`);
  await expect.poll(() => terminalFlat(app)).toMatch(/chain of custody of @chat in idle \(pid \d+\): 2 steps, oldest first/);

  const graph = app.getByTestId('graph');
  await graph.locator(`[data-node-id="p:${pid}"]`).click();
  const inspector = app.getByTestId('inspector');
  const row = inspector.getByTestId('inspector-caps').locator('tr', { hasText: '@chat' });
  await expect(row.getByTestId('cap-record')).toHaveText(/^#\d+$/); // the grant in force names its record
  await row.getByTestId('cap-why').click();

  const custody = inspector.getByTestId('custody');
  const steps = custody.getByTestId('custody-step');
  await expect(steps).toHaveCount(2);
  await expect(steps.nth(0)).toHaveAttribute('data-how', 'boot');
  await expect(steps.nth(0)).toContainText(/shell \(pid \d+\) holds @chat_participant/);
  await expect(steps.nth(1)).toHaveAttribute('data-how', 'grant');
  await expect(steps.nth(1)).toContainText(`idle (pid ${pid}) holds @chat`);
  const boot = Number(await steps.nth(0).getAttribute('data-seq'));
  const grant = Number(await steps.nth(1).getAttribute('data-seq'));
  expect(boot).toBeLessThan(grant);
  await expect(row.getByTestId('cap-record')).toHaveText(`#${grant}`);

  const violations = (await new AxeBuilder({ page: app }).include('[data-testid="inspector"]').analyze()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(violations).toEqual([]);
  await expect(custody).toBeInViewport(); // opened from a row far down the table, it is brought into view
  await inspector.screenshot({ path: 'test-results/provenance-inspector.png' });

  // The boot step: the session as it was at that record — before the child existed.
  const timeline = app.getByTestId('timeline');
  await steps.nth(0).click();
  await expect(timeline).toHaveAttribute('data-traveling', 'true');
  await expect.poll(async () => Number(await timeline.getAttribute('data-seq'))).toBeGreaterThanOrEqual(boot);
  expect(Number(await timeline.getAttribute('data-seq'))).toBeLessThan(grant);
  await expect(graph.locator(`[data-node-id="p:${pid}"]`)).toHaveCount(0);
  await expect(steps.nth(0)).toHaveAttribute('aria-current', 'step'); // the chain stays, marking where the timeline is
  // The ledger panel, which follows the newest record, scrolls back to the step's record and marks it.
  const bootRow = app.getByTestId('ledger').locator(`[role="row"][data-seq="${boot}"]`);
  await expect(bootRow).toBeInViewport();
  await expect(bootRow).toHaveAttribute('aria-selected', 'true');

  // The grant step: the child holds the cap again.
  await steps.nth(1).click();
  await expect.poll(async () => Number(await timeline.getAttribute('data-seq'))).toBeGreaterThanOrEqual(grant);
  await expect(graph.locator(`[data-node-id="p:${pid}"]`)).toHaveCount(1);
  await expect(steps.nth(1)).toHaveAttribute('aria-current', 'step');
  await expect(app.getByTestId('ledger').locator(`[role="row"][data-seq="${grant}"]`)).toBeInViewport();
  await app.screenshot({ path: 'test-results/provenance-travel.png' });

  // Closed and opened again (closing once threw in the page: an effect returned scrollIntoView's promise).
  await custody.getByRole('button', { name: 'close' }).click();
  await expect(custody).toHaveCount(0);
  await row.getByTestId('cap-why').click();
  await expect(custody).toHaveCount(1);

  // A new world: the chain described a cap of the old one, so it closes.
  await app.getByTestId('scenario-picker').selectOption('pointsav');
  await expect(app.getByTestId('scenario-name')).toHaveText(/PointSav fleet/);
  await expect(custody).toHaveCount(0);
});
