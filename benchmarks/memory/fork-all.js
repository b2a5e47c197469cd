'use strict';
// How long until N forked workers all run, when the workers start at once (each waits at a
// start barrier until the master has forked them all) against when each starts right away
// and competes with the master's remaining forks for the cores:
//   node --single-threaded --max-semi-space-size=1 benchmarks/memory/fork-all.js [stateMB] [N]
// Prints one JSON line per mode.
const { fork, collectGarbage, sharedMemory } = require('cowloop');
const { initialise, recoEvent, now } = require('./work.js');

async function run(mode, state, pool, n) {
  const flags = new Int32Array(sharedMemory(8)); // [0]: go, [1]: workers started
  const t0 = now();
  const children = [];
  for (let i = 0; i < n; i++) {
    children.push(
      await fork(() => {
        if (mode === 'barrier') while (Atomics.load(flags, 0) === 0) Atomics.wait(flags, 0, 0, 50);
        const started = now();
        Atomics.add(flags, 1, 1);
        for (let e = 0; e < 300; e++) recoEvent(state, pool, e, 50);
        return started;
      }),
    );
  }
  const forked = now();
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
  const starts = await Promise.all(children.map((c) => c.result));
  return { mode, stateMB: state.stateMB, workers: n, forkAllMs: forked - t0, allRunningMs: Math.max(...starts) - t0 };
}

async function main() {
  const [mb = '500', nArg = '8'] = process.argv.slice(2);
  const { state, pool } = initialise(Number(mb));
  state.stateMB = Number(mb);
  collectGarbage();
  for (let e = 0; e < 200; e++) recoEvent(state, pool, e, 50);
  for (const mode of ['at once', 'barrier', 'at once', 'barrier']) {
    process.stdout.write(`${JSON.stringify(await run(mode, state, pool, Number(nArg)))}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
