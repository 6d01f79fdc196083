/* global document, getComputedStyle -- the functions passed to page.evaluate run in the page */
// The graph's type at fit, measured as a person sees it: plays every attack-gallery entry, defense on and off, in
// Chromium at 1440x900 against a running build, and prints the smallest node name on screen (CSS px) with the
// verdict's outcome. README's figures (11 px at least, 16 in presenter mode) come from it.
//   npx vite build && npx vite preview --port 4199 --strictPort &
//   node scripts/graph-type.mjs [--presenter] [--url http://127.0.0.1:4199/]
import { chromium } from '@playwright/test';

const args = process.argv.slice(2);
const presenter = args.includes('--presenter');
const url = args.includes('--url') ? args[args.indexOf('--url') + 1] : 'http://127.0.0.1:4199/';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
await page.goto(url); // a new browser context: no saved session, no notice over the panes
await page.getByTestId('graph').locator('[data-node-id^="p:"]').first().waitFor();
await page
  .getByTestId('start-here-dismiss')
  .click({ timeout: 5000 })
  .catch(() => {});
if (presenter) await page.getByTestId('presenter-toggle').click();
const smallest = () =>
  page.evaluate(() =>
    Math.min(
      ...[...document.querySelectorAll('[data-testid=graph] .graph-label')].map(
        (t) => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize),
      ),
    ),
  );
const entries = await page
  .getByTestId('gallery-entry')
  .locator('option')
  .evaluateAll((os) => os.map((o) => o.value));
let worst = Infinity;
for (const id of entries)
  for (const mode of ['on', 'off']) {
    await page.getByTestId('gallery-entry').selectOption(id);
    await page.getByTestId(`gallery-mode-${mode}`).check();
    await page.getByTestId('gallery-play').click();
    while (!(await page.getByTestId('gallery-done').isVisible())) {
      await page.waitForFunction(() => !document.querySelector('[data-testid=gallery-next]')?.disabled, null, { timeout: 20_000 });
      if (await page.getByTestId('gallery-done').isVisible()) break;
      await page.getByTestId('gallery-next').click();
    }
    await page.waitForTimeout(2500); // the layout settles (levels of detail, the yield runtime)
    const outcome = await page
      .getByTestId('verdict')
      .getAttribute('data-outcome')
      .catch(() => 'none');
    const px = await smallest();
    worst = Math.min(worst, px);
    console.log(`${id.padEnd(20)} ${mode.padEnd(4)} ${String(outcome).padEnd(7)} smallest name ${px.toFixed(1)} px`);
  }
console.log(`${presenter ? 'presenter mode' : 'default'}: smallest name over ${entries.length * 2} runs ${worst.toFixed(1)} px`);
await browser.close();
