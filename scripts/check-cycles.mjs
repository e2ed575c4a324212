// Fails when the project's own modules import each other in a cycle, and when models/ imports
// from an outer layer (dependencies point inwards, STYLE.md).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dirs = ['server', 'federation', 'models', 'identity', 'web'];
const outer = ['server', 'federation', 'identity', 'web'];
const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === 'migrations') continue;
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const files = dirs.flatMap((d) => walk(path.join(root, d), []));
const graph = new Map();
const problems = [];
for (const file of files) {
  const src = readFileSync(file, 'utf8');
  const deps = [];
  for (const m of src.matchAll(importRe)) {
    // Type-only imports vanish at run time but still tangle the design: count them too.
    const target = path.resolve(path.dirname(file), m[1] ?? m[2]);
    if (existsSync(target)) deps.push(target);
  }
  graph.set(file, deps);
  const rel = path.relative(root, file);
  if (rel.startsWith(`models${path.sep}`)) {
    for (const dep of deps) {
      const top = path.relative(root, dep).split(path.sep)[0];
      if (outer.includes(top))
        problems.push(`${rel} imports ${path.relative(root, dep)} (models/ must not import ${top}/)`);
    }
  }
}

const state = new Map();
const stack = [];
const cycles = new Set();
function visit(node) {
  state.set(node, 1);
  stack.push(node);
  for (const dep of graph.get(node) ?? []) {
    if (state.get(dep) === 1) {
      const cycle = stack.slice(stack.indexOf(dep)).map((f) => path.relative(root, f));
      cycles.add([...cycle, cycle[0]].join(' -> '));
    } else if (!state.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(node, 2);
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

for (const c of cycles) problems.push(`import cycle: ${c}`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`No import cycles in ${files.length} modules; models/ depends on nothing outside it.`);
