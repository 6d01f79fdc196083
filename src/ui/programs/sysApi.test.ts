import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYS_API } from './sysApi';

describe('the editor documents the sys API the sandbox builds', () => {
  it("every key of the sandbox prelude's sys object has an entry, and nothing else does", () => {
    // Read from the source so the table cannot drift from what a program sees (src/kernel/programs/user.ts).
    const prelude = readFileSync(new URL('../../kernel/programs/user.ts', import.meta.url), 'utf8');
    const body = /const sys = freeze\(\{([\s\S]*?)\n {2}\}\);/.exec(prelude)?.[1] ?? '';
    const keys = [...body.matchAll(/^ {4}(\w+):/gm)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(10);
    expect(SYS_API.map((e) => e.name).sort()).toEqual(keys.sort());
    for (const e of SYS_API) expect(e.signature.startsWith(`sys.${e.name}`) && e.doc.length > 10).toBe(true);
  });
});
