import { CNode, makeCap, type Cap } from '../caps/cnode';
import type { WorldState } from '../core/state';
import type { EnergyAccounts } from '../energy/accounts';
import { newMeter, SPAWN_TIER } from '../energy/kinetic';
import { KernelError } from '../errors';
import { programByName } from '../programs/programs';
import { USER_LIMITS, userBody } from '../programs/user';
import { childBound } from '../sandbox/pledge';
import { applyUnveil } from '../sandbox/unveil';
import type { KernelObject, Process, SpawnOptions } from '../types';

const STDIN_LIMIT = 64;

/**
 * Processes from spawn to reap: creating one holding exactly its grants (nothing ambient), exit, kill through a
 * process handle, `wait`'s reaping of a handle, and the terminal's foreground.
 */
export class Lifecycle {
  constructor(
    private readonly k: WorldState,
    private readonly energy: EnergyAccounts,
    /** The endpoint queues: a reaped caller's call is cancelled, a reaped server's callers fail (services/queue.ts). */
    private readonly queues: {
      cancel(pid: number, why: string): void;
      serverGone(server: Process, endpoints: readonly KernelObject[], how: string): void;
    },
    /** The scheduler's pid order is rebuilt when a process comes or goes. */
    private readonly changed: () => void,
  ) {}

  /** Check that a spawn would fit before anything changes, so a refused spawn leaves no trace but its error. */
  checkSpawn(parent: number, program: string, grantCount: number, machine?: number): void {
    if (!programByName.has(program) && !this.k.userPrograms.has(program)) throw new KernelError('ENOPROG', `no program named "${program}"`);
    if (this.k.userPrograms.has(program)) {
      let n = 0;
      for (const p of this.k.processes.values()) if (this.k.userPrograms.has(p.program)) n++;
      if (n >= USER_LIMITS.live) throw new KernelError('ECAPACITY', `at most ${USER_LIMITS.live} user programs run at once`);
    }
    // The parent gets a handle to the child: with no slot for it the spawn is refused whole, before the child
    // exists (a child made and then left without its program would sit in the table, ready, never running).
    const cnode = parent ? this.k.process(parent).cnode : null;
    if (cnode?.full)
      throw new KernelError(
        'ECAPACITY',
        `${this.k.who(parent)} has no free cap slot for the child's process handle (${cnode.maxSlots} slots)`,
      );
    if (machine !== undefined) this.k.machine(machine);
    if (this.k.processes.size >= this.k.capacity.processes)
      throw new KernelError('ECAPACITY', `process table is full (${this.k.capacity.processes} processes)`);
    this.k.reserveCaps(grantCount + (parent ? 1 : 0));
  }

  /**
   * Create a process running `program`, holding exactly `grants` (nothing ambient). The parent receives a
   * process handle to the child. `parent` 0 is the kernel itself (boot).
   */
  spawn(parent: number, program: string, opts: SpawnOptions = {}): Process {
    const k = this.k;
    const grants = opts.grants ?? [];
    this.checkSpawn(parent, program, grants.length, opts.machine);
    const user = k.userPrograms.get(program);
    const body = user ? userBody(user) : programByName.get(program)!.body;
    const parentProc = parent ? k.process(parent) : null;
    const machine = opts.machine ?? parentProc?.machine ?? 0;
    const name = opts.name ?? program;
    k.intern(name);
    k.intern(program);
    for (const g of grants) k.intern(g.name);

    const pid = k.nextPid++;
    const proc: Process = {
      pid,
      machine,
      parent,
      name,
      program,
      args: Object.freeze({ ...(opts.args ?? {}) }),
      cnode: new CNode(),
      state: 'ready',
      runs: 0,
      wakeAt: 0,
      resume: undefined,
      fiber: null,
      exitCode: null,
      meter: newMeter(k.time, opts.tier ?? SPAWN_TIER),
      pending: null,
      issuedAt: 0,
      latency: 0,
      spent: 0,
      waiting: null,
      // A child inherits its parent's unveils (it cannot see more than its parent) and starts pledged to the
      // parent's promises ∩ execpromises unless the sandbox decided less (Sandbox.childPledge).
      pledge: opts.pledge !== undefined ? opts.pledge : parentProc ? childBound(parentProc.pledge, parentProc.execpromises) : null,
      execpromises: parentProc?.execpromises ?? null,
      unveil: { entries: parentProc?.unveil.entries ? [...parentProc.unveil.entries] : null, locked: parentProc?.unveil.locked ?? false },
    };
    if (opts.unveil?.length) {
      const why = applyUnveil(proc.unveil, opts.unveil);
      if (why) throw new KernelError('EPERM', `unveil for the child: ${why}`);
    }
    k.processes.set(pid, proc);
    this.changed();
    k.topology++;
    k.record('spawn', parent, pid, `${name} (pid ${pid}) runs "${program}" on ${k.machines[machine].name}`, 0, {
      pid,
      parent,
      machine,
      program,
    });
    for (const g of grants) k.insertCap(opts.grantedBy ?? parent, proc, g.name, g.cap);
    if (parentProc) k.insertCap(0, parentProc, name, makeCap('process', { kind: 'process', pid }, { how: 'spawned' }));
    const random = (n: number) => k.prng.below(n);
    const describe = (c: Cap) => {
      const obj = c.target.kind === 'object' ? k.objects.get(c.target.id) : undefined;
      return { kind: c.kind, iface: obj?.record?.iface ?? '' };
    };
    const cap = (capName: string) => {
      const slot = proc.cnode.indexOf(capName);
      return slot >= 0 ? describe(proc.cnode.get(slot)!.cap) : null;
    };
    const caps = () => [...proc.cnode.entries()].map(([, s]) => ({ name: s.name, ...describe(s.cap) }));
    proc.fiber = body({ pid, name, args: proc.args, argv: Object.freeze([...(opts.argv ?? [])]), random, cap, caps, backstop: k.backstop });
    return proc;
  }

  /** Normal exit: the process ends itself. */
  exit(pid: number, code: number, why = ''): void {
    const p = this.k.process(pid);
    this.k.record('exit', pid, pid, `${p.name} (pid ${pid}) exited with code ${code}${why ? `: ${why}` : ''}`, 0, {
      pid,
      parent: p.parent,
      machine: p.machine,
      code,
    });
    this.reap(p, 'exited', code, why && `exited with code ${code}: ${why}`);
  }

  /**
   * Kill `pid` on behalf of `by`. The killer must hold a process handle to the victim (the kernel, by = 0, may
   * always kill). A refusal is ledgered as a denial and thrown.
   */
  kill(by: number, pid: number): void {
    const k = this.k;
    const victim = k.process(pid);
    if (by !== 0 && !this.holdsHandle(by, pid)) {
      k.deny(by, pid, `kill ${k.who(pid)}`, 'the caller holds no process handle to it');
      throw new KernelError('EPERM', `kill: ${k.who(by)} holds no process handle to pid ${pid}`);
    }
    if (by !== 0) this.energy.payOrThrow(k.process(by), 'SEND');
    k.record('kill', by, pid, `${victim.name} (pid ${pid}) killed by ${by ? k.who(by) : 'the kernel'}`, 0, {
      pid,
      parent: victim.parent,
      machine: victim.machine,
      by,
    });
    this.reap(victim, 'killed', 137);
  }

  holdsHandle(holder: number, pid: number): boolean {
    const p = this.k.processes.get(holder);
    return (
      !!p && [...p.cnode.entries()].some(([, s]) => s.cap.kind === 'process' && s.cap.target.kind === 'process' && s.cap.target.pid === pid)
    );
  }

  /**
   * `wait` on an ended child: its exit code, and the holder's handles to it are released (like reaping a
   * zombie). Null while the child still runs.
   */
  reapHandle(holder: number, pid: number): number | null {
    const code = this.k.exitCodes.get(pid);
    if (code === undefined) return null;
    const p = this.k.process(holder);
    this.energy.payOrThrow(p, 'RECV');
    for (const [slot, s] of [...p.cnode.entries()]) {
      if (s.cap.kind === 'process' && s.cap.target.kind === 'process' && s.cap.target.pid === pid)
        this.k.releaseSlot(p, slot, `waited for pid ${pid} (exit code ${code})`);
    }
    return code;
  }

  /**
   * Remove a finished process: a call it waits on is cancelled (the server is told), calls waiting on its
   * endpoints fail with ECLOSED, its caps are released (a service object whose last cap this was ends), the
   * objects it served end, and caps to them are dropped.
   */
  reap(p: Process, state: 'exited' | 'killed', code: number, why = ''): void {
    const k = this.k;
    const how = state === 'killed' ? 'was killed' : 'exited';
    this.queues.cancel(p.pid, `its caller ${how}`);
    const dead = [...k.objects.values()].filter((o) => o.owner === p.pid);
    this.queues.serverGone(p, dead, how);
    p.state = state;
    // Returning the fiber runs its `finally`: a user program's sandbox is disposed there (not left to a GC).
    const fiber = p.fiber;
    p.fiber = null;
    fiber?.return(undefined);
    p.exitCode = code;
    k.exitCodes.set(p.pid, code);
    const slots = p.cnode.removeWhere(() => true);
    const released = slots.length;
    k.processes.delete(p.pid);
    k.forgetCaps(slots, p.pid, `its holder ${p.name} (pid ${p.pid}) ${how}`);
    this.changed();
    for (const o of dead) k.objects.delete(o.id);
    const deadIds = new Set(dead.map((o) => o.id));
    // Only a server's end can break other holders' caps; a process that served nothing (a fork bomb's child)
    // is reaped without visiting every cap table.
    for (const holder of deadIds.size ? k.processes.values() : []) {
      const gone = holder.cnode.removeWhere((c) => c.target.kind === 'object' && deadIds.has(c.target.id));
      k.forgetCaps(gone, 0, 'its server is gone');
      for (const s of gone)
        k.record('release', 0, holder.pid, `${k.who(holder.pid)} lost @${s.name}: its server ${p.name} (pid ${p.pid}) is gone`, 0, {
          cap: s.name,
          from: s.granted,
        });
    }
    k.topology++;
    // The whole cnode at once: `grants` names the grant record of every slot it held (space-separated seqs).
    if (released)
      k.record('release', p.pid, p.pid, `${p.name} (pid ${p.pid}) released ${released} cap${released === 1 ? '' : 's'}`, 0, {
        pid: p.pid,
        count: released,
        grants: slots.map((s) => s.granted).join(' '),
      });
    if (k.foreground === p.pid) {
      k.foreground = 0;
      k.prompt = '';
      k.stdin.length = 0;
      k.write(
        p.pid,
        `[${p.name} (pid ${p.pid}) ${why || (state === 'killed' ? 'was killed' : `exited with code ${code}`)}]`,
        why && (state === 'killed' || code !== 0) ? 'err' : 'sys',
      );
    }
  }

  // ── the terminal's foreground ──────────────────────────────────────────────────────────────────────────────

  attach(pid: number): void {
    const p = this.k.process(pid);
    this.k.foreground = pid;
    this.k.prompt = `${p.name}> `;
    this.k.intern(this.k.prompt);
    this.k.stdin.length = 0;
  }

  /** A line the user typed while a program is in the foreground. */
  input(line: string): void {
    if (!this.k.foreground) return;
    if (this.k.stdin.length >= STDIN_LIMIT) this.k.stdin.shift();
    this.k.stdin.push(line);
  }
}
