/**
 * Browser benchmarks against the built app in Debian's Chromium: a comlink command round trip next to a SAB
 * frame read (the two ways the UI could learn state), both with 1,000 process rows; the graph layout time of the
 * default scenario in the layout worker; and frame times. Prints one JSON object. Expects `dist/` to exist.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { bigScenario } from './scenarios';

const PORT = 4179;
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
const stop = () => {
  try {
    process.kill(-server.pid!);
  } catch {
    /* already gone */
  }
};

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('vite preview did not start');
}

try {
  await waitForServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.waitForFunction(() => (globalThis as unknown as { capplay?: { store: { getState(): { status: string } } } }).capplay?.store.getState().status === 'ready');
  const readyMs = await page.evaluate(() => performance.now());
  await page.waitForSelector('[data-testid="graph"][data-layout-ms]');
  const graphMs = await page.evaluate(() => performance.now());
  const layoutMs = Number(await page.getAttribute('[data-testid="graph"]', 'data-layout-ms'));

  const pageBench = readFileSync(new URL('./browser-page.js', import.meta.url), 'utf8');
  const figures = await page.evaluate(`(${pageBench.replace(/^\/\/.*\n/gm, '')})(${JSON.stringify(bigScenario(1000, 'spinner'))})`);

  const f = figures as { rows: number; comlinkUs: number; sabUs: number; idle: object; loaded: object };
  console.log(
    JSON.stringify(
      {
        chromium: browser.version(),
        comlinkRoundTripUs: +f.comlinkUs.toFixed(1),
        sabFrameReadUs: { processRows: f.rows, mean: +f.sabUs.toFixed(1), target: '< 1000 us (1 ms)' },
        defaultScenarioLayoutMs: { value: layoutMs, target: '< 300 ms' },
        navigationToKernelReadyMs: Math.round(readyMs),
        navigationToGraphMs: Math.round(graphMs),
        frameTime: { idleDefaultScenario: f.idle, with1000RunningFibers: f.loaded, target: 'p95 <= 20 ms' },
      },
      null,
      2,
    ),
  );
  await browser.close();
} finally {
  stop();
}
