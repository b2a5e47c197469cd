'use strict';
// Long runs: the memory the master and its workers hold after many events, and the master's
// CPU while the workers run, with the cowloop command on the reco example (2 workers,
// sharedqueue, the defaults otherwise).
//   node benchmarks/memory/long-run.js [--events 120000] [--state-mb 500] [--rounds 2]
//                                      [--before DIR [--before-name NAME]] [--out FILE]
//   node benchmarks/memory/long-run.js --semi-space 1,2,4,8 [--events N] ...
// Each round runs, in turn: this build; this build with V8's memory reducer back on (node
// --memory-reducer before bin/cowloop.js: it comes after the command's own flags); and, with
// --before, DIR's bin/cowloop.js (a built copy of another version). With --semi-space, this
// build once per young-generation size instead (node --max-semi-space-size=N before
// bin/cowloop.js), written to memory-long-run-semi-space-<events>.md. Memory comes from the
// command's --mem-profile samples (/proc/<pid>/smaps_rollup of every process, about twice a
// second); CPU from its --json report. Writes benchmarks/results/memory-long-run.md.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.join(__dirname, '..', '..');
const { values: opts } = parseArgs({
  options: {
    events: { type: 'string', default: '120000' },
    'state-mb': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '2' },
    before: { type: 'string' },
    'before-name': { type: 'string', default: 'an earlier version' },
    'semi-space': { type: 'string' },
    out: { type: 'string' },
  },
});
const semiSpaces = opts['semi-space']?.split(',').map(Number);
const events = Number(opts.events);
const stateMB = Number(opts['state-mb']);
const rounds = Number(opts.rounds);
// Node.js 20 is the machine's own node; another release's results get a file of their own.
const major = process.versions.node.split('.')[0];
const release = major === '20' ? '' : `-node${major}`;
const out = opts.out ?? path.join(root, 'benchmarks', 'results', semiSpaces ? `memory-long-run-semi-space-${events}${release}.md` : `memory-long-run${release}.md`);
const configs = semiSpaces
  ? semiSpaces.map((n) => ({ name: `--max-semi-space-size=${n}${n === 1 ? ' (the command\'s own)' : ''}`, root, nodeFlags: [`--max-semi-space-size=${n}`] }))
  : [
    ...(opts.before ? [{ name: `before (${opts['before-name']})`, root: path.resolve(opts.before), nodeFlags: [] }] : []),
    { name: 'this build (defaults)', root, nodeFlags: [] },
    { name: 'this build, V8\'s memory reducer on', root, nodeFlags: ['--memory-reducer'] },
  ];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-long-run-'));
const input = path.join(tmp, 'hits.ndjson');
execFileSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(events), '--out', input]);

function runOnce(cfg, n) {
  const out = path.join(tmp, `out-${n}`);
  const profile = path.join(tmp, `mem-${n}.ndjson`);
  const args = [
    ...cfg.nodeFlags, path.join(cfg.root, 'bin', 'cowloop.js'), 'run', path.join(cfg.root, 'examples', 'reco', 'reco-mp.opts'),
    '--events', String(events), '--out', out, '--strategy', 'sharedqueue', '-q', '--json', '--mem-profile', profile,
    '--set', `RecoInputSvc.File=${input}`, '--set', `RecoInputSvc.Events=${events}`, '--set', `EventSelector.Input=["${input}"]`,
    '--set', `RecoGeometrySvc.StateMB=${stateMB}`, '--set', 'MpEventLoopMgr.WarnSemiSpace=false',
  ];
  const summary = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 }));
  if (summary.status !== 'ok' && summary.exitCode !== 0) throw new Error(`${cfg.name}: run ended ${summary.status}`);
  const samples = fs.readFileSync(profile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(profile, { force: true });
  // The samples while workers ran: the last such sample, and peaks over all of them.
  const times = [...new Set(samples.filter((s) => s.index >= 0).map((s) => s.tMs))].sort((a, b) => a - b);
  if (times.length === 0) throw new Error(`${cfg.name}: no memory sample was taken while the workers ran (about two a second): give more --events`);
  const at = (t) => samples.filter((s) => s.tMs === t);
  const last = at(times[times.length - 1]);
  const masterAt = (t) => at(t).find((s) => s.index === -1);
  const workerPeak = new Map();
  for (const s of samples) if (s.index >= 0) workerPeak.set(s.pid, Math.max(workerPeak.get(s.pid) ?? 0, s.uss));
  const totalPss = Math.max(...times.map((t) => at(t).reduce((a, s) => a + s.pss, 0)));
  const timing = summary.multiProcess.timing;
  return {
    wallS: summary.wallMs / 1000,
    masterCpuMs: timing.masterCpuMs,
    workersS: timing.workersMs / 1000,
    masterUss: masterAt(times[times.length - 1])?.uss ?? NaN,
    workerUss: [...workerPeak.values()].reduce((a, b) => a + b, 0) / workerPeak.size,
    workerUssLast: last.filter((s) => s.index >= 0).reduce((a, s) => a + s.uss, 0) / last.filter((s) => s.index >= 0).length,
    totalPss,
  };
}

const loadBefore = os.loadavg()[0];
const rows = configs.map(() => []);
for (let r = 0; r < rounds; r++) {
  configs.forEach((cfg, i) => {
    const m = runOnce(cfg, `${r}-${i}`);
    rows[i].push(m);
    process.stderr.write(`round ${r + 1}, ${cfg.name}: ${m.wallS.toFixed(1)} s, master CPU while workers ran ${m.masterCpuMs.toFixed(0)} ms, ` +
      `master USS ${m.masterUss.toFixed(1)} MiB, worker USS peak ${m.workerUss.toFixed(1)} MiB, total PSS peak ${m.totalPss.toFixed(0)} MiB\n`);
  });
}
const loadAfter = os.loadavg()[0];
fs.rmSync(tmp, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const med = (i, f) => median(rows[i].map(f));
const command = `node benchmarks/memory/long-run.js --events ${events} --state-mb ${stateMB} --rounds ${rounds}` +
  `${opts.before ? ` --before <build of ${opts['before-name']}>` : ''}${semiSpaces ? ` --semi-space ${semiSpaces.join(',')}` : ''}`;
const lines = [
  semiSpaces
    ? `## Long runs: the young generation's size, ${events.toLocaleString('en-US')} events`
    : `## Long runs: memory and the master's CPU after ${events.toLocaleString('en-US')} events${release ? `, Node.js ${major}` : ''}`, '',
  `Command: \`${command}\` with node ${process.version} (${os.availableParallelism()} cores; load average ${loadBefore.toFixed(1)} when it started, ${loadAfter.toFixed(1)} when it ended). ` +
  `The reco example through the cowloop command: ${stateMB} MB of state, 2 workers, sharedqueue, ${events.toLocaleString('en-US')} events, the defaults otherwise; ` +
  `${rounds} rounds, the configurations taking turns, medians. Memory from the command's \`--mem-profile\` samples (smaps_rollup of each process about twice a second): ` +
  'the master\'s private memory (USS) at the last sample while the workers ran, each worker\'s peak USS (mean of the workers), the peak of the tree\'s total PSS. ' +
  'The master\'s CPU while the workers ran is `multiProcess.timing.masterCpuMs` of the run\'s `--json` summary; it includes the sampling itself ' +
  '(the master reads smaps_rollup of every process about twice a second), the same in every row.', '',
  '| configuration | wall s | workers\' span s | master CPU while the workers ran, ms | master USS, MiB | worker USS peak, MiB | total PSS peak, MiB |',
  '|---|---|---|---|---|---|---|',
  ...configs.map((cfg, i) => `| ${cfg.name} | ${med(i, (m) => m.wallS).toFixed(1)} | ${med(i, (m) => m.workersS).toFixed(1)} | ${med(i, (m) => m.masterCpuMs).toFixed(0)} | ` +
    `${med(i, (m) => m.masterUss).toFixed(1)} | ${med(i, (m) => m.workerUss).toFixed(1)} | ${med(i, (m) => m.totalPss).toFixed(0)} |`),
  '',
];
fs.writeFileSync(out, `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\nwritten to ${out}\n`);
