import { makeCap } from '../caps/cnode';
import type { Tier } from '../energy/kinetic';
import { ENGINE_VERSION } from '../programs/engine';
import { Kernel } from '../kernel';
import { ledgerOrigin } from '../ledger/ledger';
import type { Capacity } from '../sab/layout';
import { DEFAULT_CAPACITY, type DefenseId } from '../sab/layout';
import { pairingObject } from '../pairing/service';
import { capName } from './load';
import type { Scenario } from './schema';

/** A boot step failed: `path` names the scenario field it came from (processes[4].caps[0]). */
export class BootError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** Run one boot step; whatever it throws is reported against the field it came from. */
function at<T>(path: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof BootError) throw e;
    throw new BootError(path, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Boot a validated scenario: machines (each with a spawner object), then every process in file order, then the
 * endpoints they serve, then every declared cap. The manifest is the only authority at boot; each grant is
 * ledgered as coming from the kernel (actor 0).
 */
export function boot(scenario: Scenario, seed = scenario.seed ?? 1, capacity: Capacity = DEFAULT_CAPACITY): Kernel {
  const k = new Kernel(seed, capacity);
  k.decay = { ...k.decay, ...scenario.decay };
  k.ledger.setOrigin(ledgerOrigin(scenario.name, seed)); // the checkpoints' log name: scenario and seed
  k.record('boot', 0, 0, `boot "${scenario.name}" with seed ${seed}`);
  const machineId = new Map<string, number>();
  const spawner = new Map<number, number>();
  for (const m of scenario.machines) {
    const mach = k.addMachine(m.name, m.role);
    machineId.set(m.name, mach.id);
    spawner.set(mach.id, k.createObject('spawner', mach.id, 0, `spawner@${m.name}`).id);
  }
  for (const [name, p] of Object.entries(scenario.programs ?? {})) {
    k.userPrograms.set(name, { name, source: p.source, summary: p.summary, ...(p.run !== undefined && { run: p.run }) });
    k.record('boot', 0, 0, `user program "${name}" (${p.source.length} characters of JavaScript, run on ${ENGINE_VERSION})`);
  }
  const pidOf = new Map<string, number>();
  scenario.processes.forEach((p, i) => {
    const parent = p.parent ? pidOf.get(p.parent)! : 0;
    const machine = p.machine !== undefined ? machineId.get(p.machine) : undefined;
    const proc = at(`processes[${i}]`, () =>
      k.spawn(parent, p.program, { name: p.name, machine, args: p.args, tier: (p.tier ?? 'matter') as Tier }),
    );
    pidOf.set(p.name, proc.pid);
  });
  const endpoint = new Map<string, number>();
  scenario.processes.forEach((p, i) => {
    const proc = k.process(pidOf.get(p.name)!);
    p.caps?.forEach((c, j) => {
      if (c.endpoint !== undefined)
        endpoint.set(
          c.endpoint,
          at(`processes[${i}].caps[${j}].endpoint`, () => k.services.createEndpoint(proc, c.endpoint!).id),
        );
    });
  });
  // Pairings before caps: imports need them. Each is a real handshake, so the ledger records the bindings.
  scenario.pairings?.forEach((pr, i) => {
    k.fleet.setPolicy(pr.a, pr.b, pr.type);
    if (pr.boot === false) return;
    const r = k.fleet.pair(0, pr.a, pr.b, pr.type);
    if (!r.ok) throw new BootError(`pairings[${i}]`, `pairing ${pr.a} ⇄ ${pr.b} failed at boot: ${r.message}`);
  });
  const sessions = new Map<string, number>();
  const boot = { how: 'boot' as const };
  const obj = (id: number) => ({ kind: 'object' as const, id });
  scenario.processes.forEach((p, i) => {
    const proc = k.process(pidOf.get(p.name)!);
    p.caps?.forEach((c, j) =>
      at(`processes[${i}].caps[${j}]`, () => {
        const name = capName(c);
        if (c.endpoint !== undefined) k.insertCap(0, proc, name, makeCap('endpoint', obj(endpoint.get(c.endpoint)!), boot));
        else if (c.client !== undefined)
          k.insertCap(0, proc, name, makeCap('client', obj(endpoint.get(c.client)!), boot, { badge: c.badge ?? 0 }));
        else if (c.object !== undefined)
          k.insertCap(0, proc, name, k.services.mintByAuthority(endpoint.get(c.object)!, c.iface!, c.args ?? {}, 0));
        else if (c.mint !== undefined) k.insertCap(0, proc, name, makeCap('minter', obj(endpoint.get(c.mint)!), boot));
        else if (c.session !== undefined) {
          // One UserSession per subject per machine: a session object is local like every other.
          const key = `${proc.machine}/${c.session}`;
          if (!sessions.has(key)) sessions.set(key, k.createUserSession(proc.machine, c.session).id);
          k.insertCap(0, proc, name, makeCap('session', obj(sessions.get(key)!), boot));
        } else if (c.fs) k.insertCap(0, proc, name, makeCap('fs', obj(k.sandbox.vfsObject(proc.machine).id), boot));
        else if (c.pairing) k.insertCap(0, proc, name, makeCap('pairing', obj(pairingObject(k, proc.machine).id), boot));
        else if (c.import !== undefined) k.imports.importService(proc.pid, c.import.split('/')[0], c.import.split('/')[1], name);
        else k.insertCap(0, proc, name, makeCap('spawner', obj(spawner.get(proc.machine)!), boot));
      }),
    );
  });
  for (const [id, on] of Object.entries(scenario.defenses ?? {})) at(`defenses.${id}`, () => k.setDefense(id as DefenseId, on, 0));
  return k;
}
