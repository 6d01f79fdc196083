/**
 * The sandbox engine for user programs: QuickJS compiled to WebAssembly (quickjs-emscripten, its synchronous
 * release build with the .wasm as a separate file). Chosen over SES compartments (they share the worker's realm,
 * so a program could still spin the worker's CPU with no way to cut it) and over a step-able JS interpreter (slow,
 * and ours to keep correct): QuickJS gives each program a heap of its own, an interrupt hook driven by an op
 * counter (a deterministic compute budget) and a global object holding nothing of the host's.
 *
 * Each program gets its own WebAssembly instance with a fixed memory (instance.ts): that is its byte-true memory
 * cap. The kernel is synchronous, so the engine is compiled once before a world runs programs (`loadEngine`,
 * awaited by the kernel worker, the CLI and the tests that run user programs) and instantiated synchronously at
 * each spawn after that.
 */
import { QuickJSWASMModule } from 'quickjs-emscripten-core';
import { QuickJSFFI } from '@jitl/quickjs-wasmfile-release-sync/ffi';
import { EXPORTS, IMPORTS, instantiate } from './instance';

/**
 * Pinned: share links and session files that carry programs name it, since budgets count this engine's ops.
 * `meter.2`: the sandbox's metering (user.ts), which decides where a program is cut, as much as the engine does.
 */
export const ENGINE_VERSION = 'quickjs-emscripten@0.32.0/wasmfile-release-sync meter.2';

let compiled: WebAssembly.Module | null = null;
let failure = '';
let loading: Promise<void> | null = null;

/** Node (tests, the CLI): the .wasm from the package, read with Node's own modules (the kernel imports none). */
async function nodeWasm(): Promise<ArrayBufferView> {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new Error('no wasm location given, and this is not Node');
  const { createRequire } = get('node:module') as { createRequire(from: string): { resolve(id: string): string } };
  const { readFileSync } = get('node:fs') as { readFileSync(path: string): ArrayBufferView };
  const here = (import.meta as { url?: string }).url ?? '';
  return readFileSync(createRequire(here).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
}

/** The compiled module is the pinned build: the imports and exports instance.ts wires up are all there. */
function checkBuild(m: WebAssembly.Module): void {
  const imports = WebAssembly.Module.imports(m).map((i) => i.name);
  const exports = new Set(WebAssembly.Module.exports(m).map((e) => e.name));
  const missing = Object.values(EXPORTS).filter((e) => !exports.has(e));
  if ([...imports].sort().join('') !== IMPORTS || missing.length)
    throw new Error(`this is not the ${ENGINE_VERSION} build (imports ${imports.join('')}; missing exports ${missing.join(' ')})`);
}

/**
 * Load the engine (once; later calls share the first). It never rejects: a failure is kept and user programs
 * then fail to spawn with its reason, while the rest of the world runs. `wasm` fetches the .wasm where a bundled
 * page serves it (the worker's: compiled as it streams in); Node reads it from the package.
 */
export function loadEngine(wasm?: () => Promise<ArrayBuffer | WebAssembly.Module>): Promise<void> {
  loading ??= (async () => {
    try {
      // The worker may hand over a module it compiled as it downloaded (compileStreaming), or the bytes.
      const got = await (wasm ?? nodeWasm)();
      const m = got instanceof WebAssembly.Module ? got : await WebAssembly.compile(got);
      checkBuild(m);
      compiled = m;
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
  })();
  return loading;
}

/** One program's engine: QuickJS in an instance of its own, and how often that instance ran out of memory. */
export interface Engine {
  readonly quickjs: QuickJSWASMModule;
  refused(): number;
}

/** A fresh engine for one program (its memory fixed), or why there is none. */
export function newEngine(): Engine | string {
  if (!compiled) return failure ? `the sandbox engine failed to load: ${failure}` : 'the sandbox engine is not loaded';
  const mod = instantiate(compiled);
  // The FFI and the module wrapper are the package's own, given the instance our glue made.
  return { quickjs: new QuickJSWASMModule(mod as never, new QuickJSFFI(mod as never)), refused: () => mod.refused };
}
