#!/usr/bin/env node
'use strict';
// The cowloop command. fork() needs node's --single-threaded flag, which cannot be set
// through NODE_OPTIONS or at run time, so the commands that fork re-execute node with it.
const refusal = require('../dist/cjs/node-support.js').refusalOfThisNode();
if (refusal) {
  process.stderr.write(`cowloop: ${refusal}\n`);
  process.exit(1);
}
require('../dist/cjs/cli/closed-output.js').tolerateClosedOutput();
require('../dist/cjs/cli/launcher.js').dieWithLauncher();
require('../dist/cjs/cli/main.js').main(process.argv.slice(2));
