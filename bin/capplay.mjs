#!/usr/bin/env node
// The headless runner: `npx capplay run <scenario.json> [--seed N] [--quiet]`, `npx capplay gallery [id] [--off]`,
// `npx capplay lesson [id] [--json]`, `npx capplay challenge [id]`, `npx capplay run --challenge <id> thief.js`,
// `npx capplay grade <files…> --lesson <id> | --challenge <id> [--json | --csv]`, `npx capplay verify <export.jsonl | proof.json>`, `npx capplay prove <export.jsonl> <seq> [--size S] | --consistency <A> <B>`,
// `npx capplay keygen <file>` (run/gallery --export <file> --key-file <file> sign the ledger). It loads the TypeScript entry through tsx (a devDependency), so it works in
// this repository after `npm install`.
import { tsImport } from 'tsx/esm/api';

// A reader that stops early (`| head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const { main, loadEngine } = await tsImport('../src/cli/run.ts', import.meta.url);
// The sandbox engine for user programs loads once, before any world boots (the kernel uses it synchronously).
await loadEngine();
process.exitCode = main(process.argv.slice(2));
