/**
 * One WebAssembly instance of the engine per user program, made synchronously (the kernel is synchronous).
 *
 * Why an instance each: QuickJS's own memory cap cannot size allocations in this wasm build (it counts each as
 * its 8-byte overhead), so with one shared instance a program could hold gigabytes in big strings and grow the
 * worker's memory. An instance's linear memory is fixed (no growth), so what a program can hold is exactly
 * bounded: a malloc past it fails and QuickJS throws "out of memory" in that program only. And when the program
 * ends the whole instance is dropped, however its engine was left.
 *
 * Why our own glue: the package's emscripten loader is async (it awaits its instantiation even when given a
 * compiled module), so it cannot make an instance at spawn time. This is that loader's synchronous core for the
 * pinned build (engine.ts ENGINE_VERSION; instance.test.ts checks these names against the package's loader, so
 * an upgrade fails there, not at runtime). The host imports it provides are deterministic: no clock, no timer,
 * no environment, output to stdout/stderr dropped (the engine never writes there: std/os are not built in).
 */

/** The engine's exports the FFI calls, by their minified names in the pinned build. */
export const EXPORTS: Readonly<Record<string, string>> = {
  _malloc: 'v',
  _free: 'M',
  _QTS_Throw: 'w',
  _QTS_NewError: 'x',
  _QTS_RuntimeSetMemoryLimit: 'y',
  _QTS_RuntimeComputeMemoryUsage: 'z',
  _QTS_RuntimeDumpMemoryUsage: 'A',
  _QTS_RecoverableLeakCheck: 'B',
  _QTS_BuildIsSanitizeLeak: 'C',
  _QTS_RuntimeSetMaxStackSize: 'D',
  _QTS_GetUndefined: 'E',
  _QTS_GetNull: 'F',
  _QTS_GetFalse: 'G',
  _QTS_GetTrue: 'H',
  _QTS_NewHostRef: 'I',
  _QTS_GetHostRefId: 'J',
  _QTS_NewRuntime: 'K',
  _QTS_FreeRuntime: 'L',
  _QTS_NewContext: 'N',
  _QTS_FreeContext: 'O',
  _QTS_FreeValuePointer: 'P',
  _QTS_FreeValuePointerRuntime: 'Q',
  _QTS_FreeVoidPointer: 'R',
  _QTS_FreeCString: 'S',
  _QTS_DupValuePointer: 'T',
  _QTS_NewObject: 'U',
  _QTS_NewObjectProto: 'V',
  _QTS_NewArray: 'W',
  _QTS_NewArrayBuffer: 'X',
  _QTS_NewFloat64: 'Y',
  _QTS_GetFloat64: 'Z',
  _QTS_NewString: '_',
  _QTS_GetString: '$',
  _QTS_GetArrayBuffer: 'aa',
  _QTS_GetArrayBufferLength: 'ba',
  _QTS_NewSymbol: 'ca',
  _QTS_GetSymbolDescriptionOrKey: 'da',
  _QTS_IsGlobalSymbol: 'ea',
  _QTS_IsJobPending: 'fa',
  _QTS_ExecutePendingJob: 'ga',
  _QTS_GetProp: 'ha',
  _QTS_GetPropNumber: 'ia',
  _QTS_SetProp: 'ja',
  _QTS_DefineProp: 'ka',
  _QTS_GetOwnPropertyNames: 'la',
  _QTS_Call: 'ma',
  _QTS_ResolveException: 'na',
  _QTS_Dump: 'oa',
  _QTS_Eval: 'pa',
  _QTS_GetModuleNamespace: 'qa',
  _QTS_Typeof: 'ra',
  _QTS_GetLength: 'sa',
  _QTS_IsEqual: 'ta',
  _QTS_GetGlobalObject: 'ua',
  _QTS_NewPromiseCapability: 'va',
  _QTS_PromiseState: 'wa',
  _QTS_PromiseResult: 'xa',
  _QTS_TestStringArg: 'ya',
  _QTS_GetDebugLogEnabled: 'za',
  _QTS_SetDebugLogEnabled: 'Aa',
  _QTS_BuildIsDebug: 'Ba',
  _QTS_BuildIsAsyncify: 'Ca',
  _QTS_NewFunction: 'Da',
  _QTS_ArgvGetJSValueConstPointer: 'Ea',
  _QTS_RuntimeEnableInterruptHandler: 'Fa',
  _QTS_RuntimeDisableInterruptHandler: 'Ga',
  _QTS_RuntimeEnableModuleLoader: 'Ha',
  _QTS_RuntimeDisableModuleLoader: 'Ia',
  _QTS_bjson_encode: 'Ja',
  _QTS_bjson_decode: 'Ka',
};
/** The loader's own: static constructors, and the stack (for string arguments). */
const CTORS = 'u';
const STACK_RESTORE = 'Ma';
const STACK_ALLOC = 'Na';
const STACK_SAVE = 'Oa';
/** The host functions the build imports (module "a"), and its memory. */
export const IMPORTS = 'abcdefghijklmnopqrst';

/** The engine's linear memory at its smallest (the build's declared minimum): it never grows past this. */
export const MEMORY_PAGES = 256;

type Fn = (...a: number[]) => number;
type Callbacks = Record<string, (...a: unknown[]) => number>;

/** The emscripten module object QuickJSFFI and QuickJSWASMModule use: the same fields the package's loader sets. */
export interface EngineModule {
  type: 'sync';
  /** How many times the engine asked for more memory than the instance has (each a malloc that failed). */
  refused: number;
  HEAP8: Int8Array;
  HEAPU8: Uint8Array;
  callbacks?: Callbacks;
  cwrap(name: string, ret: string | null, args: string[]): unknown;
  UTF8ToString(ptr: number, max?: number): string;
  stringToUTF8(s: string, ptr: number, max: number): number;
  lengthBytesUTF8(s: string): number;
  [fn: `_${string}`]: Fn;
}

/** Make one instance of the compiled engine, with its own fixed memory (`pages` × 64 KiB). */
export function instantiate(wasm: WebAssembly.Module, pages = MEMORY_PAGES): EngineModule {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const heap = new Uint8Array(memory.buffer);
  const u32 = new Uint32Array(memory.buffer);
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const utf8 = (ptr: number, max = Infinity) => {
    if (!ptr) return '';
    let end = ptr;
    while (heap[end] && end - ptr < max) end++;
    return decoder.decode(heap.subarray(ptr, end));
  };
  const writeUtf8 = (s: string, ptr: number, max: number) => {
    if (max <= 0) return 0;
    const { written } = encoder.encodeInto(s, heap.subarray(ptr, ptr + max - 1));
    heap[ptr + written] = 0;
    return written;
  };
  const lengthUtf8 = (s: string) => encoder.encode(s).length;
  const fail = (why: string): never => {
    throw new WebAssembly.RuntimeError(`the engine aborted: ${why}`);
  };
  const mod = { type: 'sync', refused: 0, HEAP8: new Int8Array(memory.buffer), HEAPU8: heap } as unknown as EngineModule;
  const cb = (name: string, ...a: unknown[]) => (mod.callbacks as Callbacks)[name](undefined, ...a);
  const env: Record<string, unknown> = {
    a: memory,
    b: (msg: number, file: number, line: number) => fail(`assertion failed: ${utf8(msg)} at ${utf8(file)}:${line}`),
    q: () => fail('abort()'),
    r: (code: number) => fail(`exit(${code})`),
    l: () => 0, // keepalive: there is no event loop to keep
    // localtime and tzset: QuickJS's Date is removed; what would reach them sees the epoch in UTC.
    m: (_t: bigint, tm: number) => void heap.fill(0, tm, tm + 44),
    n: (timezone: number, daylight: number, std: number, dst: number) => {
      u32[timezone >> 2] = 0;
      u32[daylight >> 2] = 0;
      writeUtf8('UTC', std, 17);
      writeUtf8('UTC', dst, 17);
    },
    p: () => 0, // the clock: none
    j: () => 0, // timers: none
    k: () => ((mod.refused += 1), 0), // grow the memory: refused, so a malloc past it fails (the program's ENOMEM)
    e: () => 0, // environ_get: no environment…
    f: (count: number, size: number) => ((u32[count >> 2] = 0), (u32[size >> 2] = 0), 0),
    d: () => 52, // fd_close: EBADF-like, as the loader's
    o: () => 70, // fd_seek: as the loader's
    c: (_fd: number, iov: number, iovcnt: number, written: number) => {
      let n = 0;
      for (let i = 0; i < iovcnt; i++) n += u32[(iov >> 2) + i * 2 + 1];
      u32[written >> 2] = n;
      return 0;
    },
    s: (a: number, b: number, c: number, d: number, e: number) => cb('callFunction', a, b, c, d, e),
    i: (rt: number) => cb('shouldInterrupt', rt),
    h: (rt: number, ctx: number, name: number) => cb('loadModuleSource', rt, ctx, utf8(name)),
    g: (rt: number, ctx: number, base: number, name: number) => cb('normalizeModule', rt, ctx, utf8(base), utf8(name)),
    t: (rt: number, id: number) => void cb('freeHostRef', rt, id),
  };
  const ex = new WebAssembly.Instance(wasm, { a: env }).exports as Record<string, Fn>;
  for (const [name, short] of Object.entries(EXPORTS)) mod[name as `_${string}`] = ex[short];
  // The host's own allocations (a string it hands the program) must not fail quietly: the FFI would write at 0.
  const malloc = ex[EXPORTS._malloc];
  mod._malloc = (n: number) => malloc(n) || fail(`out of memory (for the host's ${n} bytes)`);
  const stackSave = ex[STACK_SAVE];
  const stackRestore = ex[STACK_RESTORE];
  const stackAlloc = ex[STACK_ALLOC];
  // As the loader's cwrap: numeric functions called directly; string arguments copied to the stack for the call.
  mod.cwrap = (name, ret, args) => {
    const f = mod[`_${name}`];
    if (ret !== 'string' && args.every((t) => t === 'number' || t === 'boolean')) return f;
    return (...vals: unknown[]) => {
      let sp = 0;
      const conv = vals.map((v, i) => {
        if (args[i] !== 'string' || v === null || v === undefined || v === 0) return v as number;
        if (sp === 0) sp = stackSave();
        const s = String(v);
        const size = lengthUtf8(s) + 1;
        const p = stackAlloc(size);
        writeUtf8(s, p, size);
        return p;
      });
      const r = f(...conv);
      if (sp !== 0) stackRestore(sp);
      return ret === 'string' ? utf8(r) : ret === 'boolean' ? Boolean(r) : r;
    };
  };
  mod.UTF8ToString = utf8;
  mod.stringToUTF8 = writeUtf8;
  mod.lengthBytesUTF8 = lengthUtf8;
  ex[CTORS]();
  return mod;
}
