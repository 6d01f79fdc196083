import { expect, terminalFlat, test, typeLine } from './fixtures';

// Seed 000: service-fs, the WORM ledger as a service. What a process appends shows in the ledger panel as its own
// kind and author, never as a kernel record; modify and delete are refused by name.
test('service-fs (seed 000): an append shows as the process’s record; delete is refused by name', async ({ app }) => {
  await app.getByTestId('scenario-picker').selectOption('worm');
  await expect(app.getByTestId('scenario-name')).toHaveText(/service-fs/);
  await typeLine(app, 'call @notes append "relabel blocked: forged"');
  await expect.poll(() => terminalFlat(app)).toMatch(/\{"seq":\d+\}/);
  const row = app.getByTestId('ledger').locator('[data-event="appended"]').filter({ hasText: 'relabel blocked: forged' });
  await expect(row).toHaveCount(1);
  await expect(row.locator('.ev')).toHaveText('appended');
  await expect(row.locator('.ev')).toHaveAttribute(
    'title',
    /appended by process \d+ through service-fs: its own text, not a kernel record/,
  );
  // Its author is the shell's pid, not the kernel.
  await expect(row.locator('[role="gridcell"]').nth(3)).not.toHaveText('kernel');
  // Its own marker — a "process" badge and a dashed frame — never the marked row's left stripe.
  await expect(row.locator('.by-process')).toHaveText('process');
  const look = (el: Element) => ({ shadow: getComputedStyle(el).boxShadow, outline: getComputedStyle(el).outlineStyle });
  expect(await row.evaluate(look)).toEqual({ shadow: 'none', outline: 'dashed' });
  // A forged verdict text raises no verdict banner.
  await expect(app.getByTestId('verdict').filter({ hasText: 'relabel blocked' })).toHaveCount(0);
  await typeLine(app, 'call @notes delete 1');
  await expect.poll(() => terminalFlat(app)).toContain('EWORM: service-fs is append-only (WORM, seed 000)');
  // Mark the kernel record after it (travel to the refusal): that row gets the stripe, the appended row keeps its frame.
  const seq = Number(await row.getAttribute('data-seq'));
  const kernelSeq = await app
    .getByTestId('ledger')
    .locator('.ledger-row:not([data-event="appended"])')
    .evaluateAll((els, after) => Math.min(...els.map((el) => Number(el.getAttribute('data-seq'))).filter((n) => n > after)), seq);
  const kernelRow = app.getByTestId('ledger').locator(`.ledger-row[data-seq="${kernelSeq}"]`);
  await kernelRow.click();
  await expect(kernelRow).toHaveAttribute('aria-selected', 'true');
  expect((await kernelRow.evaluate(look)).shadow).toMatch(/ 3px 0px 0px 0px inset$/);
  await expect(kernelRow.locator('.by-process')).toHaveCount(0);
  expect(await row.evaluate(look)).toEqual({ shadow: 'none', outline: 'dashed' });
  if (process.env.WORM_SHOT) await app.getByTestId('ledger').screenshot({ path: `${process.env.WORM_SHOT}.ledger.png` });
  if (process.env.WORM_SHOT) await app.screenshot({ path: process.env.WORM_SHOT });
});

test('service-fs lesson (seed 000): each step turns green as the kernel checks it', async ({ app }) => {
  await app.getByTestId('tab-lessons').click();
  const lessons = app.getByTestId('lessons');
  await lessons.getByTestId('lesson-pick').selectOption('worm');
  await lessons.getByTestId('lesson-start').click();
  await expect(app.getByTestId('scenario-name')).toHaveText(/service-fs/);
  const steps = lessons.getByTestId('lesson-step');
  await expect(steps).toHaveCount(5);
  const lines = [
    'call @notes append "shift change: all clear"',
    'call @notes delete 1',
    'call @audit append "x"',
    'run "ingest hello" with { stdio: client @stdio }',
    'call @notes append "relabel blocked: forged"',
  ];
  for (const [i, line] of lines.entries()) {
    await expect(steps.nth(i)).toHaveAttribute('data-state', 'current');
    await typeLine(app, line);
    await expect(steps.nth(i)).toHaveAttribute('data-state', 'done');
  }
  await expect(lessons.getByTestId('lesson-done')).toBeVisible();
});
