import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import defaultScenario from '../../content/scenarios/default.json';
import { KernelHost } from '../host';
import { loadScenario } from '../scenario/load';
import type { LedgerEntry } from '../sab/layout';
import { runFiber } from '../scheduler/fibers';
import { ENGINE_VERSION, loadEngine } from './engine';
import { liveUserPrograms, parseSyscall, USER_LIMITS, userBody } from './user';

beforeAll(() => loadEngine());

/** The default world with these user programs in it. */
let baseline = 0;
beforeEach(() => {
  baseline = liveUserPrograms(); // runtimes of earlier tests' worlds are freed when those are collected
});
/** Runtimes held by this test's programs. */
const held = () => liveUserPrograms() - baseline;

function world(programs: Record<string, string>): KernelHost {
  const h = new KernelHost(undefined, false);
  for (const [name, source] of Object.entries(programs)) h.kernel.userPrograms.set(name, { name, source, summary: `test ${name}` });
  return h;
}
const IO = 'with { stdio: client @stdio }';
/** Run a shell line, let the world go `ms`, and give what the terminal printed after it and the ledger's exits. */
function run(h: KernelHost, line: string, ms = 1000) {
  const before = h.kernel.console.length;
  const r = h.exec(line);
  h.kernel.step(ms);
  const printed = [...r.lines.map((l) => l.text), ...h.kernel.console.slice(before).map((c) => c.text)];
  return { printed, exits: records(h, 'exit') };
}
const records = (h: KernelHost, kind: string): LedgerEntry[] => h.kernel.ledger.page(1, 1e6).filter((e) => e.kind === kind);
/** The exit record of the last process named `name`. */
const exitOf = (h: KernelHost, name: string) => records(h, 'exit').findLast((e) => e.detail.startsWith(`${name} (`))?.detail;

describe('user programs: the ABI', () => {
  it('call, tick, random and cap work; main returning exits 0', () => {
    const h = world({
      hello: `function* main(sys) {
        const w = yield sys.call('stdio', 'write', ['hi from ' + sys.name + ' argv=' + sys.argv.join(',')]);
        const t = yield sys.tick();
        yield sys.call('stdio', 'write', ['wrote=' + w.value + ' t=' + typeof t.value + ' r=' + typeof sys.random(6) + ' cap=' + JSON.stringify(sys.cap('stdio')) + ' none=' + sys.cap('vault')]);
      }`,
    });
    const { printed } = run(h, `run "hello a b" ${IO}`);
    expect(printed.join('\n')).toContain('hi from hello argv=a,b');
    expect(printed.join('\n')).toContain('wrote=true t=number r=number cap={"kind":"client","iface":""} none=null');
    expect(exitOf(h, 'hello')).toMatch(/exited with code 0$/);
    expect(held()).toBe(0);
  });

  it('caps lists its own cap table, by name, kind and interface, in slot order — and looking grants nothing', () => {
    const h = world({
      lister: `function* main(sys) {
        const mine = sys.caps();
        mine.push({ name: 'vault', kind: 'client', iface: 'Records' }); // a copy: editing it changes nothing
        yield sys.call('stdio', 'write', [JSON.stringify(sys.caps())]);
        const r = yield sys.call('vault', 'read', ['secrets']);
        yield sys.call('stdio', 'write', [r.code]);
      }`,
    });
    const { printed } = run(h, 'run "lister" with { stdio: client @stdio, chat: @chat_participant }');
    expect(printed).toContain('[{"name":"stdio","kind":"client","iface":""},{"name":"chat","kind":"object","iface":"ChatParticipant"}]');
    expect(printed).toContain('ENOCAP');
    expect(exitOf(h, 'lister')).toMatch(/code 0$/);
  });

  it('a refusal is a result the program reads: a cap it does not hold', () => {
    const h = world({
      probe: `function* main(sys) {
        const r = yield sys.call('vault', 'read', ['secrets']);
        yield sys.call('stdio', 'write', [r.ok ? 'read it' : r.code + ': ' + r.error]);
      }`,
    });
    const { printed } = run(h, `run "probe" ${IO}`);
    expect(printed.some((l) => l.startsWith('ENOCAP'))).toBe(true);
    expect(exitOf(h, 'probe')).toMatch(/code 0$/);
  });

  it('each syscall is charged its verb like a built-in fiber: SEND for a call, TICK for the timer', () => {
    const h = world({ two: `function* main(sys) { yield sys.call('stdio', 'write', ['x']); yield sys.tick(); yield sys.wait(); }` });
    const k = h.kernel;
    const shell = [...k.processes.values()].find((p) => p.program === 'shell')!;
    const p = k.spawn(shell.pid, 'two', { grants: [{ name: 'stdio', cap: shell.cnode.lookup('stdio').cap }] });
    const before = p.spent;
    runFiber(k, p);
    expect(p.spent - before).toBe(5 + 1); // SEND 5 J, TICK 1 J (energy/kinetic.ts)
    expect(p.state).toBe('blocked');
  });

  it('a program freezes at a syscall it cannot pay for, and goes on after its refill', () => {
    const h = world({ spin: `function* main(sys) { for (;;) yield sys.tick(); }` });
    const k = h.kernel;
    const shell = [...k.processes.values()].find((p) => p.program === 'shell')!;
    const p = k.spawn(shell.pid, 'spin');
    runFiber(k, p, 100_000);
    expect(p.state).toBe('frozen');
    const spent = p.spent;
    k.step(2000);
    expect(p.spent).toBeGreaterThan(spent);
    k.kill(0, p.pid);
    expect(held()).toBe(0);
  });

  it('spawn needs a spawner; a program that spawns itself is bounded like any fork bomb', () => {
    const h = world({
      self: `function* main(sys) { for (;;) { const r = yield sys.spawn('self', { grants: { spawner: '@spawner' } }); if (!r.ok) { yield sys.sleep(5); } } }`,
      lonely: `function* main(sys) { const r = yield sys.spawn('self'); yield sys.call('stdio', 'write', [r.code]); }`,
    });
    expect(run(h, `run "lonely" ${IO}`).printed.join('\n')).toContain('EPERM');
    run(h, 'spawn "self" with { spawner: @spawner }', 3000);
    const k = h.kernel;
    const selves = [...k.processes.values()].filter((p) => p.program === 'self').length;
    expect(selves).toBeGreaterThan(1);
    expect(held()).toBeLessThanOrEqual(USER_LIMITS.live);
    // The world still runs: the shell answers and time moves.
    const t = k.time;
    expect(h.exec('ps').lines.length).toBeGreaterThan(0);
    k.step(100);
    expect(k.time).toBe(t + 100);
  });
});

describe('user programs: the sandbox holds nothing of the host', () => {
  const probe = (expr: string) =>
    `function* main(sys) { let out; try { out = String(${expr}); } catch (e) { out = 'threw ' + e.name + ': ' + e.message; } yield sys.call('stdio', 'write', [out]); }`;
  it.each([
    ['typeof Date', 'undefined'],
    ['typeof WeakRef', 'undefined'],
    ['typeof FinalizationRegistry', 'undefined'],
    ['typeof SharedArrayBuffer', 'undefined'],
    ['typeof Atomics', 'undefined'],
    ['typeof console', 'undefined'],
    ['typeof setTimeout', 'undefined'],
    ['typeof Worker', 'undefined'],
    ['typeof postMessage', 'undefined'],
    ['typeof fetch', 'undefined'],
    ['typeof process', 'undefined'],
    ['typeof require', 'undefined'],
    ['typeof __host', 'undefined'],
    ['typeof std + typeof os', 'undefinedundefined'],
    ['Math.random()', 'threw TypeError: Math.random is not available: use sys.random(n)'],
    ['Object.keys(Function("return this")()).join()', 'main'], // the global holds only what the program defined
    ['eval("typeof self + typeof globalThis.navigator")', 'undefinedundefined'],
  ])('%s → %s', (expr, expected) => {
    const h = world({ probe: probe(expr) });
    expect(run(h, `run "probe" ${IO}`).printed).toContain(expected); // the whole line;
  });

  it('import() finds no modules (the promise never settles: pending jobs are never run) and the program goes on', () => {
    const h = world({
      imp: `function* main(sys) { let r = 'none'; import('std').then(() => { r = 'loaded'; }, (e) => { r = 'refused'; }); yield sys.tick(); yield sys.call('stdio', 'write', ['import: ' + r]); }`,
    });
    expect(run(h, `run "imp" ${IO}`).printed).toContain('import: none');
  });

  it('one program cannot see another’s state: each has its own runtime', () => {
    const h = world({
      a: `globalThis.shared = 'from a'; Object.prototype.polluted = 1; function* main(sys) { yield sys.sleep(500); }`,
      b: `function* main(sys) { yield sys.call('stdio', 'write', ['b sees ' + typeof shared + ' ' + typeof ({}).polluted]); }`,
    });
    run(h, 'spawn "a"', 10);
    expect(run(h, `run "b" ${IO}`).printed).toContain('b sees undefined undefined');
  });

  it('prototype tampering hurts only the program: the kernel still reads its syscalls strictly', () => {
    const h = world({
      tamper: `JSON.stringify = () => 'garbage'; Array.prototype.toJSON = function () { return 'x'; }; String.prototype.replace = null;
      function* main(sys) { const r = yield sys.call('stdio', 'write', ['still works']); yield { op: 'sleep', ms: 1 }; }`,
    });
    const { printed } = run(h, `run "tamper" ${IO}`);
    // Array.prototype.toJSON turned args into "x": the kernel refuses the syscall by name
    expect(exitOf(h, 'tamper')).toContain('bad syscall: call(cap, method, args): args must be a list');
    expect(printed.join('\n')).toContain('bad syscall');
  });
});

describe('user programs: hostile code ends clearly, the world keeps running', () => {
  const cases: [string, string, RegExp][] = [
    [
      'loop',
      'function* main(sys) { for (;;) {} }',
      /code 137: killed: computed past its budget between syscalls \(200 × 10,000 engine ticks\) at loop\.js:1:/,
    ],
    ['toplevel', 'for (;;) {} function* main() {}', /code 137: killed: computed past its budget/],
    ['finally', 'function* main(sys) { try { for (;;) {} } finally { for (;;) {} } }', /code 137: killed: computed past its budget/],
    ['caught', 'function* main(sys) { for (;;) { try { for (;;) {} } catch (e) {} } }', /code 137: killed: computed past its budget/],
    [
      'recurse',
      'function f(n) { return f(n + 1) + 1; } function* main(sys) { f(0); }',
      /code 134: uncaught (RangeError|InternalError): stack overflow/,
    ],

    // fill is ours, in JS, so its loop is counted (the engine's C fill ran 7 s near the memory cap, uncounted)
    [
      'fill',
      'function* main(sys) { const a = []; for (;;) a.push(new Array(100000).fill(1)); }',
      /code 137: (killed: computed past its budget|ENOMEM)/,
    ],
    [
      'alloc', // many small allocations
      'function* main(sys) { const a = []; for (let i = 0; ; i++) a.push({ i }); }',
      /code 137: ENOMEM: past its memory cap of 16 MiB/,
    ],
    [
      // a few big blocks: the cap is byte-true (QuickJS's own counted each block as 8 bytes, so this passed it)
      'bigblocks',
      "function* main(sys) { const k = []; for (;;) { k.push('x'.repeat(1 << 20) + k.length); yield sys.tick(); } }",
      /code 137: ENOMEM: past its memory cap of 16 MiB/,
    ],
    ['buffers', 'function* main(sys) { const k = []; for (;;) k.push(new ArrayBuffer(1 << 20)); }', /code 137: ENOMEM/],
    // built-ins that loop in C do not tick the op counter: uncharged, each of these ran 10–75 s on a few ticks
    ['indexof', 'function* main(sys) { const a = new Array(1e6); for (;;) a.indexOf(1); }', /code 137: killed: computed past its budget/],
    // a search compares its needle at each place: a long needle makes one call superlinear (minutes, uncharged)
    [
      'needle',
      "function* main(sys) { let h = 'a'; for (let i = 0; i < 20; i++) h += h; let n = 'a'; for (let i = 0; i < 16; i++) n += n; h.indexOf(n + 'b'); }",
      /code 137: killed: computed past its budget/,
    ],
    [
      'needles',
      "function* main(sys) { let a = 'a'; for (let i = 0; i < 20; i++) a += a; const b = a + 'y'; a += 'x'; new Array(400000).fill(a).indexOf(b); }",
      /code 137: killed: computed past its budget/,
    ],
    [
      'includes',
      "function* main(sys) { const s = 'a'.repeat(4 << 20); for (;;) { try { s.includes('b'); } catch (e) {} } }",
      /code 137: killed: computed past its budget/,
    ],
    [
      'replaceall',
      "function* main(sys) { const s = 'ab'.repeat(1 << 16); for (;;) s.replaceAll('a', 'b'); }",
      /code 137: killed: computed past its budget/,
    ],
    // found by review: generic methods on array-likes, String objects, unlisted built-ins, catching the charge
    [
      'arraylike',
      'function* main(sys) { for (;;) Array.prototype.indexOf.call({ length: 3e7 }, 1); }',
      /code 137: killed: computed past its budget/,
    ],
    [
      'stringobj',
      "function* main(sys) { const s = new String('a'.repeat(1 << 20)); for (;;) String.prototype.indexOf.call(s, 'b'); }",
      /code 137: killed: computed past its budget/,
    ],
    [
      'frozen',
      'function* main(sys) { const a = Object.freeze(new Array(60000).fill(0)); for (;;) Object.isFrozen(a); }',
      /code 137: killed/,
    ],
    ['spread', 'function* main(sys) { const a = new Array(60000).fill(1); for (;;) Math.max.apply(null, a); }', /code 137: killed/],
    ['uri', "function* main(sys) { const s = 'a'.repeat(500000); for (;;) encodeURIComponent(s); }", /code 137: killed/],
    [
      'catchcharge',
      "function* main(sys) { let n = 0; for (let i = 0; i < 3000; i++) { try { n += 'ab'.repeat(1500000).length; } catch (e) {} } yield sys.call('stdio', 'write', [String(n)]); }",
      /code 137: killed: computed past its budget/,
    ],
    ['hostcalls', "function* main(sys) { for (let i = 0; i < 9e5; i++) sys.cap('stdio'); }", /code 137: killed: computed past its budget/],
    ['caplists', 'function* main(sys) { for (let i = 0; i < 9e5; i++) sys.caps(); }', /code 137: killed: computed past its budget/],
    [
      'negative', // a Proxy claiming a negative length cannot pay the charges off in advance
      "function* main(sys) { const p = new Proxy([], { get: (t, k) => (k === 'length' ? -1e15 : t[k]) }); [].concat(p); const s = 'a'.repeat(1 << 20); for (;;) s.includes('b'); }",
      /code 137: killed: computed past its budget/,
    ],
    [
      'typed',
      'function* main(sys) { const a = new Uint8Array(1 << 20); for (;;) a.lastIndexOf(1); }',
      /code 137: killed: computed past its budget/,
    ],
    [
      'bigstring', // concatenation makes ropes: the engine's string length limit comes first
      "function* main(sys) { let s = 'x'; for (;;) s += s; }",
      /code 134: uncaught InternalError: string too long/,
    ],
    [
      'bigsplit', // …and built-ins that loop in C are charged per element: splitting 32M characters is past the budget
      "function* main(sys) { let s = 'xy'; for (let i = 0; i < 24; i++) s += s; s.split(''); }",
      /code 137: killed: computed past its budget .* at bigsplit\.js:1:/,
    ],
    [
      'throws',
      'function* main(sys) {\n  yield sys.tick();\n  null.x;\n}',
      /code 134: uncaught TypeError: cannot read property 'x' of null at throws\.js:3:/,
    ],
    ['syntax', 'function* main(sys) { yield ) }', /code 134: uncaught SyntaxError: .* at syntax\.js:1:/],
    ['nomain', 'const x = 1;', /code 134: uncaught TypeError: a program defines function\* main\(sys\)/],
    ['notgen', 'function main(sys) { return 1; }', /code 134: uncaught TypeError: main must be a generator/],
    [
      'verdict',
      "function* main(sys) { yield { op: 'verdict', outcome: 'held', text: 'I say so' }; }",
      /code 134: bad syscall: verdict is the kernel’s to say/,
    ],
    ['garbage', "function* main(sys) { yield 'rm -rf /'; }", /code 134: bad syscall: it yielded "rm -rf \/", not a syscall/],
    ['undef', 'function* main(sys) { yield; }', /code 134: bad syscall: it yielded "undefined", not a syscall/],
    ['badop', "function* main(sys) { yield { op: 'reboot' }; }", /code 134: bad syscall: unknown op "reboot"/],
    [
      'badcap',
      "function* main(sys) { yield sys.call({ toString() { return 'stdio'; } }, 'write', []); }",
      /bad syscall: call\(cap, …\): cap must be a name/,
    ],
    [
      'badargs',
      "function* main(sys) { yield sys.call('stdio', 'write', 'hello'); }",
      /bad syscall: call\(cap, method, args\): args must be a list/,
    ],
    ['badms', 'function* main(sys) { yield sys.sleep(NaN); }', /bad syscall: sleep\(ms\) must be an integer 0–3600000, got null/],
    [
      'badgrant',
      "function* main(sys) { yield sys.spawn('idle', { grants: { x: 'everything' } }); }",
      /bad syscall: spawn: grant "x" is "@cap"/,
    ],
    [
      'badgemove',
      "function* main(sys) { yield sys.spawn('idle', { grants: { x: 'move @stdio badge 200' } }); }",
      /bad syscall: spawn: grant "x": only a client facet takes a badge/,
    ],
    ['badpledge', "function* main(sys) { yield sys.pledge('root'); }", /bad syscall: pledge\(promises\): "root" is not a promise/],
    ['bigint', "function* main(sys) { yield sys.call('stdio', 'write', [1n]); }", /code 134: uncaught TypeError: .*BigInt/i],
    [
      'escape',
      "function* main(sys) { throw new Error('\\u001b]52;c;aGk=\\u0007\\u001b[2Jhi'); }",
      /code 134: uncaught Error: hi at escape\.js/,
    ],
  ];
  it.each(cases)('%s', (name, source, expected) => {
    const h = world({ [name]: source });
    const { printed } = run(h, `run "${name}" ${IO}`, 200);
    const exit = exitOf(h, name);
    expect(exit).toMatch(expected);
    expect(printed.join('\n')).toContain(exit!.replace(/^.*?exited with/, 'exited with')); // and in the terminal
    expect(held()).toBe(0); // its runtime was disposed (quickjs-emscripten asserts on leaked handles)
    // the world keeps running
    const t = h.kernel.time;
    h.kernel.step(50);
    expect(h.kernel.time).toBe(t + 50);
    expect(h.exec('ps').lines.length).toBeGreaterThan(0);
  });

  it('the memory cap is byte-true: a program holds at most its instance’s memory in big strings, then gets ENOMEM', () => {
    const h = world({
      hoard: `function* main(sys) {
        const k = [];
        try { for (;;) { k.push('x'.repeat(1 << 20) + k.length); yield sys.tick(); } } catch (e) { yield sys.call('stdio', 'write', ['held ' + k.length + ' MiB: ' + e]); }
      }`,
    });
    const { printed } = run(h, `run "hoard" ${IO}`);
    const held = Number(/held (\d+) MiB: InternalError: out of memory/.exec(printed.join('\n'))?.[1]);
    expect(held).toBeGreaterThanOrEqual(8); // room for real work…
    expect(held).toBeLessThan(USER_LIMITS.memoryBytes >> 20); // …and never more than the cap (the engine's own data is in it)
    expect(exitOf(h, 'hoard')).toMatch(/exited with code 0$/); // it caught the error and went on
  });

  it('a runaway program is cut at the same point on every run', () => {
    const src = `function* main(sys) { let i = 0; try { for (;;) { i++; if (i % 1000 === 0) globalThis.n = i; } } finally {} }`;
    const count = () => {
      const h = world({ spin: `${src.replace('finally {}', 'finally { }')}` });
      const k = h.kernel;
      const shell = [...k.processes.values()].find((p) => p.program === 'shell')!;
      const p = k.spawn(shell.pid, 'spin');
      runFiber(k, p);
      return k.ledger.page(1, 1e6).map((e) => `${e.kind} ${e.detail}`);
    };
    expect(count()).toEqual(count());
    // and through the ledger bytes of a whole session below
  });

  it('a spawned (background) program’s fault shows in the terminal too', () => {
    const h = world({ bg: "function* main(sys) { yield sys.sleep(10); throw new RangeError('nope'); }" });
    const { printed } = run(h, 'spawn "bg"', 100);
    expect(printed.some((l) => /\[bg \(pid \d+\) uncaught RangeError: nope at bg\.js:1:\d+\]/.test(l))).toBe(true);
  });

  it('a program killed from outside (Ctrl-C, kill) releases its runtime', () => {
    const h = world({ sleeper: 'function* main(sys) { for (;;) yield sys.sleep(100); }' });
    run(h, 'spawn "sleeper"', 300);
    expect(held()).toBe(1);
    const pid = [...h.kernel.processes.values()].find((p) => p.program === 'sleeper')!.pid;
    h.kernel.kill(0, pid);
    expect(held()).toBe(0);
  });
});

describe('user programs: a world the host drops releases their engines at once, not when it is collected', () => {
  it('time travel scrubs, back to live, a new boot', async () => {
    const h = new KernelHost(undefined, false);
    expect(h.defineProgram({ name: 'sleeper', source: 'function* main(sys) { for (;;) yield sys.sleep(100); }', summary: 's' }).ok).toBe(
      true,
    );
    h.exec('spawn "sleeper"');
    h.exec('spawn "sleeper"');
    h.kernel.step(300);
    expect(held()).toBe(2);
    const end = h.kernel.ledger.length;
    for (const seq of [end - 1, end - 2, end - 1]) {
      await h.travel(seq);
      expect(held()).toBeLessThanOrEqual(4); // the live world's two, and the past shown (the marking pass's are gone)
    }
    h.travelEnd();
    expect(held()).toBe(2);
    h.boot();
    expect(held()).toBe(0);
  });
});

describe('user programs: an attack the kernel refuses, and wins with the defense off (Gate 0)', () => {
  const THIEF = `function* main(sys) {
    // Holding only a client facet of chat (badge 42, "shell"), try to start a child that speaks as bob (badge 200).
    const r = yield sys.spawn('chat-client', { name: 'impostor', grants: { chat: 'client @chat badge 200' }, argv: ['stay'] });
    yield sys.call('stdio', 'write', [r.ok ? 'thief: impostor started' : 'thief: refused: ' + r.code]);
  }`;
  const attack = (gate0: boolean) => {
    const h = world({ thief: THIEF });
    h.kernel.setDefense('gate0', gate0, 0);
    const { printed } = run(h, `run "thief" with { stdio: client @stdio, chat: client @chat, spawner: @spawner }`, 3000);
    return { printed, h };
  };
  it('with Gate 0 on: refused, and the denial is ledgered', () => {
    const { printed, h } = attack(true);
    expect(printed.join('\n')).toContain('thief: refused: EGATE0');
    expect(records(h, 'deny').some((e) => e.detail.includes('badge'))).toBe(true);
    expect(h.kernel.ledger.page(1, 1e6).some((e) => e.detail.includes('hello from bob'))).toBe(false);
  });
  it('with Gate 0 off: the impostor holds badge 200 and speaks as bob', () => {
    const { printed, h } = attack(false);
    expect(printed.join('\n')).toContain('thief: impostor started');
    const impostor = [...h.kernel.processes.values()].find((p) => p.name === 'impostor');
    expect(impostor).toBeDefined();
    expect(impostor!.cnode.lookup('chat').cap.badge).toBe(200);
  });
});

describe('user programs: strings cross the sandbox exactly', () => {
  it('a NUL or a lone surrogate survives both ways (the engine passes C strings in UTF-8: these go as JSON)', () => {
    const echo = `function* main(sys) { let r = yield sys.tick(); for (;;) r = yield sys.call('stdio', 'write', [r.value, r.value.length]); }`;
    const f = userBody({ name: 'u', summary: 's', source: echo })({
      pid: 1,
      name: 'u',
      args: {},
      argv: [],
      random: () => 0,
      cap: () => null,
      caps: () => [],
    });
    f.next();
    for (const v of ['a\u0000b', '\u0000', '\ud800x', 'x\udc00', '\udc00\ud800', '😀é', 'plain']) {
      const y = f.next({ ok: true, value: v }).value;
      expect(y).toEqual({ op: 'call', cap: 'stdio', method: 'write', args: [v, v.length] });
    }
    f.return(undefined);
  });
});

describe('parseSyscall', () => {
  it('reads the shapes sys makes and names what is wrong', () => {
    expect(parseSyscall('{"op":"call","cap":"chat","method":"send","args":["#l","hi"],"as":"reply"}')).toEqual({
      op: 'call',
      cap: 'chat',
      method: 'send',
      args: ['#l', 'hi'],
      as: 'reply',
    });
    expect(parseSyscall('{"op":"unveil","entries":[{"path":"/home","perms":"rw"}]}')).toEqual({
      op: 'unveil',
      entries: [{ path: '/home', perms: 3 }],
    });
    expect(() => parseSyscall(`{"op":"call","cap":"a","method":"b","args":["${'x'.repeat(70_000)}"]}`)).toThrow(/at most 65536/);
    expect(() => parseSyscall('{"op":"call","cap":"__proto__ is not a name","method":"x","args":[]}')).toThrow(/cap must be a name/);
  });
});

describe('user programs live in the scenario file, and replay byte for byte', () => {
  const THIEF = `function* main(sys) {
    for (let i = 0; i < 5; i++) {
      const r = yield sys.call('fs', 'read', ['/vault/secrets']);
      yield sys.call('stdio', 'write', ['thief ' + i + ': ' + (r.ok ? 'GOT ' + r.value : r.code) + ' roll ' + sys.random(100)]);
      yield sys.sleep(50 + sys.random(50));
    }
    let n = 0;
    for (;;) n++; // and then it runs away: cut at the same op every time
  }`;
  const scenario = () => {
    const s = JSON.parse(JSON.stringify(defaultScenario));
    s.engine = ENGINE_VERSION;
    s.programs = { thief: { source: THIEF, summary: 'reads the vault, then spins' } };
    return s;
  };
  const session = async () => {
    const h = new KernelHost(undefined, false);
    const r = h.boot(JSON.stringify(scenario()));
    expect(r.ok).toBe(true);
    h.exec('spawn "thief" with { stdio: client @stdio, fs: @fs }');
    h.advance(1500);
    h.exec('spawn "thief" with { stdio: client @stdio }');
    h.advance(1500);
    return h;
  };
  const bytes = (h: KernelHost) => h.kernel.ledger.exportJsonl();

  it('help lists them as user programs; a scenario process may run one', () => {
    const h = new KernelHost(undefined, false);
    const s = scenario();
    s.processes.push({ name: 'booted-thief', program: 'thief', parent: 'init' });
    expect(h.boot(JSON.stringify(s))).toMatchObject({ ok: true });
    expect(
      h
        .exec('help')
        .lines.map((l) => l.text)
        .join('\n'),
    ).toMatch(/thief\s+\(user program\) reads the vault, then spins/);
    expect(h.complete('run "th', 7)).toEqual({ from: 4, candidates: ['"thief"'] }); // Tab completes its name too
    expect(h.complete('spawn "', 7).candidates).toEqual(expect.arrayContaining(['"thief"', '"cat"']));
    h.kernel.step(1000); // it holds nothing: five refusals, then its runaway loop is cut
    expect(exitOf(h, 'booted-thief')).toMatch(/code 137: killed: computed past its budget/);
  });

  it('bad programs sections are refused, naming where', () => {
    const errors = (mutate: (s: ReturnType<typeof scenario>) => void) => {
      const s = scenario();
      mutate(s);
      const r = loadScenario(s);
      return r.ok ? [] : r.errors;
    };
    expect(errors((s) => (s.programs = { cat: { source: 'x', summary: 'mine' } }))).toEqual([
      'programs.cat: is a built-in program: a user program may not shadow it',
    ]);
    expect(errors((s) => (s.programs.thief.source = 'x'.repeat(70_000)))[0]).toMatch(
      /^programs\.thief\.source: a program's source is at most 65536/,
    );
    expect(errors((s) => (s.programs = { 'Bad Name': { source: 'x', summary: 's' } }))[0]).toMatch(
      /^programs\.Bad Name: a program name is lowercase/,
    );
    expect(errors((s) => delete s.engine)).toEqual([
      `engine: a file with programs names the engine they were written for: "engine": "${ENGINE_VERSION}"`,
    ]);
    expect(errors((s) => (s.engine = 'quickjs-emscripten@0.31.0'))[0]).toMatch(
      /^engine: this build runs user programs on quickjs-emscripten@0\.32\.0/,
    );
    expect(errors((s) => s.processes.push({ name: 'x', program: 'nope', parent: 'init' }))[0]).toMatch(
      /processes\[\d+\]\.program: unknown program "nope"/,
    );
    expect(errors((s) => (s.programs.thief.summary = 'evil\u001b[2J')).length).toBe(1);
    expect(errors((s) => (s.programs.thief.run = 'run "thief"\nclock off'))).toEqual([
      'programs.thief.run: the run line is one shell line',
    ]);
    expect(errors((s) => (s.programs.thief.run = 'run "thief" with { stdio: @stdio }'))).toEqual([]);
    expect(errors((s) => (s.programs.thief.run = 'spawn "thief a b" with { stdio: @stdio }'))).toEqual([]);
    // Run types it with the experimenter's hand: it may only start the program itself
    expect(errors((s) => (s.programs.thief.run = 'defense gate0 off'))[0]).toMatch(
      /^programs\.thief\.run: the run line starts the program itself: run "thief …"/,
    );
    expect(errors((s) => (s.programs.thief.run = 'run "cat" with { fs: @fs }')).length).toBe(1);
    expect(errors((s) => (s.programs.thief.run = 'run "thieves"')).length).toBe(1);
  });

  it('the same scenario, seed and command log give the same ledger bytes; a restore replays them', async () => {
    const a = await session();
    const b = await session();
    expect(exitOf(a, 'thief')).toMatch(/code 137: killed: computed past its budget/);
    expect(a.kernel.console.map((c) => c.text).join('\n')).toMatch(/thief 0: EABORT|thief 0: GOT|thief 0: E/);
    expect(bytes(a)).toBe(bytes(b));
    const replayed = new KernelHost(undefined, false);
    await replayed.restore(a.session());
    expect(bytes(replayed)).toBe(bytes(a));
  });
});
