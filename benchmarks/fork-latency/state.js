// The "initialised state" both methods start from: half of the bytes in a Float64Array
// (a calibration table), half in small JS objects indexed by a Map (a lookup map).
// Every page is written, so the state is resident, as a real initialisation leaves it.
'use strict';

const MiB = 2 ** 20;

/** Writes every element so every page is resident. */
function buildValues(count, allocate) {
  const values = allocate ? new Float64Array(allocate(count * Float64Array.BYTES_PER_ELEMENT)) : new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = i * 0.5;
  return values;
}

function makeRecord(i) {
  return { id: i, key: `k${i}`, x: i * 0.25, hits: i & 1023 };
}

/** Adds records [from, to) to the map. */
function addRecords(records, from, to) {
  for (let i = from; i < to; i++) records.set(i, makeRecord(i));
}

/**
 * Builds exactly `valueCount` doubles and `recordCount` records: what the rebuilding
 * process (child_process.fork) does, with the counts the forking process measured.
 */
function buildExactState(valueCount, recordCount) {
  const values = buildValues(valueCount);
  const records = new Map();
  addRecords(records, 0, recordCount);
  return { values, records };
}

// A Map holds at most 2^24 entries; above that the records spill into further Maps.
const MAP_LIMIT = 2 ** 24 - 1;

/**
 * Builds `totalMiB` of state, measuring the JS heap so the records really take half of it.
 * `collectGarbage` is a full GC (it settles what the heap really holds); `allocate(bytes)`,
 * if given, provides the Float64Array's buffer (e.g. cowloop's sharedMemory).
 */
function buildState(totalMiB, collectGarbage, allocate) {
  const half = (totalMiB * MiB) / 2;
  const valueCount = Math.floor(half / Float64Array.BYTES_PER_ELEMENT);
  const values = buildValues(valueCount, allocate);

  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const records = new Map();
  // Calibrate bytes per record on a first batch, then build the rest in one go.
  const probe = Math.min(200_000, Math.max(1_000, Math.floor(half / 200)));
  addRecords(records, 0, probe);
  collectGarbage();
  const perRecord = (process.memoryUsage().heapUsed - heapBefore) / probe;
  const recordCount = Math.max(probe, Math.round(half / perRecord));
  if (recordCount > MAP_LIMIT) {
    throw new Error(`state of ${totalMiB} MiB needs ${recordCount} records, more than one Map holds; use a smaller size`);
  }
  addRecords(records, probe, recordCount);
  collectGarbage();
  const usage = process.memoryUsage();
  return {
    values,
    records,
    valueCount,
    recordCount,
    measured: {
      arrayBuffersMiB: usage.arrayBuffers / MiB,
      recordsMiB: (usage.heapUsed - heapBefore) / MiB,
      heapUsedMiB: usage.heapUsed / MiB,
      rssMiB: usage.rss / MiB,
    },
  };
}

/** A cheap value that depends on both halves of the state (the child proves it sees it). */
function checksum(state) {
  const last = state.values[state.values.length - 1];
  const record = state.records.get(state.records.size - 1);
  return last + (record ? record.x : 0) + state.records.size;
}

module.exports = { MiB, buildState, buildExactState, checksum };
