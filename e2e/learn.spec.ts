import { expect, playGallery as play, terminalFlat, test, typeLine } from './fixtures';

test('the attack gallery: relabeling and a forged mint, each with its defense on and off, ending in the verdict', async ({ app }) => {
  await app.getByTestId('tab-gallery').click();
  await play(app, 'relabel', 'on');
  await expect(app.getByTestId('verdict')).toContainText('relabel blocked');
  await expect(app.getByTestId('defense-gate0')).toBeChecked();
  await play(app, 'relabel', 'off');
  await expect(app.getByTestId('verdict')).toContainText('relabel succeeded');
  // The lines were typed in the terminal, for people to follow.
  await expect.poll(() => terminalFlat(app)).toContain('spawn "chat-client stay" with { chat: client @chat badge 200 }');

  await play(app, 'forge', 'on');
  await expect(app.getByTestId('verdict')).toContainText('forged mint blocked');
  await play(app, 'forge', 'off');
  await expect(app.getByTestId('verdict')).toContainText('forged mint succeeded');
});

test('a lesson: steps turn green as the kernel checks them, with a hint after a wrong try', async ({ app }) => {
  await app.getByTestId('tab-lessons').click();
  const lessons = app.getByTestId('lessons');
  await lessons.getByTestId('lesson-pick').selectOption('relabel');
  await lessons.getByTestId('lesson-start').click();
  const steps = lessons.getByTestId('lesson-step');
  await expect(steps).toHaveCount(4);
  await expect(steps.nth(0)).toHaveAttribute('data-state', 'current');
  await expect(lessons.getByTestId('lesson-hint')).toHaveCount(0);

  await typeLine(app, 'ps'); // a wrong try
  await expect(lessons.getByTestId('lesson-hint')).toContainText('run "chat-client"');
  await typeLine(app, 'run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }');
  await expect(steps.nth(0)).toHaveAttribute('data-state', 'done');
  await typeLine(app, 'defense gate0 off');
  await expect(steps.nth(1)).toHaveAttribute('data-state', 'done');
  await typeLine(app, 'run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }');
  await expect(steps.nth(2)).toHaveAttribute('data-state', 'done');
  await typeLine(app, '/exit'); // typed to the chat client, which leaves
  await expect.poll(() => terminalFlat(app)).toMatch(/chat-client \(pid \d+\) exited|exited with code 0/);
  await typeLine(app, 'defense gate0 on');
  await expect(steps.nth(3)).toHaveAttribute('data-state', 'done');
  await expect(lessons.getByTestId('lesson-done')).toBeVisible();
});
