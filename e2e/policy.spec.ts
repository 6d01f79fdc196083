import { expect, playGallery as play, terminalFlat, test, typeLine } from './fixtures';

// Seed 004, "Where policy attaches": the rate-limited authority caps entry, played both ways in the app.
test('rate-limited authority caps: a sidecar tightens the granted cap (held); a re-mint leaves the old rate (breach)', async ({ app }) => {
  await app.getByTestId('tab-gallery').click();
  await play(app, 'rate-limit', 'on');
  await expect(app.getByTestId('verdict')).toContainText('policy tightened');
  // The sidecar's 1/s faulted calls in the chain's handler, as the terminal shows. (Whether the claim's call itself got
  // through depends on the wall-clock time between the app's steps, which do not wait: the headless gallery test and
  // policy.test.ts check what a claim reaches.)
  await expect
    .poll(() => terminalFlat(app))
    .toContain("fault: rate limit: cap #3 allows 1 call/s (the chain's sidecar policy; baked in: 5 calls/s)");
  await play(app, 'rate-limit', 'off');
  await expect(app.getByTestId('verdict')).toContainText('policy not tightened');
  // Inspection is free and outside the world: the caps and their policy.
  await typeLine(app, 'ratelimit');
  await expect.poll(() => terminalFlat(app)).toMatch(/#4 +EndpointRefCap#\d+ +User#\d+ +1\/s/);
});
