/**
 * User programs: JavaScript that people write, run in the QuickJS sandbox (engine.ts), one engine instance
 * and runtime per process, so no program sees another's heap. A program defines a generator and yields what
 * its `sys` API returns:
 *
 *   function* main(sys) {
 *     const r = yield sys.call('chat', 'send', ['#lobby', 'hi']);   // r: { ok: true, value } | { ok: false, code, error }
 *     if (!r.ok) yield sys.exit(1);
 *   }
 *
 * `sys.call(…)` and the rest return the syscall as its JSON text (a program may also yield a plain object of the
 * same shape). The host resumes the generator inside QuickJS with each syscall's result and reads back the next
 * syscall as one string, checked here field by field: a malformed one ends the program with its reason (never a throw
 * into the kernel). The syscalls are the built-ins' ABI (abi.ts) less `verdict`: what happened is the kernel's
 * to say. Each is charged by the scheduler like any fiber's.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { sanitize } from '../../text/sanitize';
import { parsePromises } from '../sandbox/pledge';
import { parsePerms } from '../sandbox/unveil';
import type { Value } from '../services/service';
import type { Fiber, GrantSpec, ProgramContext, Syscall, SyscallResult } from './abi';
import { Backstop, LIMIT_MS, type Cut } from './backstop';
import { newEngine, type Engine } from './engine';
import { MEMORY_PAGES } from './instance';

/** A program as a scenario file gives it. */
export interface UserProgramDef {
  readonly name: string;
  readonly source: string;
  readonly summary: string;
  /** The shell line the Programs tab's Run types, when the file suggests one. */
  readonly run?: string;
}

/** The bounds every user program runs under (README, "User programs"). */
export const USER_LIMITS = {
  /**
   * The program's whole memory: its engine runs in a WebAssembly instance of its own whose linear memory is fixed
   * at this size (instance.ts), the engine's own data and stack included (about 10 MiB is left for the program's
   * values). It is byte-true: one big string counts its bytes. A malloc past it fails, and the program ends with
   * ENOMEM (or catches the out-of-memory error and goes on with what it has).
   */
  memoryBytes: MEMORY_PAGES << 16,
  /**
   * Engine stack; past it the program gets an InternalError ("stack overflow"), about 160 nested JS calls. Kept
   * this small because the engine's C frames also run on the worker's own stack: at 64 KiB a deep JSON.stringify
   * or parse could overflow the host's stack first (a host RangeError inside the engine, which then cannot be
   * freed cleanly).
   */
  stackBytes: 32 << 10,
  /**
   * Compute between two syscalls, in interrupt checks: QuickJS asks the interrupt handler once every 10,000 of
   * its op-counter ticks (branches and calls), so 200 is ~2 million ticks, the same count on every run.
   */
  interruptsPerStep: 200,
  /** One syscall's JSON text. */
  syscallChars: 64 << 10,
  /**
   * User programs alive at once in a world (each is an engine instance with its 16 MiB: at most 256 MiB a world);
   * the next spawn is refused (ECAPACITY).
   */
  live: 16,
} as const;

/** QuickJS asks its interrupt handler once per this many op-counter ticks (JS_INTERRUPT_COUNTER_INIT). */
const TICKS_PER_CHECK = 10_000;
/** What sys.random and sys.cap cost in ticks (a host round trip is ~10 µs, a tick well under one). */
const HOST_CALL_TICKS = 100;

/** How a user program ended when it was not its own doing: the exit code and the ledgered reason. */
export class ProgramFault extends Error {
  constructor(
    readonly code: number,
    readonly why: string,
  ) {
    super(why);
  }
}

let live = 0;
/** How many QuickJS runtimes are held now, in every world (tests check that ended programs released theirs). */
export const liveUserPrograms = () => live;

/**
 * A world dropped with programs still running (a time-travel replay, a restore, a test) frees their runtimes
 * when it is collected: nothing in a sandbox holds its world (the host functions reach it through a WeakRef).
 * Only memory depends on when that happens, never what a program sees.
 */
const dropped = new FinalizationRegistry<Sandbox>((box) => box.dispose());

/**
 * What the program sees, set up before its source runs: `sys` (frozen) and a global object with the engine's
 * non-deterministic or host-reaching parts removed. It evaluates to the host's step function, which is never
 * reachable from the program: `__host` is deleted before the program's source runs.
 */
const PRELUDE = String.raw`(function () {
  'use strict';
  const G = globalThis, host = G.__host;
  delete G.__host;
  for (const k of ['Date', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics', 'console', 'print', 'std', 'os', 'gc'])
    delete G[k];
  Math.random = function random() { throw new TypeError('Math.random is not available: use sys.random(n)'); };
  // Built-ins that loop in C (indexOf on a million elements, repeat, join…) do not tick the op counter: a program
  // calling one in a loop would stall the worker for minutes on a few thousand ticks. Each is charged one tick per
  // element or character it is given (and makes), paid to the host (host.charge) once 10,000 are owed; past the
  // budget the charge throws before the built-in runs, so only JS is left and the counter's check ends it.
  const stringify = JSON.stringify, parse = JSON.parse, freeze = Object.freeze; // the prelude's own: not charged
  const hostCharge = host.charge, isArray = Array.isArray, isView = ArrayBuffer.isView;
  const taLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length').get;
  const abLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
  const apply = Reflect.apply, defineProperty = Object.defineProperty, ownKeys = Reflect.ownKeys, getDesc = Object.getOwnPropertyDescriptor;
  let owed = 0;
  // A Proxy's length is the program's to say: never below 0 (a negative one would pay the debt off in advance).
  const count = (n) => { n = +n; return n > 0 ? n : 0; };
  const size = (v) => {
    if (typeof v === 'string') return v.length;
    if (typeof v !== 'object' || v === null) return 0;
    if (isView(v)) { try { return apply(taLength, v, []); } catch { return count(v.byteLength); } }
    try { return apply(abLength, v, []); } catch {}
    return count(v.length); // arrays, and array-likes ({ length: 3e7 }) that generic methods loop over
  };
  let spent = false; // once a charge failed, no metered built-in runs again this step (catching it buys nothing)
  const pay = (n) => {
    if (spent) { hostCharge(0); spent = false; } // throws while this step is past its budget; a new step has one
    owed += n;
    if (owed >= 10000) { const o = owed; owed = 0; try { hostCharge(o); } catch (e) { spent = true; throw e; } }
  };
  const toString = String;
  // scans: charged the size of what they are called on too ('string': a String method, whose receiver is made a
  // string first, so a String object or a toString() of a big one is charged what the native would read).
  const meter = (o, names, scans) => {
    for (const k of names) {
      const d = getDesc(o, k);
      if (k === 'constructor' || !d || typeof d.value !== 'function') continue;
      const native = d.value;
      const search = SEARCHES.includes(k);
      const f = { [k](...args) {
        const self = scans === 'string' && this != null && typeof this !== 'string' ? toString(this) : this;
        let n = scans ? size(self) : 0;
        for (let i = 0; i < args.length; i++) n += size(args[i]);
        // A search for a string compares it at each place (the engine's search is naive): n × m characters at
        // worst, a tick per 256 of them (about what a tick costs in compares), so a long needle cannot buy minutes.
        if (search && typeof args[0] === 'string') n += (size(self) * args[0].length) / 256;
        pay(n);
        const r = apply(native, self, args);
        pay(size(r));
        return r;
      } }[k];
      defineProperty(f, 'length', { value: native.length });
      defineProperty(o, k, { ...d, value: f });
    }
  };
  const SEARCHES = ['indexOf', 'lastIndexOf', 'includes', 'split', 'replace', 'replaceAll'];
  const TA = Object.getPrototypeOf(Uint8Array);
  const SCANS = ['indexOf', 'lastIndexOf', 'includes', 'join', 'toString', 'toLocaleString', 'reverse', 'toReversed', 'sort', 'toSorted', 'copyWithin', 'fill', 'splice', 'toSpliced', 'shift', 'unshift', 'concat', 'flat', 'with', 'set'];
  meter(Array.prototype, SCANS, true);
  meter(TA.prototype, SCANS, true);
  meter(String.prototype, ['indexOf', 'lastIndexOf', 'includes', 'startsWith', 'endsWith', 'split', 'replace', 'replaceAll', 'toLowerCase', 'toUpperCase', 'toLocaleLowerCase', 'toLocaleUpperCase', 'trim', 'trimStart', 'trimEnd', 'normalize', 'localeCompare', 'concat', 'match', 'matchAll', 'search', 'isWellFormed', 'toWellFormed', 'trimLeft', 'trimRight'], 'string');
  // These are charged what they are given and what they make, not the whole of what they are called on.
  meter(String.prototype, ['repeat', 'padStart', 'padEnd', 'slice', 'substring', 'substr', 'at'], false);
  meter(Object, ['freeze', 'seal', 'isFrozen', 'isSealed', 'preventExtensions', 'getOwnPropertyDescriptors', 'defineProperties'], false);
  meter(globalThis, ['parseFloat', 'parseInt', 'encodeURIComponent', 'encodeURI', 'decodeURIComponent', 'decodeURI', 'escape', 'unescape'], false);
  meter(Function.prototype, ['apply', 'call', 'bind'], false);
  meter(Math, ['max', 'min', 'hypot'], false);
  meter(Array.prototype, ['slice', 'flatMap'], false);
  meter(TA.prototype, ['slice', 'subarray'], false);
  meter(ArrayBuffer.prototype, ['slice'], false);
  meter(JSON, ['stringify', 'parse'], false);
  meter(Object, ['keys', 'values', 'entries', 'getOwnPropertyNames', 'getOwnPropertySymbols', 'assign', 'fromEntries'], false);
  meter(Reflect, ['ownKeys', 'apply', 'construct'], false);
  meter(Array, ['from', 'of'], false);
  meter(TA, ['from', 'of'], false);
  meter(String, ['fromCharCode', 'fromCodePoint', 'raw'], false);
  meter(RegExp.prototype, ownKeys(RegExp.prototype), true);
  const hostRandom = host.random, hostCap = host.cap, hostCaps = host.caps, init = parse(host.init);
  // Each syscall is its JSON text, built here so the host reads one string per step (stringify only where a
  // value needs it; undefined and functions become null, which the host names as a bad argument).
  const j = (v) => (v === undefined ? 'null' : String(stringify(v)));
  const opt = (o, key) => (o !== null && typeof o === 'object' && o[key] !== undefined ? ',"' + key + '":' + j(o[key]) : '');
  const sys = freeze({
    pid: init.pid,
    name: init.name,
    argv: freeze(init.argv),
    args: freeze(init.args),
    call: (cap, method, args, o) =>
      '{"op":"call","cap":' + j(cap) + ',"method":' + j(method) + ',"args":' + (args === undefined ? '[]' : j(args)) + opt(o, 'caps') + opt(o, 'as') + '}',
    spawn: (program, o) => '{"op":"spawn","program":' + j(program) + opt(o, 'name') + opt(o, 'grants') + opt(o, 'argv') + '}',
    sleep: (ms) => '{"op":"sleep","ms":' + j(ms) + '}',
    tick: () => '{"op":"tick"}',
    wait: () => '{"op":"wait"}',
    exit: (code) => '{"op":"exit","code":' + (code === undefined ? '0' : j(code)) + '}',
    pledge: (promises, execpromises) => '{"op":"pledge","promises":' + j(promises) + (execpromises === undefined ? '' : ',"execpromises":' + j(execpromises)) + '}',
    unveil: (entries) => '{"op":"unveil","entries":' + j(entries) + '}',
    random: (n) => hostRandom(n),
    cap: (name) => hostCap(name),
    caps: () => parse(hostCaps()),
  });
  let gen = null;
  return function step(kind, a, b) {
    let input;
    if (gen === null) {
      const main = G.main;
      if (typeof main !== 'function') throw new TypeError('a program defines function* main(sys) { … }');
      gen = main(sys);
      if (gen === null || typeof gen !== 'object' || typeof gen.next !== 'function')
        throw new TypeError('main must be a generator: function* main(sys) { … }');
    } else input = kind === 1 ? { ok: true } : kind === 2 ? { ok: true, value: a } : kind === 3 ? parse(a) : { ok: false, code: a, error: b };
    const r = gen.next(input);
    if (r.done) return '';
    const v = r.value;
    return typeof v === 'string' ? v : String(stringify(v));
  };
})()`;

/** A user program's body: its sandbox is made when it first runs and disposed however it ends. */
export function userBody(def: UserProgramDef): (ctx: ProgramContext) => Fiber {
  return (ctx) => userFiber(def, ctx);
}

function* userFiber(def: UserProgramDef, ctx: ProgramContext): Fiber {
  const box = new Sandbox(def, ctx);
  dropped.register(ctx, box, box);
  try {
    let call = box.start();
    while (call) call = box.step(yield call);
  } finally {
    dropped.unregister(box);
    box.dispose(); // on exit, on a fault, and when the kernel reaps it (Lifecycle.reap returns the fiber)
  }
}

class Sandbox {
  private readonly rt: QuickJSRuntime;
  private readonly vm: QuickJSContext;
  private readonly stepFn: QuickJSHandle;
  private readonly kinds: QuickJSHandle[];
  private readonly engine: Engine;
  private interrupts = 0;
  private refusedBefore = 0;
  private readonly pid: number;
  private readonly backstop: Backstop;
  /** Steps run so far (start is the first) and interrupt checks in this one: where the backstop cuts (backstop.ts). */
  private steps = 0;
  private checks = 0;
  /** A step is running (run()): only then is where it is published. */
  private running = false;
  /** The entry the log cuts this step at, if it does; else the wall-clock deadline of a live world. */
  private cutAt: number | undefined;
  private deadline = Infinity;
  /** This step was cut by the backstop: it ends the program, caught or not. */
  private cut: Cut | null = null;
  private disposed = false;
  /** A throw came out of the engine (hostFault): its state cannot be trusted to free, so it is left. */
  private broken = false;

  constructor(
    private readonly def: UserProgramDef,
    ctx: ProgramContext,
  ) {
    const engine = newEngine();
    if (typeof engine === 'string') throw new ProgramFault(127, engine);
    this.engine = engine;
    this.pid = ctx.pid;
    this.backstop = ctx.backstop ?? new Backstop();
    this.rt = engine.quickjs.newRuntime();
    live++;
    const handles: QuickJSHandle[] = [];
    try {
      this.rt.setMaxStackSize(USER_LIMITS.stackBytes);
      this.rt.setInterruptHandler(() => {
        const cut = this.enter();
        return ++this.interrupts > USER_LIMITS.interruptsPerStep || cut;
      });
      const vm = (this.vm = this.rt.newContext());
      const world = new WeakRef(ctx);
      this.kinds = [0, 1, 2, 3, 4].map((n) => vm.newNumber(n));
      const host = vm.newObject();
      handles.push(host);
      // A host call costs more than its one tick: each is charged HOST_CALL_TICKS, so a loop of them is cut too.
      const hostCall = () => {
        this.interrupts += HOST_CALL_TICKS / TICKS_PER_CHECK;
        if (this.interrupts > USER_LIMITS.interruptsPerStep) throw new RangeError('computed past its budget between syscalls');
      };
      const random = vm.newFunction('random', (h) => {
        hostCall();
        const n = vm.typeof(h) === 'number' ? vm.getNumber(h) : NaN;
        if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) throw new RangeError('sys.random(n) takes an integer n, 1 ≤ n ≤ 2^32');
        return vm.newNumber(world.deref()?.random(n) ?? 0);
      });
      const cap = vm.newFunction('cap', (h) => {
        hostCall();
        const found = vm.typeof(h) === 'string' ? (world.deref()?.cap(vm.getString(h)) ?? null) : null;
        if (!found) return vm.null;
        const o = vm.newObject();
        for (const [key, value] of Object.entries(found)) vm.newString(value).consume((s) => vm.setProp(o, key, s));
        return o;
      });
      // Its own cap list, as JSON text (the prelude parses it: one string crosses, not an object per cap).
      const caps = vm.newFunction('caps', () => {
        hostCall();
        return vm.newString(JSON.stringify(world.deref()?.caps() ?? []));
      });
      // What the prelude's metered built-ins owe, in op ticks; past the budget the built-in does not run.
      const charge = vm.newFunction('charge', (h) => {
        this.interrupts += (vm.typeof(h) === 'number' ? vm.getNumber(h) : 0) / TICKS_PER_CHECK;
        if (this.interrupts > USER_LIMITS.interruptsPerStep) throw new RangeError('computed past its budget between syscalls');
      });
      handles.push(random, cap, caps, charge);
      vm.setProp(host, 'random', random);
      vm.setProp(host, 'cap', cap);
      vm.setProp(host, 'caps', caps);
      vm.setProp(host, 'charge', charge);
      const init = JSON.stringify({ pid: ctx.pid, name: ctx.name, argv: ctx.argv, args: ctx.args });
      vm.newString(init).consume((s) => vm.setProp(host, 'init', s));
      vm.setProp(vm.global, '__host', host);
      this.stepFn = vm.unwrapResult(vm.evalCode(PRELUDE, '<sandbox>'));
    } catch (e) {
      for (const h of handles) if (h.alive) h.dispose();
      this.dispose();
      throw e instanceof ProgramFault
        ? e
        : new ProgramFault(134, `the sandbox could not start: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const h of handles) h.dispose();
  }

  /** Run the program's source, then main to its first syscall (null: it returned at once): its first step. */
  start(): Syscall | null {
    this.refusedBefore = this.engine.refused();
    try {
      return this.run([this.kinds[0]], [], this.def.source);
    } catch (e) {
      throw this.hostFault(e);
    }
  }

  /** Resume with a syscall's result; the next syscall, or null when main returned. */
  step(r: SyscallResult | undefined): Syscall | null {
    this.refusedBefore = this.engine.refused();
    try {
      return this.resume(r);
    } catch (e) {
      throw this.hostFault(e);
    }
  }

  private resume(r: SyscallResult | undefined): Syscall | null {
    const vm = this.vm;
    if (!r || (r.ok && r.value === undefined && !r.caps?.length)) return this.run([this.kinds[1]], []);
    // A string goes in as is unless it holds a NUL or a surrogate: the engine's strings cross as C strings (a NUL
    // would cut it short) in UTF-8 (a lone surrogate would become U+FFFD); JSON escapes both, so it goes as JSON.
    const plain = !r.ok || typeof r.value !== 'string' || !/[\0\ud800-\udfff]/.test(r.value);
    if (r.ok && !r.caps?.length && plain && (typeof r.value === 'string' || typeof r.value === 'number' || typeof r.value === 'boolean')) {
      const v =
        typeof r.value === 'string'
          ? vm.newString(r.value)
          : typeof r.value === 'number'
            ? vm.newNumber(r.value)
            : r.value
              ? vm.true
              : vm.false;
      return this.run([this.kinds[2], v], typeof r.value === 'boolean' ? [] : [v]);
    }
    if (r.ok) {
      const j = vm.newString(JSON.stringify(r));
      return this.run([this.kinds[3], j], [j]);
    }
    const code = vm.newString(r.code);
    const error = vm.newString(r.error);
    return this.run([this.kinds[4], code, error], [code, error]);
  }

  private run(args: QuickJSHandle[], owned: QuickJSHandle[], source?: string): Syscall | null {
    const vm = this.vm;
    const b = this.backstop;
    this.interrupts = 0;
    this.checks = 0;
    const step = ++this.steps;
    this.cutAt = b.logged(this.pid, step);
    this.deadline = this.cutAt === undefined && b.clock ? b.clock() + LIMIT_MS : Infinity;
    this.running = true;
    b.onProgress?.(this.pid, step, 0);
    try {
      if (this.cutAt === 0) {
        for (const h of owned) h.dispose();
        this.cut = { pid: this.pid, step, check: 0 };
        throw this.held();
      }
      if (source !== undefined) {
        const r = vm.evalCode(source, `${this.def.name}.js`, { type: 'global', strict: true });
        if (r.error) throw this.fault(r.error);
        r.value.dispose();
      }
      const res = vm.callFunction(this.stepFn, vm.undefined, ...args);
      for (const h of owned) h.dispose();
      if (res.error) throw this.fault(res.error);
      const text = vm.typeof(res.value) === 'string' ? vm.getString(res.value) : null;
      res.value.dispose();
      if (text === '') return null;
      return parseSyscall(text);
    } finally {
      this.running = false;
      b.onProgress?.(0, 0, 0);
    }
  }

  /**
   * An interrupt check: true if the backstop cuts the step here, where the log says or, live, once the step has
   * held the worker past its limit. Only here: an interrupt cannot be caught (an error thrown from sys.random
   * could, and the program would run on to its next check).
   */
  private enter(): boolean {
    if (!this.running) return false; // the prelude being set up: not a step
    const n = ++this.checks;
    const b = this.backstop;
    b.onProgress?.(this.pid, this.steps, n);
    if (this.cut) return true;
    if (n !== this.cutAt && !(this.deadline !== Infinity && b.clock!() > this.deadline)) return false;
    this.cut = { pid: this.pid, step: this.steps, check: n };
    if (n !== this.cutAt) {
      b.made.push(this.cut);
      b.onCut?.(this.cut);
    }
    return true;
  }

  private held(): ProgramFault {
    const c = this.cut!;
    return new ProgramFault(
      137,
      `killed: held the worker too long in one step (the wall-clock backstop cut its step ${c.step}${c.check ? ` at interrupt check ${c.check}` : ' before it ran'})`,
    );
  }

  /** Its memory ran out during this step (a malloc past the instance's memory failed). */
  private exhausted(): boolean {
    return this.engine.refused() > this.refusedBefore;
  }

  private enomem(): ProgramFault {
    return new ProgramFault(137, `ENOMEM: past its memory cap of ${USER_LIMITS.memoryBytes >> 20} MiB`);
  }

  /**
   * A throw out of the engine rather than a JS exception in it: the host's own stack overflowed inside it, or a
   * host allocation (a result handed in) found no memory left. Its state cannot be trusted, so it is left as is
   * (the whole instance goes when the program does).
   */
  private hostFault(e: unknown): ProgramFault {
    if (e instanceof ProgramFault) return e;
    this.broken = true;
    if (this.exhausted()) return this.enomem();
    const why = e instanceof Error ? e.message : String(e);
    return new ProgramFault(
      134,
      e instanceof RangeError ? `uncaught InternalError: stack overflow (in the engine: ${why})` : `the engine failed: ${why}`,
    );
  }

  /** Why the program's engine stopped: its budget, its memory cap, or an exception it did not catch. */
  private fault(err: QuickJSHandle): ProgramFault {
    const vm = this.vm;
    if (this.cut) {
      err.dispose();
      return this.held();
    }
    const cut = this.interrupts > USER_LIMITS.interruptsPerStep;
    // Reading the error may run the program's getters: they get a small budget of their own.
    this.interrupts = USER_LIMITS.interruptsPerStep - 5;
    let name = '';
    let message = '';
    let where = '';
    try {
      if (vm.typeof(err) === 'object') {
        name = vm.getProp(err, 'name').consume((h) => (vm.typeof(h) === 'string' ? vm.getString(h) : ''));
        message = vm.getProp(err, 'message').consume((h) => (vm.typeof(h) === 'string' ? vm.getString(h) : ''));
        const stack = vm.getProp(err, 'stack').consume((h) => (vm.typeof(h) === 'string' ? vm.getString(h) : ''));
        where = at(stack, this.def.name) ?? '';
      } else message = vm.typeof(err) === 'string' ? vm.getString(err) : `a thrown ${vm.typeof(err)}`;
    } catch {
      message ||= 'an exception that could not be read';
    }
    err.dispose();
    if (cut)
      return new ProgramFault(
        137,
        `killed: computed past its budget between syscalls (${USER_LIMITS.interruptsPerStep} × 10,000 engine ticks)${where ? ` at ${where}` : ''}`,
      );
    // An exhausted heap may leave no room even for the error's message: the instance's refusal says it.
    if (/out of memory/i.test(message) || this.exhausted()) return this.enomem();
    const text = clip(`${name ? `${name}: ` : ''}${message}`, 300);
    return new ProgramFault(134, `uncaught ${text}${where ? ` at ${where}` : ''}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    live--;
    if (this.broken) return;
    for (const h of [...(this.kinds ?? []), this.stepFn]) if (h?.alive) h.dispose();
    this.vm?.dispose();
    this.rt.dispose();
  }
}

/** The first frame in the program's own file, as line:column ("thief.js:3:7"). */
function at(stack: string, name: string): string | null {
  const file = `${name}.js:`;
  for (const line of stack.split('\n')) {
    const i = line.indexOf(file);
    if (i >= 0) return clip(line.slice(i).replace(/\)$/, ''), 120);
  }
  return null;
}

const clip = (s: string, n: number) => {
  const t = sanitize(s).replace(/\n/g, ' ');
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

// ── the syscall a program yields, checked ─────────────────────────────────────────────────────────────────────

const bad = (why: string): never => {
  throw new ProgramFault(134, `bad syscall: ${clip(why, 200)}`);
};
const NAME = /^[A-Za-z0-9_.#:-]{1,64}$/;
const name = (v: unknown, what: string): string =>
  typeof v === 'string' && NAME.test(v) ? v : bad(`${what} must be a name (letters, digits, _ . # : -; 1–64 chars), got ${show(v)}`);
const show = (v: unknown) => (v === undefined ? 'nothing' : clip(JSON.stringify(v) ?? String(v), 60));
const int = (v: unknown, what: string, lo: number, hi: number): number =>
  Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi
    ? (v as number)
    : bad(`${what} must be an integer ${lo}–${hi}, got ${show(v)}`);
const strings = (v: unknown, what: string, max: number): string[] =>
  Array.isArray(v) && v.length <= max && v.every((s) => typeof s === 'string')
    ? v
    : bad(`${what} must be a list of at most ${max} strings`);
const OPS = 'call, spawn, sleep, tick, wait, exit, pledge, unveil (sys.call(…) and so on make them)';
const GRANT = /^(?:(move|client) )?@([A-Za-z0-9_.#:-]{1,64})(?: badge (\d{1,9}))?$/;

function promises(v: unknown, what: string): number {
  if (typeof v === 'number') return int(v, what, 0, 0xff);
  if (typeof v !== 'string') return bad(`${what} must be promise names ("stdio net") or their bits`);
  const p = parsePromises(v);
  return p.ok ? p.bits : bad(`${what}: ${p.error}`);
}

/** The syscall in a program's JSON text, or a fault naming what is wrong with it. */
export function parseSyscall(text: string | null): Syscall {
  if (text === null) return bad('a program yields what sys.call(…), sys.sleep(…) etc. return');
  if (text.length > USER_LIMITS.syscallChars) bad(`${text.length} characters (at most ${USER_LIMITS.syscallChars})`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad(`it yielded ${show(text)}, not a syscall (${OPS})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(`it yielded ${show(v)}, not a syscall (${OPS})`);
  const s = v as Record<string, unknown>;
  switch (s.op) {
    case 'tick':
    case 'wait':
      return { op: s.op };
    case 'sleep':
      return { op: 'sleep', ms: int(s.ms, 'sleep(ms)', 0, 3_600_000) };
    case 'exit':
      return { op: 'exit', code: int(s.code, 'exit(code)', 0, 255) };
    case 'call': {
      if (!Array.isArray(s.args) || s.args.length > 16) bad('call(cap, method, args): args must be a list of at most 16 values');
      return {
        op: 'call',
        cap: name(s.cap, 'call(cap, …): cap'),
        method: name(s.method, 'call(…, method): method'),
        args: s.args as Value[],
        ...(s.caps !== undefined && { caps: strings(s.caps, 'call(…, { caps })', 8).map((c) => name(c, 'a cap passed')) }),
        ...(s.as !== undefined && { as: name(s.as, 'call(…, { as })') }),
      };
    }
    case 'spawn': {
      const grants: GrantSpec[] = [];
      if (s.grants !== undefined) {
        if (s.grants === null || typeof s.grants !== 'object' || Array.isArray(s.grants))
          bad('spawn(program, { grants }): grants is { childName: "@cap" | "move @cap" | "client @cap" }');
        const entries = Object.entries(s.grants as object);
        if (entries.length > 16) bad('spawn: at most 16 grants');
        for (const [as, spec] of entries) {
          const m = typeof spec === 'string' ? GRANT.exec(spec) : null;
          if (!m) return bad(`spawn: grant ${show(as)} is "@cap", "move @cap" or "client @cap", got ${show(spec)}`);
          // As the shell's grammar: a badge is a client facet's; on a copy or a move it would be dropped unsaid.
          if (m[3] !== undefined && m[1] !== 'client')
            return bad(`spawn: grant ${show(as)}: only a client facet takes a badge ("client @${m[2]} badge N")`);
          grants.push({
            name: name(as, 'a grant name'),
            from: m[2],
            mode: m[1] === 'move' ? 'move' : m[1] === 'client' ? 'client' : 'copy',
            ...(m[3] !== undefined && { badge: Number(m[3]) }),
          });
        }
      }
      return {
        op: 'spawn',
        program: name(s.program, 'spawn(program)'),
        ...(s.name !== undefined && { name: name(s.name, 'spawn(…, { name })') }),
        grants,
        ...(s.argv !== undefined && { argv: strings(s.argv, 'spawn(…, { argv })', 16) }),
      };
    }
    case 'pledge':
      return {
        op: 'pledge',
        promises: promises(s.promises, 'pledge(promises)'),
        ...(s.execpromises !== undefined && { execpromises: promises(s.execpromises, 'pledge(…, execpromises)') }),
      };
    case 'unveil': {
      if (s.entries === 'lock') return { op: 'unveil', entries: 'lock' };
      if (!Array.isArray(s.entries) || s.entries.length > 32) return bad('unveil(entries): "lock" or a list of at most 32 { path, perms }');
      return {
        op: 'unveil',
        entries: s.entries.map((e: unknown) => {
          const o = (e ?? {}) as Record<string, unknown>;
          const perms =
            typeof o.perms === 'string' ? parsePerms(o.perms) : typeof o.perms === 'number' ? int(o.perms, 'unveil perms', 0, 15) : null;
          if (typeof o.path !== 'string' || o.path.length > 256 || perms === null)
            bad('unveil: each entry is { path: "/dir", perms: "rwxc" }');
          return { path: o.path as string, perms: perms as number };
        }),
      };
    }
    case 'verdict':
      return bad('verdict is the kernel’s to say, never a program’s');
    default:
      return bad(`unknown op ${show(s.op)} (${OPS})`);
  }
}
