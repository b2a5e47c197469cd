'use strict';
// CSV against NDJSON input: the same job on the same events in both formats, serially and
// with 4 workers under every dispatch strategy. Each configuration runs in a fresh node
// process (benchmarks/csv-input/one.js); every multi-process output is checked against the
// serial one of its format, and the two formats' outputs against each other.
//
//   node benchmarks/csv-input/run.js [--events N] [--workers N] [--json FILE] [--before FILE] [--out FILE]
//
// Writes benchmarks/results/csv-input.md (or --out FILE; with --events other than 20000,
// csv-input-quick.md), and with --json the raw figures. --before FILE (such a JSON file,
// measured on an earlier commit) adds a table comparing it with this build at its event count.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { writeInputs } = require('./input.js');

const root = path.join(__dirname, '..', '..');
const flags = ['--single-threaded', '--max-semi-space-size=1'];
const STRATEGIES = ['roundrobin', 'sharedqueue', 'ranges', 'files'];
const FILES = 4;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}

function commit() {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${hash} with uncommitted changes to src/` : hash;
  } catch {
    return 'unknown';
  }
}

/** Every configuration of one event count: serial and `workers` workers per strategy, both formats. */
function measure(events, workers, log) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-bench-csv-'));
  try {
    const inputs = writeInputs(tmp, events, FILES);
    const rows = [];
    for (const format of ['ndjson', 'csv']) {
      let serialOutput;
      for (const strategy of ['serial', ...STRATEGIES]) {
        const out = path.join(tmp, `${format}-${strategy}`);
        const cfg = { inputs: inputs[format], workers: strategy === 'serial' ? 0 : workers, strategy, out };
        const t0 = Date.now();
        const text = execFileSync(process.execPath, [...flags, path.join(__dirname, 'one.js'), JSON.stringify(cfg)], { encoding: 'utf8', maxBuffer: 1 << 24 });
        const r = JSON.parse(text.trim().split('\n').pop());
        if (r.processed !== events) throw new Error(`${format} ${strategy}: ${r.processed} events processed, expected ${events}`);
        const output = fs.readFileSync(r.output);
        if (strategy === 'serial') serialOutput = output;
        else if (!output.equals(serialOutput)) throw new Error(`${format} ${strategy}: the output differs from the serial run's`);
        rows.push({ format, strategy, workers: cfg.workers, wallMs: r.wallMs, cpuMs: r.cpuMs, workerUss: r.workerUss });
        log(`${format} ${strategy}: ${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
        fs.rmSync(out, { recursive: true, force: true });
      }
    }
    return rows;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const uss = (r) => (r.workerUss.length ? `${Math.max(...r.workerUss).toFixed(1)} (${r.workerUss.map((u) => u.toFixed(0)).join(', ')})` : '–');

function table(rows) {
  const lines = ['| input | run | wall | x serial wall | CPU (master + workers) | worker peak USS MiB: max (each) |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const serial = rows.find((x) => x.format === r.format && x.strategy === 'serial');
    const run = r.strategy === 'serial' ? 'serial' : `${r.workers} workers, ${r.strategy}`;
    lines.push(`| ${r.format.toUpperCase()} | ${run} | ${s(r.wallMs)} | ${(r.wallMs / serial.wallMs).toFixed(2)} | ${s(r.cpuMs)} | ${uss(r)} |`);
  }
  return lines;
}

function main() {
  const events = Number(arg('--events', '20000'));
  const workers = Number(arg('--workers', '4'));
  const log = (line) => process.stderr.write(`${line}\n`);
  const cmd = ['node benchmarks/csv-input/run.js', ...process.argv.slice(2)].join(' ');
  const rows = measure(events, workers, log);
  const when = new Date().toISOString().slice(0, 10);
  const result = { events, workers, commit: commit(), date: when, cores: os.availableParallelism(), rows };
  const jsonOut = arg('--json');
  if (jsonOut) fs.writeFileSync(jsonOut, `${JSON.stringify(result, null, 2)}\n`);

  const lines = ['## CSV and NDJSON input', ''];
  lines.push(`Command: \`${cmd}\`, ${when}, commit ${result.commit}; node ${process.version}, flags ${flags.join(' ')}, each run in a fresh process. ` +
    `Machine: ${result.cores} cores, so ${workers} workers share 2 cores and no speedup can exceed 2.`, '');
  lines.push(`The same ${events.toLocaleString('en')} events (5 fields; one in ten has a line end inside a quoted field) in ${FILES} files, as NDJSON and as CSV ` +
    '(with a header), read by EventSelector and run through a light algorithm and an OutputStream. Wall and CPU time are those of the event loop ' +
    '(`executeRun`: forking, the workers and the merge; initialisation and indexing are outside), CPU summed over the master and the workers. ' +
    'Worker USS is the private memory each worker reports at its end (sampled every 10 s as well). Every multi-process output is checked byte for byte ' +
    'against the serial output of its format.', '');
  lines.push(`### ${events.toLocaleString('en')} events`, '', ...table(rows), '');

  const beforeFile = arg('--before');
  if (beforeFile) {
    const before = JSON.parse(fs.readFileSync(beforeFile, 'utf8'));
    log(`again at ${before.events} events, to compare with ${beforeFile}`);
    const now = before.events === events ? rows : measure(before.events, before.workers, log);
    lines.push(`### Before and after the CSV record index (${before.events.toLocaleString('en')} events, ${before.workers} workers)`, '');
    lines.push(`Before: commit ${before.commit}, ${before.date} (\`node benchmarks/csv-input/run.js --events ${before.events} --json ${path.relative(root, beforeFile)}\` on that commit's build). ` +
      `After: this build.`, '');
    lines.push('| input | run | wall before | wall after | CPU before | CPU after | worker peak USS MiB before | after |', '|---|---|---|---|---|---|---|---|');
    for (const b of before.rows) {
      const a = now.find((r) => r.format === b.format && r.strategy === b.strategy);
      const run = b.strategy === 'serial' ? 'serial' : `${b.workers} workers, ${b.strategy}`;
      lines.push(`| ${b.format.toUpperCase()} | ${run} | ${s(b.wallMs)} | ${s(a.wallMs)} | ${s(b.cpuMs)} | ${s(a.cpuMs)} | ${uss(b)} | ${uss(a)} |`);
    }
    lines.push('');
  }

  const out = arg('--out') ?? path.join(root, 'benchmarks', 'results', events === 20000 ? 'csv-input.md' : 'csv-input-quick.md');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\nwritten to ${out}\n`);
}

main();
