// docs/job-options.md: the committed component reference is the one generated from the
// components' property declarations, so the documentation cannot drift from the code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const { DOC, BEGIN, END, withReference, generatedReference } = require('../scripts/gen-job-options-reference.js');

test('the component reference in docs/job-options.md is up to date (npm run docs:options)', () => {
  const text = fs.readFileSync(DOC, 'utf8');
  assert.ok(text.includes(BEGIN) && text.includes(END), 'the generated section has its markers');
  assert.equal(text, withReference(text), 'docs/job-options.md is out of date: run npm run build:ts && npm run docs:options');
});

test('the generated reference lists every built-in component with its properties', () => {
  const reference = generatedReference();
  for (const type of ['ApplicationMgr', 'EventLoopMgr', 'MpEventLoopMgr', 'EventSelector', 'OutputStream', 'MessageSvc', 'HistogramSvc']) {
    assert.match(reference, new RegExp(`^### ${type}$`, 'm'));
  }
  assert.match(reference, /^\| NWorkers \| int >= -1 \| `-1` \| .+ \|$/m);
  assert.match(reference, /^\| EvtMax \| int >= -1 \| `-1` \| .+ \|$/m);
});
