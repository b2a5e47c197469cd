// What docs/architecture.md ("Node.js releases") records per release, measured in the
// running node: V8 and ABI, threads, the platform's worker threads, the fork preparation
// (parking the platform threads and marking the mappings), and a forked child's young
// generation after it iterates over 1 M objects (against the same loop in this process).
//   <release>/bin/node --single-threaded --max-semi-space-size=1 benchmarks/fork-latency/release-facts.js
// (scripts/node-release.js installs a release under .node-releases/<major>/.)
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const { collectGarbage, fork } = require('../../dist/cjs/index.js');
const { native } = require('../../dist/cjs/native.js');

const newSpaceMB = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20;
// The state of test/fixtures/process/uss-after-read.mjs: 200 MB of Float64Array, 1 M objects.
const floats = new Float64Array((200 * 1024 * 1024) / 8).fill(1);
const objects = Array.from({ length: 1_000_000 }, (_, i) => ({ id: i, w: i % 7 }));
const walk = () => {
  let w = 0;
  for (const o of objects) w += o.w;
  return w;
};

(async () => {
  const threads = fs.readdirSync('/proc/self/task').length;
  const prepareMs = [];
  for (let i = 0; i < 5; i++) {
    const child = await fork(() => 0);
    await child.result;
    await child.exited;
    prepareMs.push(child.timing.prepareMs);
  }
  collectGarbage();
  const child = await fork(() => {
    walk();
    return newSpaceMB();
  });
  const childNewSpaceMB = await child.result;
  await child.exited;
  walk();
  console.log(JSON.stringify({
    node: process.version,
    v8: process.versions.v8,
    abi: Number(process.versions.modules),
    threads,
    platformWorkerThreads: native().platformThreads(),
    prepareMsOfFifthFork: Number(prepareMs[4].toFixed(2)),
    childNewSpaceMB: Number(childNewSpaceMB.toFixed(1)),
    stateMB: Math.round(floats.byteLength / 2 ** 20),
    masterNewSpaceMB: Number(newSpaceMB().toFixed(1)),
  }));
})();
