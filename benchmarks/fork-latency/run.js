// One configuration of the fork-latency benchmark, in its own node process so state sizes
// do not contaminate each other. Builds the state, then times `repeat` starts of a worker
// that holds it, and prints one JSON line on stdout (progress goes to stderr).
//
//   node --single-threaded benchmarks/fork-latency/run.js --size 500 --method cowloop --repeat 21
//   node --single-threaded benchmarks/fork-latency/run.js --size 500 --method child-process --repeat 3
//   ... --values shared    the Float64Array in cowloop's sharedMemory (MAP_SHARED) instead of
//                          an ArrayBuffer: fork() copies no page tables for shared mappings
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

async function timeCowloopFork(state, expected) {
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
    return checksum(state);
  });
  const resolvedNs = nowNs();
  const { first, arrivedNs } = await new Promise((resolve) => {
    child.once('message', (m) => resolve({ first: m, arrivedNs: nowNs() }));
  });
  const [result, exit] = await Promise.all([child.result, child.exited]);
  if (exit.code !== 0 || result !== expected) {
    throw new Error(`child ${child.pid} exited ${JSON.stringify(exit)} with ${result} (expected ${expected})`);
  }
  return {
    totalMs: ms(arrivedNs - calledNs),
    resolvedMs: ms(resolvedNs - calledNs),
    toChildMainMs: ms(first.mainNs - calledNs),
    deliveryMs: ms(arrivedNs - first.mainNs),
    childFaults: first.faults,
    childUserMs: first.userMs,
    childSystemMs: first.systemMs,
    prepareMs: child.timing.prepareMs,
    forkMs: child.timing.forkMs,
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
      ? await timeCowloopFork(state, expected)
      : await timeChildProcessFork(state, expected);
    samples.push(sample);
    log(`${args.method} #${i + 1}/${repeat}: ${sample.totalMs.toFixed(2)} ms`);
  }

  const out = {
    sizeMiB,
    method: args.method,
    values: args.values,
    repeat,
    node: process.version,
    execArgv: process.execArgv,
    buildMs,
    state: { valueCount: state.valueCount, recordCount: state.recordCount, ...state.measured },
    mapsLines: mapsCount(),
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
