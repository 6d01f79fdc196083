import defaultScenario from '../scenarios/default.json';
import type { BootResult, Completion, ExecResult, KernelHostApi, MachineView, SandboxView, YieldView } from './host-api';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TYPE_MEANS } from './pairing/fleet';
import { promisesText } from './sandbox/pledge';
import { permsText } from './sandbox/unveil';
import { KernelError } from './errors';
import type { Kernel } from './kernel';
import { DEFAULT_CAPACITY, SabViews, type Capacity, type LedgerEntry } from './sab/layout';
import { Publisher } from './sab/publish';
import { boot } from './scenario/boot';
import { loadScenario } from './scenario/load';
import type { Scenario } from './scenario/schema';
import { Shell } from './shell/shell';
import { yieldView } from './yield/view';

/** A command as applied: the tick it ran at and the line. Scenario + seed + this log reproduce a session. */
export interface LoggedCommand {
  at: number;
  line: string;
  /** A line typed to the foreground program rather than the shell. */
  input?: true;
  /** Ctrl-C on the foreground program. */
  interrupt?: true;
}

/** Longest stretch of virtual time one `advance` call may cover, so a stalled tab cannot freeze the worker. */
const MAX_ADVANCE_MS = 2000;

/**
 * Owns the kernel, the shell and the state buffer; what the worker exposes. DOM-free so Node tests and
 * benchmarks drive it exactly as the worker does.
 */
export class KernelHost implements KernelHostApi {
  readonly views: SabViews;
  private publisher: Publisher;
  kernel!: Kernel;
  private shell!: Shell;
  scenario!: Scenario;
  readonly log: LoggedCommand[] = [];
  private generation = 0;
  private carry = 0;

  constructor(capacity: Capacity = DEFAULT_CAPACITY, shared = typeof SharedArrayBuffer !== 'undefined') {
    this.views = SabViews.create(capacity, shared);
    this.publisher = new Publisher(this.views);
    const r = this.boot();
    if (!r.ok) throw new Error(`the default scenario is invalid: ${r.errors.join('; ')}`);
  }

  boot(scenarioText?: string, seed?: number): BootResult {
    const loaded = loadScenario(scenarioText ?? defaultScenario);
    if (!loaded.ok) return loaded;
    let kernel: Kernel;
    try {
      kernel = boot(loaded.scenario, seed ?? loaded.scenario.seed ?? 1, this.views.layout.capacity);
    } catch (e) {
      return { ok: false, errors: [`boot failed: ${e instanceof Error ? e.message : String(e)}`] };
    }
    this.kernel = kernel;
    this.scenario = loaded.scenario;
    this.shell = new Shell(kernel, [...kernel.processes.values()].find((p) => p.program === 'shell')!.pid);
    this.log.length = 0;
    this.generation++;
    this.carry = 0;
    this.publisher.reset();
    this.publish();
    return { ok: true, name: loaded.scenario.name };
  }

  buffer(): SharedArrayBuffer {
    return this.views.buffer as SharedArrayBuffer;
  }

  exec(line: string): ExecResult {
    const text = String(line);
    this.log.push({ at: this.kernel.ticks, line: text });
    try {
      return this.shell.exec(text);
    } catch (e) {
      // A bug, not bad input: report it in the terminal and keep the session alive.
      return { lines: [{ text: `internal error: ${e instanceof Error ? e.message : String(e)}`, style: 'error' }] };
    } finally {
      this.publish();
    }
  }

  input(line: string): void {
    const text = String(line).slice(0, 4096);
    this.log.push({ at: this.kernel.ticks, line: text, input: true });
    this.kernel.input(text);
    this.publish();
  }

  interrupt(): void {
    const fg = this.kernel.foreground;
    if (!fg) return;
    this.log.push({ at: this.kernel.ticks, line: '', interrupt: true });
    try {
      this.kernel.kill(this.kernel.holdsHandle(this.shell.pid, fg) ? this.shell.pid : 0, fg);
    } catch (e) {
      // Ctrl-C must always work: if the shell cannot (say it is out of energy), the kernel ends the program.
      if (!(e instanceof KernelError)) throw e;
      this.kernel.kill(0, fg);
    }
    this.publish();
  }

  complete(line: string, cursor: number): Completion {
    return this.shell.complete(String(line), Number(cursor) || 0);
  }

  ledgerPage(from: number, count: number): LedgerEntry[] {
    return this.kernel.ledger.page(Math.max(1, Math.floor(from)), Math.min(10_000, Math.max(0, Math.floor(count))));
  }

  sandbox(pid: number): SandboxView | null {
    const p = this.kernel.processes.get(Number(pid));
    if (!p) return null;
    return {
      pledge: promisesText(p.pledge),
      execpromises: p.execpromises === null ? '(none: children are not bounded)' : promisesText(p.execpromises),
      unveil: p.unveil.entries ? [...p.unveil.entries].sort((a, b) => a.path.localeCompare(b.path)).map((e) => ({ path: e.path, perms: permsText(e.perms) })) : null,
      locked: p.unveil.locked,
    };
  }

  yieldView(): YieldView {
    return yieldView(this.kernel.chainWorld);
  }

  machineView(id: number): MachineView | null {
    const k = this.kernel;
    const m = k.machines[Number(id)];
    if (!m) return null;
    const f = k.fleet;
    const me = f.identity(m.name);
    const peerOf = (p: { a: number; b: number }) => k.machines[p.a === m.id ? p.b : p.a].name;
    return {
      name: m.name,
      role: m.role ?? '(none)',
      diodeLevel: f.level(m),
      staticPublicKey: bytesToHex(me.staticKeyPair.publicKey),
      signingPublicKey: bytesToHex(me.signingKeyPair.publicKey),
      cellId: me.cellIdText,
      keyGeneration: f.generation(m.name),
      pairings: f.pairings.filter((p) => p.live && (p.a === m.id || p.b === m.id)).map((p) => ({ peer: peerOf(p), type: p.type, means: TYPE_MEANS[p.type], mitm: p.mitm, since: p.since })),
      bindings: [...f.bindingsOf(m.id)].map(([peer, b]) => ({ peer, cellId: b.cellId, how: b.how, since: b.since })),
      handshakes: f.handshakes
        .filter((h) => h.label.split(/[ (),→]+/).includes(m.name))
        .map((h) => ({
          id: h.id,
          label: h.label,
          type: h.type,
          protocol: h.protocol,
          ok: h.ok,
          outcome: h.outcome,
          steps: h.steps.map((s) => ({ index: s.index, from: s.from, to: s.to, tokens: s.tokens, dh: s.dh.map((d) => `${d.formula}${d.agree === false ? ' ✕ sides disagree' : d.agree ? ' ✓' : ''}`), length: s.length, altered: s.altered, learns: s.learns, ok: s.ok })),
        })),
    };
  }

  ping(): number {
    return 0;
  }

  /** Real time passed: run the clock forward by `realMs × speed` if it is running, then publish. */
  advance(realMs: number): void {
    const k = this.kernel;
    if (k.running) {
      this.carry = Math.min(this.carry + realMs * k.speed, MAX_ADVANCE_MS);
      const ticks = Math.floor(this.carry);
      this.carry -= ticks;
      if (ticks > 0) k.step(ticks);
    }
    this.publish();
  }

  publish(): void {
    this.publisher.publish(this.kernel, {
      scenarioName: this.kernel.intern(this.scenario.name),
      scenarioGen: this.generation,
      selfPid: this.kernel.processes.has(this.shell.pid) ? this.shell.pid : 0,
    });
  }
}

/** Rebuild a session from scenario + seed + command log: the basis of replay and reload-restore. */
export function replay(scenarioText: string, seed: number, log: readonly LoggedCommand[], capacity?: Capacity): KernelHost {
  const host = new KernelHost(capacity, false);
  const r = host.boot(scenarioText, seed);
  if (!r.ok) throw new Error(r.errors.join('; '));
  for (const c of log) {
    host.kernel.step(c.at - host.kernel.ticks);
    if (c.interrupt) host.interrupt();
    else if (c.input) host.input(c.line);
    else host.exec(c.line);
  }
  return host;
}
