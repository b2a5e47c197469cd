#!/usr/bin/env node
// Regenerates the "Component reference" section of docs/job-options.md from the property
// declarations of every built-in component type (run `npm run build:ts` first).
//   node scripts/gen-job-options-reference.js          rewrite the section in place
//   node scripts/gen-job-options-reference.js --check  exit 1 when the file is out of date
'use strict';
const path = require('node:path');
const { replaceSection, runGenerator } = require('./generated-section.js');

const DOC = path.join(__dirname, '..', 'docs', 'job-options.md');
const BEGIN = '<!-- BEGIN GENERATED: component reference (npm run docs:options) -->';
const END = '<!-- END GENERATED: component reference -->';

/** The generated Markdown between the markers. */
function generatedReference() {
  require('../dist/cjs/index.js'); // registers every built-in component
  const { registry, jobOptionsReference } = require('../dist/cjs/framework/index.js');
  // A type registered under two names (EventStore, EventStoreSvc) is listed once.
  const seen = new Map();
  for (const name of registry.typeNames()) {
    const cls = registry.get(name);
    if (!seen.has(cls)) seen.set(cls, [name]);
    else seen.get(cls).push(name);
  }
  const parts = [];
  for (const names of seen.values()) {
    let text = jobOptionsReference(registry, [names[0]]).trimEnd();
    if (names.length > 1) text = text.replace(/^(### .*)$/m, `$1\n\nAlso registered as ${names.slice(1).map((n) => `\`${n}\``).join(', ')}.`);
    parts.push(text);
  }
  return [
    'Generated from the property declarations of the built-in components; every component also',
    'takes `OutputLevel`. Do not edit by hand: run `npm run docs:options` after changing a property.',
    '',
    parts.join('\n\n'),
  ].join('\n');
}

/** `text` with the section between the markers replaced (the markers are added at the end when missing). */
function withReference(text, reference = generatedReference()) {
  return replaceSection(text, { begin: BEGIN, end: END }, reference);
}

module.exports = { DOC, BEGIN, END, generatedReference, withReference };

if (require.main === module) {
  runGenerator({ doc: DOC, initial: '', what: 'component reference', script: 'docs:options', withReference });
}
