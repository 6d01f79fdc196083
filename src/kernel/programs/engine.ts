/**
 * The sandbox engine for user programs: QuickJS compiled to WebAssembly (quickjs-emscripten, its synchronous
 * release build with the .wasm as a separate file). Chosen over SES compartments (they share the worker's realm,
 * so a program could still spin the worker's CPU with no way to cut it) and over a step-able JS interpreter (slow,
 * and ours to keep correct): QuickJS gives each program a heap with a hard memory cap, an interrupt hook driven by
 * an op counter (a deterministic compute budget) and a global object holding nothing of the host's.
 *
 * The kernel is synchronous, so the module is loaded once before any world boots (`loadEngine`, awaited by the
 * kernel worker, the CLI and the tests that run user programs) and used synchronously after that.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import variant from '@jitl/quickjs-wasmfile-release-sync';

/** Pinned: share links and session files that carry programs name it, since budgets count this engine's ops. */
export const ENGINE_VERSION = 'quickjs-emscripten@0.32.0/wasmfile-release-sync';

let engine: QuickJSWASMModule | null = null;
let failure = '';
let loading: Promise<void> | null = null;

/**
 * Load the engine (once; later calls share the first). It never rejects: a failure is kept and user programs
 * then fail to spawn with its reason, while the rest of the world runs. `wasmLocation` is where a bundled page
 * serves the .wasm (the worker passes its asset URL); Node reads it from the package.
 */
export function loadEngine(wasmLocation?: string): Promise<void> {
  loading ??= (async () => {
    try {
      engine = await newQuickJSWASMModuleFromVariant(wasmLocation ? newVariant(variant, { wasmLocation }) : variant);
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
  })();
  return loading;
}

/** The loaded engine, or why there is none. */
export function theEngine(): QuickJSWASMModule | string {
  return engine ?? (failure ? `the sandbox engine failed to load: ${failure}` : 'the sandbox engine is not loaded');
}
