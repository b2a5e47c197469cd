#!/usr/bin/env node
'use strict';
// The cowloop command. fork() needs node's --single-threaded flag, which cannot be set
// through NODE_OPTIONS or at run time, so the command re-executes itself with it.
require('../dist/cjs/cli/closed-output.js').tolerateClosedOutput();
require('../dist/cjs/cli/launcher.js').dieWithLauncher();
require('../dist/cjs/cli/main.js').main(process.argv.slice(2));
