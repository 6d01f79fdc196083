import AxeBuilder from '@axe-core/playwright';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Page } from '@playwright/test';
import { expect, installationKey, terminalFlat, test, typeLine } from './fixtures';
import { cosignature } from '../src/kernel/ledger/cosign';
import { Ledger, ledgerKeyFromSeed, verifyExport } from '../src/kernel/ledger/ledger';

const SHOTS = process.env.SHOTS_DIR;

/** Click Export in the ledger panel and read the downloaded file. */
async function exportLedger(app: Page): Promise<string> {
  const download = app.waitForEvent('download');
  await app.getByTestId('ledger').getByRole('button', { name: 'Export' }).click();
  const file = await download;
  return (await (await file.createReadStream()).toArray().then((c) => Buffer.concat(c))).toString('utf8');
}

async function importText(app: Page, name: string, text: string) {
  await app.getByTestId('ledger-import').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(text) });
}

/**
 * The attack the seed-derived key could not stop: the exported records with the last one's detail rewritten, rebuilt
 * into a fresh tree and re-signed with the key anyone derives from the scenario seed the origin names.
 */
function forgeWithSeedKey(text: string): string {
  const r = verifyExport(text);
  if (!r.ok) throw new Error(r.firstBad.reason);
  const seed = Number(/seed-(\d+)$/.exec(r.origin!)![1]);
  const l = new Ledger({ origin: r.origin!, checkpointEvery: r.checkpointEvery });
  const last = r.entries.length - 1;
  r.entries.forEach((e, i) =>
    l.append(e.time, e.kind, e.actor, e.subject, i === last ? `${e.detail} (rewritten)` : e.detail, e.object, e.facts),
  );
  const key = ledgerKeyFromSeed(seed);
  return l.exportJsonl(cosignature(l, { name: r.origin!, seed: key, publicKey: ed25519.getPublicKey(key) }));
}

test("an export is co-signed by this installation's key: import says so, the key survives a reload, and a seed-key forgery is integrity-only", async ({
  app,
}) => {
  const ledger = app.getByTestId('ledger');
  await expect(ledger.getByTestId('ledger-verify')).toContainText('✓ tree intact');

  // The key, where a person looks for it: the ledger panel's Key button.
  const { keyId, vkey } = await installationKey(app, SHOTS && `${SHOTS}/signing-key.png`);
  expect(keyId).toMatch(/^[0-9a-f]{8}$/);
  expect(vkey).toMatch(new RegExp(`^capplay\\.invalid/installation/[0-9a-f]{16}\\+${keyId}\\+[A-Za-z0-9+/]{44}$`));

  const text = await exportLedger(app);
  expect(text.split('\n', 1)[0]).toContain(`"vkey":"${vkey}"`);
  await expect(ledger.getByTestId('ledger-export-result')).toContainText(`signed by this installation's key`);
  await importText(app, 'mine.jsonl', text);
  const result = ledger.getByTestId('ledger-import-result');
  await expect(result).toContainText(`✓ verified`);
  await expect(result).toContainText(`signed by this installation's key (ID ${keyId})`);
  if (SHOTS) {
    await ledger.scrollIntoViewIfNeeded();
    await ledger.screenshot({ path: `${SHOTS}/signing-import-mine.png` });
  }

  // A reload keeps the key (IndexedDB holds the CryptoKey): the same ID, and the old file is still ours.
  await app.reload();
  await expect(app.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
  await ledger.getByTestId('installation-key-button').click();
  await expect(ledger.getByTestId('installation-key-id')).toHaveText(keyId);
  await ledger.getByRole('dialog', { name: "This installation's signing key" }).getByRole('button', { name: 'Close' }).click();
  await importText(app, 'mine-again.jsonl', text);
  await expect(result).toContainText(`signed by this installation's key (ID ${keyId})`);

  // The shell's `ledger export` goes through the same co-signing: the download carries this installation's vkey.
  const shellDownload = app.waitForEvent('download');
  await typeLine(app, 'ledger export');
  const fromShell = await (await (await shellDownload).createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'));
  expect(fromShell.split('\n', 1)[0]).toContain(`"vkey":"${vkey}"`);
  await expect.poll(() => terminalFlat(app)).toContain(`exported, signed by this installation's key`);

  // A verdict rewritten and re-signed with the seed's key verifies, but only as integrity, never as ours.
  const forged = forgeWithSeedKey(text);
  await importText(app, 'forged.jsonl', forged);
  await expect(result).toContainText('✓ intact');
  await expect(result).toContainText('signed by a seed-derived key: integrity only, not authorship');
  await expect(result).not.toContainText("this installation's key (");
  if (SHOTS) {
    await ledger.scrollIntoViewIfNeeded();
    await ledger.screenshot({ path: `${SHOTS}/signing-import-forged.png` });
  }
});

const serious = async (page: Page) =>
  (await new AxeBuilder({ page }).include('[data-testid="ledger"]').analyze()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

test('axe-core, dark and light: the Key card, the export line and an integrity-only verdict have no serious violations (contrast included)', async ({
  app,
}) => {
  test.setTimeout(60_000);
  const ledger = app.getByTestId('ledger');
  const text = await exportLedger(app);
  await importText(app, 'forged.jsonl', forgeWithSeedKey(text));
  await expect(ledger.getByTestId('ledger-import-result')).toContainText('integrity only');
  const key = ledger.getByTestId('installation-key-button');
  for (const scheme of ['dark', 'light'] as const) {
    await app.emulateMedia({ colorScheme: scheme });
    await expect.poll(() => app.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
    // The verdict and the export line alone, then with the Key card over them.
    expect(await serious(app), `${scheme}: the verdict`).toEqual([]);
    await key.click();
    await expect(ledger.getByTestId('installation-key-id')).toBeVisible();
    expect(await serious(app), `${scheme}: the Key card`).toEqual([]);
    if (scheme === 'dark') await key.click();
  }
  if (SHOTS) {
    await ledger.scrollIntoViewIfNeeded();
    await ledger.screenshot({ path: `${SHOTS}/signing-light.png` });
  }
});
