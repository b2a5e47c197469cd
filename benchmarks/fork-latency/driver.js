// Runs every fork-latency configuration, each in a fresh node process, then the hang soak,
// and writes the results as markdown (benchmarks/results/fork-latency.md by default, then
// docs/benchmarks.md is re-assembled).
//
//   node benchmarks/fork-latency/driver.js              full run (npm run bench:fork)
//   node benchmarks/fork-latency/driver.js --quick      small sizes, a few seconds; prints
//                                                       the markdown unless --out is given
//   node benchmarks/fork-latency/driver.js --out FILE   write FILE instead
//   node benchmarks/fork-latency/driver.js --part latency|soak
//                     measure one part again; the other comes from the last full run's
//                     raw data (benchmarks/fork-latency/last-results.json)
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { assembleBenchmarks, machineSummary } = require('../../scripts/assemble-benchmarks.js');
const { formatResults } = require('./report.js');

const root = path.join(__dirname, '..', '..');
const defaultOut = path.join(root, 'benchmarks', 'results', 'fork-latency.md');
const defaultRaw = path.join(__dirname, 'last-results.json');

const PLANS = {
  full: {
    sizesMiB: [100, 500, 1024],
    forkRepeat: 21, // the first fork, then 20 more
    rebuildRepeat: 3,
    sharedValuesMiB: [1024],
    soak: { forks: 1000, concurrency: 2, objects: 2_000_000, state: 16 },
  },
  quick: {
    sizesMiB: [8, 32],
    forkRepeat: 4,
    rebuildRepeat: 1,
    sharedValuesMiB: [32],
    soak: { forks: 6, concurrency: 2, objects: 200_000, state: 4 },
  },
};

// The fork-latency runs use the flag fork() needs; the soak runs with the cowloop command's
// own flags (src/cli/node-flags.ts), whose 1 MiB semi-space makes children GC more.
const RUN_FLAGS = ['--single-threaded'];
const SOAK_FLAGS = ['--single-threaded', '--max-semi-space-size=1'];

function runJson(args, label) {
  const shown = `node ${args.map((a) => (path.isAbsolute(a) ? rel(a) : a)).join(' ')}`;
  process.stderr.write(`[driver] ${shown}\n`);
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status ?? r.signal}): ${shown}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** The commit measured, and whether the addon's sources differ from it. */
function revision() {
  const git = (...a) => spawnSync('git', a, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'unknown revision';
  const dirty = git('status', '--porcelain', '--', 'native', 'binding.gyp', 'src/process').stdout.trim() !== '';
  return `commit ${head.stdout.trim()}${dirty ? ' with uncommitted changes in native/ or src/process/' : ''}`;
}

function rel(file) {
  return path.relative(root, file);
}

function runLatency(plan) {
  const runScript = path.join(__dirname, 'run.js');
  const runs = [];
  for (const size of plan.sizesMiB) {
    runs.push(runJson([...RUN_FLAGS, runScript, '--size', String(size), '--method', 'cowloop', '--repeat', String(plan.forkRepeat)], 'fork run'));
    runs.push(runJson([...RUN_FLAGS, runScript, '--size', String(size), '--method', 'child-process', '--repeat', String(plan.rebuildRepeat)], 'child_process run'));
    if (plan.sharedValuesMiB.includes(size)) {
      runs.push(runJson([...RUN_FLAGS, runScript, '--size', String(size), '--method', 'cowloop', '--values', 'shared', '--repeat', String(plan.forkRepeat)], 'fork run, shared values'));
    }
  }
  return runs;
}

/** fork() of a plain C process with the same amount of memory: the kernel's own cost. */
function runKernelFloor(plan) {
  const sizeMiB = Math.max(...plan.sizesMiB);
  const exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-floor-')), 'kernel-floor');
  try {
    const cc = spawnSync('cc', ['-O2', '-o', exe, path.join(__dirname, 'kernel-floor.c')], { encoding: 'utf8' });
    if (cc.status !== 0) {
      process.stderr.write(`[driver] no C compiler (cc): kernel floor not measured\n`);
      return undefined;
    }
    const measure = (pages) => {
      process.stderr.write(`[driver] kernel-floor ${sizeMiB} ${pages} ${plan.forkRepeat}\n`);
      const r = spawnSync(exe, [String(sizeMiB), pages, String(plan.forkRepeat)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`kernel-floor failed: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    let thp = 'unknown';
    try {
      thp = fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim();
    } catch {
      /* no THP */
    }
    return { sizeMiB, small: measure('small'), huge: measure('huge'), thp };
  } finally {
    fs.rmSync(path.dirname(exe), { recursive: true, force: true });
  }
}

function runSoak(plan) {
  const { forks, concurrency, objects, state } = plan.soak;
  return runJson([
    ...SOAK_FLAGS, path.join(__dirname, 'hang-soak.js'),
    '--forks', String(forks), '--concurrency', String(concurrency), '--objects', String(objects), '--state', String(state),
  ], 'hang soak');
}

function main() {
  const { values: args } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      part: { type: 'string', default: 'all' },
    },
  });
  if (!['all', 'latency', 'soak'].includes(args.part)) throw new Error(`--part must be all, latency or soak (got ${args.part})`);
  const mode = args.quick ? 'quick' : 'full';
  const plan = PLANS[mode];
  const out = args.out ? path.resolve(args.out) : args.quick ? undefined : defaultOut;
  // A full run keeps its raw data, so that one part can be measured again on its own.
  const raw = out === defaultOut ? defaultRaw : undefined;
  const saved = raw && fs.existsSync(raw) ? JSON.parse(fs.readFileSync(raw, 'utf8')) : {};

  const provenance = () => ({
    command: ['node', rel(__filename), ...process.argv.slice(2)].join(' '),
    date: new Date().toISOString().slice(0, 10),
    revision: revision(),
    machine: machineSummary(),
    // Other work on a 2-core machine shows up in every latency: say how busy it was.
    loadAverage: os.loadavg()[0],
  });
  const data = { ...saved };
  if (args.part !== 'soak') data.latency = { ...provenance(), runs: runLatency(plan), kernelFloor: runKernelFloor(plan) };
  if (args.part !== 'latency') data.soak = { ...provenance(), result: runSoak(plan) };
  if (raw) fs.writeFileSync(raw, `${JSON.stringify(data, null, 1)}\n`);
  const missing = ['latency', 'soak'].filter((part) => !data[part]);
  if (missing.length > 0) {
    process.stderr.write(`[driver] kept the ${args.part} results; no ${missing[0]} results yet, so no report: ` +
      `run the driver with --part ${missing[0]}\n`);
    return;
  }

  const markdown = formatResults({ mode, runFlags: RUN_FLAGS, soakFlags: SOAK_FLAGS, ...data });
  if (!out) {
    process.stdout.write(markdown);
    return;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, markdown);
  process.stderr.write(`[driver] wrote ${rel(out)}\n`);
  if (out === defaultOut) assembleBenchmarks();
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error.stack ?? error}${os.EOL}`);
  process.exit(1);
}
