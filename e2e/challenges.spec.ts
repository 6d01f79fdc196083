import { readFileSync } from 'node:fs';
import { expect, terminalFlat, test, toggleDefense, typeLine } from './fixtures';
import { tsImport } from 'tsx/esm/api';
import type * as Challenges from '../src/content/challenges/challenges';

const SHOTS = process.env.SHOTS_DIR;

test('a challenge: listed with its state; held with the defense on, captured with it off by a program run from the shell', async ({
  app,
}) => {
  await app.getByTestId('tab-challenges').click();
  const list = app.getByTestId('challenges');
  const items = list.getByTestId('challenge');
  await expect(items).toHaveCount(5);
  const vault = list.locator('[data-id="vault-unveil"]');
  await expect(vault).toHaveAttribute('data-state', 'not open');
  await expect(vault).toContainText('run "thief" unveil "/home r" with { stdio: client @stdio, fs: @fs }');
  await expect(vault).toContainText('turn off pledge/unveil');

  // Start: the template runs and does not win.
  await vault.getByTestId('challenge-start').click();
  await expect(vault).toHaveAttribute('data-state', 'not captured');
  // The challenge's template is the program `thief`, open in the Programs tab's editor to be changed.
  await app.getByTestId('tab-programs').click();
  const programs = app.getByTestId('programs');
  await programs.getByTestId('program-pick').selectOption('thief');
  await expect(programs.getByTestId('program-editor').locator('.cm-content')).toContainText('// Goal: print the text of /vault/secrets.');
  await expect(programs.getByTestId('program-run-line')).toHaveValue('run "thief" unveil "/home r" with { stdio: client @stdio, fs: @fs }');
  await app.getByTestId('tab-challenges').click();
  await typeLine(app, 'run "thief" unveil "/home r" with { stdio: client @stdio, fs: @fs }');
  await expect.poll(() => terminalFlat(app)).toContain('remember: capabilities, not passwords');

  // The player's own thief (the challenge's scenario file with their program in it): refused with the defense on…
  // (through tsx, which loads the content's JSON imports as Vite does)
  const { challengeById, challengeScenario } = (await tsImport(
    '../src/content/challenges/challenges.ts',
    import.meta.url,
  )) as typeof Challenges;
  const c = challengeById('vault-unveil')!;
  const mine = readFileSync(new URL('../tests/content/challenges/vault-unveil.js', import.meta.url), 'utf8');
  const file = { name: 'my-thief.json', mimeType: 'application/json', buffer: Buffer.from(challengeScenario(c, mine)) };
  await app.getByTestId('scenario-file').setInputFiles(file);
  await expect(vault).toHaveAttribute('data-state', 'not captured');
  await typeLine(app, c.run);
  await expect(app.getByTestId('verdict')).toContainText('unveil escape blockedthief (pid');
  await expect(vault).toHaveAttribute('data-state', 'not captured');
  await expect(vault).toContainText('the newest verdict (held) reads "unveil escape blocked');

  // …and captured with it off: the kernel's verdict, and the list says so.
  await toggleDefense(app, 'sandbox');
  await typeLine(app, c.run);
  await expect(app.getByTestId('verdict')).toContainText('unveil bypassedthief (pid');
  await expect(vault).toHaveAttribute('data-state', 'captured');
  await expect(vault.getByTestId('challenge-state')).toHaveText('⚑ captured');
  await expect(list.locator('[data-id="flood"]')).toHaveAttribute('data-state', 'not open');
  if (SHOTS) {
    await list.screenshot({ path: `${SHOTS}/challenges.png` });
    await app.screenshot({ path: `${SHOTS}/challenges-page.png` });
  }

  // The session the app exports is what `capplay grade` takes: it replays there and passes.
  await app.getByTestId('share-toggle').click();
  const download = app.waitForEvent('download');
  await app.getByTestId('share').getByRole('button', { name: 'Export session' }).click();
  const exported = await (await (await download).createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
  const { gradeFile, loadEngine } = (await tsImport('./grade-helper.ts', import.meta.url)) as typeof import('./grade-helper');
  await loadEngine();
  const graded = gradeFile('exported.json', () => exported, { kind: 'challenge', challenge: c });
  expect([graded.status, graded.flagged ?? graded.steps[0].why]).toEqual([
    'passed',
    expect.stringMatching(/^the verdict reads "unveil bypassed: thief/),
  ]);
});
