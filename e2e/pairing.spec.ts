import { expect, terminalFlat, test, typeLine, toggleDefense } from './fixtures';
import type { Page } from '@playwright/test';

async function openPointSav(app: Page) {
  await app.getByTestId('scenario-picker').selectOption('pointsav');
  await expect(app.getByTestId('scenario-name')).toHaveText(/PointSav fleet/);
  await expect(app.getByTestId('graph').locator('[data-kind="machine"]')).toHaveCount(4);
}

test('pairing types attenuate imports: USER refuses a write, INPUT allows it, severing makes the vault not found', async ({ app }) => {
  await openPointSav(app);
  const graph = app.getByTestId('graph');
  await typeLine(app, 'import totebox vault');
  await expect.poll(() => terminalFlat(app)).toContain('ENOTFOUND: no service "vault" on a machine "totebox" is visible from console');

  // No ambient authority over pairings (seed 001): the policy sets console ⇄ totebox at INPUT at most, and the
  // console is no end of the Totebox ⇄ MediaKit pairing. Both refusals are ledgered denials.
  await typeLine(app, 'pair totebox as ADMIN');
  await expect.poll(() => terminalFlat(app)).toContain('EPERM: an initiator never upgrades itself');
  await typeLine(app, 'unpair totebox mediakit');
  await expect.poll(() => terminalFlat(app)).toContain('EPERM: console is not an end of totebox ⇄ mediakit');
  await expect(app.getByTestId('ledger').getByText(/denied: unpair on @pairing by shell/)).toBeVisible();

  await typeLine(app, 'pair totebox as USER');
  await expect.poll(() => terminalFlat(app)).toContain('paired console ↔ totebox as USER');
  await expect(graph.locator('[data-node-id="m:0"]')).toHaveAttribute('aria-label', /⇄ totebox USER/);
  await typeLine(app, 'import totebox vault');
  await expect(graph.locator('[data-edge-kind="import"]').filter({ hasText: 'import · meta read' })).toHaveCount(1);
  await typeLine(app, 'call @vault write memo.txt "hello"');
  await expect.poll(() => terminalFlat(app)).toContain('EPERM: the USER pairing is read-only');

  await typeLine(app, 'pair totebox as INPUT');
  await expect(graph.locator('[data-edge-kind="import"]').filter({ hasText: 'import · meta read write' })).toHaveCount(1);
  await typeLine(app, 'call @vault write memo.txt "hello"');
  await expect.poll(() => terminalFlat(app)).toContain('"wrote memo.txt"');

  await typeLine(app, 'unpair totebox');
  // The import edge breaks with the pairing (same picture), and the vault is simply not there any more.
  await expect(graph.locator('[data-edge-kind="import"][data-dead]').filter({ hasText: 'not found' })).toHaveCount(1);
  await typeLine(app, 'call @vault names');
  await expect.poll(() => terminalFlat(app)).toContain('ENOTFOUND: not found');

  // The inspector shows the console's keys and steps through the handshake messages.
  await graph.locator('[data-node-id="m:0"] .graph-machine-label').click();
  const inspector = app.getByTestId('inspector');
  await expect(inspector.getByTestId('machine-cellid')).toHaveText(/^([0-9a-f]{4}-){7}[0-9a-f]{4}$/);
  const stepper = inspector.getByTestId('handshake');
  await expect(stepper.getByTestId('handshake-step')).toContainText('message 1 of 3');
  await stepper.getByRole('button', { name: 'next ▶' }).click();
  await expect(stepper.getByTestId('handshake-step')).toContainText('message 2 of 3');
  await expect(stepper.getByTestId('handshake-step')).toContainText('ee: DH(e_i, e_r)');
  await expect(stepper.getByTestId('handshake-outcome')).toContainText('ok');
});

test('MITM: succeeds on first contact, refused by TOFU+ after binding', async ({ app }) => {
  await openPointSav(app);
  await typeLine(app, 'mitm totebox');
  await expect(app.getByTestId('verdict')).toContainText('MITM succeeded');
  // The machine box is relabelled by the next layout (a busy 2-core machine can take a while).
  await expect(app.getByTestId('graph').locator('[data-node-id="m:0"]')).toHaveAttribute('aria-label', /MITM/, { timeout: 25_000 });

  await openPointSav(app);
  await typeLine(app, 'pair totebox');
  await typeLine(app, 'unpair totebox');
  await typeLine(app, 'mitm totebox');
  await expect(app.getByTestId('verdict')).toContainText('MITM after binding blocked by TOFU+');
  await expect.poll(() => terminalFlat(app)).toContain('ETOFU');
});

test('the Diode: the compromised MediaKit cannot command the vault, until the Diode is off', async ({ app }) => {
  await openPointSav(app);
  const graph = app.getByTestId('graph');
  // Its only edge to the Totebox carries telemetry: there is no command edge to try.
  await expect(graph.locator('[data-edge-kind="import"]').filter({ hasText: 'telemetry only' })).toHaveCount(1);
  await typeLine(app, 'compromise media');
  await expect(app.getByTestId('verdict')).toContainText('upstream command impossible');
  await toggleDefense(app, 'diode');
  await expect(app.getByTestId('defense-diode')).not.toBeChecked();
  await typeLine(app, 'compromise media');
  await expect(app.getByTestId('verdict')).toContainText('upstream command went through');
});

test('the WORM ledger: verified in the panel; export it, alter one byte, import it, and the first bad entry is named', async ({ app }) => {
  const ledger = app.getByTestId('ledger');
  await expect(ledger.getByTestId('ledger-verify')).toContainText('✓ tree intact');
  const download = app.waitForEvent('download');
  await ledger.getByRole('button', { name: 'Export' }).click();
  const file = await download;
  const text = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
  const lines = text.split('\n');
  expect(lines[0]).toContain('"format":"capplay-ledger"');

  // The untouched file verifies.
  await ledger.getByTestId('ledger-import').setInputFiles({ name: 'ledger.jsonl', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await expect(ledger.getByTestId('ledger-import-result')).toContainText('✓ verified');

  // One byte altered in entry 9's detail (line 10): named exactly.
  const at = lines[9].indexOf('"detail":"') + 12;
  lines[9] = lines[9].slice(0, at) + (lines[9][at] === 'x' ? 'y' : 'x') + lines[9].slice(at + 1);
  await ledger
    .getByTestId('ledger-import')
    .setInputFiles({ name: 'tampered.jsonl', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
  await expect(ledger.getByTestId('ledger-import-result')).toContainText('first bad entry 9 (line 10)');

  // The tamper demo from the shell does the same on a copy.
  await typeLine(app, 'ledger tamper 5');
  await expect.poll(() => terminalFlat(app)).toContain('verification of the copy: ✕ line 6, entry 5');

  // A click on a record shows its RFC 6962 inclusion proof in the live ledger, checked in the worker.
  const row = ledger.locator('.ledger-row[data-event]').last(); // the newest rows are the ones shown
  const seq = await row.getAttribute('data-seq');
  await row.click();
  await expect(ledger.getByTestId('ledger-proof')).toContainText(
    new RegExp(`entry ${seq}: ✓ in the tree of \\d+ entries — an RFC 6962 path of \\d+ hash`),
  );
});
