import { expect, installationKey, test } from './fixtures';
import { verifyProofText } from '../src/kernel/ledger/proofs';

test("a record's proof in the ledger panel is co-signed by this installation's key, and verifies as capplay verify checks it", async ({
  app,
}) => {
  const ledger = app.getByTestId('ledger');
  await expect(ledger.getByTestId('ledger-verify')).toContainText('✓ tree intact');
  const { keyId, vkey } = await installationKey(app);

  const row = ledger.locator('.ledger-row[data-event]').last();
  const seq = Number(await row.getAttribute('data-seq'));
  await row.click();
  const proof = ledger.getByTestId('ledger-proof');
  await expect(proof).toContainText(
    new RegExp(
      `entry ${seq}: ✓ in the tree of \\d+ entries — .*\\(its tree head co-signed by this installation's key, key ID ${keyId}: the copied proof is signed\\)`,
    ),
  );
  // What Copy proof copies (also the tooltip): a signed note under this installation's vkey, checked here from the specs' side.
  const json = (await proof.getAttribute('title'))!;
  const p = JSON.parse(json);
  expect(p.vkey).toBe(vkey);
  expect(p.checkpoint).toMatch(/\n\n— capplay\.invalid\/installation\/[0-9a-f]{16} [A-Za-z0-9+/=]+\n$/);
  // The vkey is name+id+base64(0x01 || key): the base64 may hold '+' itself.
  const publicKey = Buffer.from(vkey.split('+').slice(2).join('+'), 'base64').subarray(1);
  expect(verifyProofText(json, { publicKey })).toMatchObject({ ok: true, type: 'inclusion', seq });
  const tampered = json.replace(/"path":\["(.)/, (_m, c: string) => `"path":["${c === 'A' ? 'B' : 'A'}`);
  expect(verifyProofText(tampered, { publicKey })).toMatchObject({ ok: false });
});
