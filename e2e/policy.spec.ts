import { expect, playGallery as play, terminalFlat, test, typeLine } from './fixtures';

// Seed 004, "Where policy attaches": the rate-limited authority caps entry, played both ways in the app.
test('rate-limited authority caps: a sidecar tightens the granted cap (held); a re-mint leaves the old rate (breach)', async ({ app }) => {
  await app.getByTestId('tab-gallery').click();
  await play(app, 'rate-limit', 'on');
  await expect(app.getByTestId('verdict')).toContainText('policy tightened');
  // The burst's third call on cap #2 faulted in the chain's handler, as the terminal shows.
  await expect
    .poll(() => terminalFlat(app))
    .toContain('3. fault: rate limit: cap #2 allows 2 calls/s (baked in), and 2 went through in the last 1 s');
  await play(app, 'rate-limit', 'off');
  await expect(app.getByTestId('verdict')).toContainText('policy not tightened');
  // Inspection is free and outside the world: the caps and their policy.
  await typeLine(app, 'ratelimit');
  await expect.poll(() => terminalFlat(app)).toMatch(/#4 +EndpointRefCap#\d+ +User#\d+ +1\/s/);
});
