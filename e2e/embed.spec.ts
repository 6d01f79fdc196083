import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Browser, type Frame, type Page } from '@playwright/test';

// Embed mode from a page on another origin (another port): a tiny embedder that frames the preview server, with
// or without COOP/COEP and the iframe's allow="cross-origin-isolated" (README, "Embedding capplay").
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

let server: Server;
let embedder = '';

test.beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const src = url.searchParams.get('src') ?? '';
    const isolated = url.pathname === '/isolated';
    if (!src || (!isolated && url.pathname !== '/plain')) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html', ...(isolated ? ISOLATED : {}) });
    res.end(
      `<!doctype html><title>docs</title><link rel="icon" href="data:,"><h1>A docs page</h1>` +
        `<iframe src="${src.replace(/"/g, '&quot;')}" ${isolated ? 'allow="cross-origin-isolated"' : ''} width="1000" height="620"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  embedder = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Open the embedder page framing `query` of the app; fail the test on any console error, in the page or its frame. */
async function openEmbedder(
  page: Page,
  kind: 'isolated' | 'plain',
  app: string,
  query: string,
): Promise<{ frame: Frame; problems: string[] }> {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console.error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const src = new URL(query, app).href;
  await page.goto(`${embedder}/${kind}?src=${encodeURIComponent(src)}`);
  await expect.poll(() => page.frames().some((f) => f.url() === src)).toBe(true);
  const frame = page.frames().find((f) => f.url() === src)!;
  expect(new URL(frame.url()).origin).not.toBe(new URL(page.url()).origin);
  return { frame, problems };
}

/** The frame's crossOriginIsolated; the service-worker fallback may reload it once, so ask until it answers. */
async function isolatedIn(frame: Frame): Promise<boolean> {
  let answer: boolean | null = null;
  await expect.poll(async () => (answer = await frame.evaluate(() => crossOriginIsolated).catch(() => null))).not.toBeNull();
  return answer!;
}

test('an isolated embedder: the frame boots one scenario, a typed command works, the gallery entry plays, no session is touched', async ({
  page,
  baseURL,
}) => {
  const { frame, problems } = await openEmbedder(page, 'isolated', baseURL!, '/?embed=1&gallery=relabel');
  expect(await isolatedIn(frame)).toBe(true);
  const terminal = frame.getByTestId('terminal');
  await expect(frame.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
  // Nothing of the full app's chrome: no top bar, no ledger, no inspector.
  await expect(frame.locator('.topbar, [data-testid="ledger"], [data-testid="inspector"]')).toHaveCount(0);
  await expect(frame.getByTestId('embed-full-app')).toHaveAttribute('target', '_blank');

  await terminal.locator('.xterm').click();
  await page.keyboard.type('caps');
  await page.keyboard.press('Enter');
  await expect(terminal.locator('.xterm-rows')).toContainText('holds');

  const gallery = frame.getByTestId('gallery');
  await expect(gallery.getByTestId('gallery-entry')).toHaveValue('relabel');
  await gallery.getByTestId('gallery-play').click();
  while (!(await gallery.getByTestId('gallery-done').isVisible())) {
    await expect(gallery.getByTestId('gallery-next')).toBeEnabled({ timeout: 15_000 });
    await gallery.getByTestId('gallery-next').click();
  }
  await expect(frame.getByTestId('verdict')).toContainText('relabel blocked');

  // The same site as the full app (ports do not make a site), so it would share the visitor's storage: untouched.
  const storage = await frame.evaluate(async () => {
    const q = await navigator.locks.query();
    return {
      databases: (await indexedDB.databases()).map((d) => d.name),
      locks: [...(q.held ?? []), ...(q.pending ?? [])].map((l) => l.name),
    };
  });
  expect(storage).toEqual({ databases: [], locks: [] });
  expect(problems).toEqual([]);
});

test('an embedder that sends nothing: Document-Isolation-Policy isolates the frame by itself in Chromium', async ({ page, baseURL }) => {
  const { frame, problems } = await openEmbedder(page, 'plain', baseURL!, '/?embed=1&scenario=pointsav');
  expect(await isolatedIn(frame)).toBe(true);
  await expect(frame.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
  await expect(frame.getByTestId('embed-not-isolated')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test.describe('a browser without Document-Isolation-Policy (as Firefox and Safari)', () => {
  let browser: Browser;
  test.beforeAll(async ({ playwright }, info) => {
    const launch = info.project.use.launchOptions ?? {};
    browser = await playwright.chromium.launch({ ...launch, args: [...(launch.args ?? []), '--disable-features=DocumentIsolationPolicy'] });
  });
  test.afterAll(() => browser.close());

  test('a non-isolated embedder: the frame says why, and its "open in a new tab" link opens the same demo, isolated', async ({
    baseURL,
  }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { frame, problems } = await openEmbedder(page, 'plain', baseURL!, '/?embed=1&scenario=pointsav');
    expect(await isolatedIn(frame)).toBe(false);
    await expect(frame.getByTestId('embed-not-isolated')).toContainText('needs cross-origin isolation');
    await expect(frame.getByTestId('terminal')).toHaveCount(0);
    const link = frame.getByTestId('embed-open-tab');
    await expect(link).toHaveAttribute('target', '_blank');
    await expect(link).toHaveAttribute('rel', 'noopener');
    await expect(link).toHaveAttribute('href', frame.url());

    const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await expect(tab.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
    expect(await tab.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect(tab.getByTestId('embed-title')).toContainText('PointSav');
    expect(problems).toEqual([]);
    await context.close();
  });
});
