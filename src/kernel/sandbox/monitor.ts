import type { WorldState } from '../core/state';
import { KernelError } from '../errors';
import type { KernelObject, Process } from '../types';
import { allows, childBound, promisesText, ratchetProblem, type Promise_ } from './pledge';
import { applyUnveil, permsText, type UnveilEntry } from './unveil';
import { defaultVfs } from './vfs';

/** How the sandbox ends a fiber that broke its pledge (the process lifecycle's reap). */
export type Abort = (p: Process, why: string) => void;

/**
 * Pledge and unveil (Nexus S2): the promise check every operation passes, the pledge ratchet, unveiling, and each
 * machine's filesystem object.
 */
export class Sandbox {
  constructor(
    private readonly k: WorldState,
    private readonly abort: Abort,
  ) {}

  /**
   * Does `p`'s pledge allow an operation that needs one of `needs`? If not, the fiber — and only it — is aborted
   * and the ledger says which promise was missing for what. The shell is never aborted: it is told (it is the
   * user's hand, and the session must survive). With the sandbox defense off the operation goes ahead, and the
   * kernel says what it would have stopped.
   */
  requirePromise(p: Process, needs: readonly Promise_[], what: string, object = 0): boolean {
    if (allows(p.pledge, needs)) return true;
    const need = needs.map((n) => `"${n}"`).join(' or ');
    const detail = `${what} needs ${need}; ${this.k.who(p.pid)} pledged "${promisesText(p.pledge)}"`;
    if (!this.k.defenses.sandbox) {
      this.k.verdict('breach', p.pid, p.pid, `pledge bypassed: ${detail} (pledge/unveil is off)`, object);
      return true;
    }
    if (p.program === 'shell') throw new KernelError('EPERM', `pledge: ${detail}`);
    this.k.record('abort', p.pid, p.pid, `pledge violation: ${detail}: aborted`, object);
    this.k.verdict('held', p.pid, p.pid, `pledge violation blocked: ${detail}; ${p.name} was aborted and its caps released`, object);
    this.abort(p, `aborted: pledge violation: ${what} needs ${need}`);
    return false;
  }

  /**
   * The pledge a child of `parent` starts with (the ratchet across spawn): at most the parent's promises ∩ its
   * execpromises. Unasked, the child inherits exactly that; asking for more is EPERM and a ledgered denial naming
   * the missing promises, before anything changes. With the sandbox defense off the child gets what was asked, and
   * the kernel says what it would have stopped.
   */
  childPledge(parent: Process, asked: number | undefined, what: string): number | null {
    const bound = childBound(parent.pledge, parent.execpromises);
    if (asked === undefined || bound === null) return asked ?? bound;
    const added = asked & ~bound;
    if (!added) return asked;
    const from =
      parent.execpromises === null
        ? 'its promises'
        : parent.pledge === null
          ? 'its execpromises'
          : `its promises "${promisesText(parent.pledge)}" ∩ its execpromises "${promisesText(parent.execpromises)}"`;
    const why =
      `a child’s pledge may only narrow its parent’s: "${promisesText(added)}" ${added & (added - 1) ? 'are' : 'is'} not among the ` +
      `promises ${this.k.who(parent.pid)} may pass on, "${promisesText(bound)}" (${from})`;
    if (!this.k.defenses.sandbox) {
      this.k.verdict(
        'breach',
        parent.pid,
        parent.pid,
        `pledge bypassed: ${what} pledged "${promisesText(asked)}": ${why} (pledge/unveil is off)`,
      );
      return asked;
    }
    this.k.deny(parent.pid, parent.pid, `${what} pledged "${promisesText(asked)}"`, why);
    throw new KernelError('EPERM', why);
  }

  /** A later pledge may only drop promises (and execpromises likewise); an attempt to add one is EPERM, ledgered. */
  setPledge(pid: number, promises: number, execpromises?: number): void {
    const p = this.k.process(pid);
    const problem =
      ratchetProblem(p.pledge, promises) ??
      (execpromises !== undefined ? ratchetProblem(p.execpromises, execpromises, 'execpromises') : null);
    if (problem && this.k.defenses.sandbox) {
      this.k.deny(pid, pid, `pledge "${promisesText(promises)}"`, problem);
      throw new KernelError('EPERM', problem);
    }
    p.pledge = promises;
    if (execpromises !== undefined) p.execpromises = execpromises;
    // Dropping both file promises ends unveiling, as OpenBSD's dropping "unveil" does.
    if (!allows(promises, ['rw', 'storage'])) p.unveil.locked = true;
    this.k.topology++;
    this.k.record(
      'pledge',
      pid,
      pid,
      `${this.k.who(pid)} pledged "${promisesText(promises)}"${execpromises !== undefined ? `, execpromises "${promisesText(execpromises)}"` : ''}`,
    );
  }

  /** The machine's filesystem object (created on first use: a cap to it is what `fs` grants). */
  vfsObject(machine: number): KernelObject {
    const found = [...this.k.objects.values()].find((o) => o.kind === 'vfs' && o.machine === machine);
    if (found) return found;
    const o = this.k.createObject('vfs', machine, 0, `fs@${this.k.machine(machine).name}`);
    o.vfs = defaultVfs();
    return o;
  }

  /** Canonical unveil entries for paths on a machine's filesystem (a spawn-time unveil). */
  resolveUnveil(machine: number, add: { path: string; perms: number }[]): UnveilEntry[] {
    const vfs = this.vfsObject(machine).vfs!;
    return add.map((a) => {
      const r = vfs.resolve(a.path);
      if (!r.ok) throw new KernelError(r.code, `unveil ${a.path}: ${r.error}`);
      return { path: r.path, perms: a.perms };
    });
  }

  /** Unveil paths (one call, one or more paths), or lock. Paths are resolved to canonical form first. */
  unveilPaths(pid: number, add: { path: string; perms: number }[] | 'lock'): void {
    const p = this.k.process(pid);
    if (add === 'lock') {
      p.unveil.locked = true;
      this.k.record('unveil', pid, pid, `${this.k.who(pid)} locked unveil`);
      return;
    }
    if (!this.requirePromise(p, ['rw', 'storage'], 'unveil')) throw new KernelError('EABORT', 'aborted');
    const entries = this.resolveUnveil(p.machine, add);
    const why = applyUnveil(p.unveil, entries);
    if (why) {
      this.k.deny(pid, pid, `unveil ${add.map((a) => `${a.path} ${permsText(a.perms)}`).join(', ')}`, why);
      throw new KernelError('EPERM', why);
    }
    this.k.topology++;
    this.k.record('unveil', pid, pid, `${this.k.who(pid)} unveiled ${entries.map((e) => `${e.path} ${permsText(e.perms)}`).join(', ')}`);
  }
}
