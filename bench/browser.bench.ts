/**
 * Browser benchmarks against the built app in Debian's Chromium: a comlink command round trip next to a SAB
 * frame read (the two ways the UI could learn state), both with 1,000 process rows; the graph layout time of the
 * default scenario in the layout worker; and frame times. Prints one JSON object. Expects `dist/` to exist.
 */
import { spawn } from 'node:child_process';
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
  await page.waitForSelector('[data-testid="graph"][data-layout-ms]');
  const layoutMs = Number(await page.getAttribute('[data-testid="graph"]', 'data-layout-ms'));

  const figures = await page.evaluate(async (scenario) => {
    type Handle = { store: { getState(): { kernel: { ping(): Promise<number>; boot(t: string): Promise<{ ok: boolean }> }; frames: { read(): boolean; frame: { procRows: number } } } } };
    const { kernel, frames } = (globalThis as unknown as { capplay: Handle }).capplay.store.getState();
    const N = 2000;
    const mean = async (fn: () => unknown) => {
      for (let i = 0; i < 50; i++) await fn(); // warm up
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await fn();
      return ((performance.now() - t0) / N) * 1000;
    };
    const frameTimes = async (ms: number) => {
      const times: number[] = [];
      let last = performance.now();
      const end = last + ms;
      while (performance.now() < end) {
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      times.sort((a, b) => a - b);
      return { meanMs: +(times.reduce((a, b) => a + b, 0) / times.length).toFixed(2), p95Ms: +times[Math.floor(times.length * 0.95)].toFixed(2) };
    };
    const idle = await frameTimes(1500);
    const booted = await kernel.boot(JSON.stringify(scenario));
    if (!booted.ok) throw new Error('big scenario failed to boot');
    await new Promise((r) => setTimeout(r, 300));
    frames.read();
    const rows = frames.frame.procRows;
    const comlinkUs = await mean(() => kernel.ping());
    const sabUs = await mean(() => frames.read());
    const loaded = await frameTimes(1500);
    return { rows, comlinkUs, sabUs, idle, loaded };
  }, bigScenario(1000));

  console.log(
    JSON.stringify(
      {
        chromium: browser.version(),
        comlinkRoundTripUs: +figures.comlinkUs.toFixed(1),
        sabFrameReadUs: { processRows: figures.rows, mean: +figures.sabUs.toFixed(1), target: '< 1000 us (1 ms)' },
        defaultScenarioLayoutMs: { value: layoutMs, target: '< 300 ms' },
        frameTime: { idleDefaultScenario: figures.idle, with1000Processes: figures.loaded },
      },
      null,
      2,
    ),
  );
  await browser.close();
} finally {
  stop();
}
