// Runs every fork-latency configuration, each in a fresh node process, then the hang soak,
// and writes the results as markdown (benchmarks/results/fork-latency.md by default, then
// docs/benchmarks.md is re-assembled).
//
//   node benchmarks/fork-latency/driver.js              full run (npm run bench:fork)
//   node benchmarks/fork-latency/driver.js --quick      small sizes, a few seconds; prints
//                                                       the markdown unless --out is given
//   node benchmarks/fork-latency/driver.js --out FILE   write FILE instead
//   node benchmarks/fork-latency/driver.js --part latency|huge|soak
//                     measure one part again; the others come from the last full run's
//                     raw data (benchmarks/fork-latency/last-results.json). "huge" is the
//                     huge-page comparison at 1 GiB: the default, fork's hugePages option,
//                     glibc's malloc in huge pages, and both, in interleaved rounds with the
//                     kernel floor (4 KiB and huge pages) measured in each round
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
    huge: { sizeMiB: 1024, rounds: 4, repeat: 8 },
  },
  quick: {
    sizesMiB: [8, 32],
    forkRepeat: 4,
    rebuildRepeat: 1,
    sharedValuesMiB: [32],
    soak: { forks: 6, concurrency: 2, objects: 200_000, state: 4 },
    huge: { sizeMiB: 64, rounds: 1, repeat: 3 },
  },
};

// The fork-latency runs use the flag fork() needs; the soak runs with the cowloop command's
// own flags (src/cli/node-flags.ts), whose 1 MiB semi-space makes children GC more.
const RUN_FLAGS = ['--single-threaded'];
const SOAK_FLAGS = ['--single-threaded', '--max-semi-space-size=1'];

function runJson(args, label, env) {
  const shown = `node ${args.map((a) => (path.isAbsolute(a) ? rel(a) : a)).join(' ')}`;
  process.stderr.write(`[driver] ${env ? `${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} ` : ''}${shown}\n`);
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
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

/**
 * Compiles kernel-floor.c and hands `use` a function measuring fork() of a plain C process
 * with the same amount of memory, the kernel's own cost: (sizeMiB, 'small'|'huge', repeat,
 * cpu) -> ms per fork (CPU time with cpu, else wall time). Without a C compiler `use` is not called and the result is undefined.
 */
function withKernelFloor(use) {
  const exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-floor-')), 'kernel-floor');
  try {
    const cc = spawnSync('cc', ['-O2', '-o', exe, path.join(__dirname, 'kernel-floor.c')], { encoding: 'utf8' });
    if (cc.status !== 0) {
      process.stderr.write(`[driver] no C compiler (cc): kernel floor not measured\n`);
      return undefined;
    }
    return use((sizeMiB, pages, repeat, cpu = false) => {
      const args = [String(sizeMiB), pages, String(repeat), ...(cpu ? ['cpu'] : [])];
      process.stderr.write(`[driver] kernel-floor ${args.join(' ')}\n`);
      const r = spawnSync(exe, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`kernel-floor failed: ${r.stderr}`);
      return JSON.parse(r.stdout);
    });
  } finally {
    fs.rmSync(path.dirname(exe), { recursive: true, force: true });
  }
}

function thpSettings() {
  const read = (name) => {
    try {
      return fs.readFileSync(`/sys/kernel/mm/transparent_hugepage/${name}`, 'utf8').trim();
    } catch {
      return 'unknown';
    }
  };
  return { enabled: read('enabled'), defrag: read('defrag') };
}

function runKernelFloor(plan) {
  const sizeMiB = Math.max(...plan.sizesMiB);
  return withKernelFloor((measure) => ({
    sizeMiB,
    small: measure(sizeMiB, 'small', plan.forkRepeat),
    huge: measure(sizeMiB, 'huge', plan.forkRepeat),
    thp: thpSettings().enabled,
  }));
}

// The huge-page comparison: each configuration in its own node process, all of them once
// per round, so that load from other work falls on all alike.
const HUGE_CONFIGS = [
  { name: 'default', flags: [], env: undefined },
  { name: 'hugePages', flags: ['--huge-pages'], env: undefined },
  { name: 'malloc', flags: [], env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' } },
  { name: 'both', flags: ['--huge-pages'], env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' } },
];

function runHuge(plan) {
  const { sizeMiB, rounds, repeat } = plan.huge;
  const runScript = path.join(__dirname, 'run.js');
  const uptime = () => spawnSync('uptime', { encoding: 'utf8' }).stdout?.trim() ?? '';
  const out = { sizeMiB, rounds, repeat, thp: thpSettings(), uptimeBefore: uptime(), runs: [], floor: [] };
  withKernelFloor((measure) => {
    for (let round = 0; round < rounds; round++) {
      for (const config of HUGE_CONFIGS) {
        const args = [...RUN_FLAGS, runScript, '--size', String(sizeMiB), '--method', 'cowloop', '--work', '--repeat', String(repeat), ...config.flags];
        out.runs.push({ round, config: config.name, ...runJson(args, `huge-page run (${config.name})`, config.env) });
      }
      out.floor.push({
        round,
        small: measure(sizeMiB, 'small', repeat),
        huge: measure(sizeMiB, 'huge', repeat),
        smallCpu: measure(sizeMiB, 'small', repeat, true),
        hugeCpu: measure(sizeMiB, 'huge', repeat, true),
      });
    }
  });
  out.uptimeAfter = uptime();
  return out;
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
  if (!['all', 'latency', 'huge', 'soak'].includes(args.part)) throw new Error(`--part must be all, latency, huge or soak (got ${args.part})`);
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
  const measures = (part) => args.part === 'all' || args.part === part;
  if (measures('latency')) data.latency = { ...provenance(), runs: runLatency(plan), kernelFloor: runKernelFloor(plan) };
  if (measures('huge')) data.huge = { ...provenance(), ...runHuge(plan) };
  if (measures('soak')) data.soak = { ...provenance(), result: runSoak(plan) };
  if (raw) fs.writeFileSync(raw, `${JSON.stringify(data, null, 1)}\n`);
  const missing = ['latency', 'huge', 'soak'].filter((part) => !data[part]);
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
