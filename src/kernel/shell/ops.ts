import { createChannel, mask, revokeEpoch } from '../caps/channels';
import { grantTo, spawnWithGrants } from '../caps/transfer';
import type { Kernel } from '../kernel';
import { costOf, tierIndex, type Verb } from '../energy/kinetic';
import { KernelError } from '../errors';
import { importsAcross } from '../pairing/imports';
import { MAX_SESSION_TICKS } from '../session/check';
import type { CallResult } from '../types';
import type { ChainVerdict } from '../yield/evidence';
import type { Controls, KernelView, ShellOps } from './context';

/**
 * The one place the shell meets the kernel: a read-only view for inspection, the shell process's operations
 * (the kernel's own, with the shell's pid, so the kernel decides against the caps it holds), and the
 * experimenter's controls. Commands (commands/) see only these.
 */

export function kernelView(k: Kernel): KernelView {
  return k;
}

export function shellOps(k: Kernel, pid: number): ShellOps {
  // The verb of an operation the kernel does not charge where it is done (boot uses those places free).
  const pay = (verb: Verb) => k.energy.payOrThrow(k.process(pid), verb);
  return {
    spawn: (program, grants, opts) => spawnWithGrants(k, pid, program, grants, opts),
    attach: (target) => k.lifecycle.attach(target),
    holdsHandle: (target) => k.lifecycle.holdsHandle(pid, target),
    reapHandle: (target) => k.lifecycle.reapHandle(pid, target),
    kill: (target) => k.kill(pid, target),
    call(cap, method, opts, show) {
      // A waiting call's reply arrives later, as the shell's output on the console (like a line that waited for energy).
      const wait = show && ((reply: CallResult) => show(reply).forEach((l) => k.write(pid, l.text, l.style === 'error' ? 'err' : 'out')));
      return k.call(pid, cap, method, { ...opts, wait });
    },
    grant: (to, g) => grantTo(k, pid, to, g),
    drop(name) {
      const p = k.process(pid);
      const slot = p.cnode.indexOf(name);
      const entry = slot >= 0 ? p.cnode.get(slot) : undefined;
      if (!entry) return { ok: false, why: 'no-cap' };
      if (entry.reserved) return { ok: false, why: 'moving' };
      pay('MASK');
      const cap = entry.cap;
      k.releaseSlot(p, slot, 'dropped by the shell');
      const pairing = cap.kind === 'import' ? k.fleet.pairing(cap.pairing ?? 0) : undefined;
      const copies = pairing?.live && cap.target.kind === 'object' ? importsAcross(k, pairing.id, cap.target.id) : [];
      if (pairing && copies.length) {
        const ends = `${k.machines[pairing.a].name} ⇄ ${k.machines[pairing.b].name}`;
        const ep = cap.target.kind === 'object' ? k.objects.get(cap.target.id) : undefined;
        const service = ep ? `${ep.name}@${k.machines[ep.machine].name}` : k.describeTarget(cap.target);
        k.verdict(
          'breach',
          pid,
          pid,
          `revocation incomplete: ${k.who(pid)} dropped its @${name}, but ${copies.length} other import${copies.length === 1 ? '' : 's'} of ${service} across the live ${ends} pairing still work${copies.length === 1 ? 's' : ''} (${copies.join(', ')}): deleting your own copy revokes nothing; unpair severs them all`,
          cap.target.kind === 'object' ? cap.target.id : 0,
        );
      }
      return { ok: true, copies };
    },
    channel: (name, region) => createChannel(k, pid, name, region),
    mask: (cap, rights, bounds) => mask(k, pid, cap, rights, bounds),
    revoke: (cap) => revokeEpoch(k, pid, cap),
    pledge(promises, execpromises) {
      pay('MASK');
      k.sandbox.setPledge(pid, promises, execpromises);
    },
    unveil(entries) {
      pay('MASK');
      k.sandbox.unveilPaths(pid, entries);
    },
    setTier(target, tier) {
      if (!k.lifecycle.holdsHandle(pid, target)) {
        k.deny(pid, target, `tier ${k.who(target)} ${tier}`, 'the shell holds no process handle to it');
        return 'no-handle';
      }
      if (tierIndex(tier) < tierIndex(k.process(pid).meter.tier)) return 'above-own';
      k.energy.setTier(target, tier, pid);
      return null;
    },
    pairing(method, args) {
      const held = [...k.process(pid).cnode.entries()].find(([, s]) => s.cap.kind === 'pairing' && !s.reserved);
      if (held) return k.call(pid, held[1].name, method, { args });
      const machine = k.machines[k.process(pid).machine].name;
      const error = `the shell holds no service-pairing cap: the policy (the scenario) says who manages ${machine}'s pairings`;
      k.deny(pid, pid, `${method} by ${k.who(pid)}`, `ENOCAP: ${error}`);
      return { ok: false, code: 'ENOCAP', error };
    },
    chain(run, calls = 1) {
      // It must be able to pay for every transaction it may make, and pays a SEND (a CALL into the chain) for each
      // one it made: a burst through a cap the user does not hold makes none.
      const p = k.process(pid);
      const most = Array<Verb>(calls).fill('SEND');
      if (!k.energy.canPay(p, costOf(most))) throw new KernelError('EAGAIN', k.energy.frozenWhy(p, most));
      const w = k.chainWorld;
      const o = w.apply(run, k.time); // the chain's clock is the kernel's virtual time
      for (let i = 0; i < (o.calls?.length ?? 1); i++) pay('SEND');
      const routeText = w.describe(o.route);
      for (const r of o.routes ?? (o.route ? [o.route] : [])) k.record('yield', pid, pid, w.describe(r));
      // A sidecar change leaves a trace: a grant record of policy, not of a cap (as a tier move is one of energy).
      if (o.policy) k.record('grant', pid, pid, o.policy.detail, 0, o.policy.facts);
      if (o.verdict) chainVerdict(k, pid, o.verdict);
      return { ...o, routeText };
    },
  };
}

/** The experimenter's controls, ledgered as the shell's hand (`by` = the shell's pid, as every command is). */
export function controls(k: Kernel, pid: number): Controls {
  return {
    setDefense: (id, on) => k.setDefense(id, on, pid),
    setRunning: (running) => k.setRunning(running, pid),
    setSpeed: (speed) => k.setSpeed(speed, pid),
    step(n, budget) {
      k.stepsOwed = Math.min(k.stepsOwed + n, Math.max(0, MAX_SESSION_TICKS - k.ticks)); // a saved session holds a week
      return k.runOwed(budget);
    },
    mitm: (a, b, type) => k.fleet.pair(pid, a, b, type, true),
    forgeAnnounce: (machine) => k.fleet.announce(pid, machine, true),
    callAs: (actor, cap, method, opts) => k.call(actor, cap, method, opts),
    get chainWorld() {
      return k.chainWorld;
    },
    replayChain() {
      const o = k.chainWorld.replay();
      if (o.verdict) chainVerdict(k, pid, o.verdict);
      return o;
    },
  };
}

/** A chain-world verdict into the ledger, with its outcome (and the weakness the seed admits, if it is one) as facts. */
function chainVerdict(k: Kernel, pid: number, v: ChainVerdict): void {
  k.verdict(v.outcome, pid, pid, v.text, 0, v.weakness ? { weakness: v.weakness } : undefined);
}
