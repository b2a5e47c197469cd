'use strict';
// The benchmark's input: the same events written as NDJSON and as CSV (header, quoted
// fields with commas, doubled quotes and, every 10th event, a line end inside quotes),
// split into `files` files so the "files" strategy has one file per worker.
const fs = require('node:fs');
const path = require('node:path');

function event(i) {
  const note = i % 10 === 0 ? `line one of ${i}\nline "two"` : `hit ${i}, plane ${i % 7}`;
  return { id: i, energy: Number(((i * 7919) % 10007 / 97).toFixed(3)), hits: i % 53, label: `ev${i}`, note };
}

function csvField(v) {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes <dir>/input-<f>.ndjson and .csv; returns the two lists of paths. */
function writeInputs(dir, events, files) {
  const ndjson = [];
  const csv = [];
  const per = Math.ceil(events / files);
  for (let f = 0; f < files; f++) {
    const from = f * per;
    const to = Math.min(events, from + per);
    const records = [];
    for (let i = from; i < to; i++) records.push(event(i));
    const columns = Object.keys(event(0));
    const n = path.join(dir, `input-${f}.ndjson`);
    const c = path.join(dir, `input-${f}.csv`);
    fs.writeFileSync(n, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    fs.writeFileSync(c, `${columns.join(',')}\n${records.map((r) => `${columns.map((k) => csvField(r[k])).join(',')}\n`).join('')}`);
    ndjson.push(n);
    csv.push(c);
  }
  return { ndjson, csv };
}

module.exports = { writeInputs };
