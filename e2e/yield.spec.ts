import { expect, terminalFlat, test, typeLine } from './fixtures';

test('yield routing from the shell: attestation route in the ledger; forged mint blocked, then succeeding without interposition', async ({ app }) => {
  await typeLine(app, 'attest');
  await expect.poll(() => terminalFlat(app)).toMatch(/route: kernel:attest: AttestationAuthority#\d+ → User#\d+ → Chain#1 → caught by kernel/);
  const ledger = app.getByTestId('ledger');
  await ledger.getByLabel('Filter ledger by event kind').selectOption('yield');
  await expect(ledger.locator('[data-event="yield"]')).toContainText('caught by kernel');
  // The yields view walks the route: emitter, the owners it passed, then the kernel that caught it.
  const route = app.getByTestId('yield-route');
  await expect(route.locator('[data-role]')).toHaveText([/AttestationAuthority#\d+/, /User#\d+/, 'Chain#1', 'kernel']);
  await expect(route.locator('[data-role="kernel"]')).toHaveCount(1);
  await expect(route.getByText('call stack at the yield')).toBeVisible();

  await typeLine(app, 'forge');
  await expect(app.getByTestId('verdict')).toContainText('forged mint blocked');
  const v2 = app.getByTestId('v-properties').locator('tr').filter({ hasText: 'V2' });
  await expect(v2).toHaveAttribute('data-status', 'demonstrated');
  await app.getByTestId('defense-interpose').click();
  await expect(app.getByTestId('defense-interpose')).not.toBeChecked();
  await typeLine(app, 'forge');
  await expect(app.getByTestId('verdict')).toContainText('forged mint succeeded');
  await expect(v2).toHaveAttribute('data-status', 'violated');
  await expect.poll(() => terminalFlat(app)).toMatch(/route: invoke_key: Forger#\d+ → caught by Chain#1/);
});
