'use strict';
// The task a tinypool or piscina worker thread runs: it initialises its own copy of the
// reco state (a worker thread has its own V8 heap), runs its events and holds for measurement.
const { initialise, runEvents, hold, now } = require('./work.js');

module.exports = function recoTask({ cfg, index }) {
  const startedAt = now();
  const { state, pool, initMs } = initialise(cfg.stateMB);
  const summary = runEvents(state, pool, { first: index, stride: cfg.workers, events: cfg.events, steps: cfg.steps, every: cfg.every, threads: true });
  hold(cfg.dir, `t${index}`, { ...summary, index, initMs, startedAt });
  return summary.check;
};
