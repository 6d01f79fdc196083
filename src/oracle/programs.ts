/**
 * The oracle's user-program adversaries: random JavaScript programs (issue 18) made from a small grammar of
 * syscalls — calls through granted and made-up caps, passing caps on, spawning with relabeled, moved and copied
 * grants (itself too), pledging, unveiling, sleeping, with loops, runaway compute and throws mixed in. They run in
 * the QuickJS sandbox with exactly the caps the shell line grants them; the checker judges the world after each
 * step as it does for the shell's moves.
 */

/** The adversary's randomness (adversary.ts's rng). */
export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
}

/** The names a generated program is granted its caps under (the shell line and the source agree on them). */
export const GRANT_NAMES = ['a', 'b', 'c'] as const;
/** Names it may try without holding them: the world's well-known caps, and nonsense. */
const FOREIGN = ['stdio', 'fs', 'chat', 'chat_root', 'vault', 'spawner', 'session', 'telemetry', 'nope', '#x'];
const METHODS = ['read', 'write', 'send', 'who', 'join', 'leave', 'close', 'ls', 'cat', 'store', 'load', 'telemetry', 'migrate'];
const ARGS = ["'/vault/secrets'", "'/etc/hosts'", "'#lobby'", "'hi'", '7', '-1', '1e9', "'../..'", "'x\\u001b[2J'", 'null', '{}'];
const PROMISES = ["'stdio'", "'stdio rw'", "'stdio spawn'", "'stdio net spawn rw storage'", "''", '0'];
const PROGRAMS = ['idle', 'chat-client', 'cat /etc/hosts', 'flooder'];

const q = (s: string) => JSON.stringify(s);

/** One statement of a generated program (depth bounds nesting). */
function statement(r: Rng, self: string, peers: readonly string[], depth: number): string {
  const cap = () => q(r.next() < 0.75 ? r.pick(GRANT_NAMES) : r.pick(FOREIGN));
  const args = () => `[${Array.from({ length: r.int(3) }, () => r.pick(ARGS)).join(', ')}]`;
  const grant = () =>
    r.pick([
      () => q(`@${r.pick(GRANT_NAMES)}`),
      () => q(`move @${r.pick(GRANT_NAMES)}`),
      () => q(`client @${r.pick(GRANT_NAMES)}`),
      () => q(`client @${r.pick(GRANT_NAMES)} badge ${r.pick([0, 7, 42, 200])}`),
      () => q(`@${r.pick(FOREIGN)}`),
    ])();
  const grants = () =>
    `{ ${Array.from({ length: 1 + r.int(3) }, (_, i) => `${r.pick([...GRANT_NAMES, 'chat', 'fs', 'stdio'])}${i ? i : ''}: ${grant()}`).join(', ')} }`;
  const choices: (() => string)[] = [
    () => `yield sys.call(${cap()}, ${q(r.pick(METHODS))}, ${args()});`,
    () => `yield sys.call(${cap()}, ${q(r.pick(METHODS))}, ${args()}, { caps: [${cap()}] });`,
    // A result's caps are the program's to use at once.
    () =>
      `{ const r = yield sys.call(${cap()}, ${q(r.pick(METHODS))}, ${args()}); if (r.ok && r.caps && r.caps.length) yield sys.call(r.caps[0], ${q(r.pick(METHODS))}, ${args()}); }`,
    () => `yield sys.spawn(${q(r.pick([...PROGRAMS, self, ...peers]))}, { grants: ${grants()} });`,
    () => `yield sys.pledge(${r.pick(PROMISES)});`,
    () =>
      `yield sys.unveil(${r.next() < 0.3 ? "'lock'" : `[{ path: ${q(r.pick(['/home', '/vault', '/', '/etc']))}, perms: ${q(r.pick(['r', 'rw', 'rwxc', '']))} }]`});`,
    () => `yield sys.sleep(${r.pick([0, 1, 5, 30])});`,
    () => 'yield sys.tick();',
    () => `if (sys.cap(${cap()}) && sys.random(2) === 1) yield sys.call(${cap()}, ${q(r.pick(METHODS))}, ${args()});`,
  ];
  if (depth < 2) choices.push(() => `for (let i = 0; i < ${1 + r.int(5)}; i++) { ${statement(r, self, peers, depth + 1)} }`);
  // Rare hostile ends: the budget, a throw, garbage (each ends the program, never the world).
  if (r.next() < 0.05) return r.pick(['for (;;) {}', "throw new Error('boom');", "yield 'garbage';", 'yield sys.exit(3);']);
  return r.pick(choices)();
}

/** A random program's source: `function* main(sys)` with 3–10 statements. */
export function generateProgram(r: Rng, self: string, peers: readonly string[]): string {
  const body = Array.from({ length: 3 + r.int(8) }, () => `  ${statement(r, self, peers, 0)}`);
  return `function* main(sys) {\n${body.join('\n')}\n}\n`;
}

/**
 * The shell line that starts it with caps of the shell's own, under the names the source uses: mostly copies, a
 * client facet of what can have one, rarely a move (never of what the shell needs to go on: its terminal and
 * spawner). No relabeling here: the shell's own tries are the shell adversary's; these are the program's.
 */
export function runLine(r: Rng, name: string, shellCaps: readonly { name: string; kind: string }[]): string {
  const usable = shellCaps.filter((c) => c.kind !== 'process');
  const pool = usable.length ? usable : shellCaps;
  const grants = GRANT_NAMES.slice(0, 1 + r.int(GRANT_NAMES.length)).map((g) => {
    const cap = r.pick(pool);
    const facet = cap.kind === 'endpoint' || cap.kind === 'client';
    const roll = r.next();
    const spec =
      facet && roll < 0.45
        ? `client @${cap.name}`
        : roll > 0.9 && cap.name !== 'stdio' && cap.kind !== 'spawner'
          ? `move @${cap.name}`
          : `@${cap.name}`;
    return `${g}: ${spec}`;
  });
  // Half the time a spawner too: a program spawns through the cap it holds as "spawner" (relabels, fork bombs).
  const spawner = shellCaps.find((c) => c.kind === 'spawner');
  if (spawner && r.next() < 0.5) grants.push(`spawner: @${spawner.name}`);
  return `spawn "${name}" with { ${grants.join(', ')} }`;
}
