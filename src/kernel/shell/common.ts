import type { Verb } from '../energy/kinetic';
import type { OutputLine } from '../host-api';
import type { ArgSpec, Cost, KernelView, ShellContext } from './context';
import type { Token } from './tokenize';

export type { ArgSpec, Command, Cost, KernelView, ShellContext } from './context';

/** An inside command's cost when every line pays one verb. */
export const costs = (verb: Verb, text: string = verb): Cost => ({ text, verbs: () => verb });

export class UsageError extends Error {
  constructor(
    message: string,
    readonly column?: number,
  ) {
    super(message);
  }
}

export const out = (text: string, style?: OutputLine['style']): OutputLine => (style ? { text, style } : { text });

/** Left-aligned columns, widths from the widest cell. */
export function table(head: string[], rows: (string | number)[][]): OutputLine[] {
  const cells = rows.map((r) => r.map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [out(fmt(head), 'head'), ...cells.map((r) => out(fmt(r)))];
}

export function intArg(t: Token | undefined, what: string, min: number, max: number): number {
  if (!t) throw new UsageError(`missing ${what}`);
  if (t.type !== 'word' || !/^\d+$/.test(t.value))
    throw new UsageError(`${what} must be a whole number, got ${JSON.stringify(t.value)}`, t.column);
  const n = Number(t.value);
  if (n < min || n > max) throw new UsageError(`${what} must be between ${min} and ${max}, got ${t.value}`, t.column);
  return n;
}

export function noMore(args: Token[], from: number) {
  const extra = args[from];
  if (extra) throw new UsageError(`unexpected ${JSON.stringify(extra.value)}`, extra.column);
}

export const fmtTime = (ms: number) => `${(ms / 1000).toFixed(3)}s`;

/** An argument that completes to fixed words. */
export const words = (name: string, list: readonly string[]): ArgSpec => ({ name, complete: () => list });

/** A pid argument: completes to the pids of running processes. */
export const PID: ArgSpec = { name: 'pid', complete: (view: KernelView) => [...view.processes.keys()].map(String) };

/** A process named by pid or by the @handle the shell holds to it. */
export function pidArg(t: Token | undefined, { view, pid }: ShellContext): number {
  if (!t) throw new UsageError('missing pid or @handle');
  if (t.type === 'ref') {
    const p = view.process(pid);
    const slot = p.cnode.indexOf(t.value);
    const cap = slot >= 0 ? p.cnode.get(slot)!.cap : null;
    if (!cap) throw new UsageError(`no cap named @${t.value}`, t.column);
    if (cap.target.kind !== 'process') throw new UsageError(`@${t.value} is a ${cap.kind} cap, not a process handle`, t.column);
    return cap.target.pid;
  }
  return intArg(t, 'pid', 1, 0x7fffffff);
}
