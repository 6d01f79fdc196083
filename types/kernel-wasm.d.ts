/**
 * The kernel runs no DOM (tsconfig.kernel.json leaves its lib out), but it instantiates the sandbox engine's
 * WebAssembly (src/kernel/programs): these are the parts of the WebAssembly and encoding APIs it uses, as lib.dom
 * declares them.
 * Only the kernel project includes this file; the others take lib.dom's or lib.webworker's.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
    static imports(module: Module): { module: string; name: string; kind: string }[];
    static exports(module: Module): { name: string; kind: string }[];
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class RuntimeError extends Error {}
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
}

/** UTF-8 across the engine's memory (not shared, so TextDecoder takes views of it), as lib.dom declares them. */
declare class TextEncoder {
  encode(s: string): Uint8Array;
  encodeInto(s: string, into: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  decode(bytes: Uint8Array): string;
}
