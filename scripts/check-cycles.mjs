#!/usr/bin/env node
// Import cycles among the kernel's own modules. Dependency-free: reads every .ts file under a folder (src/kernel
// unless another is given; tests left out), takes its static `import … from '…'`, `import '…'` and
// `export … from '…'` statements (`import type` / `export type` too: a type-only import still ties the two
// modules' designs together), resolves the relative ones (x.ts, x.tsx, x/index.ts; a written .js is its .ts), finds
// the strongly connected components (Tarjan) and prints each cycle as a chain of files. Exits 1 if there is one.
// --values-only leaves out the type-only imports (`import type`, `export type`: erased from the JavaScript).
//   node scripts/check-cycles.mjs [--values-only] [folder]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const valuesOnly = args.includes('--values-only');
const root = resolve(args.find((a) => !a.startsWith('--')) ?? 'src/kernel');
const isSource = (f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.endsWith('.d.ts');

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : isSource(e.name) ? [p] : [];
  });

// Statements start a line. `from` must be followed by the quoted specifier, which nothing but import/export syntax is.
const FROM = /^[ \t]*(import|export)\s+(type\s+)?[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\3/gm;
const BARE = /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm;

const resolveSpec = (from, spec) => {
  if (!spec.startsWith('.')) return null; // a package
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(m?js|jsx)$/, '');
  for (const c of [base, `${stem}.ts`, `${stem}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
};

const files = walk(root).sort();
const inGraph = new Set(files);
/** file -> Map(target -> typeOnly) */
const edges = new Map();
const unresolved = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const out = new Map();
  const add = (spec, typeOnly) => {
    const target = resolveSpec(file, spec);
    if (target === null) {
      if (spec.startsWith('.')) unresolved.push(`${relative(root, file)}: '${spec}'`);
      return;
    }
    if (!inGraph.has(target)) return; // outside the folder (scenarios, json, tests)
    out.set(target, (out.get(target) ?? true) && typeOnly); // a value import anywhere makes the edge a value edge
  };
  for (const m of text.matchAll(FROM)) add(m[4], Boolean(m[2]));
  for (const m of text.matchAll(BARE)) add(m[2], false);
  if (valuesOnly) for (const [t, typeOnly] of out) if (typeOnly) out.delete(t);
  edges.set(file, out);
}

// Tarjan's strongly connected components.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const sccs = [];
const strong = (v) => {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v).keys()) {
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || edges.get(v).has(v)) sccs.push(scc.sort());
  }
};
for (const f of files) if (!idx.has(f)) strong(f);

// The shortest chain from `start` back to itself inside one component (breadth first).
const shortestCycle = (start, members) => {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of edges.get(v).keys()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const chain = [start];
        for (let u = v; u !== start; u = prev.get(u)) chain.splice(1, 0, u);
        return [...chain, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return null;
};
const show = (chain) =>
  chain
    .map((f, i) => (i === 0 ? relative(root, f) : `${edges.get(chain[i - 1]).get(f) ? ' -(type)-> ' : ' -> '}${relative(root, f)}`))
    .join('');

const name = (relative(process.cwd(), root) || '.') + (valuesOnly ? ' (type-only imports left out)' : '');
for (const u of unresolved) console.warn(`check-cycles: cannot resolve ${u}`);
if (sccs.length === 0) {
  console.log(`check-cycles: no import cycle among ${files.length} files in ${name}`);
  process.exit(0);
}
for (const scc of sccs) {
  const members = new Set(scc);
  console.error(`\nimport cycle: ${scc.length} files in ${name} import each other:`);
  for (const f of scc) {
    const inside = [...edges.get(f)].filter(([t]) => members.has(t));
    console.error(
      `  ${relative(root, f)} imports ${inside.map(([t, typeOnly]) => relative(root, t) + (typeOnly ? ' (type)' : '')).join(', ')}`,
    );
  }
  console.error('  chains:');
  // one chain through each member, the ones already shown left out
  const seen = new Set();
  for (const f of scc) {
    const chain = shortestCycle(f, members);
    const key = chain && [...chain.slice(1)].sort().join('|');
    if (!chain || seen.has(key)) continue;
    seen.add(key);
    console.error(`    ${show(chain)}`);
  }
}
const total = sccs.reduce((n, s) => n + s.length, 0);
console.error(`\ncheck-cycles: ${sccs.length} cycle(s), ${total} of ${files.length} files in ${name}`);
process.exit(1);
