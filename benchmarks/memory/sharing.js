'use strict';
// The candidates for keeping a forked worker's pages shared, measured one by one on the
// reco job (cowloop's MpEventLoopMgr, fork after initialize unless said otherwise):
//   node benchmarks/memory/sharing.js [--state MB] [--workers N] [--events N] [--out FILE] [--only a,b]
// (--only: run the variants whose names contain one of the given words)
// Writes a markdown table (default benchmarks/memory/sharing-results.md) and prints rows.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { measure } = require('./measure.js');

const { values } = parseArgs({
  options: {
    state: { type: 'string', default: '500' },
    workers: { type: 'string', default: '4' },
    events: { type: 'string', default: '10000' },
    out: { type: 'string', default: path.join(__dirname, 'sharing-results.md') },
    only: { type: 'string', default: '' },
  },
});
const base = { kind: 'cowloop', stateMB: Number(values.state), workers: Number(values.workers), events: Number(values.events), every: 1000 };
const ST = '--single-threaded';

const variants = [
  { name: 'serial, node defaults', cfg: { kind: 'serial' } },
  { name: 'serial, --max-semi-space-size=1', cfg: { kind: 'serial', nodeFlags: ['--max-semi-space-size=1'] } },
  { name: 'semi-space 1 MiB (CLI default)', cfg: { nodeFlags: [ST, '--max-semi-space-size=1'] }, traceGc: true },
  { name: 'semi-space 2 MiB', cfg: { nodeFlags: [ST, '--max-semi-space-size=2'] } },
  { name: 'semi-space 4 MiB', cfg: { nodeFlags: [ST, '--max-semi-space-size=4'] } },
  { name: 'semi-space 8 MiB', cfg: { nodeFlags: [ST, '--max-semi-space-size=8'] } },
  { name: 'semi-space 16 MiB', cfg: { nodeFlags: [ST, '--max-semi-space-size=16'] } },
  { name: 'semi-space V8 default', cfg: { nodeFlags: [ST] } },
  { name: 'no warm-up GC', cfg: { warmupGC: false } },
  { name: '--no-compact', cfg: { nodeFlags: [ST, '--max-semi-space-size=1', '--no-compact'] } },
  { name: 'ForkAfterEvents=1', cfg: { kind: 'cowloop-first' } },
  { name: 'ForkAfterEvents=200', cfg: { forkAfter: 200 } },
  { name: 'full GC, then 200 events, then fork', cfg: { forkAfter: 200, gcFirst: true, warmupGC: false } },
  { name: 'full GC, then 1000 events, then fork', cfg: { forkAfter: 1000, gcFirst: true, warmupGC: false } },
];

/** Counts scavenges and mark-compacts in the workers' logs (--trace-gc). */
function gcCounts(dir) {
  const counts = { scavenges: 0, markCompacts: 0, workers: 0 };
  // Each run keeps its workers' directories under workers/<run id>/; run ids sort by time.
  const runs = fs.readdirSync(path.join(dir, 'workers')).sort();
  const root = path.join(dir, 'workers', runs[runs.length - 1]);
  for (const w of fs.readdirSync(root).filter((d) => d.startsWith('worker_'))) {
    const log = fs.readFileSync(path.join(root, w, 'worker.log'), 'utf8');
    counts.workers++;
    counts.scavenges += (log.match(/Scavenge/g) ?? []).length;
    counts.markCompacts += (log.match(/Mark-Compact/g) ?? []).length;
  }
  return counts;
}

const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));

async function main() {
  const rows = [];
  for (const v of variants) {
    if (values.only && !values.only.split(',').some((w) => v.name.includes(w))) continue;
    const cfg = { ...base, ...v.cfg };
    let outDir;
    if (v.traceGc) {
      outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-gc-'));
      cfg.outDir = outDir;
      cfg.nodeFlags = [...cfg.nodeFlags, '--trace-gc'];
    }
    const r = await measure(cfg);
    if (outDir) {
      r.gc = gcCounts(outDir);
      fs.rmSync(outDir, { recursive: true, force: true });
    }
    r.name = v.name;
    rows.push(r);
    process.stdout.write(`${v.name}: PSS ${f(r.totalPssMiB)} MiB, worker USS ${f(r.meanWorkerUssMiB)} MiB, ${f(r.cpuMsPerEvent, 3)} ms CPU/event, ${f(r.eventsPerSecond, 0)} ev/s\n`);
  }
  const serial = rows.find((r) => r.kind === 'serial');
  const lines = [
    `# Keeping pages shared: candidates measured`,
    '',
    `Reco job, ${base.stateMB} MB of state, ${base.workers} workers x ${base.events} events (50 field steps per track), ${os.availableParallelism()} cores, Node ${process.version}.`,
    `Command: \`node benchmarks/memory/sharing.js --state ${values.state} --workers ${values.workers} --events ${values.events}${values.only ? ` --only '${values.only}'` : ''}\``,
    '',
    '| variant | total PSS MiB | / serial | worker USS MiB | unshared by the worker MiB | master-side copies MiB | new pages MiB | CPU ms/event | minor faults/event | events/s (all workers) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ratio = serial && r.kind !== 'serial' ? r.totalPssMiB / serial.totalPssMiB : null;
    const uss = r.kind === 'serial' ? r.masterUssMiB : r.meanWorkerUssMiB;
    lines.push(
      `| ${r.name} | ${f(r.totalPssMiB, 0)} | ${f(ratio, 3)} | ${f(uss)} | ${f(r.sharing?.unsharedAnonMiB)} | ${f(r.sharing?.siblingsMiB)} | ${f(r.sharing?.freshMiB)} | ${f(r.cpuMsPerEvent, 3)} | ${f(r.minfltPerEvent, 2)} | ${f(r.eventsPerSecond, 0)} |`,
    );
  }
  const traced = rows.find((r) => r.gc);
  if (traced) {
    lines.push('', `--trace-gc in the workers (${traced.name}): ${traced.gc.scavenges} scavenges and ${traced.gc.markCompacts} mark-compacts over ${traced.gc.workers} workers.`);
  }
  lines.push('', 'Worker USS against events (MiB), first worker of each variant:', '');
  for (const r of rows.filter((x) => x.kind !== 'serial')) {
    lines.push(`- ${r.name}: ${r.samples[0].map(([e, u]) => `${e}: ${u.toFixed(1)}`).join(', ')}`);
  }
  fs.writeFileSync(values.out, `${lines.join('\n')}\n`);
  fs.writeFileSync(values.out.replace(/\.md$/, '.json'), JSON.stringify(rows, null, 1));
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
