import type { ExecResult, OutputLine } from '../host-api';
import type { Kernel } from '../kernel';
import type { Token } from './tokenize';

/** What every shell command is: a name, its usage line, and what it does with its argument tokens. */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** Completions for argument `index` (0-based) given the words before it. */
  complete?(index: number, kernel: Kernel): string[];
  run(args: Token[], ctx: ShellContext): OutputLine[] | ExecResult;
}

export interface ShellContext {
  kernel: Kernel;
  pid: number;
  line: string;
}

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
  if (t.type !== 'word' || !/^\d+$/.test(t.value)) throw new UsageError(`${what} must be a whole number, got ${JSON.stringify(t.value)}`, t.column);
  const n = Number(t.value);
  if (n < min || n > max) throw new UsageError(`${what} must be between ${min} and ${max}, got ${t.value}`, t.column);
  return n;
}

export function noMore(args: Token[], from: number) {
  const extra = args[from];
  if (extra) throw new UsageError(`unexpected ${JSON.stringify(extra.value)}`, extra.column);
}

