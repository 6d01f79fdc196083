import { expect, terminalText, test, typeLine, toggleDefense } from './fixtures';

const processCount = (app: import('@playwright/test').Page) => app.getByTestId('energy').locator('.energy-row').count();

test('a fork bomb with budgets on stays bounded and the shell answers; with budgets off it blows up', async ({ app }) => {
  const energy = app.getByTestId('energy');
  await expect(app.getByTestId('defense-energy')).toBeChecked();
  await typeLine(app, 'spawn "forkbomb" with { spawner: @spawner }');
  await expect.poll(() => terminalText(app)).toMatch(/spawned forkbomb as pid 10/);
  // The bomb pays 500 J per spawn: 4 bomblets per refill (Void: 1 s), each living 3 s.
  await app.waitForTimeout(2500);
  await typeLine(app, 'top');
  await expect.poll(() => terminalText(app)).toMatch(/energy budgets on; \d+ fibers, \d+ frozen/); // the shell answers during the attack
  expect(await processCount(app)).toBeLessThanOrEqual(10 + 16);
  await expect(energy.locator('.energy-row[data-pid="10"]')).toHaveAttribute('data-tier', 'void');
  await expect(energy.locator('.energy-row[data-pid="10"][data-frozen="true"]')).toHaveCount(1); // spent, waiting for its refill

  // Budgets off: the same bomb spawns until the process table is full, and the graph and energy panel show it.
  await toggleDefense(app, 'energy');
  await expect(app.getByTestId('defense-energy')).not.toBeChecked();
  await expect.poll(() => processCount(app), { timeout: 15_000 }).toBeGreaterThan(150);
  // The graph draws the bomblets, exactly alike, as one node with their count.
  const drawn = () =>
    app
      .getByTestId('graph')
      .locator('[data-kind="group"] .graph-label')
      .allTextContents()
      .then((t) => Number(/bomblet ×(\d+)/.exec(t.join(' '))?.[1] ?? 0));
  await expect.poll(drawn, { timeout: 20_000 }).toBeGreaterThan(150);
  await typeLine(app, 'kill @forkbomb');
  await expect.poll(() => terminalText(app)).toMatch(/killed forkbomb \(pid 10\)/);
});
