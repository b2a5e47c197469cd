// A generated section of a Markdown file, between two marker comments: the docs' references
// (components, errors) are made this way, and their tests check that they are up to date.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** `text` with the section between the markers replaced (the markers are added at the end when missing). */
function replaceSection(text, { begin, end }, content) {
  const block = `${begin}\n${content}\n${end}`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start === -1 || stop === -1) return `${text.trimEnd()}\n\n${block}\n`;
  return text.slice(0, start) + block + text.slice(stop + end.length);
}

/**
 * The command line of a generator: rewrites `doc` in place, or with --check exits 1 when it
 * is out of date, naming `what` and the npm script that regenerates it.
 */
function runGenerator({ doc, initial, what, script, withReference }) {
  const text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : initial;
  const next = withReference(text);
  const name = path.relative(process.cwd(), doc);
  if (process.argv.includes('--check')) {
    if (next !== text) {
      process.stderr.write(`${name}: the ${what} is out of date; run npm run ${script}\n`);
      process.exit(1);
    }
  } else if (next !== text) {
    fs.writeFileSync(doc, next);
    process.stdout.write(`updated ${name}\n`);
  }
}

module.exports = { replaceSection, runGenerator };
