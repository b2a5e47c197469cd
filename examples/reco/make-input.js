#!/usr/bin/env node
'use strict';
// Generates the reco example's input: one NDJSON line of hits per event.
//   node examples/reco/make-input.js --events 2000 --out examples/reco/data/hits.ndjson [--seed 1]
// A hit is [layer, phi, z, adc]. Each event holds a few charged tracks (helices seen as
// phi = phi0 + k r, z = z0 + r cot(theta)) plus noise hits. The same seed gives the same file.
const fs = require('node:fs');
const path = require('node:path');
const { Rng } = require('cowloop');
const { LAYERS, Z_HALF, layerRadius, wrapPhi } = require('./detector.js');

const round = (x, digits) => Number(x.toFixed(digits));

/** The event with number n. */
function makeEvent(n, seed = 1) {
  const rng = new Rng([seed, 'reco-input', n]);
  const hits = [];
  const nTracks = 1 + rng.int(12);
  for (let t = 0; t < nTracks; t++) {
    const phi0 = rng.flat(0, 2 * Math.PI);
    const k = rng.flat(-0.0015, 0.0015);
    const cot = rng.flat(-1.2, 1.2);
    const z0 = rng.gauss(0, 30);
    for (let l = 0; l < LAYERS; l++) {
      const r = layerRadius(l);
      const z = z0 + cot * r + rng.gauss(0, 0.2);
      if (Math.abs(z) >= Z_HALF || rng.uniform() > 0.97) continue;
      const phi = wrapPhi(phi0 + k * r + rng.gauss(0, 0.0004));
      hits.push([l, round(phi, 6), round(z, 2), 40 + rng.poisson(60)]);
    }
  }
  const noise = rng.poisson(25);
  for (let i = 0; i < noise; i++) {
    hits.push([rng.int(LAYERS), round(rng.flat(0, 2 * Math.PI), 6), round(rng.flat(-Z_HALF, Z_HALF), 2), 20 + rng.poisson(10)]);
  }
  // Detector readout order, not track order.
  hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { run: 1, hits };
}

/** Writes `events` events to `file` (through a temporary name, so a partial file never exists). */
function writeInput(file, events, seed = 1) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    let chunk = '';
    for (let n = 0; n < events; n++) {
      chunk += `${JSON.stringify(makeEvent(n, seed))}\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function parseArgs(argv) {
  const args = { events: 2000, out: path.join(__dirname, 'data', 'hits.ndjson'), seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--events') args.events = Number(value());
    else if (a === '--out') args.out = value();
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--help' || a === '-h') args.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.events) || args.events < 0) throw new Error(`--events must be a whole number (got ${args.events})`);
  if (!Number.isInteger(args.seed)) throw new Error(`--seed must be an integer (got ${args.seed})`);
  return args;
}

if (require.main === module) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`make-input: ${e.message}\nusage: make-input.js [--events N] [--out FILE] [--seed S]\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write('usage: make-input.js [--events N] [--out FILE] [--seed S]\n');
  } else {
    writeInput(args.out, args.events, args.seed);
    process.stdout.write(`wrote ${args.events} events to ${args.out}\n`);
  }
}

module.exports = { makeEvent, writeInput };
