'use strict';
// Tiny events: N small NDJSON records through two trivial algorithms and an OutputStream,
// with every other setting at its default, run by the cowloop command serially, with 1
// worker and with 2. The configurations take turns (round after round) so that load from
// other processes falls on all of them alike; medians are reported, and the figures that
// matter are the ratios to the serial run of the same round.
//   node benchmarks/tiny-events/run.js [--events N] [--rounds R] [--set Client.Prop=value ...]
//     [--before DIR [--before-name NAME]] [--out FILE]
// --before DIR: also run DIR's bin/cowloop.js (a built copy of another version: bin, dist,
// build, node_modules, package.json) in the same rounds, for before/after figures.
// Writes benchmarks/results/tiny-events.md (or FILE; --quick: 100,000 events, 1 round, to
// benchmarks/results/tiny-events-quick.md).
const { spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    events: { type: 'string' },
    rounds: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    before: { type: 'string' },
    'before-name': { type: 'string', default: 'an earlier version' },
  },
});
const quick = opts.quick;
const events = Number(opts.events ?? (quick ? 100_000 : 1_000_000));
const rounds = Number(opts.rounds ?? (quick ? 1 : 5));
const sets = opts.set.flatMap((s) => ['--set', s]);
const outFile = opts.out ?? path.join(root, 'benchmarks', 'results', quick ? 'tiny-events-quick.md' : 'tiny-events.md');
const before = opts.before;
const beforeName = opts['before-name'];
const VERSIONS = [...(before ? [{ name: 'before', root: path.resolve(before) }] : []), { name: before ? 'after' : '', root }];
const CONFIGS = VERSIONS.flatMap((v) => [
  { label: 'serial', workers: 0 },
  { label: '1 worker', workers: 1 },
  { label: '2 workers', workers: 2 },
].map((c) => ({ ...c, version: v, label: v.name ? `${v.name}: ${c.label}` : c.label })));

/** CPU time of this process's waited-for children (and theirs), in ms: /proc/self/stat utime... cstime. */
function childCpuMs() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  return { user: Number(fields[13]) * tick, sys: Number(fields[14]) * tick };
}

/** Busy and total CPU time of the whole machine so far, ms (/proc/stat; idle and iowait are not busy). */
function machineCpuMs() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: (total - f[3] - f[4]) * 10, total: total * 10 };
}

function writeInput(dir) {
  const input = path.join(dir, 'input.ndjson');
  const fd = fs.openSync(input, 'w');
  const batch = [];
  for (let i = 0; i < events; i++) {
    batch.push(`{"id":${i},"a":${i % 97},"b":${i % 13}}\n`);
    if (batch.length === 10_000) fs.writeSync(fd, batch.splice(0).join(''));
  }
  fs.writeSync(fd, batch.join(''));
  fs.closeSync(fd);
  return input;
}

/** The job in its own directory, where `cowloop` (imported by the components) is the version's. */
function writeJob(dir, input, version) {
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(version.root, path.join(dir, 'node_modules', 'cowloop'));
  fs.copyFileSync(path.join(__dirname, 'components.mjs'), path.join(dir, 'components.mjs'));
  const opts = path.join(dir, 'tiny.opts');
  fs.writeFileSync(opts, [
    'ApplicationMgr.Modules   = { "./components.mjs" };',
    'ApplicationMgr.TopAlg    = { "Sum", "KeepEven", "OutputStream/Out" };',
    `ApplicationMgr.OutputDir = ${JSON.stringify(path.join(dir, 'out'))};`,
    `EventSelector.Input      = { ${JSON.stringify(input)} };`,
    'Out.Output               = "sums.ndjson";',
    'Out.ItemList             = { "sum" };',
    '',
  ].join('\n'));
  return opts;
}

function runOnce(job, workers) {
  const cpu0 = childCpuMs();
  const m0 = machineCpuMs();
  const r = spawnSync(process.execPath, [path.join(job.version.root, 'bin', 'cowloop.js'), 'run', job.opts, '--workers', String(workers), '--json', '--progress', 'none', ...sets], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const cpu1 = childCpuMs();
  const m1 = machineCpuMs();
  if (r.status !== 0) throw new Error(`cowloop run --workers ${workers} exited with ${r.status}: ${r.stderr}`);
  const summary = JSON.parse(r.stdout);
  if (summary.processed !== events) throw new Error(`processed ${summary.processed} of ${events} events`);
  return {
    wallMs: summary.wallMs,
    rate: events / (summary.wallMs / 1000),
    userMs: cpu1.user - cpu0.user,
    sysMs: cpu1.sys - cpu0.sys,
    workersCpuMs: (summary.workers ?? []).reduce((sum, w) => sum + w.cpuMs, 0),
    // The master while the workers ran (forks aside), and the merge: from the run report.
    masterWhileMs: summary.multiProcess?.timing ? summary.multiProcess.timing.masterCpuMs - summary.multiProcess.timing.forkCpuMs : NaN,
    mergeMs: summary.multiProcess?.timing?.mergeMs ?? NaN,
    // Cores other processes kept busy meanwhile: the machine's busy time less this run's.
    othersCores: Math.max(0, m1.busy - m0.busy - (cpu1.user - cpu0.user) - (cpu1.sys - cpu0.sys)) / (m1.total - m0.total) * os.availableParallelism(),
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-tiny-'));
  const loadBefore = os.loadavg()[0];
  try {
    const input = writeInput(dir);
    const jobs = new Map(VERSIONS.map((v, i) => {
      const jobDir = path.join(dir, `job-${i}`);
      return [v, { version: v, dir: jobDir, opts: writeJob(jobDir, input, v) }];
    }));
    const runs = CONFIGS.map(() => []);
    let reference;
    for (let r = 0; r < rounds; r++) {
      CONFIGS.forEach((c, i) => {
        const job = jobs.get(c.version);
        runs[i].push(runOnce(job, c.workers));
        const out = fs.readFileSync(path.join(job.dir, 'out', 'sums.ndjson'));
        if (reference === undefined) reference = out;
        else if (!out.equals(reference)) throw new Error(`${c.label}: the output differs from the serial run's`);
        process.stderr.write(`round ${r + 1}/${rounds} ${c.label}: ${JSON.stringify(runs[i].at(-1))}\n`);
      });
    }
    // Per round, each configuration's rate over the serial rate of the same version and round.
    const serialOf = (i) => CONFIGS.findIndex((c) => c.version === CONFIGS[i].version && c.workers === 0);
    const ratio = (i) => median(runs[i].map((x, r) => x.rate / runs[serialOf(i)][r].rate));
    const cpuRatio = (i) => median(runs[i].map((x, r) => (x.userMs + x.sysMs) / (runs[serialOf(i)][r].userMs + runs[serialOf(i)][r].sysMs)));
    const cmd = `node benchmarks/tiny-events/run.js${quick ? ' --quick' : ''}${opts.events ? ` --events ${events}` : ''}` +
      `${opts.rounds ? ` --rounds ${rounds}` : ''}${before ? ` --before <build of ${beforeName}>` : ''}${sets.length ? ` ${sets.map((s) => (s === '--set' ? s : `'${s}'`)).join(' ')}` : ''}`;
    const lines = [
      '## Tiny events',
      '',
      `Command: \`${cmd}\` (node ${process.version}, ${os.availableParallelism()} cores, ${rounds} round${rounds === 1 ? '' : 's'}, ` +
        `the configurations taking turns in each round; medians; load average (1 min) ${loadBefore.toFixed(1)} when it started, ` +
        `${os.loadavg()[0].toFixed(1)} when it ended).`,
      '',
      `${events.toLocaleString('en')} NDJSON records of about 30 bytes (\`{"id":i,"a":..,"b":..}\`) through two algorithms that ` +
        'do next to nothing and an OutputStream that writes every other event, with the cowloop command and default settings ' +
        '(`benchmarks/tiny-events/components.mjs`). Events/s are over the whole run as the command reports it (`wallMs` of ' +
        '`--json`: input opened, forks, events, merge); CPU is user + system time of the command and every process it started. ' +
        'Every run\'s output is compared with the serial one\'s. "x serial" compares with the serial run of the same version in the same round. ' +
        '"Master while workers ran": the master\'s CPU from the first fork to the last worker\'s end, its fork() calls aside; "merge": its wall time ' +
        '(both from the run report, `multiProcess.timing` of `--json`; "-" for a version without it).' +
        (before ? ` "before" is a build of ${beforeName}, "after" this one.` : ''),
      '',
      '| run | events / s | x serial (same round) | wall s | CPU s (user + sys) | CPU x serial | of which workers, s | master while workers ran, ms | merge, ms |',
      '|---|---|---|---|---|---|---|---|---|',
      ...CONFIGS.map((c, i) => {
        const m = (k) => median(runs[i].map((x) => x[k]));
        return `| ${c.label} | ${m('rate').toFixed(0)} | ${ratio(i).toFixed(2)} | ${(m('wallMs') / 1000).toFixed(2)} | ` +
          `${((m('userMs') + m('sysMs')) / 1000).toFixed(2)} (${(m('userMs') / 1000).toFixed(2)} + ${(m('sysMs') / 1000).toFixed(2)}) | ${cpuRatio(i).toFixed(2)} | ` +
          `${c.workers ? (m('workersCpuMs') / 1000).toFixed(2) : '-'} | ` +
          `${c.workers && Number.isFinite(m('masterWhileMs')) ? m('masterWhileMs').toFixed(0) : '-'} | ${c.workers && Number.isFinite(m('mergeMs')) ? m('mergeMs').toFixed(0) : '-'} |`;
      }),
      '',
      'Events/s against the serial run of the same round, round by round, with the cores other processes kept busy meanwhile ' +
        `(from /proc/stat; of ${os.availableParallelism()}): two workers can only be as fast as the cores left to them.`,
      '',
      ...CONFIGS.filter((c) => c.workers > 0).map((c) => {
        const i = CONFIGS.indexOf(c);
        return `- ${c.label}: ${runs[i].map((x, r) => `${(x.rate / runs[serialOf(i)][r].rate).toFixed(2)} (${x.othersCores.toFixed(1)})`).join(', ')}`;
      }),
      '',
    ];
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, `${lines.join('\n')}\n`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
