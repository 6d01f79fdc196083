import type { Page } from '@playwright/test';
import { expect, terminalFlat, test, typeLine, toggleDefense } from './fixtures';

const clock = (app: Page) => app.getByRole('group', { name: 'Virtual clock' });
async function pauseClock(app: Page) {
  await clock(app).getByRole('button', { name: /Pause/ }).click();
  await expect(clock(app).getByRole('button', { name: /Run/ })).toBeVisible();
}
const resumeClock = (app: Page) => clock(app).getByRole('button', { name: /Run/ }).click();

const FETCH = 'run "fetch-worker" pledge "stdio net" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }';
const PDF = 'run "pdf-viewer" unveil "/home/docs r" with { stdio: client @stdio, fs: @fs }';

test('fetch-worker: a pledge violation aborts it, the shell survives, the ledger and verdict say why', async ({ app }) => {
  // The clock is paused while the inspector is read: the program lives under a second of virtual time.
  await pauseClock(app);
  await typeLine(app, FETCH);
  await app.getByTestId('graph').locator('[data-node-id="p:10"]').click();
  await expect(app.getByTestId('inspector-pledge')).toHaveText('net stdio');
  await resumeClock(app);
  await expect.poll(() => terminalFlat(app)).toMatch(/fetch-worker: GET https:\/\/example\.test\/feed/);
  await expect
    .poll(() => terminalFlat(app))
    .toMatch(/\[fetch-worker \(pid 10\) aborted: pledge violation: read \/vault\/secrets needs "rw" or "storage"\]/);
  await expect(app.getByTestId('graph').locator('[data-edge-kind="aborted"]')).toContainText('aborted: missing "rw" or "storage"');
  await expect(app.getByTestId('verdict')).toContainText('pledge violation blocked');
  const ledger = app.getByTestId('ledger');
  await ledger.getByLabel('Filter ledger by event kind').selectOption('abort');
  await expect(ledger.locator('[data-event="abort"]')).toContainText('read /vault/secrets needs "rw" or "storage"');
  expect(await terminalFlat(app)).not.toMatch(/launch code/);
  await typeLine(app, 'ps');
  await expect.poll(() => terminalFlat(app)).toMatch(/PID\s+PPID.*shell/);

  // pledge/unveil off: the same program gets the secret out.
  await toggleDefense(app, 'sandbox');
  await expect(app.getByTestId('defense-sandbox')).not.toBeChecked();
  await typeLine(app, FETCH);
  await expect.poll(() => terminalFlat(app), { timeout: 15_000 }).toMatch(/fetch-worker: got it: launch code: 0000/);
  await expect(app.getByTestId('verdict')).toContainText('pledge bypassed');
  // A breach, though its wording has no "succeeded" (the banner read the prose before and showed it green).
  await expect(app.getByTestId('verdict')).toHaveAttribute('data-outcome', 'breach');
});

test('pdf-viewer: every escape from its unveil sees only ENOENT', async ({ app }) => {
  await pauseClock(app);
  await typeLine(app, PDF);
  await app.getByTestId('graph').locator('[data-node-id="p:10"]').click();
  await expect(app.getByTestId('inspector-unveil')).toContainText('/home/docs r');
  await resumeClock(app);
  await expect.poll(() => terminalFlat(app)).toMatch(/pdf-viewer: rendering report\.pdf/);
  await expect.poll(() => terminalFlat(app)).toMatch(/pdf-viewer: \/home\/docs\/shortcut → ENOENT/);
  const text = await terminalFlat(app);
  expect(text).toMatch(/\/home\/docs\/\.\.\/\.\.\/etc\/passwd → ENOENT/);
  expect(text).not.toMatch(/READ: /);
  await expect(app.getByTestId('verdict')).toContainText('unveil escape blocked');
});
