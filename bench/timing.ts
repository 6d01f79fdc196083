/** Run `fn` repeatedly for at least `minMs` and report the rate: the one timing loop every Node bench uses. */
export function time(fn: () => void, minMs = 300): { perSecond: number; meanUs: number; iterations: number } {
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    iterations++;
    elapsed = performance.now() - start;
  }
  return { perSecond: Math.round((iterations / elapsed) * 1000), meanUs: +((elapsed / iterations) * 1000).toFixed(3), iterations };
}
