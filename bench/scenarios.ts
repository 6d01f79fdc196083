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
