import { expect, terminalFlat, test, typeLine } from './fixtures';

test('yield routing from the shell: attestation route in the ledger; forged mint blocked, then succeeding without interposition', async ({ app }) => {
  await typeLine(app, 'attest');
  await expect.poll(() => terminalFlat(app)).toMatch(/route: kernel:attest: AttestationAuthority#\d+ → User#\d+ → Chain#1 → caught by kernel/);
  const ledger = app.getByTestId('ledger');
  await ledger.getByLabel('Filter ledger by event kind').selectOption('yield');
  await expect(ledger.locator('[data-event="yield"]')).toContainText('caught by kernel');

  await typeLine(app, 'forge');
  await expect(app.getByTestId('verdict')).toContainText('forged mint blocked');
  await app.getByTestId('defense-interpose').click();
  await expect(app.getByTestId('defense-interpose')).not.toBeChecked();
  await typeLine(app, 'forge');
  await expect(app.getByTestId('verdict')).toContainText('forged mint succeeded');
  await expect.poll(() => terminalFlat(app)).toMatch(/route: invoke_key: Forger#\d+ → caught by Chain#1/);
});
