// The public surface (the runtime names of the CommonJS and ESM entries, the names the type
// declarations export) is the one committed in api/cowloop.api.json: widening or narrowing
// it is a decision recorded by `npm run api:report`, never a side effect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { REPORT, currentSurface, report, text } = require('../scripts/api-report.js');
const surface = await currentSurface();
const committed = JSON.parse(fs.readFileSync(REPORT, 'utf8'));

test('the exported names and types are those of api/cowloop.api.json (npm run api:report)', () => {
  assert.deepEqual(surface.cjs, committed.runtime, 'runtime names of the CommonJS entry');
  assert.deepEqual(surface.cjsDeclarations.types, committed.types, 'type-only names of index.d.ts');
  assert.equal(fs.readFileSync(REPORT, 'utf8'), text(report(surface)));
});

test('the ESM entry and both declaration files agree with the CommonJS entry', () => {
  const withDefault = [...surface.cjs, 'default'].sort();
  assert.deepEqual(surface.esm, withDefault, 'runtime names of the ESM entry');
  assert.deepEqual(surface.cjsDeclarations.values, surface.cjs, 'every runtime name is declared as a value, and only those');
  assert.deepEqual(surface.esmDeclarations.values, withDefault);
  assert.deepEqual(surface.esmDeclarations.types, surface.cjsDeclarations.types);
});

test('internals stay internal', () => {
  for (const name of ['hash32', 'hashTuple', 'summarize', 'allowedTransitions', 'fdSink', 'registry', 'openRecordSource', 'writeAtomically', 'typeNameOf']) {
    assert.ok(!surface.cjs.includes(name) && !surface.esm.includes(name), `${name} is exported`);
  }
});
