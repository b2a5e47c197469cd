#!/usr/bin/env node
'use strict';
// The long soak: 50 runs of the reco example with 4 workers, one worker killed by SIGKILL
// at a random moment in each; every run must give the serial outputs byte for byte.
// Usage: npm run soak -- [--runs 50] [--events 400] [--seed N] [--sleep-ms 1]
// (test/faults-soak.test.mjs runs a few of these in the test suite.)
const path = require('node:path');
const { pathToFileURL } = require('node:url');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} needs a whole number (got ${process.argv[i + 1]})`);
    process.exit(2);
  }
  return n;
}

async function main() {
  const module = pathToFileURL(path.join(__dirname, '..', 'test', 'fixtures', 'faults', 'soak-run.mjs')).href;
  const { soak } = await import(module);
  const options = {
    runs: flag('runs', 50),
    events: flag('events', 400),
    seed: flag('seed', Math.floor(Math.random() * 1e9)),
    sleepMs: flag('sleep-ms', 1),
    log: (line) => console.log(line),
  };
  const t0 = Date.now();
  const { seed, runs } = await soak(options);
  const hit = runs.filter((r) => r.killed !== null);
  const byStrategy = {};
  for (const r of runs) byStrategy[r.strategy] = (byStrategy[r.strategy] ?? 0) + 1;
  console.log(
    `soak passed: ${runs.length} runs (seed ${seed}; ${Object.entries(byStrategy).map(([s, n]) => `${s} ${n}`).join(', ')}), ` +
      `${hit.length} with a worker killed (${runs.reduce((n, r) => n + (r.restarts || 0), 0)} restarts in all), ` +
      `every output identical to the serial run, in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
