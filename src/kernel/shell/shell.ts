import { chargeText, costOf, type Charge } from '../energy/kinetic';
import { KernelError } from '../errors';
import type { ExecResult, OutputLine } from '../host-api';
import type { Kernel } from '../kernel';
import type { ConsoleStyle } from '../sab/layout';
import { COMMANDS } from './commands';
import { out, UsageError, type Command, type ShellContext } from './common';
import { inWorld } from './context';
import { controls, kernelView, shellOps } from './ops';
import { ShellSyntaxError, tokenize, type Token } from './tokenize';

/**
 * The shell: runs command lines as the shell process, inside the kernel. A command sees a read-only view, the
 * shell process's own operations and the experimenter's controls (ops.ts), never the Kernel: it can only do
 * what the kernel lets the shell's caps do. An inside command the shell cannot pay for yet waits for the shell's
 * refill, as a fiber's verb does, and runs in the shell's turn then (so a replay runs it at the same tick); its
 * output goes to the console. Outside commands (the experimenter's) are free and never wait.
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

/** A waiting line's output goes to the console when it runs: its styles there. */
const CONSOLE_STYLE: Record<NonNullable<OutputLine['style']>, ConsoleStyle> = { error: 'err', dim: 'sys', ok: 'out', head: 'out' };

/** A line waiting for the shell's energy. */
interface Waiting {
  cmd: Command;
  args: Token[];
  line: string;
  charge: Charge;
}

export class Shell {
  private readonly ctx: Omit<ShellContext, 'line'>;
  /** Inside lines waiting for the shell's refill, in the order they were typed. */
  private readonly waiting: Waiting[] = [];

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
    if (inWorld(cmd, args)) {
      const waits = this.waitForEnergy(cmd, args, line);
      if (waits) return waits;
    }
    return this.run(cmd, args, line);
  }

  /** Lines waiting for the shell's energy. */
  get waitingLines(): number {
    return this.waiting.length;
  }

  /** Ctrl-C while lines wait for energy: none of them runs. False if none was waiting. */
  cancelWaiting(): boolean {
    if (!this.waiting.length) return false;
    for (const w of this.waiting) this.kernel.write(this.pid, `[cancelled while waiting for energy: ${w.line}]`, 'sys');
    this.waiting.length = 0;
    const p = this.kernel.processes.get(this.pid);
    if (p) this.kernel.energy.cancelWait(p);
    return true;
  }

  /**
   * An inside line costs the shell its verbs. If it cannot pay now (or lines already wait), the line waits for the
   * refill: latency, not an error. Null: run it now (the kernel charges it as it runs). A line whose cost cannot be
   * read (it does not parse) runs now, to say what is wrong with it.
   */
  private waitForEnergy(cmd: Command & { world: 'inside' }, args: Token[], line: string): ExecResult | null {
    const p = this.kernel.processes.get(this.pid);
    if (!p) return null;
    let charge: Charge;
    try {
      charge = cmd.cost.verbs(args, line);
    } catch {
      return null;
    }
    const cost = costOf(charge);
    const energy = this.kernel.energy;
    if (cost === 0 || (!this.waiting.length && energy.canPay(p, cost))) return null;
    const m = p.meter;
    if (this.kernel.defenses.energy && cost > m.budget) {
      const why = `${chargeText(charge)} costs ${cost} J, more than the shell's whole budget (${m.budget} J): no refill can pay for it`;
      this.kernel.deny(this.pid, this.pid, `${cmd.name}: ${line.slice(0, 200)}`, why);
      return errorLine(`${cmd.name}: EAGAIN: ${why}`);
    }
    this.waiting.push({ cmd, args, line, charge });
    if (this.waiting.length === 1) energy.waitForRefill(p, charge, () => this.resume());
    const refill = `refill in ${Math.max(0, m.nextRefill - this.kernel.time)} ms`;
    const paused = this.kernel.running ? '' : '; the clock is paused: clock run or clock step lets it come';
    const text =
      this.waiting.length === 1
        ? `waiting for energy: ${cost - m.energy} J short, ${refill} (the shell has ${m.energy} J; ${chargeText(charge)} costs ${cost} J)${paused}; Ctrl-C cancels`
        : `waiting for energy: queued behind ${this.waiting.length - 1} waiting line${this.waiting.length === 2 ? '' : 's'}, ${refill}${paused}; Ctrl-C cancels`;
    return { lines: [out(text, 'dim')] };
  }

  /** The shell's turn after its refill: run the waiting lines in order while it can pay; the rest wait on. */
  private resume(): void {
    const p = this.kernel.processes.get(this.pid);
    while (p && this.waiting.length) {
      const w = this.waiting[0];
      if (!this.kernel.energy.canPay(p, costOf(w.charge))) {
        this.kernel.energy.waitForRefill(p, w.charge, () => this.resume());
        return;
      }
      this.waiting.shift();
      this.kernel.write(this.pid, `[refilled: ${w.line}]`, 'sys');
      let lines: OutputLine[];
      try {
        lines = this.run(w.cmd, w.args, w.line).lines;
      } catch (e) {
        // A bug, not bad input: as the host does for a line typed now, say so and keep the session alive.
        lines = [out(`internal error: ${e instanceof Error ? e.message : String(e)}`, 'error')];
      }
      for (const l of lines) this.kernel.write(this.pid, l.text, l.style ? CONSOLE_STYLE[l.style] : 'out');
    }
    this.waiting.length = 0;
  }

  private run(cmd: Command, args: Token[], line: string): ExecResult {
    // The shell's process is blocked in a CALL until its reply comes: nothing more in the world until then.
    const call = inWorld(cmd, args) ? this.kernel.processes.get(this.pid)?.waiting : null;
    if (call)
      return errorLine(
        `${cmd.name}: the shell is waiting for the reply to call ${call.ticket} (${call.method} on @${call.capName}) at ${call.endpoint.name}; Ctrl-C cancels it`,
      );
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
