import type { Check } from '../checks/check';
import { CNODE_SLOTS } from '../caps/cnode';
import { programByName } from '../programs/programs';
import { ENGINE_VERSION } from '../programs/engine';
import { programNameProblem } from '../programs/define';
import { runLineProblem } from '../programs/runLine';
import { bootNeeds } from './capacity';
import { MAX_SCRIPT_MS, ScenarioSchema, type Scenario } from './schema';

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; errors: string[] };

const MAX_BYTES = 1 << 20;

/** `processes[3].caps[0].client` from a path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (!/^[A-Za-z_$][\w$-]*$/.test(String(p)))
      out += `[${JSON.stringify(String(p))}]`; // a key that is not a name: quoted
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

/** Where a JSON.parse error points, as "line L, column C" when the engine tells the offset. */
function jsonErrorWhere(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const offset = Number(m[1]);
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}: `;
}

/**
 * Parse and validate untrusted scenario text. Every problem is reported with the field path it concerns; the
 * result is never partially applied.
 */
export function loadScenario(input: string | unknown): LoadResult {
  let data: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_BYTES) return { ok: false, errors: [`scenario is ${input.length} characters; the limit is ${MAX_BYTES}`] };
    try {
      data = JSON.parse(input);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return { ok: false, errors: [`not valid JSON: ${jsonErrorWhere(input, msg)}${msg}`] };
    }
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > 1) {
    return {
      ok: false,
      errors: [
        `version: this scenario was made by a newer capplay (scenario format ${version}); this build reads format 1, so open it with the newer build`,
      ],
    };
  }
  const parsed = ScenarioSchema.safeParse(data);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
  }
  const errors = crossCheck(parsed.data);
  return errors.length ? { ok: false, errors } : { ok: true, scenario: parsed.data };
}

/** The checks a schema cannot express: names resolve, are unique, parents come first, one shell. */
function crossCheck(s: Scenario): string[] {
  const errors: string[] = [];
  const userNames = Object.keys(s.programs ?? {});
  const known = (program: string) => programByName.has(program) || userNames.includes(program);
  for (const name of userNames) {
    const problem = programNameProblem(name);
    if (problem) errors.push(`programs.${name}: ${problem}`);
    const run = s.programs?.[name]?.run;
    const runProblem = run === undefined ? null : runLineProblem(name, run);
    if (runProblem) errors.push(`programs.${name}.run: ${runProblem}`);
  }
  if (userNames.length && s.engine === undefined)
    errors.push(`engine: a file with programs names the engine they were written for: "engine": "${ENGINE_VERSION}"`);
  s.processes.forEach((p, i) => {
    if (!known(p.program))
      errors.push(
        `processes[${i}].program: unknown program "${p.program}"; known programs: ${[...programByName.keys(), ...userNames].join(', ')}`,
      );
  });
  const machines = new Set<string>();
  s.machines.forEach((m, i) => {
    if (machines.has(m.name)) errors.push(`machines[${i}].name: duplicate machine name "${m.name}"`);
    machines.add(m.name);
  });
  s.pairings?.forEach((pr, i) => {
    for (const end of ['a', 'b'] as const)
      if (!machines.has(pr[end]))
        errors.push(`pairings[${i}].${end}: no machine named "${pr[end]}" (declared: ${[...machines].join(', ')})`);
    if (pr.a === pr.b) errors.push(`pairings[${i}]: a machine does not pair with itself`);
    const twice = s.pairings!.findIndex((q) => (q.a === pr.a && q.b === pr.b) || (q.a === pr.b && q.b === pr.a));
    if (twice < i) errors.push(`pairings[${i}]: ${pr.a} ⇄ ${pr.b} is already declared at pairings[${twice}]; one policy per pair`);
  });
  const endpoints = new Map<string, number>();
  s.processes.forEach((p, i) =>
    p.caps?.forEach((c, j) => {
      if (c.endpoint === undefined) return;
      if (endpoints.has(c.endpoint))
        errors.push(
          `processes[${i}].caps[${j}].endpoint: endpoint "${c.endpoint}" is already served by processes[${endpoints.get(c.endpoint)}]`,
        );
      else endpoints.set(c.endpoint, i);
    }),
  );
  // Where each process runs (its own machine, else its parent's, else the first): nothing crosses machines except
  // an import over a pairing (seeds 000, 002), so a cap naming another machine's endpoint, or a parent's handle to
  // a child on another machine, is refused here rather than becoming a path the Diode never sees.
  const machineOf = new Map<string, string>();
  for (const p of s.processes)
    machineOf.set(p.name, p.machine ?? (p.parent !== undefined ? machineOf.get(p.parent) : undefined) ?? s.machines[0].name);
  const seen = new Set<string>();
  /** Caps each process holds at boot: its own, and a handle per child. */
  const held = new Map<string, number>();
  s.processes.forEach((p, i) => {
    const at = `processes[${i}]`;
    held.set(p.name, (held.get(p.name) ?? 0) + (p.caps?.length ?? 0));
    if (p.parent !== undefined && seen.has(p.parent)) {
      const n = (held.get(p.parent) ?? 0) + 1;
      held.set(p.parent, n);
      if (n === CNODE_SLOTS + 1)
        errors.push(
          `${at}.parent: "${p.parent}" would hold more than ${CNODE_SLOTS} caps at boot (a handle per child, and its own caps); a cap table has ${CNODE_SLOTS} slots, so give some children another parent`,
        );
    }
    if (seen.has(p.name)) errors.push(`${at}.name: duplicate process name "${p.name}"`);
    if (p.machine !== undefined && !machines.has(p.machine))
      errors.push(`${at}.machine: no machine named "${p.machine}" (declared: ${[...machines].join(', ')})`);
    if (p.parent !== undefined && !seen.has(p.parent)) {
      errors.push(`${at}.parent: "${p.parent}" is not declared before this process (parents must come first)`);
    } else if (p.parent !== undefined && machineOf.get(p.parent) !== machineOf.get(p.name)) {
      errors.push(
        `${at}.parent: "${p.parent}" runs on ${machineOf.get(p.parent)} and "${p.name}" on ${machineOf.get(p.name)}; a parent holds a handle to its child, and nothing crosses machines except an import over a pairing (give "${p.name}" no parent, or run it on ${machineOf.get(p.parent)})`,
      );
    }
    const ledgerProblem = programByName.get(p.program)?.service?.worm ? ledgerHomeProblem(s, machineOf.get(p.name)!) : null;
    if (ledgerProblem) errors.push(`${at}: "${p.name}" runs ${p.program} on ${machineOf.get(p.name)}; ${ledgerProblem}`);
    const capNames = new Set<string>();
    p.caps?.forEach((c, j) => {
      for (const form of ['client', 'object', 'mint'] as const) {
        const ep = c[form];
        if (ep !== undefined && !endpoints.has(ep))
          errors.push(`${at}.caps[${j}].${form}: no endpoint named "${ep}" (declared: ${[...endpoints.keys()].join(', ') || 'none'})`);
        else if (ep !== undefined) {
          const there = machineOf.get(s.processes[endpoints.get(ep)!].name)!;
          const here = machineOf.get(p.name)!;
          if (there !== here)
            errors.push(
              `${at}.caps[${j}].${form}: endpoint "${ep}" is served on ${there} and "${p.name}" runs on ${here}; nothing crosses machines except an import over a pairing (pair ${here} with ${there} in "pairings" and declare { "import": "${there}/${ep}" })`,
            );
        }
      }
      const served = c.object ?? c.mint;
      if (served !== undefined && endpoints.has(served)) {
        const server = s.processes[endpoints.get(served)!];
        const service = programByName.get(server.program)?.service;
        if (!service)
          errors.push(
            `${at}.caps[${j}].${c.object !== undefined ? 'object' : 'mint'}: endpoint "${served}" is served by "${server.program}", which offers no service objects`,
          );
        else if (c.iface !== undefined && !Object.hasOwn(service.interfaces, c.iface)) {
          errors.push(
            `${at}.caps[${j}].iface: "${server.program}" has no interface ${c.iface} (it has ${mintable(service.interfaces).join(', ')})`,
          );
        }
      }
      if (c.import !== undefined) {
        const [machine, endpoint] = c.import.split('/');
        const server = endpoints.has(endpoint) ? s.processes[endpoints.get(endpoint)!] : undefined;
        const own = machineOf.get(p.name)!;
        if (!server || (server.machine ?? s.machines[0].name) !== machine)
          errors.push(`${at}.caps[${j}].import: no endpoint "${endpoint}" is served on machine "${machine}"`);
        else if (
          !s.pairings?.some((pr) => pr.boot !== false && ((pr.a === own && pr.b === machine) || (pr.b === own && pr.a === machine)))
        ) {
          errors.push(
            `${at}.caps[${j}].import: ${own} and ${machine} are not paired (add them to "pairings"): unpaired machines cannot see each other`,
          );
        }
      }
      const name = capName(c);
      if (capNames.has(name)) errors.push(`${at}.caps[${j}].name: this process already holds a cap named "${name}"`);
      capNames.add(name);
    });
    seen.add(p.name);
  });
  const needs = bootNeeds(s);
  for (const k of ['processes', 'caps'] as const) {
    const declared = s.capacity?.[k];
    if (declared !== undefined && declared < needs[k])
      errors.push(`capacity.${k}: the scenario boots with ${needs[k]} ${k}; the table must hold at least that many (it says ${declared})`);
  }
  const shells = s.processes.filter((p) => p.program === 'shell').length;
  if (shells !== 1) errors.push(`processes: the scenario needs exactly one process running "shell" (found ${shells})`);
  const waited = (s.script ?? []).reduce((sum, l) => sum + (l.wait ?? 0), 0);
  if (waited > MAX_SCRIPT_MS)
    errors.push(`script: the waits add up to ${waited} ms of virtual time; the limit is ${MAX_SCRIPT_MS} (one hour)`);
  s.lesson?.steps.forEach((step, i) =>
    walkChecks(step.check, `lesson.steps[${i}].check`, (c, at) => {
      if ('pairing' in c) {
        for (const end of ['a', 'b'] as const)
          if (!machines.has(c.pairing[end]))
            errors.push(`${at}.pairing.${end}: no machine named "${c.pairing[end]}" (declared: ${[...machines].join(', ')})`);
      }
      if ('process' in c && c.process.program !== undefined && !known(c.process.program))
        errors.push(`${at}.process.program: no program named "${c.process.program}"`);
    }),
  );
  return errors;
}

/**
 * Why a WORM ledger service (service-fs) may not run on `machine`, or null. The kernel keeps one ledger, the
 * fleet's, and the service serves it whole: so it runs only where that ledger is kept (seed 000), on the fleet's
 * one Totebox, or on the only machine of a one-machine world. Anywhere else it would hand a machine the records of
 * others without a pairing and past the Diode (a MediaKit, which "holds no capability grants reaching ToteboxOS",
 * reading the Totebox's records).
 */
function ledgerHomeProblem(s: Scenario, machine: string): string | null {
  if (s.machines.length === 1) return null;
  const toteboxes = s.machines.filter((m) => m.role === 'totebox').map((m) => m.name);
  const why = 'the kernel keeps one ledger for the whole fleet, and service-fs serves it whole';
  if (toteboxes.length > 1)
    return `${why}, so it runs only in a fleet with one Totebox (this one has ${toteboxes.length}: ${toteboxes.join(', ')}), else each would read the others' records outside any pairing`;
  if (toteboxes[0] === machine) return null;
  const role = s.machines.find((m) => m.name === machine)?.role;
  return `${why}, so it runs only on the Totebox (role "totebox"${toteboxes.length ? `: ${toteboxes[0]}` : ', and this fleet has none'}) or in a one-machine scenario; on ${machine} (${role ? `role "${role}"` : 'no role'}) it would hand that machine the fleet's records outside any pairing and past the Diode`;
}

/** The interfaces a policy file can ask for: those with methods (a bare facet's interface, like service-fs's Ledger, has none). */
const mintable = (interfaces: Record<string, readonly string[]>) =>
  Object.entries(interfaces)
    .filter(([, methods]) => methods.length)
    .map(([iface]) => iface);

/** Visit a check and every check nested in it, with its path. */
function walkChecks(c: Check, at: string, visit: (c: Check, at: string) => void): void {
  visit(c, at);
  if ('all' in c) c.all.forEach((x, i) => walkChecks(x, `${at}.all[${i}]`, visit));
  else if ('any' in c) c.any.forEach((x, i) => walkChecks(x, `${at}.any[${i}]`, visit));
  else if ('not' in c) walkChecks(c.not, `${at}.not`, visit);
}

/** The name a cap declaration gets in its holder's cnode. */
export function capName(c: {
  name?: string;
  endpoint?: string;
  client?: string;
  spawner?: true;
  object?: string;
  iface?: string;
  mint?: string;
  session?: string;
  fs?: true;
  import?: string;
  pairing?: true;
}): string {
  return (
    c.name ??
    c.endpoint ??
    c.client ??
    (c.import !== undefined ? c.import.split('/')[1] : undefined) ??
    (c.object !== undefined
      ? `${c.object}_${(c.iface ?? '').toLowerCase()}`
      : c.mint !== undefined
        ? `${c.mint}_mint`
        : c.session !== undefined
          ? 'session'
          : c.fs
            ? 'fs'
            : c.pairing
              ? 'pairing'
              : 'spawner')
  );
}
