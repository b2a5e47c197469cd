#!/usr/bin/env node
'use strict';
// A host application embedding the reco job with cowloop's API (what `cowloop run` does):
//   node examples/reco/host.js [--opts FILE] [--events N] [--state-mb N] [--out DIR] [--set Client.Prop=JSON]...
// For multi-process runs the process that forks must start with --single-threaded (and
// --max-semi-space-size=1 keeps the workers small, as the cowloop command does):
//   node --single-threaded --max-semi-space-size=1 --no-memory-reducer examples/reco/host.js --opts examples/reco/reco-mp.opts
const path = require('node:path');
const { createApplication } = require('cowloop');
const { components } = require('./components.js');

function parseArgs(argv) {
  const args = { opts: path.join(__dirname, 'reco.opts'), overrides: {} };
  const set = (client, prop, value) => {
    args.overrides[client] = { ...args.overrides[client], [prop]: value };
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--opts') args.opts = value;
    else if (flag === '--events') set('ApplicationMgr', 'EvtMax', Number(value));
    else if (flag === '--state-mb') set('RecoGeometrySvc', 'StateMB', Number(value));
    else if (flag === '--out') set('ApplicationMgr', 'OutputDir', value);
    else if (flag === '--set') {
      const m = /^(\w+)\.(\w+)=(.*)$/s.exec(value);
      if (!m) throw new Error(`--set takes Client.Property=<JSON value> (got ${value})`);
      set(m[1], m[2], JSON.parse(m[3]));
    }
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

async function main() {
  const { opts, overrides } = parseArgs(process.argv.slice(2));
  const app = createApplication({ options: opts, components, overrides });
  const summary = await app.run();
  process.stdout.write(
    `${summary.processed} events (${summary.failed} failed) with ${summary.eventLoop} in ${(summary.wallMs / 1000).toFixed(2)} s\n` +
      `outputs:\n${summary.outputs.map((f) => `  ${f}\n`).join('')}`,
  );
  return summary.failed > 0 ? 4 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`reco: ${error.message}\n`);
    process.exitCode = 1;
  },
);
