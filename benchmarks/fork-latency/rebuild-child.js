// The child_process.fork alternative: a fresh node process has to rebuild the state
// before it can do any work. Sends one message once the state exists.
// Usage (by run.js): child_process.fork(this file, [valueCount, recordCount])
'use strict';

const startedNs = Number(process.hrtime.bigint());
const { buildExactState, checksum } = require('./state.js');

const [valueCount, recordCount] = process.argv.slice(2).map(Number);
const state = buildExactState(valueCount, recordCount);
process.send({ startedNs, readyNs: Number(process.hrtime.bigint()), checksum: checksum(state) }, () => {
  process.disconnect();
});
