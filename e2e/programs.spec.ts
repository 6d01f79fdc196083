import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, terminalFlat, test, toggleDefense, typeLine } from './fixtures';

/** The Gate 0 attack (src/kernel/programs/user.test.ts): start a child that speaks as bob, holding only badge 42. */
const THIEF =
  "function* main(sys) { const r = yield sys.spawn('chat-client', { name: 'impostor', grants: { chat: 'client @chat badge 200' }, argv: ['stay'] }); " +
  "yield sys.call('stdio', 'write', [r.ok ? 'thief: impostor started' : 'thief: refused: ' + r.code]); }";
const RUN = 'run "thief" with { stdio: client @stdio, chat: client @chat, spawner: @spawner }';

const ledgerHead = (page: Page) =>
  page.evaluate(() => {
    const feed = (
      globalThis as unknown as { capplay: { store: { getState(): { ledger: { entries: { seq: number; detail: string }[] } | null } } } }
    ).capplay.store.getState().ledger;
    const e = feed?.entries.at(-1);
    return { seq: e?.seq ?? 0, detail: e?.detail ?? '' };
  });

const serious = async (page: Page) =>
  (await new AxeBuilder({ page }).analyze()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

/** Replace the editor's text by typing, as a person would (select all, then type). */
async function typeSource(page: Page, source: string, closeCompletions = true) {
  await page.getByTestId('program-editor').locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(source);
  if (closeCompletions) await page.keyboard.press('Escape'); // a completion list left open
}

test('the Programs tab: write a program, see a syntax error marked, run it refused and then winning; share it', async ({
  app,
  browser,
}) => {
  test.setTimeout(120_000); // two axe passes and a second browser context
  const tab = app.getByTestId('programs');
  await app.getByTestId('tab-programs').click();
  await tab.getByTestId('program-new').click();
  await expect(tab.getByTestId('program-editor').locator('.cm-content')).toContainText('function* main(sys)');
  await tab.getByTestId('program-name').fill('thief');
  await tab.getByTestId('program-summary').fill('tries to speak as bob');
  await tab.getByTestId('program-run-line').fill(RUN);

  // A syntax error is marked before anything runs: the engine's own message, at its line and column.
  await typeSource(app, 'function* main(sys) { const x = ; }');
  await expect(tab.getByTestId('program-syntax')).toContainText(
    "Syntax error at line 1:33: SyntaxError: unexpected token in expression: ';'",
  );
  await expect(tab.locator('.cm-lintRange-error')).toHaveCount(1);
  await tab.screenshot({ path: 'test-results/programs-syntax-error.png' });

  // The sys API is documented inline: its completion list after "sys.".
  await typeSource(app, 'sys.sp', false);
  await expect(app.locator('.cm-tooltip-autocomplete')).toBeVisible();
  await expect(app.locator('.cm-tooltip-autocomplete')).toContainText('spawn');
  await app.keyboard.press('Escape');

  await typeSource(app, THIEF);
  await expect(tab.getByTestId('program-syntax')).toHaveText('Compiles (checked by the sandbox engine, QuickJS).');
  await expect(tab.locator('.cm-lintRange-error')).toHaveCount(0);
  // …and on hover: the same text as its completion.
  await tab
    .locator('.cm-line span', { hasText: /^spawn$/ })
    .first()
    .hover();
  await expect(app.locator('.cm-tooltip-hover')).toContainText('sys.spawn(program, { name, grants');
  await app.mouse.move(0, 0);

  // Gate 0 on: the kernel refuses the relabeled child, and the program says so; its fate is the kernel's exit record.
  await tab.getByTestId('program-run').click();
  await expect.poll(() => terminalFlat(app)).toContain(RUN);
  await expect(tab.getByTestId('program-output')).toContainText('thief: refused: EGATE0');
  await expect(tab.getByTestId('program-fate')).toHaveText('exit 0');
  await expect(tab.getByTestId('program-reason')).toContainText('exited with code 0');
  await expect(tab.getByTestId('program-verdicts')).toContainText('Held:'); // what happened is the kernel's verdict

  // Gate 0 off (the experimenter's control): the same program wins.
  await toggleDefense(app, 'gate0');
  await tab.getByTestId('program-run').click();
  await expect(tab.getByTestId('program-output')).toContainText('thief: impostor started');
  await expect(tab.getByTestId('program-fate')).toHaveText('exit 0');
  await expect(tab.getByTestId('program-verdicts')).toContainText('Breach: relabel succeeded');
  await expect(tab.getByTestId('program-verdicts')).not.toContainText('Held:'); // only this run's

  expect(await serious(app)).toEqual([]);
  await tab.screenshot({ path: 'test-results/programs-dark.png' });
  await app.emulateMedia({ colorScheme: 'light' });
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await serious(app)).toEqual([]);
  await tab.screenshot({ path: 'test-results/programs-light.png' });

  // Keyboard: Tab leaves the editor (it does not trap focus) and reaches the run line and Run.
  await tab.getByTestId('program-editor').locator('.cm-content').focus();
  await app.keyboard.press('Tab');
  await expect(tab.getByTestId('program-run-line')).toBeFocused();

  // Share the session: a fresh browser opens it with the program, its source and its latest run intact.
  await app.getByTestId('share-toggle').click();
  await app.getByTestId('share-make').click();
  const link = await app.getByTestId('share-link').inputValue();
  const mine = await ledgerHead(app);
  const context = await browser.newContext();
  const other = await context.newPage();
  const errors: string[] = [];
  other.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  other.on('pageerror', (e) => errors.push(e.message));
  await other.goto(link);
  await expect(other.getByTestId('notice')).toContainText('Opened a shared session');
  await expect.poll(async () => (await ledgerHead(other)).seq).toBeGreaterThanOrEqual(mine.seq);
  await other.getByTestId('tab-programs').click();
  const theirs = other.getByTestId('programs');
  await expect(theirs.getByTestId('program-pick')).toHaveValue('thief');
  await expect(theirs.getByTestId('program-editor').locator('.cm-content')).toContainText('thief: impostor started');
  await expect(theirs.getByTestId('program-run-line')).toHaveValue(RUN);
  await expect(theirs.getByTestId('program-output')).toContainText('thief: impostor started');
  await expect(theirs.getByTestId('program-fate')).toHaveText('exit 0');
  expect(errors).toEqual([]);
  await context.close();

  // A reload restores it too (the definition is in the saved session's log), and the tab stays open.
  await expect(tab.getByTestId('program-pick').locator('option')).toHaveText(['thief']);
  await app.waitForTimeout(2500); // one periodic save at least
  await app.reload();
  await expect(tab.getByTestId('program-pick')).toHaveValue('thief');
  await expect(tab.getByTestId('program-editor').locator('.cm-content')).toContainText('thief: impostor started');
  await expect(tab.getByTestId('program-output')).toContainText('thief: impostor started');
});

test('the Programs tab in the narrow layout: reachable, usable from the keyboard, axe clean', async ({ app }) => {
  test.setTimeout(60_000);
  await app.setViewportSize({ width: 760, height: 900 });
  await app.getByTestId('narrow-tab-learn').click();
  await app.getByTestId('tab-programs').click();
  const tab = app.getByTestId('programs');
  await tab.getByTestId('program-new').focus();
  await app.keyboard.press('Enter');
  await expect(tab.getByTestId('program-editor').locator('.cm-content')).toContainText('function* main(sys)');
  await expect(tab.getByTestId('program-syntax')).toHaveText('Compiles (checked by the sandbox engine, QuickJS).');
  await tab.getByTestId('program-run-line').focus();
  await app.keyboard.press('Enter'); // Enter in the run line is Run
  await expect(tab.getByTestId('program-output')).toContainText('hello from program-1');
  await expect(tab.getByTestId('program-fate')).toHaveText('exit 0');
  expect(await serious(app)).toEqual([]);
  await tab.screenshot({ path: 'test-results/programs-narrow.png' });
});

/**
 * One step that holds the worker between two host entries (each `in` walks a 60,000-deep prototype chain, and
 * the engine checks its clock only every 10,000 operations): the page sees the step stay put, replaces the worker
 * and replays the session with the step cut; the cut is in the log, so a reload replays without hanging.
 */
const HOG =
  "function* main(sys) { let o = {}; for (let i = 0; i < 60000; i++) o = Object.create(o); yield sys.call('stdio', 'write', ['hog: built']); " +
  "let n = 0; for (;;) n += ('zz' in o) + ('zz' in o) + ('zz' in o) + ('zz' in o) + ('zz' in o) + ('zz' in o) + ('zz' in o) + ('zz' in o); }";

test('a step that holds the worker is cut by the page: the worker replaced, the session replayed with the cut logged', async ({ app }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  app.on('pageerror', (e) => errors.push(e.message));
  await app.getByTestId('tab-programs').click();
  const tab = app.getByTestId('programs');
  await tab.getByTestId('program-new').click();
  await tab.getByTestId('program-name').fill('hog');
  await tab.getByTestId('program-summary').fill('holds the worker in one step');
  await tab.getByTestId('program-run-line').fill('run "hog" with { stdio: client @stdio }');
  await typeSource(app, HOG);
  await expect(tab.getByTestId('program-syntax')).toHaveText('Compiles (checked by the sandbox engine, QuickJS).');
  await tab.getByTestId('program-run').click();
  const notice = app.getByTestId('notice');
  await expect(notice).toContainText(/The kernel worker was held by one step of a user program \(pid \d+\) for [3-9] s and was restarted/, {
    timeout: 30_000,
  });
  await expect(notice).toContainText('The step that held it is cut before it ran, and the cut is logged');
  await expect(tab.getByTestId('program-fate')).toHaveText('exit 137');
  await expect(tab.getByTestId('program-reason')).toContainText('killed: held the worker too long in one step');
  await expect(tab.getByTestId('program-output')).toContainText('hog: built');
  await app.screenshot({ path: 'test-results/programs-backstop.png' });
  // The world runs on: the shell has the terminal again and answers.
  await typeLine(app, 'ps');
  await expect.poll(() => terminalFlat(app)).toMatch(/capplay\$ ps\s*PID\s+PPID/);
  // A reload replays the session (the cut is in it): the same fate, and no worker had to be replaced again.
  await app.waitForTimeout(2500);
  await app.reload();
  await expect(tab.getByTestId('program-reason')).toContainText('killed: held the worker too long in one step', { timeout: 30_000 });
  await app.waitForTimeout(4000);
  await expect(app.getByTestId('notice')).not.toContainText('was held by one step');
  await typeLine(app, 'ps');
  await expect.poll(() => terminalFlat(app)).toMatch(/capplay\$ ps\s*PID\s+PPID/);
  expect(errors).toEqual([]);
});
