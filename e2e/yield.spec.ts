import { expect, terminalFlat, test, typeLine, toggleDefense } from './fixtures';

test('yield routing from the shell: attestation route in the ledger; forged mint blocked, then succeeding without interposition', async ({
  app,
}) => {
  await typeLine(app, 'attest');
  await expect
    .poll(() => terminalFlat(app))
    .toMatch(/route: kernel:attest: AttestationAuthority#\d+ → User#\d+ → Chain#1 → caught by kernel/);
  const ledger = app.getByTestId('ledger');
  await ledger.getByLabel('Filter ledger by event kind').selectOption('yield');
  await expect(ledger.locator('[data-event="yield"]')).toContainText('caught by kernel');
  // The yields view walks the route: emitter, the owners it passed, then the kernel that caught it.
  await app.getByTestId('tab-yields').click();
  const route = app.getByTestId('yield-route');
  await expect(route.locator('[data-role]')).toHaveText([/AttestationAuthority#\d+/, /User#\d+/, 'Chain#1', 'kernel']);
  await expect(route.locator('[data-role="kernel"]')).toHaveCount(1);
  await expect(route.getByText('call stack at the yield')).toBeVisible();

  // The graph grows the yield runtime: the instances, the owner edges of the CALLs in flight, and the route
  // animated over them, hop by hop, ending at the kernel root and resuming back down to the emitter.
  const graph = app.getByTestId('graph');
  await expect(graph.locator('[data-node-id="y:runtime"]')).toHaveCount(1);
  await expect(graph.locator('[data-edge-kind="owner"]')).toHaveCount(2);
  const drawn = graph.getByTestId('graph-yield-route');
  await expect(drawn).toHaveAttribute('data-key', 'kernel:attest');
  await expect(drawn.locator('.yield-hop')).toHaveCount(4);
  expect(await drawn.locator('.yield-hop').evaluateAll((els) => els.map((e) => e.getAttribute('data-role')))).toEqual([
    'emitter',
    'owner',
    'owner',
    'kernel',
  ]);
  await expect(drawn.locator('[data-role="resume"]')).toHaveCount(1);
  // Each hop is drawn over its own node, and lights up after the one before it.
  const hopNodes = await drawn.locator('.yield-hop').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
  for (const id of hopNodes) await expect(graph.locator(`[data-node-id="${id}"]`)).toHaveCount(1);
  const delays = await drawn.locator('.yield-hop').evaluateAll((els) => els.map((e) => parseFloat(getComputedStyle(e).animationDelay)));
  expect(delays).toEqual([...delays].sort((a, b) => a - b));
  expect(new Set(delays).size).toBe(4);

  // The V1–V9 table is the session's evidence: the attestation's route showed V7, nothing has shown V2 yet.
  const v2 = app.getByTestId('v-properties').locator('tr').filter({ hasText: 'V2' });
  await expect(v2).toHaveAttribute('data-status', 'not shown yet');
  await expect(app.getByTestId('v-properties').locator('tr').filter({ hasText: 'V7' })).toHaveAttribute('data-status', 'demonstrated');
  await typeLine(app, 'forge');
  await expect(app.getByTestId('verdict')).toContainText('forged mint blocked');
  await expect(v2).toHaveAttribute('data-status', 'demonstrated');
  await expect(v2).toContainText(/ledger #\d+: forged mint blocked/);
  await toggleDefense(app, 'interpose');
  await expect(app.getByTestId('defense-interpose')).not.toBeChecked();
  await typeLine(app, 'forge');
  await expect(app.getByTestId('verdict')).toContainText('forged mint succeeded');
  await expect(v2).toHaveAttribute('data-status', 'violated');
  await expect.poll(() => terminalFlat(app)).toMatch(/route: invoke_key: Forger#\d+ → caught by Chain#1/);
  // The forged yield's route in the graph ends at the chain, which caught it.
  await expect(drawn).toHaveAttribute('data-key', 'invoke_key');
  await expect(drawn.locator('.yield-hop').last()).toHaveAttribute('data-role', 'catcher');
  await expect(drawn.locator('.yield-hop').last()).toHaveAttribute('data-node', 'y:1');
});
