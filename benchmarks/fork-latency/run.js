// One configuration of the fork-latency benchmark, in its own node process so state sizes
// do not contaminate each other. Builds the state, then times `repeat` starts of a worker
// that holds it, and prints one JSON line on stdout (progress goes to stderr).
//
//   node --single-threaded benchmarks/fork-latency/run.js --size 500 --method cowloop --repeat 21
//   node --single-threaded benchmarks/fork-latency/run.js --size 500 --method child-process --repeat 3
//   ... --values shared    the Float64Array in cowloop's sharedMemory (MAP_SHARED) instead of
//                          an ArrayBuffer: fork() copies no page tables for shared mappings
//   ... --huge-pages       fork(main, { hugePages: true }): large mappings in 2 MiB pages
//   ... --work             after its first message, each child does some work (writes 1% of
//                          the records, a value per 2 MiB, allocates) and reports its private
//                          memory (USS) and AnonHugePages from /proc/self/smaps_rollup
// With GLIBC_TUNABLES=glibc.malloc.hugetlb=1 in the environment, glibc advises its own
// mappings MADV_HUGEPAGE: the Float64Array's store is born in huge pages.
//
// cowloop:        time from calling fork() to the child's first message in the parent; the
//                 child sends it as the first thing in main, with the state inherited.
// child-process:  time from calling child_process.fork() to the first message of a fresh
//                 node process that rebuilt the same state (rebuild-child.js).
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { fork, forkSafety, collectGarbage, sharedMemory } = require('cowloop');
const { buildState, checksum } = require('./state.js');
const { median } = require('./stats.js');

const nowNs = () => Number(process.hrtime.bigint());
const ms = (ns) => ns / 1e6;

function log(message) {
  process.stderr.write(`[fork-latency ${process.pid}] ${message}\n`);
}

function mapsCount() {
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter(Boolean).length;
}

// Not public API: the preparation alone (read /proc/self/maps, MADV_DOFORK), timed and
// counted, to tell how much of a fork it is.
function prepareAlone() {
  const { native } = require('../../dist/cjs/native.js');
  const outcome = native().prepareFork();
  return { prepareMs: ms(outcome.prepareNs), mappings: outcome.mappings };
}

/** The fork-safety check fork() runs for every request, timed on its own (after warm-up). */
function safetyCheckMs() {
  const times = [];
  for (let i = 0; i < 20; i++) {
    const t0 = nowNs();
    forkSafety();
    times.push(ms(nowNs() - t0));
  }
  return median(times);
}

/** Fields of /proc/self/smaps_rollup, in MiB. */
function rollupMiB() {
  const text = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return {
    rss: kib('Rss') / 1024,
    uss: (kib('Private_Clean') + kib('Private_Dirty')) / 1024,
    anonHuge: kib('AnonHugePages') / 1024,
  };
}

/** What a worker does to the state it inherited, so its private memory means something. */
function workOn(state) {
  const every = 100;
  for (let i = 0; i < state.records.size; i += every) state.records.get(i).hits++;
  const perBlock = (2 * 2 ** 20) / Float64Array.BYTES_PER_ELEMENT;
  for (let i = 0; i < state.values.length; i += perBlock) state.values[i] += 1;
  const made = [];
  for (let i = 0; i < 100_000; i++) made.push({ i, s: `w${i}` });
  const buffers = [];
  for (let i = 0; i < 64; i++) buffers.push(Buffer.alloc(64 * 1024, i));
  return made.length + buffers.length;
}

async function timeCowloopFork(state, expected, options) {
  const calledNs = nowNs();
  const child = await fork((ctx) => {
    // What the child did between fork() and here: page faults (mostly copy-on-write) and
    // CPU time; the kernel resets both counters in a new process.
    const usage = process.resourceUsage();
    ctx.send({
      mainNs: Number(process.hrtime.bigint()),
      faults: usage.minorPageFault + usage.majorPageFault,
      userMs: usage.userCPUTime / 1000,
      systemMs: usage.systemCPUTime / 1000,
    });
    const sum = checksum(state);
    if (!options.work) return { sum };
    workOn(state);
    return { sum, memory: rollupMiB() };
  }, { hugePages: options.hugePages });
  const resolvedNs = nowNs();
  const { first, arrivedNs } = await new Promise((resolve) => {
    child.once('message', (m) => resolve({ first: m, arrivedNs: nowNs() }));
  });
  const [result, exit] = await Promise.all([child.result, child.exited]);
  if (exit.code !== 0 || result.sum !== expected) {
    throw new Error(`child ${child.pid} exited ${JSON.stringify(exit)} with ${result.sum} (expected ${expected})`);
  }
  return {
    totalMs: ms(arrivedNs - calledNs),
    resolvedMs: ms(resolvedNs - calledNs),
    toChildMainMs: ms(first.mainNs - calledNs),
    deliveryMs: ms(arrivedNs - first.mainNs),
    childFaults: first.faults,
    childUserMs: first.userMs,
    childSystemMs: first.systemMs,
    hugePagesMs: child.timing.hugePagesMs,
    prepareMs: child.timing.prepareMs,
    forkMs: child.timing.forkMs,
    forkCpuMs: child.timing.forkCpuMs,
    childMemory: result.memory,
  };
}

async function timeChildProcessFork(state, expected) {
  const script = path.join(__dirname, 'rebuild-child.js');
  const calledNs = nowNs();
  // execArgv [] : the rebuilding worker is a plain node process, as child_process users
  // start it (with V8's parallel GC threads, its fastest configuration).
  const child = childProcess.fork(script, [String(state.valueCount), String(state.recordCount)], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const message = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    exited.then((e) => reject(new Error(`rebuilding child exited before its message: ${JSON.stringify(e)}`)));
  });
  const arrivedNs = nowNs();
  const exit = await exited;
  if (exit.code !== 0 || message.checksum !== expected) {
    throw new Error(`rebuilding child exited ${JSON.stringify(exit)} with ${message.checksum} (expected ${expected})`);
  }
  return {
    totalMs: ms(arrivedNs - calledNs),
    nodeStartMs: ms(message.startedNs - calledNs),
    rebuildMs: ms(message.readyNs - message.startedNs),
  };
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      size: { type: 'string' },
      method: { type: 'string', default: 'cowloop' },
      repeat: { type: 'string', default: '21' },
      values: { type: 'string', default: 'private' },
      'huge-pages': { type: 'boolean', default: false },
      work: { type: 'boolean', default: false },
    },
  });
  const sizeMiB = Number(args.size);
  const repeat = Number(args.repeat);
  if (!(sizeMiB > 0)) throw new Error('--size <MiB> must be a positive number');
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be a positive integer');
  if (args.method !== 'cowloop' && args.method !== 'child-process') {
    throw new Error(`--method must be "cowloop" or "child-process" (got ${args.method})`);
  }

  if (args.values !== 'private' && args.values !== 'shared') {
    throw new Error(`--values must be "private" (an ArrayBuffer) or "shared" (cowloop's sharedMemory) (got ${args.values})`);
  }

  const buildStart = nowNs();
  const state = buildState(sizeMiB, collectGarbage, args.values === 'shared' ? sharedMemory : undefined);
  const buildMs = ms(nowNs() - buildStart);
  const expected = checksum(state);
  log(`${sizeMiB} MiB of state built in ${buildMs.toFixed(0)} ms (${state.recordCount} records)`);

  const samples = [];
  for (let i = 0; i < repeat; i++) {
    const sample = args.method === 'cowloop'
      ? await timeCowloopFork(state, expected, { hugePages: args['huge-pages'], work: args.work })
      : await timeChildProcessFork(state, expected);
    samples.push(sample);
    log(`${args.method} #${i + 1}/${repeat}: ${sample.totalMs.toFixed(2)} ms`);
  }

  const out = {
    sizeMiB,
    method: args.method,
    values: args.values,
    hugePages: args['huge-pages'],
    mallocTunables: process.env.GLIBC_TUNABLES ?? '',
    repeat,
    node: process.version,
    execArgv: process.execArgv,
    buildMs,
    state: { valueCount: state.valueCount, recordCount: state.recordCount, ...state.measured },
    mapsLines: mapsCount(),
    // After the forks: how much of the parent is in huge pages.
    parentMemory: rollupMiB(),
    samples,
  };
  if (args.method === 'cowloop') {
    out.prepareAlone = prepareAlone();
    out.safetyCheckMs = safetyCheckMs();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
