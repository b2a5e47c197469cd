#!/usr/bin/env node
// The package's public surface, recorded in api/cowloop.api.json so that a change to it is a
// visible decision: the runtime names of the CommonJS and ESM entries and the names the
// type declarations export (run `npm run build:ts` first).
//   node scripts/api-report.js          rewrite api/cowloop.api.json
//   node scripts/api-report.js --check  exit 1 when the surface differs from the file
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.join(__dirname, '..');
const REPORT = path.join(root, 'api', 'cowloop.api.json');

/** Names each declaration file exports, split into values (which exist at run time) and types. */
function declaredNames(files) {
  const ts = require('typescript');
  const program = ts.createProgram(files, { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: ['node'], noEmit: true });
  const checker = program.getTypeChecker();
  return files.map((file) => exportsOf(ts, checker, program.getSourceFile(file)));
}

function exportsOf(ts, checker, source) {
  const values = [];
  const types = [];
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(source))) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    // `export type { X }` of a class declares no value, though X is one where it is defined.
    const typeOnly = (symbol.declarations ?? []).some((d) => ts.isTypeOnlyImportOrExportDeclaration?.(d));
    ((target.flags & ts.SymbolFlags.Value) && !typeOnly ? values : types).push(symbol.name);
  }
  return { values: values.sort(), types: types.sort() };
}

/** The surface as built in dist/. */
async function currentSurface() {
  const cjs = Object.keys(require(path.join(root, 'dist', 'cjs', 'index.js'))).filter((n) => n !== '__esModule').sort();
  const esm = Object.keys(await import(pathToFileURL(path.join(root, 'dist', 'esm', 'index.mjs')).href)).sort();
  const [cjsDeclarations, esmDeclarations] = declaredNames([path.join(root, 'dist', 'cjs', 'index.d.ts'), path.join(root, 'dist', 'esm', 'index.d.mts')]);
  return { cjs, esm, cjsDeclarations, esmDeclarations };
}

/** What api/cowloop.api.json holds: the runtime names (the ESM entry adds `default`) and the type-only names. */
function report(surface) {
  return {
    about: 'The public surface of cowloop: regenerate with npm run api:report after a deliberate change.',
    runtime: surface.cjs,
    types: surface.cjsDeclarations.types,
  };
}

const text = (value) => `${JSON.stringify(value, null, 2)}\n`;

module.exports = { REPORT, currentSurface, report, text, declaredNames };

if (require.main === module) {
  currentSurface().then((surface) => {
    const next = text(report(surface));
    const now = fs.existsSync(REPORT) ? fs.readFileSync(REPORT, 'utf8') : '';
    if (process.argv.includes('--check')) {
      if (next !== now) {
        process.stderr.write(`${path.relative(process.cwd(), REPORT)} differs from the built surface; run npm run api:report if the change is meant\n`);
        process.exit(1);
      }
    } else if (next !== now) {
      fs.mkdirSync(path.dirname(REPORT), { recursive: true });
      fs.writeFileSync(REPORT, next);
      process.stdout.write(`updated ${path.relative(process.cwd(), REPORT)}\n`);
    }
  });
}
