#!/usr/bin/env node
// Checks that the areas of src/ import each other only in the allowed direction: the table
// under "## Layers" in docs/architecture.md says, for each area, which areas it may import.
// Every relative import of every .ts file under src/ is checked (type-only imports too: a
// contract that needs another area's types is a dependency all the same), and the table
// itself must have no cycle, so no two areas can ever import each other.
//   node scripts/check-layers.js [--src <dir>] [--doc <file>]   exit 1 and list what is wrong
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const HEADING = '## Layers';

/**
 * The table of `doc`: Map area -> { row, allowed: Set<area> }. A cell names areas as code
 * spans: `framework/` (a directory of src/) or `errors.ts` (a file directly in src/). Areas
 * named together in the first cell form one area (they may import each other).
 */
function readLayers(docText, docName) {
  const start = docText.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`${docName}: no "${HEADING}" section`);
  const section = docText.slice(start + HEADING.length + 2).split(/\n## /)[0];
  const rows = section.split('\n').filter((l) => /^\|.*`.*\|/.test(l));
  if (rows.length === 0) throw new Error(`${docName}: the "${HEADING}" section has no table of areas`);
  const spans = (cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const group = new Map(); // member -> the row's name (its first member)
  const layers = new Map();
  for (const row of rows) {
    const [, first, second] = row.split('|');
    const members = spans(first);
    if (members.length === 0) continue;
    const name = members[0];
    for (const m of members) {
      if (group.has(m)) throw new Error(`${docName}: "${m}" is in two rows of the layer table`);
      group.set(m, name);
    }
    layers.set(name, { members, allowed: spans(second ?? '') });
  }
  for (const [name, layer] of layers) {
    layer.allowed = new Set(
      layer.allowed.map((a) => {
        if (!group.has(a)) throw new Error(`${docName}: the row of "${name}" names "${a}", which has no row of its own`);
        return group.get(a);
      }),
    );
  }
  return { layers, group };
}

/** A cycle in the allowed directions (an array of area names), or undefined. */
function findCycle(layers) {
  const state = new Map(); // 1: on the path, 2: done
  const pathNow = [];
  const visit = (a) => {
    if (state.get(a) === 2) return undefined;
    if (state.get(a) === 1) return [...pathNow.slice(pathNow.indexOf(a)), a];
    state.set(a, 1);
    pathNow.push(a);
    for (const b of layers.get(a).allowed) {
      if (b === a) continue;
      const cycle = visit(b);
      if (cycle) return cycle;
    }
    pathNow.pop();
    state.set(a, 2);
    return undefined;
  };
  for (const a of layers.keys()) {
    const cycle = visit(a);
    if (cycle) return cycle;
  }
  return undefined;
}

function tsFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(p));
    else if (entry.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/** The relative module specifiers a TypeScript file imports or re-exports (static, dynamic, require). */
function importsOf(text) {
  const found = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) if (m[1].startsWith('.')) found.push(m[1]);
  return found;
}

/** The area a path under `src` belongs to: its first directory (`io/`) or its own name (`errors.ts`). */
function areaOf(src, file) {
  const rel = path.relative(src, file).split(path.sep);
  if (rel[0] === '..' || rel[0] === '') return undefined; // outside src/ (package.json)
  return rel.length > 1 ? `${rel[0]}/` : rel[0].replace(/\.js$/, '.ts');
}

/** Checks `src` against the table in `doc`; returns { problems, modules, imports }. */
function checkLayers({ src = path.join(ROOT, 'src'), doc = path.join(ROOT, 'docs', 'architecture.md') } = {}) {
  const docName = path.relative(process.cwd(), doc) || doc;
  const { layers, group } = readLayers(fs.readFileSync(doc, 'utf8'), docName);
  const problems = [];
  const cycle = findCycle(layers);
  if (cycle) problems.push(`${docName}: the layer table allows a cycle: ${cycle.join(' -> ')}`);
  const files = tsFiles(src);
  let imports = 0;
  const unknown = new Set();
  for (const file of files) {
    const from = areaOf(src, file);
    const fromLayer = group.get(from);
    const where = path.relative(path.dirname(src), file);
    if (!fromLayer) {
      if (!unknown.has(from)) problems.push(`${where}: the area "${from}" has no row in the layer table of ${docName}; add one saying what it may import`);
      unknown.add(from);
      continue;
    }
    for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
      const to = areaOf(src, path.resolve(path.dirname(file), spec));
      if (to === undefined) continue;
      imports++;
      const toLayer = group.get(to);
      if (toLayer === fromLayer) continue;
      if (!toLayer || !layers.get(fromLayer).allowed.has(toLayer)) {
        problems.push(`${where} imports '${spec}': ${from} may not import ${to} (the layer table in ${docName})`);
      }
    }
  }
  return { problems, modules: files.length, imports };
}

module.exports = { checkLayers, readLayers, findCycle, importsOf };

if (require.main === module) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? path.resolve(process.argv[i + 1]) : undefined;
  };
  try {
    const { problems, modules, imports } = checkLayers({ src: arg('--src'), doc: arg('--doc') });
    for (const p of problems) console.error(p);
    if (problems.length > 0) process.exit(1);
    console.log(`layers: ${modules} modules, ${imports} imports between them, every one in an allowed direction`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
