import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPORTS, IMPORTS, instantiate, MEMORY_PAGES } from './instance';

const require = createRequire(import.meta.url);
const pkg = (path: string) => require.resolve(`@jitl/quickjs-wasmfile-release-sync/${path}`);
const wasm = new WebAssembly.Module(readFileSync(pkg('wasm')));

describe('the engine instance glue (instance.ts) matches the pinned build', () => {
  it('wires every export the package’s own loader does, by the same minified names', () => {
    // The package's emscripten loader assigns each export to the module object: `d._QTS_Eval=b.pa`.
    const loader = readFileSync(join(dirname(pkg('wasm')), 'emscripten-module.mjs'), 'utf8').replace(/\n/g, '');
    const theirs = Object.fromEntries([...loader.matchAll(/d\.(_\w+)=b\.([\w$]+)/g)].map((m) => [m[1], m[2]]));
    expect(EXPORTS).toEqual(theirs);
    expect(
      WebAssembly.Module.imports(wasm)
        .map((i) => i.name)
        .sort()
        .join(''),
    ).toBe(IMPORTS);
  });

  it('an instance has a memory of its own, fixed in size: a malloc past it fails and is counted', () => {
    const a = instantiate(wasm);
    const b = instantiate(wasm);
    expect(a.HEAPU8.buffer).not.toBe(b.HEAPU8.buffer);
    expect(a.HEAPU8.length).toBe(MEMORY_PAGES << 16);
    expect(() => a._malloc(MEMORY_PAGES << 16)).toThrow(/out of memory/);
    expect(a.refused).toBeGreaterThan(0);
    expect(a.HEAPU8.length).toBe(MEMORY_PAGES << 16); // it did not grow
    expect(b.refused).toBe(0);
  });
});
