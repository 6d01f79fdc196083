import { KernelError } from '../errors';
import type { ExecResult } from '../host-api';
import type { Kernel } from '../kernel';
import { COMMANDS } from './commands';
import { out, UsageError, type ShellContext } from './common';
import { controls, kernelView, shellOps } from './ops';
import { ShellSyntaxError, tokenize, type Token } from './tokenize';

/**
 * The shell: runs command lines as the shell process, inside the kernel. A command sees a read-only view, the
 * shell process's own operations and the experimenter's controls (ops.ts), never the Kernel: it can only do
 * what the kernel lets the shell's caps do.
 */

const byName = new Map(COMMANDS.map((c) => [c.name, c]));

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

const errorLine = (text: string): ExecResult => ({ lines: [out(text, 'error')] });

export class Shell {
  private readonly ctx: Omit<ShellContext, 'line'>;

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
  ) {
    this.ctx = { pid, view: kernelView(kernel), shell: shellOps(kernel, pid), experimenter: controls(kernel, pid), commands: COMMANDS };
  }

  exec(line: string): ExecResult {
    let tokens: Token[];
    try {
      tokens = tokenize(line);
    } catch (e) {
      if (e instanceof ShellSyntaxError) return errorLine(`syntax error: ${e.message}`);
      throw e;
    }
    if (!tokens.length) return { lines: [] };
    const [head, ...args] = tokens;
    const cmd = head.type === 'word' ? byName.get(head.value) : undefined;
    if (!cmd) {
      const near = COMMANDS.map((c) => c.name).filter((n) => editDistance(n, head.value.slice(0, 40)) <= 2);
      const hint = near.length ? `did you mean ${near.join(' or ')}? ` : '';
      return errorLine(
        `${JSON.stringify(head.value.slice(0, 40))}: unknown command (column ${head.column}). ${hint}Type "help" for the list.`,
      );
    }
    try {
      const r = cmd.run(args, { ...this.ctx, line });
      return Array.isArray(r) ? { lines: r } : r;
    } catch (e) {
      if (e instanceof UsageError)
        return errorLine(`${cmd.name}: ${e.message}${e.column ? ` (column ${e.column})` : ''}. Usage: ${cmd.usage}`);
      if (e instanceof KernelError) return errorLine(`${cmd.name}: ${e.code}: ${e.message}`);
      if (e instanceof ShellSyntaxError) return errorLine(`syntax error: ${e.message}`);
      throw e;
    }
  }

  /** Candidates for the word that ends at `cursor`. */
  complete(line: string, cursor: number): { from: number; candidates: string[] } {
    const before = line.slice(0, Math.max(0, Math.min(cursor, line.length)));
    const from = before.search(/[^\s{},:]*$/);
    const word = before.slice(from);
    const previous = before.slice(0, from).trim().split(/\s+/).filter(Boolean);
    let pool: string[];
    if (word.startsWith('@')) {
      const shell = this.kernel.processes.get(this.pid);
      pool = shell ? [...shell.cnode.entries()].map(([, s]) => `@${s.name}`) : [];
    } else if (previous.length === 0) {
      pool = COMMANDS.map((c) => c.name);
    } else {
      const cmd = byName.get(previous[0]);
      const specs = cmd?.args ?? [];
      const index = previous.length - 1;
      const spec = specs[index] ?? (cmd?.repeats ? specs[specs.length - 1] : undefined);
      pool = [...(spec?.complete?.(this.ctx.view, COMMANDS) ?? [])];
    }
    return { from, candidates: pool.filter((c) => c.startsWith(word) && !c.startsWith('<')).sort() };
  }
}
