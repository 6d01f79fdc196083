/** A generated scenario with `n` processes (each holding a client facet and a stdio cap) for benchmarks. */
export function bigScenario(n: number, program = 'idle') {
  const processes: object[] = [
    { name: 'init', program: 'init', caps: [{ spawner: true }] },
    { name: 'stdio', program: 'stdio-server', parent: 'init', caps: [{ endpoint: 'stdio' }] },
    { name: 'chat', program: 'chat-server', parent: 'init', caps: [{ endpoint: 'chat' }] },
    { name: 'shell', program: 'shell', parent: 'init', caps: [{ client: 'stdio' }, { client: 'chat' }, { spawner: true }] },
  ];
  for (let i = processes.length; i < n; i++) {
    processes.push({ name: `p${i}`, program, parent: 'init', caps: [{ client: 'chat' }, { client: 'stdio' }] });
  }
  return { format: 'capplay-scenario', version: 1, name: `${n} processes`, seed: 7, machines: [{ name: 'alpha' }], processes };
}

/**
 * A world that does all it can to hold the kernel (issue 14): `n` fork bombs with energy budgets off. Their
 * bomblets fill the process table in the first tick, and every tick after, each bomb tries again. Parents
 * are spread over hubs (a cap table has 1,024 slots: a handle per child).
 */
export function forkBombWorld(n = 3991) {
  const hubs = Math.ceil(n / 1000);
  const processes: object[] = [
    { name: 'init', program: 'init', caps: [{ spawner: true }] },
    { name: 'stdio', program: 'stdio-server', parent: 'init', caps: [{ endpoint: 'stdio' }] },
    { name: 'shell', program: 'shell', parent: 'init', caps: [{ client: 'stdio' }, { spawner: true }] },
  ];
  for (let h = 0; h < hubs; h++) processes.push({ name: `hub${h}`, program: 'idle', parent: 'init' });
  for (let i = 0; i < n; i++)
    processes.push({ name: `bomb${i}`, program: 'forkbomb', parent: `hub${i % hubs}`, caps: [{ spawner: true }] });
  return {
    format: 'capplay-scenario',
    version: 1,
    name: `${n} fork bombs, budgets off`,
    seed: 14,
    machines: [{ name: 'alpha' }],
    processes,
    defenses: { energy: false },
  };
}
