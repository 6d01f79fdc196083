import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { makeCap, type Cap } from '../caps/cnode';
import type { CapHandler } from '../call/handler';
import type { WorldState } from '../core/state';
import { KernelError, type ErrorCode } from '../errors';
import { serveCall } from '../services/serviceHandler';
import type { ServiceDef } from '../services/service';
import type { KernelObject, Process } from '../types';
import { ACCESS_BITS, sanitizeTelemetry, TYPE_ALLOWS, typesAllowing, type Access, type Fleet } from './fleet';

/**
 * Imports across a machine pairing (seeds 000, 001): importing a service from a paired machine, what an import
 * may do now, and the check each call through one passes (the pairing's type, and the Diode's direction).
 */
export class Imports {
  constructor(
    private readonly k: WorldState,
    private readonly fleet: Fleet,
  ) {}

  /**
   * Import a service from another machine: only across a live pairing. An unpaired machine is not-found, exactly
   * like a machine that does not exist (mutual invisibility), never "denied". The cap's calls are attenuated by
   * the pairing's type at each call, and by the Diode: from downstream, only sanitised telemetry flows up.
   */
  importService(pid: number, machineName: string, service: string, as?: string): { name: string; cap: Cap; telemetryOnly: boolean } {
    const k = this.k;
    const p = k.process(pid);
    const from = k.machines[p.machine];
    const to = this.fleet.machine(machineName);
    const pairing = to ? this.fleet.between(from.id, to.id) : undefined;
    const ep =
      to && pairing
        ? [...k.objects.values()].find((o) => o.kind === 'endpoint' && o.machine === to.id && o.name === service && o.service)
        : undefined;
    if (!to || to.id === from.id || !pairing || !ep) {
      const why =
        to?.id === from.id
          ? `${service} is on this machine: use a local cap, not an import`
          : `no service "${service}" on a machine "${machineName}" is visible from ${from.name}`;
      k.deny(pid, pid, `import ${machineName}/${service} by ${k.who(pid)}`, `ENOTFOUND: ${why}`);
      throw new KernelError(to?.id === from.id ? 'EINVAL' : 'ENOTFOUND', why);
    }
    const cap = makeCap('import', { kind: 'object', id: ep.id }, { how: 'minted', by: 0 }, { pairing: pairing.id, since: k.time });
    const slot = k.insertCap(0, p, as ?? service, cap);
    const telemetryOnly = k.defenses.diode && this.fleet.upstream(from, to);
    k.record(
      'auth',
      pid,
      pid,
      `${k.who(pid)} imported ${service}@${to.name} across the ${pairing.type} pairing${telemetryOnly ? `; the Diode: ${from.name} is downstream of ${to.name}, so the cap carries sanitised telemetry only` : ''}`,
      ep.id,
    );
    return { name: p.cnode.get(slot)!.name, cap, telemetryOnly };
  }

  /** What an import held on `machine` may do right now, as ACCESS_BITS (bit i = ACCESS_BITS[i]), for the UI. */
  importAccess(machine: number, cap: Cap): number {
    const pairing = this.fleet.pairing(cap.pairing ?? 0);
    const ep = cap.target.kind === 'object' ? this.k.objects.get(cap.target.id) : undefined;
    if (!pairing?.live || !ep) return 0;
    const diode = this.k.defenses.diode && this.fleet.upstream(this.k.machines[machine], this.k.machines[ep.machine]);
    return ACCESS_BITS.reduce(
      (bits, a, i) => (TYPE_ALLOWS[pairing.type].has(a) && (!diode || a === 'telemetry') ? bits | (1 << i) : bits),
      0,
    );
  }

  /** Is the pairing an import crossed still live? */
  live(cap: Cap): boolean {
    return !!this.fleet.pairing(cap.pairing ?? 0)?.live;
  }

  /**
   * The answer to a call through an import, whenever it comes (at once, or later from the endpoint's queue): the
   * audit records every cross-machine response (seed 001) — its size and digest, not its contents. A refusal is
   * recorded as its denial.
   */
  responded(caller: number, ep: KernelObject, method: string, value: unknown): void {
    const k = this.k;
    const bytes = utf8ToBytes(JSON.stringify(value) ?? 'null');
    k.record(
      'auth',
      caller,
      caller,
      `response to ${k.who(caller)}'s ${method} on ${ep.name}@${k.machines[ep.machine].name}: ${bytes.length} bytes, sha256 ${bytesToHex(sha256(bytes)).slice(0, 16)}`,
      ep.id,
    );
  }

  /** Check one call through an import; ledger the authorization either way (a refusal via the denial). */
  authorize(p: Process, cap: Cap, ep: KernelObject, def: ServiceDef<unknown>, method: string): { code: ErrorCode; error: string } | null {
    const k = this.k;
    const pairing = this.fleet.pairing(cap.pairing ?? 0)!;
    const access: Access = def.access?.[method] ?? 'write';
    const from = k.machines[p.machine];
    const to = k.machines[ep.machine];
    const upstream = this.fleet.upstream(from, to) && access !== 'telemetry';
    if (upstream && k.defenses.diode) {
      k.verdict(
        'held',
        p.pid,
        p.pid,
        `upstream command impossible: ${k.who(p.pid)} on ${from.name} tried ${method} on ${ep.name}@${to.name}; the Diode lets only sanitised telemetry flow up`,
        ep.id,
      );
      return {
        code: 'EDIODE',
        error: `the Diode: ${from.name} is downstream of ${to.name}; no capability can express a command upstream (only sanitised telemetry flows up)`,
      };
    }
    if (!TYPE_ALLOWS[pairing.type].has(access)) {
      return {
        code: 'EPERM',
        error: `the ${pairing.type} pairing is ${pairing.type === 'USER' ? 'read-only' : pairing.type === 'INTERFACE' ? 'metadata only' : 'not ADMIN'}: ${method} (${access}) needs ${typesAllowing(access)}`,
      };
    }
    k.record(
      'auth',
      p.pid,
      p.pid,
      `${k.who(p.pid)} ${method} (${access}) on ${ep.name}@${to.name}: allowed by the ${pairing.type} pairing ${from.name} ⇄ ${to.name}`,
      ep.id,
    );
    if (upstream)
      k.verdict(
        'breach',
        p.pid,
        p.pid,
        `upstream command went through: ${k.who(p.pid)} on ${from.name} ran ${method} on ${ep.name}@${to.name} (the Diode is off)`,
        ep.id,
      );
    return null;
  }
}

/** The live imports that cross pairing `id` (optionally only copies of `target`), as "holder @name". */
export function importsAcross(k: Pick<WorldState, 'processes' | 'who'>, id: number, target?: number): string[] {
  const found: string[] = [];
  for (const p of k.processes.values()) {
    for (const [, s] of p.cnode.entries()) {
      if (s.cap.kind !== 'import' || s.cap.pairing !== id) continue;
      if (target !== undefined && (s.cap.target.kind !== 'object' || s.cap.target.id !== target)) continue;
      found.push(`${k.who(p.pid)} @${s.name}`);
    }
  }
  return found;
}

/**
 * CALL through an import: the service call, authorized by the pairing and the Diode; telemetry is sanitised. The
 * audit records the command (authorize) and its response (Imports.responded, when the answer comes).
 */
export const importHandler: CapHandler = (k, r) =>
  serveCall(k, r, (ep, def) => {
    const refused = k.imports.authorize(r.caller, r.cap, ep, def, r.method);
    if (refused) return { refused };
    const args = r.opts.args ?? [];
    return { args: def.access?.[r.method] === 'telemetry' ? args.map(sanitizeTelemetry) : args };
  });
