import { createHash } from 'node:crypto';
import type { Page } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import defaultScenario from '../src/content/scenarios/default.json' with { type: 'json' };
import { encodeShare } from '../src/session/share';
import { expect, terminalFlat, test, typeLine } from './fixtures';

type Exported = { text: string } | { problem: string };
type Kernel = { ledgerExport(): Promise<Exported> };
const kernelOf = (page: Page) =>
  page.evaluateHandle(
    () => (globalThis as unknown as { capplay: { store: { getState(): { kernel: Kernel } } } }).capplay.store.getState().kernel,
  );

/**
 * The ledger up to record `seq` (default: the last), as one hash: SHA-256 over the records' leaf hashes 1..seq in
 * order (each leaf hash covers its record, so equal hashes mean equal ledgers up to there).
 */
async function hashAt(exported: Exported, seq?: number): Promise<{ seq: number; hash: string }> {
  if (!('text' in exported)) throw new Error(`the export failed: ${exported.problem}`);
  const records = exported.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { seq?: number; hash?: string })
    .filter((r) => typeof r.seq === 'number' && r.hash);
  const upTo = seq ?? records.at(-1)!.seq!;
  const hash = createHash('sha256');
  for (const r of records) if (r.seq! <= upTo) hash.update(r.hash!);
  return { seq: upTo, hash: hash.digest('hex') };
}
const browserHash = async (page: Page, seq?: number) => hashAt(await (await kernelOf(page)).evaluate((k) => k.ledgerExport()), seq);

const SHARED = {
  scenario: JSON.stringify(defaultScenario),
  seed: 2026,
  log: [
    { at: 0, line: 'spawn "idle" with { chat: @chat_participant }' },
    { at: 10, line: 'call @chat who "#lobby"' },
  ],
  ticks: 20,
};

test('a link pasted into an open tab is offered, opens once confirmed, and shows the transcript that led there', async ({
  app,
  browser,
  baseURL,
}) => {
  const link = await encodeShare(SHARED);
  // Keep mine: the link goes from the address bar and nothing else changes.
  await app.evaluate((h) => (location.hash = h), link);
  const offer = app.getByTestId('link-offer');
  await expect(offer).toContainText('Open the shared session? (2 commands)');
  await offer.getByTestId('offer-keep').click();
  await expect(offer).toHaveCount(0);
  expect(new URL(app.url()).hash).toBe('');
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(0);
  // Open: replayed as a first visit would, with Undo, and the terminal shows what the commands did.
  await app.evaluate((h) => (location.hash = h), link);
  await offer.getByTestId('offer-open').click();
  await expect(app.getByTestId('undo-notice')).toContainText('Opened a shared session (2 commands replayed).');
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
  const transcript =
    /── Opening the shared session: 2 commands replayed ──capplay\$ spawn "idle".*spawned idle as pid 10.*capplay\$ call @chat who "#lobby"\["alice","bob"/;
  await expect.poll(() => terminalFlat(app)).toMatch(transcript);
  // An attendee opening the link in a new browser sees the same transcript.
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(`${baseURL}/${link}`);
  await expect(other.getByTestId('notice')).toContainText('Opened a shared session (2 commands replayed).');
  await expect.poll(() => terminalFlat(other)).toMatch(transcript);
  await context.close();
});

test('Reset asks first (Esc cancels, focus returns), and Undo brings the old session back exactly', async ({ app }) => {
  await typeLine(app, 'spawn "idle" with { chat: @chat_participant }');
  await expect.poll(() => terminalFlat(app)).toContain('spawned idle as pid 10');
  const before = await browserHash(app);
  const reset = app.getByRole('button', { name: 'Reset' });
  await reset.click();
  await expect(app.getByTestId('confirm')).toContainText('Reset the playground?');
  await app.keyboard.press('Escape');
  await expect(app.getByTestId('confirm')).not.toBeVisible();
  await expect(reset).toBeFocused();
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1); // nothing happened
  await reset.click();
  await app.getByTestId('confirm-yes').click();
  await expect(app.getByTestId('undo-notice')).toContainText('The default scenario was booted.');
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(0);
  await app.getByTestId('undo').click();
  await expect(app.getByTestId('notice')).toContainText('Undone: your session is back (1 command replayed).');
  await expect(app.getByTestId('graph').locator('[data-node-id="p:10"]')).toHaveCount(1);
  expect(await browserHash(app, before.seq)).toEqual(before);
});

test("a loaded scenario's script runs in the browser, to the headless run's ledger bytes", async ({ app }) => {
  const relabel = 'spawn "chat-client" with { chat: client @chat badge 200 }';
  const text = JSON.stringify({
    ...defaultScenario,
    name: 'Relabel, scripted',
    script: [{ line: relabel, wait: 50 }, { line: 'defense gate0 off' }, { line: 'clock step 7' }, { line: relabel, wait: 120 }],
  });
  await app.getByTestId('scenario-file').setInputFiles({ name: 'scripted.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(app.getByTestId('verdict')).toContainText('relabel succeeded');
  await expect
    .poll(() => terminalFlat(app))
    .toMatch(/── The script of scripted\.json ran \(4 lines\) ──capplay\$ spawn "chat-client".*EGATE0/);
  // The headless runner's code path (capplay run), in Node.
  const { KernelHost } = await tsImport('../src/kernel/host.ts', import.meta.url);
  const headless = new KernelHost(undefined, false);
  headless.boot(text);
  headless.runScriptNow();
  const expected = await hashAt(headless.ledgerExport());
  expect(await browserHash(app, expected.seq)).toEqual(expected);
});

test('a first visit shows the start-here card; dismissed, it does not come back', async ({ app, browser, baseURL }) => {
  const card = app.getByTestId('start-here');
  await expect(card).toBeVisible();
  await app.keyboard.press('Escape');
  await expect(card).toHaveCount(0);
  await app.reload();
  await expect(app.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
  await expect(card).toHaveCount(0);
  // Not even where nothing was saved: the dismissal is remembered by itself.
  const context = await browser.newContext({ storageState: await app.context().storageState() });
  const other = await context.newPage();
  await other.goto(`${baseURL}/`);
  await expect(other.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
  await expect(other.getByTestId('start-here')).toHaveCount(0);
  await context.close();
});

test('the card’s “Try the relabel attack” opens the gallery playing the relabeling entry', async ({ app }) => {
  await app.getByTestId('start-relabel').click();
  await expect(app.getByTestId('start-here')).toHaveCount(0);
  await expect(app.getByTestId('tab-gallery')).toHaveAttribute('aria-selected', 'true');
  await expect(app.getByTestId('gallery-entry')).toHaveValue('relabel');
  await expect(app.getByTestId('gallery-narration')).toHaveAttribute('data-step', '1');
});
