/**
 * The `sys` API a user program sees (src/kernel/programs/user.ts builds it; README "User programs" lists it):
 * one table, read by the editor's completions and its hover tooltips alike, so the two never disagree.
 */
export interface SysEntry {
  name: string;
  /** How it is called, as the completion's detail shows it. */
  signature: string;
  /** One or two sentences: what it does and what it gives back. */
  doc: string;
  /** A syscall (yield it: charged its verb) rather than a free, synchronous read. */
  syscall: boolean;
}

const RESULT =
  'Yield it: evaluates to { ok: true, value, caps } or { ok: false, code, error } (a refusal is a result, never an exception).';

export const SYS_API: readonly SysEntry[] = [
  {
    name: 'call',
    signature: 'sys.call(cap, method, args, { caps, as })',
    doc: `CALL a service through a cap you hold, by its name (e.g. 'stdio', 'write', ['hi']); \`caps\` passes caps along, \`as\` names a cap the reply carries. ${RESULT}`,
    syscall: true,
  },
  {
    name: 'spawn',
    signature: "sys.spawn(program, { name, grants: { child: '@cap' | 'move @cap' | 'client @cap' }, argv })",
    doc: `Start a child running \`program\` (a built-in or a user program), holding exactly the grants named, drawn from your caps (needs a spawner cap). ${RESULT}`,
    syscall: true,
  },
  { name: 'sleep', signature: 'sys.sleep(ms)', doc: `Wait ms of virtual time. ${RESULT}`, syscall: true },
  {
    name: 'tick',
    signature: 'sys.tick()',
    doc: `Read the timer, a syscall charged TICK: value is the virtual time in ms. ${RESULT}`,
    syscall: true,
  },
  {
    name: 'wait',
    signature: 'sys.wait()',
    doc: `Block until the kernel wakes this process (a call arrives on an endpoint it serves, a child it waits on ends). ${RESULT}`,
    syscall: true,
  },
  {
    name: 'exit',
    signature: 'sys.exit(code)',
    doc: 'End this program with an exit code (returning from main exits 0). Yield it.',
    syscall: true,
  },
  {
    name: 'pledge',
    signature: "sys.pledge('stdio net', execpromises)",
    doc: `Narrow what this program may ever do (pledge promises), and optionally what its children may. It can only shrink. ${RESULT}`,
    syscall: true,
  },
  {
    name: 'unveil',
    signature: "sys.unveil([{ path, perms: 'rw' }] | 'lock')",
    doc: `Limit the paths this program sees, or lock the list so it can no longer grow. ${RESULT}`,
    syscall: true,
  },
  {
    name: 'random',
    signature: 'sys.random(n)',
    doc: "An integer in [0, n) from the kernel's seeded PRNG (the same on every replay). Synchronous, no energy; it counts 100 ticks of the compute budget between syscalls. Math.random is removed.",
    syscall: false,
  },
  {
    name: 'cap',
    signature: 'sys.cap(name)',
    doc: 'What you hold under a name ({ kind, iface }), or null. Synchronous, no energy; it counts 100 ticks of the compute budget.',
    syscall: false,
  },
  {
    name: 'caps',
    signature: 'sys.caps()',
    doc: 'Your own cap list: [{ name, kind, iface }, …] in slot order (a copy; looking grants nothing). Synchronous, no energy; 100 ticks of the compute budget.',
    syscall: false,
  },
  { name: 'pid', signature: 'sys.pid', doc: 'This process id.', syscall: false },
  { name: 'name', signature: 'sys.name', doc: 'This process name.', syscall: false },
  { name: 'argv', signature: 'sys.argv', doc: 'The words after the program name on the run line (a frozen array).', syscall: false },
  { name: 'args', signature: 'sys.args', doc: 'The named arguments it was started with (a frozen object).', syscall: false },
];

export const sysEntry = (name: string): SysEntry | undefined => SYS_API.find((e) => e.name === name);

/** What "New program" starts from: the shape every program has, and one syscall to change. */
export const PROGRAM_TEMPLATE = `// A user program: a generator; each \`yield sys.…(…)\` is one syscall, charged its verb.
// Hover sys.call (or type "sys.") for the API. Returning from main exits 0.
function* main(sys) {
  const r = yield sys.call('stdio', 'write', ['hello from ' + sys.name]);
  if (!r.ok) yield sys.exit(1);
}
`;
