#!/usr/bin/env node
// Regenerates the error reference of docs/errors.md from the error table in src/errors.ts
// (run `npm run build:ts` first).
//   node scripts/gen-error-reference.js          rewrite the section in place
//   node scripts/gen-error-reference.js --check  exit 1 when the file is out of date
'use strict';
const path = require('node:path');
const { replaceSection, runGenerator } = require('./generated-section.js');

const DOC = path.join(__dirname, '..', 'docs', 'errors.md');
const BEGIN = '<!-- BEGIN GENERATED: error reference (npm run docs:errors) -->';
const END = '<!-- END GENERATED: error reference -->';

const cell = (text) => text.replace(/\|/g, '\\|').replace(/(<[^>]*>)/g, '`$1`');

/** The generated Markdown between the markers. */
function generatedReference() {
  const { ERRORS } = require('../dist/cjs/errors.js');
  const { EXIT_FOR_CLASS } = require('../dist/cjs/cli/exit-codes.js');
  const classes = Object.entries(EXIT_FOR_CLASS);
  const rows = Object.entries(ERRORS).map(
    ([code, { exit, meaning, remedy }]) => `| \`${code}\` | ${EXIT_FOR_CLASS[exit]} (${exit}) | ${cell(meaning)} | ${cell(remedy)} |`,
  );
  return [
    'Generated from the error table in src/errors.ts. Do not edit by hand: run `npm run docs:errors`',
    'after changing the table.',
    '',
    '| exit class | exit code |',
    '| --- | --- |',
    ...classes.map(([name, exitCode]) => `| ${name} | ${exitCode} |`),
    '',
    '| code | exit | meaning | what to do |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** `text` with the section between the markers replaced (the markers are added at the end when missing). */
function withReference(text, reference = generatedReference()) {
  return replaceSection(text, { begin: BEGIN, end: END }, reference);
}

module.exports = { DOC, BEGIN, END, generatedReference, withReference };

if (require.main === module) {
  runGenerator({ doc: DOC, initial: '# Errors\n', what: 'error reference', script: 'docs:errors', withReference });
}
