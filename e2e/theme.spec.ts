import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test, typeLine } from './fixtures';

/** Relative luminance (WCAG) of a CSS rgb()/rgba() colour, and the contrast ratio of two. */
const luminance = (css: string) => {
  const [r, g, b] = css
    .match(/[\d.]+/g)!
    .slice(0, 3)
    .map((c) => {
      const v = Number(c) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
const rgb = (css: string) =>
  css
    .match(/[\d.]+/g)!
    .slice(0, 3)
    .map(Number);

const bodyBackground = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const theme = (page: Page) => page.evaluate(() => document.documentElement.dataset.theme);
/** The xterm's own background (its theme, not the page's CSS; xterm 6 paints it on this element). */
const terminalBackground = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.querySelector('.xterm-scrollable-element')!).backgroundColor);
/** The energy timeline's bottom-right pixel: its background (48 rows, far fewer fibers), in the canvas's own colours. */
const timelinePixel = (page: Page) =>
  page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid="scheduler-timeline"]')!;
    return Array.from(
      c
        .getContext('2d')!
        .getImageData(c.width - 1, c.height - 1, 1, 1)
        .data.slice(0, 3),
    );
  });

const serious = async (page: Page) =>
  (await new AxeBuilder({ page }).analyze()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

/** The relabel attack with Gate 0 off, typed: a breach verdict. */
async function breach(page: Page) {
  await typeLine(page, 'defense gate0 off');
  await typeLine(page, 'spawn "chat-client stay" with { chat: client @chat badge 200 }');
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toHaveAttribute('data-outcome', 'breach', { timeout: 15_000 });
  return verdict;
}

test('a light system gets the light theme, live: the page, the terminal and the energy timeline; a breach is still red', async ({
  app,
}) => {
  // The suite runs with a dark system (playwright.config.ts); the OS switching to light is followed at once.
  expect(await theme(app)).toBe('dark');
  expect(luminance(await bodyBackground(app))).toBeLessThan(0.05);
  await app.emulateMedia({ colorScheme: 'light' });
  await expect.poll(() => theme(app)).toBe('light');
  expect(luminance(await bodyBackground(app))).toBeGreaterThan(0.9);
  await expect.poll(() => terminalBackground(app)).toBe('rgb(255, 255, 255)');
  await expect.poll(() => timelinePixel(app)).toEqual([255, 255, 255]);
  await expect(app.getByTestId('theme-toggle')).toHaveAttribute('aria-label', /Theme: Auto \(light, as the system\)\. Switch to Dark/);

  const verdict = await breach(app);
  await expect(verdict).toContainText(/attack succeeded/i);
  const [bg, fg] = await verdict.evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]);
  const [r, g, b] = rgb(bg);
  expect(r, `breach banner ${bg} is red`).toBeGreaterThan(150);
  expect(Math.max(g, b), `breach banner ${bg} is red`).toBeLessThan(80);
  expect(contrast(bg, fg), `breach banner text ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
  // The graph follows the kernel's verdict once its layout is in: wait for the impersonation to be drawn.
  await expect(app.getByTestId('graph').locator('.graph-canvas text', { hasText: 'impersonation' }).first()).toBeVisible();
  // Every word in the graph (names, live lines, edge labels, the impersonation) holds 4.5:1 on what is behind it:
  // its node's fill, or the paper for edge labels (drawn on a patch of it).
  const graphText = await app.getByTestId('graph').evaluate((g) => {
    const paper = getComputedStyle(g).backgroundColor;
    return Array.from(g.querySelectorAll('.graph-canvas text'))
      .filter((t) => t.textContent && getComputedStyle(t).display !== 'none')
      .map((t) => {
        const shape = t.closest('.graph-node, .graph-machine')?.querySelector(':scope > .graph-shape');
        return { text: t.textContent!, fg: getComputedStyle(t).fill, bg: shape ? getComputedStyle(shape).fill : paper };
      });
  });
  expect(graphText.some((t) => t.text.includes('impersonation'))).toBe(true);
  for (const t of graphText) expect(contrast(t.fg, t.bg), `"${t.text}": ${t.fg} on ${t.bg}`).toBeGreaterThanOrEqual(4.5);
  // The impostor's parties are outlined in the alarm red on the white graph.
  const stroke = await app
    .getByTestId('graph')
    .locator('.graph-node.attack-breach > .graph-shape')
    .first()
    .evaluate((e) => getComputedStyle(e).stroke);
  expect(rgb(stroke)[0]).toBeGreaterThan(150);
  expect(Math.max(...rgb(stroke).slice(1))).toBeLessThan(80);

  // Back to a dark system: back to dark.
  await app.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(() => theme(app)).toBe('dark');
  await expect.poll(() => terminalBackground(app)).toBe('rgb(13, 17, 23)');
  await expect.poll(() => timelinePixel(app)).toEqual([13, 17, 23]);
});

test('the toggle (keyboard too) picks dark over a light system, is remembered across a reload before first paint, then light, then auto', async ({
  app,
}) => {
  await app.emulateMedia({ colorScheme: 'light' });
  await expect.poll(() => theme(app)).toBe('light');
  const toggle = app.getByTestId('theme-toggle');
  await toggle.focus();
  await app.keyboard.press('Enter');
  await expect.poll(() => theme(app)).toBe('dark');
  expect(luminance(await bodyBackground(app))).toBeLessThan(0.05);
  await expect(toggle).toHaveAttribute('aria-label', 'Theme: Dark. Switch to Light');
  await expect.poll(() => terminalBackground(app)).toBe('rgb(13, 17, 23)');

  // Kept in this browser, and on <html> before the body is parsed: no light flash before the app starts.
  await app.addInitScript(() => {
    new MutationObserver((_, o) => {
      if (!document.body) return;
      (globalThis as { themeAtBody?: string }).themeAtBody = document.documentElement.dataset.theme;
      o.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
  await app.reload();
  await expect(app.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
  expect(await app.evaluate(() => (globalThis as { themeAtBody?: string }).themeAtBody)).toBe('dark');
  expect(await theme(app)).toBe('dark');
  await expect(toggle).toHaveAttribute('data-choice', 'dark');

  await toggle.click();
  await expect.poll(() => theme(app)).toBe('light');
  await expect(toggle).toHaveAttribute('data-choice', 'light');
  await toggle.click();
  await expect(toggle).toHaveAttribute('data-choice', 'auto');
  expect(await theme(app)).toBe('light');
  expect(await app.evaluate(() => localStorage.getItem('capplay.theme'))).toBeNull();
  // Auto again: the system is followed.
  await app.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(() => theme(app)).toBe('dark');
});

test('axe-core in the light theme: no serious or critical violations (colour contrast included), with a breach shown, the defenses menu open, and in presenter mode', async ({
  app,
}) => {
  test.setTimeout(60_000); // two axe passes over the whole page: ~6 s each, more on a busy machine
  await app.emulateMedia({ colorScheme: 'light' });
  await expect.poll(() => theme(app)).toBe('light');
  await breach(app);
  // The verdict banner, the Defenses menu's on and off rows, the ledger's and energy panel's colours: one pass.
  await app.getByTestId('defenses-button').click();
  await expect(app.getByTestId('defenses-menu')).toBeVisible();
  expect(await serious(app)).toEqual([]);
  await app.keyboard.press('Escape');
  await app.getByTestId('presenter-toggle').click();
  expect(await serious(app)).toEqual([]);
});
