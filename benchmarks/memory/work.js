'use strict';
// What every contender of the memory benchmark runs, so only the way workers are made
// differs: the reco example's state (examples/reco/state.js), a pool of generated events,
// the reco per-event work (calibrate hits, find and fit tracks), a probe of private memory
// against events, and a hold point where a worker waits, alive, until it has been measured.
const fs = require('node:fs');
const path = require('node:path');
const { buildState } = require('../../examples/reco/state.js');
const { calibrateHits, findTracks } = require('../../examples/reco/tracking.js');
const { makeEvent } = require('../../examples/reco/make-input.js');

/** Distinct events every contender cycles through (generated, so no input file is shared). */
const POOL_EVENTS = 500;

/** Wall-clock milliseconds comparable between processes (and sub-millisecond). */
const now = () => performance.timeOrigin + performance.now();

function makePool() {
  const pool = [];
  for (let n = 0; n < POOL_EVENTS; n++) pool.push(makeEvent(n).hits);
  return pool;
}

/** Builds the state and the event pool; returns them with the time it took. */
function initialise(stateMB) {
  const t0 = now();
  const state = buildState(stateMB);
  const pool = makePool();
  return { state, pool, initMs: now() - t0 };
}

/** The reco event n: calibration and tracking, as TrackFinder does it. Returns a small summary. */
function recoEvent(state, pool, n, steps) {
  const event = calibrateHits(pool[n % pool.length], state);
  const tracks = findTracks(event, state, { minHits: 6, road: 0.01, steps });
  let sumPt = 0;
  for (const t of tracks) sumPt += t.pt;
  return { nHits: event.kept, nTracks: tracks.length, sumPt };
}

/** Private memory (MiB) of this process from smaps_rollup (cheap: one kernel walk). */
function ussMiB() {
  const text = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
  let kb = 0;
  for (const m of text.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)) kb += Number(m[1]);
  return kb / 1024;
}

/** Minor and major page faults of this process so far (/proc/self/stat fields 10 and 12). */
function faults() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { minflt: Number(f[7]), majflt: Number(f[9]) };
}

/**
 * Counts one worker's events: first/last event times, CPU, faults, and private memory every
 * `every` events (the "USS against events" curve). `threads`: CPU and faults are the whole
 * process's in a worker thread, so they are not reported there.
 */
class Probe {
  constructor(every, threads = false) {
    this.every = every;
    this.threads = threads;
    this.events = 0;
    this.samples = [];
    this.firstEventAt = 0;
    this.lastEventAt = 0;
  }

  begin() {
    this.firstEventAt = now();
    this.cpu0 = process.cpuUsage();
    this.faults0 = faults();
    if (!this.threads) this.samples.push([0, ussMiB()]);
  }

  count() {
    if (this.events === 0) this.begin();
    this.events++;
    if (!this.threads && this.events % this.every === 0) this.samples.push([this.events, ussMiB()]);
    this.lastEventAt = now();
  }

  summary() {
    const cpu = process.cpuUsage(this.cpu0);
    const f = faults();
    return {
      pid: process.pid,
      events: this.events,
      firstEventAt: this.firstEventAt,
      lastEventAt: this.lastEventAt,
      cpuMs: this.threads ? null : (cpu.user + cpu.system) / 1000,
      minflt: this.threads ? null : f.minflt - this.faults0.minflt,
      majflt: this.threads ? null : f.majflt - this.faults0.majflt,
      samples: this.samples,
    };
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes `<dir>/ready-<id>.json` and blocks (synchronously: nothing of the worker's own
 * runs meanwhile) until `<dir>/release` exists, so the orchestrator can measure every
 * process at the same moment. Gives up after `timeoutMs`.
 */
function hold(dir, id, payload, timeoutMs = 180000) {
  const file = path.join(dir, `ready-${id}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ id, ...payload, readyAt: now() }));
  fs.renameSync(`${file}.tmp`, file);
  const release = path.join(dir, 'release');
  const until = Date.now() + timeoutMs;
  while (!fs.existsSync(release)) {
    if (Date.now() > until) throw new Error(`hold ${id}: no release after ${timeoutMs} ms`);
    Atomics.wait(sleeper, 0, 0, 5);
  }
}

/** Runs `events` events (numbers first, first+stride, ...) with a probe; returns its summary. */
function runEvents(state, pool, { first, stride, events, steps, every, threads }) {
  const probe = new Probe(every, threads);
  let check = 0;
  for (let i = 0; i < events; i++) {
    check += recoEvent(state, pool, first + i * stride, steps).nTracks;
    probe.count();
  }
  return { ...probe.summary(), check };
}

module.exports = { POOL_EVENTS, now, initialise, makePool, recoEvent, ussMiB, faults, Probe, hold, runEvents };
