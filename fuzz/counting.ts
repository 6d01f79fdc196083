/**
 * A text that counts how often the engine reads it: every character read (charCodeAt and friends), and every
 * position a native indexOf scans. Matching time is at most (program size) × reads, so a read count linear in
 * the text is linear time, counted in steps, not milliseconds.
 */
export function countingText(text: string): { text: string; steps: () => number } {
  let steps = 0;
  const s = new String(text);
  const counting = Object.create(String.prototype) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(String.prototype)) {
    const method = (String.prototype as unknown as Record<string, unknown>)[key];
    if (typeof method !== 'function' || key === 'constructor' || key === 'valueOf' || key === 'toString') continue;
    counting[key] = function (this: string, ...args: unknown[]) {
      const r = (method as (...a: unknown[]) => unknown).apply(this, args);
      if (key === 'indexOf') {
        const from = Math.max(0, Number(args[1] ?? 0));
        steps += (r as number) < 0 ? text.length - from : (r as number) - from + String(args[0]).length;
      } else if (key === 'charCodeAt' || key === 'codePointAt' || key === 'charAt' || key === 'at') steps += 1;
      else steps += text.length; // anything else: charged as a full pass
      return r;
    };
  }
  Object.setPrototypeOf(s, counting);
  return { text: s as unknown as string, steps: () => steps };
}
