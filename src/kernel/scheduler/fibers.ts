import { spawnWithGrants, type TransferHost } from '../caps/transfer';
import { spawnCharge, type Charge } from '../energy/kinetic';
import { KernelError } from '../errors';
import type { Syscall, SyscallResult } from '../programs/abi';
import { ProgramFault } from '../programs/user';
import { VERDICT_OUTCOMES } from '../sab/layout';
import type { Value } from '../services/service';
import type { CallOptions, CallResult, Process } from '../types';
import { MAX_VERBS_PER_TICK } from './scheduler';

/** What running fibers needs of the kernel: spawning with grants, CALL, exit, and the sandbox's two calls. */
export interface FiberHost extends TransferHost {
  call(caller: number, capName: string, method: string, opts?: CallOptions): CallResult;
  exit(pid: number, code: number, why?: string): void;
  write(pid: number, text: string, style?: 'err'): void;
  readonly foreground: number;
  readonly sandbox: TransferHost['sandbox'] & {
    setPledge(pid: number, promises: number, execpromises?: number): void;
    unveilPaths(pid: number, add: { path: string; perms: number }[] | 'lock'): void;
  };
  readonly energy: TransferHost['energy'] & {
    pay(p: Process, c: Charge): boolean;
    frozen(p: Process, c: Charge): void;
    unmetered(p: Process, verb: 'SPAWN' | 'SEND'): void;
  };
}

/**
 * Run a fiber's verbs until it sleeps, blocks, freezes for want of energy, or exits. Energy is the limit, not
 * a time slice; MAX_VERBS_PER_TICK only keeps an unmetered fiber from stalling the simulation.
 */
export function runFiber(k: FiberHost, p: Process, limit = MAX_VERBS_PER_TICK): number {
  if (!p.fiber) return 0;
  p.runs++;
  let n = 0;
  while (n < limit) {
    n++;
    let call = p.pending;
    if (!call) {
      p.state = 'running';
      let next: IteratorResult<Syscall, void>;
      try {
        const resume = p.resume;
        p.resume = undefined;
        next = p.fiber.next(resume);
      } catch (e) {
        if (e instanceof ProgramFault) {
          // A user program's end that was not its own doing shows in the terminal (the foreground one's at reap).
          if (k.foreground !== p.pid) k.write(p.pid, `[${p.name} (pid ${p.pid}) ${e.why}]`, 'err');
          k.exit(p.pid, e.code, e.why);
        } else k.exit(p.pid, 134, `crashed: ${e instanceof Error ? e.message : String(e)}`);
        return n;
      }
      if (!p.fiber) return n; // it was reaped while running (e.g. a call killed it)
      if (next.done) {
        k.exit(p.pid, 0);
        return n;
      }
      call = next.value;
      p.issuedAt = k.time;
    }
    p.pending = null;
    syscall(k, p, call);
    if (p.state !== 'ready') return n; // sleeping, blocked, frozen, or reaped
  }
  return n;
}

/** Run a kernel operation for a fiber and resume it with the outcome: a refusal is a result, never thrown at it. */
function settle(k: FiberHost, p: Process, op: () => Value | void): void {
  let result: SyscallResult;
  try {
    const value = op();
    result = value === undefined ? { ok: true } : { ok: true, value };
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    result = { ok: false, code: e.code, error: e.message };
  }
  if (!k.processes.has(p.pid)) return; // it was aborted on the way
  p.state = 'ready';
  p.resume = result;
}

/**
 * What a syscall is charged (null: free). Reading the timer and sleeping are TICK; a spawn is SPAWN and a GRANT
 * per cap passed; pledge and unveil narrow (MASK); reading a channel or region is RECV; other calls are SEND.
 */
function verbOf(p: Process, call: Syscall): Charge | null {
  switch (call.op) {
    case 'sleep':
    case 'tick':
      return 'TICK';
    case 'spawn':
      return spawnCharge(call.grants?.length ?? 0);
    case 'pledge':
    case 'unveil':
      return 'MASK';
    case 'call': {
      if (call.method !== 'read' && call.method !== 'load') return 'SEND';
      const slot = p.cnode.indexOf(call.cap);
      const kind = slot >= 0 ? p.cnode.get(slot)!.cap.kind : null;
      return kind === 'channel' || kind === 'memory' ? 'RECV' : 'SEND';
    }
    default:
      return null;
  }
}

/** Execute one syscall, charging its verb first; a fiber that cannot pay freezes with the syscall pending. */
function syscall(k: FiberHost, p: Process, call: Syscall): void {
  const verb = verbOf(p, call);
  if (verb && !k.energy.pay(p, verb)) {
    p.pending = call;
    p.state = 'frozen';
    k.energy.frozen(p, verb);
    return;
  }
  const burst = call.op === 'spawn' ? 'SPAWN' : verb === 'SEND' ? 'SEND' : null;
  if (burst && !k.defenses.energy) k.energy.unmetered(p, burst);
  p.latency = k.time - p.issuedAt;
  switch (call.op) {
    case 'tick':
      // The timer, read when the read is paid for: a fiber frozen at it reads the time of its refill.
      p.state = 'ready';
      p.resume = { ok: true, value: k.time };
      return;
    case 'verdict':
      // A built-in demo program says how its story ended (the verdict banner shows it); free, and ledgered as its own.
      // Its outcome is a field it must give; an unknown one is refused, never guessed from the prose.
      settle(k, p, () => {
        if (!(VERDICT_OUTCOMES as readonly unknown[]).includes(call.outcome)) {
          const why = `EINVAL: a verdict's outcome is ${VERDICT_OUTCOMES.join(', ')}; got ${JSON.stringify(call.outcome) ?? 'none'}`;
          k.deny(p.pid, p.pid, `verdict by ${k.who(p.pid)}`, why);
          throw new KernelError('EINVAL', why.slice(8));
        }
        k.verdict(call.outcome, p.pid, p.pid, String(call.text).slice(0, 400));
      });
      return;
    case 'sleep':
      p.state = 'sleeping';
      p.wakeAt = k.time + Math.max(1, Math.floor(call.ms));
      return;
    case 'wait':
      p.state = 'blocked';
      return;
    case 'exit':
      k.exit(p.pid, call.code);
      return;
    case 'pledge':
      settle(k, p, () => k.sandbox.setPledge(p.pid, call.promises, call.execpromises));
      return;
    case 'unveil':
      settle(k, p, () => k.sandbox.unveilPaths(p.pid, call.entries));
      return;
    case 'spawn':
      settle(
        k,
        p,
        () => spawnWithGrants(k, p.pid, call.program, call.grants ?? [], { name: call.name, argv: call.argv, prepaid: true }).pid,
      );
      return;
    case 'call': {
      const r = k.call(p.pid, call.cap, call.method, {
        args: call.args,
        caps: call.caps,
        proof: call.proof,
        as: call.as,
        prepaid: true,
        wait: true,
      });
      if (!k.processes.has(p.pid)) return;
      if (!r.ok && r.code === 'EINPROGRESS') {
        // Queued at a busy or frozen server, or in flight at it: the fiber blocks; the reply resumes it.
        p.state = 'blocked';
        return;
      }
      p.state = 'ready';
      p.resume = r.ok ? { ok: true, value: r.value, caps: r.caps } : { ok: false, code: r.code, error: r.error };
      return;
    }
  }
}
