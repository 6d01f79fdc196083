import { expect, terminalFlat, test, typeLine } from './fixtures';

test('revoking a channel darkens its whole delegation subtree in one go; MASK refuses to widen', async ({ app }) => {
  const graph = app.getByTestId('graph');
  await typeLine(app, 'channel news');
  await expect.poll(() => terminalFlat(app)).toMatch(/the shell holds @news: a new channel, rwx, depth 0/);
  await typeLine(app, 'spawn "idle" with { news: @news }');
  await typeLine(app, 'spawn "idle" with { news: @news }');
  const edges = graph.locator('[data-edge-kind="channel"]');
  await expect(edges).toHaveCount(3);
  await expect(graph.locator('[data-edge-kind="channel"]:not([data-dead])')).toHaveCount(3);
  await expect(edges.filter({ hasText: 'depth 1' })).toHaveCount(2);

  await typeLine(app, 'mask @news r-x');
  await typeLine(app, 'mask @news rw');
  await expect.poll(() => terminalFlat(app)).toMatch(/mask: EPERM: MASK only narrows: the cap has r-x, and w would widen it/);

  await typeLine(app, 'revoke @news');
  await expect.poll(() => terminalFlat(app)).toMatch(/revoked: 2 delegated caps died/);
  await expect(graph.locator('[data-edge-kind="channel"][data-dead="true"]')).toHaveCount(2); // both children, at once
  await expect(graph.locator('[data-edge-kind="channel"]:not([data-dead])')).toHaveCount(1); // the minter's own cap
  const ledger = app.getByTestId('ledger');
  await ledger.getByLabel('Filter ledger by event kind').selectOption('revoke');
  await expect(ledger.locator('[data-event="revoke"]')).toContainText('news: epoch 0 → 1; 2 delegated caps died at once');

  // The inspector shows a channel cap's effective rights, depth and when it next decays.
  await graph.locator('[data-node-id="p:4"]').click();
  await expect(app.getByTestId('inspector').getByTestId('cap-algebra')).toContainText(/rights r-x · depth 0\s*next decay at \d+\.\d{3} s/);

  // One age step later it shows what the Law of Decay took from the masked r-x: exec, once.
  await typeLine(app, 'clock step 60000');
  await expect(app.getByTestId('inspector').getByTestId('cap-algebra')).toContainText(/rights r-- \(decay took x\) · depth 0/);
});
