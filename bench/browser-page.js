// Runs inside the page (passed to page.evaluate as text, so no bundler helpers leak in).
// `scenario` is a generated scenario with 1,000 processes; `frameTimes(ms)` is browser.bench.ts's frame-time probe.
async (scenario, frameTimes) => {
  const { kernel, frames } = globalThis.capplay.store.getState();
  const N = 2000;
  const mean = async (fn) => {
    for (let i = 0; i < 50; i++) await fn(); // warm up
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn();
    return ((performance.now() - t0) / N) * 1000;
  };
  const idle = await frameTimes(1500);
  const booted = await kernel.boot(JSON.stringify(scenario));
  if (!booted.ok) throw new Error('big scenario failed to boot');
  // Let the 1,000-node graph lay out and render once (a one-off), then measure the steady state.
  const count = () => Number(document.querySelector('[data-testid="graph"]')?.getAttribute('data-layout-count') ?? 0);
  const before = count();
  for (let i = 0; i < 200 && count() === before; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000));
  frames.read();
  const rows = frames.frame.procRows;
  const comlinkUs = await mean(() => kernel.ping());
  const sabUs = await mean(() => frames.read());
  const loaded = await frameTimes(1500);
  return { rows, comlinkUs, sabUs, idle, loaded };
};
