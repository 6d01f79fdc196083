import { writeFileSync } from 'node:fs';
import { expect, test } from './fixtures';
import { Ledger } from '../src/kernel/ledger/ledger';

// An export over the 64 MiB one-piece limit is read as a stream and verified a line at a time in the worker.
test('a ledger export over 64 MiB imports by streaming, and its tampering is still located', async ({ app }, info) => {
  test.setTimeout(240_000);
  const l = new Ledger();
  const pad = 'x'.repeat(180);
  for (let i = 0; i < 300_000; i++) l.append(i, 'grant', 1, 2, `record ${i} ${pad}`, 3);
  const text = l.exportJsonl();
  expect(text.length).toBeGreaterThan(64 << 20);
  const big = info.outputPath('big.jsonl');
  const bad = info.outputPath('bad.jsonl');
  writeFileSync(big, text);
  writeFileSync(bad, text.replace('"detail":"record 250000 ', '"detail":"record 250001 '));
  const ledger = app.getByTestId('ledger');
  await ledger.getByTestId('ledger-import').setInputFiles(big);
  // Made in Node by a bare Ledger, so unsigned: intact, and said to prove nothing against edits.
  await expect(ledger.getByTestId('ledger-import-result')).toContainText('✓ intact: 300000 entries', { timeout: 200_000 });
  await expect(ledger.getByTestId('ledger-import-result')).toContainText('unsigned: no signature at all');
  await ledger.getByTestId('ledger-import').setInputFiles(bad);
  await expect(ledger.getByTestId('ledger-import-result')).toContainText('first bad entry 250001 (line', { timeout: 200_000 });
});
