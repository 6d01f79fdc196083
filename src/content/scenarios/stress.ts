/**
 * The stress world for workshops and benchmarks: 1,000 processes and 10,000 caps across 8 machines. Generated
 * (not shipped as a 150 KB file): each machine serves a chat endpoint, the racks are paired with each other, and
 * every worker holds a client facet of its own machine's service, an import of every other machine's, the terminal
 * (an import off rack1) and its machine's filesystem: ten caps each, eleven for every tenth worker (a spawner too), 10,000 and more in
 * all. Nothing crosses machines except an import over a pairing, so the other racks' services are imports.
 */
export const STRESS_MACHINES = 8;
export const STRESS_PROCESSES = 1000;

export function stressScenario(): object {
  const machines = Array.from({ length: STRESS_MACHINES }, (_, i) => ({ name: `rack${i + 1}` }));
  const pairings = machines.flatMap((a, i) => machines.slice(i + 1).map((b) => ({ a: a.name, b: b.name, type: 'INPUT' })));
  /** The service of machine `x` as seen from machine `here`: a client facet at home, an import from elsewhere. */
  const service = (x: string, here: string, name?: string) =>
    x === here ? { client: `svc-${x}`, ...(name ? { name } : {}) } : { import: `${x}/svc-${x}`, name: name ?? `svc-${x}` };
  const processes: object[] = [
    { name: 'init', program: 'init', machine: 'rack1', caps: [{ spawner: true }], tier: 'photon' },
    { name: 'stdio', program: 'stdio-server', parent: 'init', caps: [{ endpoint: 'stdio' }], tier: 'photon' },
    {
      name: 'shell',
      program: 'shell',
      parent: 'init',
      caps: [{ client: 'stdio' }, { spawner: true }, { fs: true }, ...machines.map((m) => service(m.name, 'rack1'))],
      tier: 'photon',
    },
  ];
  for (const m of machines)
    processes.push({
      name: `svc-${m.name}`,
      program: 'chat-server',
      machine: m.name,
      args: { members: '' },
      caps: [{ endpoint: `svc-${m.name}` }],
      tier: 'photon',
    });
  for (let i = 0; processes.length < STRESS_PROCESSES; i++) {
    const m = machines[i % STRESS_MACHINES].name;
    processes.push({
      name: `w${i + 1}`,
      program: 'idle',
      machine: m,
      // Every tenth worker is a foreman that may also spawn: that brings the world past 10,000 caps.
      caps: [
        m === 'rack1' ? { client: 'stdio', name: 'io' } : { import: 'rack1/stdio', name: 'io' },
        { fs: true },
        ...machines.map((x) => service(x.name, m, `to_${x.name}`)),
        ...(i % 10 === 0 ? [{ spawner: true }] : []),
      ],
    });
  }
  return {
    format: 'capplay-scenario',
    version: 1,
    name: 'Stress: 1,000 processes, 10,000 caps, 8 machines',
    description:
      'A big world: eight racks, paired with each other, each serving one endpoint, and 989 workers that each hold ten caps (every tenth one eleven): their own rack’s service and an import of every other’s. The graph starts with every rack collapsed: click one to expand it.',
    seed: 9,
    machines,
    pairings,
    processes,
  };
}
