#!/usr/bin/env node
'use strict';
// 1,000 nodes pulling ranges from one Redis: the discrete-event model of queue-model.js,
// calibrated with the Redis costs measured by redis-ops.js (redis-costs.json) and the
// node's own cost per range measured by queue-overhead.js (queue-protocol.json), run for
// several range sizes and both ways of taking ranges (reads-first, as the node does; autoclaim, the claim before it).
// For each: Redis commands/s and CPU in the steady state, the busiest 10 s, the events run
// again after one node is killed (against the prediction: leased ranges x range size), the
// tail (from the last unread range taken to the last range acknowledged) and the share of
// worker time spent on events; then, for reads-first, the same jobs with the node's spare
// range always claimed (the node before its spare's rule), against the rule.
//   node benchmarks/scale-out/queue-sim.js [--nodes 1000] [--workers 8] [--events 2e8] [--event-ms 10]
//     [--sizes 100,200,500,1000,2000,5000] [--protocols reads-first,autoclaim] [--json] [--out FILE]
// Writes benchmarks/results/queue-sim.md unless --json (one JSON line per run on stdout) or --out.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { simulate, stepCosts } = require('./queue-model.js');

const root = path.join(__dirname, '..', '..');
const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '8' },
    events: { type: 'string', default: '2e8' },
    'event-ms': { type: 'string', default: '10' },
    'event-cv': { type: 'string', default: '1' },
    'node-spread': { type: 'string', default: '0.1' },
    lease: { type: 'string', default: '60' },
    'rtt-ms': { type: 'string' },
    'range-overhead-ms': { type: 'string' },
    'kill-at': { type: 'string', default: '0.5' },
    'max-factor': { type: 'string', default: '5' },
    sizes: { type: 'string', default: '100,200,500,1000,2000,5000' },
    protocols: { type: 'string', default: 'reads-first,autoclaim' },
    seed: { type: 'string', default: '1' },
    costs: { type: 'string', default: path.join(__dirname, 'redis-costs.json') },
    protocol: { type: 'string', default: path.join(__dirname, 'queue-protocol.json') },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

function number(flag, text) {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be a number >= 0 (got ${JSON.stringify(text)})`);
  return n;
}

const costs = JSON.parse(fs.readFileSync(flags.costs, 'utf8'));
const measured = JSON.parse(fs.readFileSync(flags.protocol, 'utf8'));
const base = {
  nodes: number('nodes', flags.nodes),
  workers: number('workers', flags.workers),
  events: number('events', flags.events),
  eventMs: number('event-ms', flags['event-ms']),
  eventCv: number('event-cv', flags['event-cv']),
  nodeSpread: number('node-spread', flags['node-spread']),
  leaseMs: number('lease', flags.lease) * 1000,
  // Loopback round trip as measured; a network between nodes and Redis adds to it.
  rttMs: flags['rtt-ms'] !== undefined ? number('rtt-ms', flags['rtt-ms']) : costs.roundTripMs,
  // A worker slot's time per range beyond its events: the work node's measured wall time per
  // range times the workers that shared it, less the exchange with Redis (modelled apart).
  rangeOverheadMs: flags['range-overhead-ms'] !== undefined ? number('range-overhead-ms', flags['range-overhead-ms']) : Math.max(0, measured.workSlopeMs * measured.workers - costs.exchangeMs),
  killAt: number('kill-at', flags['kill-at']),
  maxFactor: number('max-factor', flags['max-factor']),
  seed: number('seed', flags.seed),
  costs,
};
const sizes = flags.sizes.split(',').map((s) => number('sizes', s));
const protocols = flags.protocols.split(',');
for (const p of protocols) if (p !== 'autoclaim' && p !== 'reads-first') throw new Error(`--protocols: unknown protocol ${JSON.stringify(p)} (reads-first or autoclaim)`);

/**
 * The range size the table argues for, as a default that has to hold for events of unknown
 * cost: the smallest (least re-work after a node loss, the shortest tail) at which Redis
 * keeps 4x headroom (under 25 % of its core) in the steady state and in the busiest 10 s,
 * the node's own cost per range stays under 5 % of the worker time, and events 10x shorter
 * than assumed (ranges 10x shorter in time) still leave Redis under half its core.
 */
function choice(results) {
  const pc = (x) => `${(100 * x).toFixed(1)} %`;
  const out = [
    'How the range size was chosen (a default, for events of unknown cost): the smallest size (the least re-work after a node loss, the shortest tail) at which',
    'Redis keeps 4x headroom (under 25 % of its one core) in the steady state and in the busiest 10 s, the node\'s own cost per range stays under 5 % of the worker time,',
    `and events 10x shorter (${base.eventMs / 10} ms) still leave Redis under half its core in the steady state.`,
  ];
  for (const protocol of [...new Set(results.map((r) => r.protocol))]) {
    const rows = results.filter((r) => r.protocol === protocol);
    const ok = rows.find((r) => !r.saturated && r.redisCpu <= 0.25 && r.redisCpuPeak <= 0.25 && r.overheadShare <= 0.05 && r.short && !r.short.saturated && r.short.redisCpu <= 0.5);
    if (!ok) {
      const least = rows.reduce((a, b) => (b.redisCpu < a.redisCpu ? b : a));
      out.push(`${protocol}: no size in the table qualifies (Redis at ${pc(least.redisCpu)} in the steady state at range size ${least.rangeSize.toLocaleString('en-US')}, the node's cost ${pc(least.overheadShare)} of the worker time;`);
      out.push(`${Math.round(rows.reduce((a, r) => a + r.commandsPerRange, 0) / rows.length)} Redis commands per range on average over the sizes, against ${results.find((r) => r.protocol !== protocol)?.commandsPerRange.toFixed(1) ?? '-'} for the other protocol).`);
      continue;
    }
    const rangeS = (ok.rangeSize * base.eventMs) / 1000;
    out.push(
      `${protocol}: range size ${ok.rangeSize.toLocaleString('en-US')} (ranges of ${rangeS.toFixed(1)} s at ${base.eventMs} ms an event): Redis at ${pc(ok.redisCpu)} (busiest 10 s ${pc(ok.redisCpuPeak)}; ${pc(ok.short.redisCpu)} with ${base.eventMs / 10} ms events),`,
      `the node's cost per range ${pc(ok.overheadShare)} of the worker time, a node loss re-runs ${ok.rerunEvents.toLocaleString('en-US')} events (the ranges it was running, of the ${ok.kill?.leased ?? 0} it held; ${((ok.rerunEvents * base.eventMs) / 1000).toFixed(0)} worker-seconds),`,
      `the tail ${ok.tailS.toFixed(1)} s (${pc(ok.tailS / ok.jobS)} of the job), the workers on events ${pc(ok.efficiency)} of their time; Redis's busiest ${ok.peakWindowS.toFixed(0)} s start at ${ok.peakAtS.toFixed(0)} s of the job (last unread range taken at ${ok.drainedS.toFixed(0)} s${ok.peakAtS >= ok.drainedS - ok.peakWindowS ? ': the end of the job, when nodes look for leases that ran out' : ''}).`,
    );
  }
  out.push('');
  return out;
}

/** The spare range's rule against the node before it (the spare always claimed), reads-first, size by size. */
function spareRule(results) {
  const rows = results.filter((r) => r.protocol === 'reads-first' && !r.saturated);
  if (rows.length === 0) return [];
  const pc = (x) => `${(100 * x).toFixed(1)} %`;
  const int = (x) => Math.round(x).toLocaleString('en-US');
  const lines = [
    'The spare range: the node claims it only while the ranges still unread, once its free places in hand are filled, are at least as many as all the nodes hold leased',
    '(the counts read by XINFO GROUPS inside the MULTIs that acknowledge ranges and record a claim); before, every node always held one (its cost: no counts read).',
    'Reads-first, the same jobs (same seed):',
    '',
    '| range size | tail (s): rule / spare always | job (s): rule / spare always | Redis CPU (steady): rule / spare always | Redis CPU (busiest 10 s): rule / spare always | Redis commands/s: rule / spare always | worker time on events: rule / spare always |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const b = simulate({ ...base, protocol: 'reads-first', rangeSize: r.rangeSize, spare: 'always' });
    if (b.saturated) continue;
    lines.push(
      `| ${int(r.rangeSize)} | ${r.tailS.toFixed(1)} / ${b.tailS.toFixed(1)} | ${r.jobS.toFixed(0)} / ${b.jobS.toFixed(0)} | ${pc(r.redisCpu)} / ${pc(b.redisCpu)} | ${pc(r.redisCpuPeak)} / ${pc(b.redisCpuPeak)} | ${int(r.redisOpsPerS)} / ${int(b.redisOpsPerS)} | ${pc(r.efficiency)} / ${pc(b.efficiency)} |`,
    );
  }
  lines.push('');
  return lines;
}

/** The model against the real node it stands for: one node as queue-overhead.js ran it, the commands per range. */
function check() {
  if (!measured.perRange || !measured.rangeFixedMs) return [];
  const real = Object.values(measured.perRange.commands).reduce((a, c) => a + c.calls, 0);
  const m = simulate({
    ...base,
    nodes: 1,
    workers: measured.workers,
    events: measured.ranges * measured.rangeSize,
    rangeSize: measured.rangeSize,
    eventMs: Math.max(0.001, measured.rangePerEventMs),
    rangeOverheadMs: measured.rangeFixedMs,
    killAt: 0,
    protocol: 'reads-first',
  });
  return [
    `Check against the real node: one node of ${measured.workers} workers, ${measured.ranges} ranges of ${measured.rangeSize} events as \`${measured.command}\` ran it against a real redis-server:`,
    `the model makes ${m.commandsPerRange.toFixed(2)} Redis commands per range, the server counted ${real.toFixed(2)} (${Object.entries(measured.perRange.commands).sort((a, b) => b[1].calls - a[1].calls).map(([n, c]) => `${n} ${c.calls.toFixed(2)}`).join(', ')}; the server also counts the node's reading of the job at its start and of the poison and done ranges at its end).`,
    '',
  ];
}

const results = [];
for (const protocol of protocols) {
  for (const rangeSize of sizes) {
    const t0 = performance.now();
    // The autoclaim claim is modelled with the node that made it: its spare always claimed.
    const spare = protocol === 'autoclaim' ? 'always' : 'rule';
    const r = { protocol, ...simulate({ ...base, protocol, rangeSize, spare }) };
    // The same job with events 10x shorter: what a default range size meets when events are cheaper than assumed.
    if (!flags.json) r.short = simulate({ ...base, protocol, rangeSize, spare, eventMs: base.eventMs / 10 });
    r.modelSeconds = (performance.now() - t0) / 1000;
    r.predictedRerun = r.kill ? r.kill.leased * rangeSize : 0;
    results.push(r);
    if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else process.stderr.write(`${protocol} R=${rangeSize}: job ${r.saturated ? 'unfinished' : `${r.jobS.toFixed(0)} s`}, Redis ${(100 * r.redisCpu).toFixed(1)} % (${r.modelSeconds.toFixed(1)} s to model)\n`);
  }
}
if (!flags.json) {
  const cmd = `node benchmarks/scale-out/queue-sim.js --nodes ${base.nodes} --workers ${base.workers} --events ${flags.events} --event-ms ${base.eventMs} --sizes ${sizes.join(',')} --protocols ${protocols.join(',')}`;
  const int = (x) => Math.round(x).toLocaleString('en-US');
  const pc = (x) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    `## Redis queue: ${int(base.nodes)} nodes in a model`,
    '',
    `Command: \`${cmd}\` (a model: it runs in a few seconds on any machine; see \`benchmarks/scale-out/queue-model.js\`).`,
    `${int(base.nodes)} nodes of ${base.workers} workers, ${int(base.events)} events of ${base.eventMs} ms on average (coefficient of variation ${base.eventCv} per event, node speeds within ±${pc(base.nodeSpread)}),`,
    `lease ${base.leaseMs / 1000} s, one node killed at ${pc(base.killAt)} of the ideal job time (${int((base.events * base.eventMs) / (base.nodes * base.workers) / 1000)} s); a job Redis cannot keep up with is stopped at ${base.maxFactor}x that time ("unfinished").`,
    `Calibration: Redis costs from \`${costs.command}\` (redis-server ${costs.redis}): a connection ${costs.connectionCpuUs.toFixed(0)} µs of server CPU (once per node),`,
    `${costs.commandIoUs.toFixed(1)} µs per request for its I/O (a MULTI is one), the range's completion (a MULTI of 5 and XINFO GROUPS) ${stepCosts(costs).complete.toFixed(1)} µs, taking one range ${(stepCosts(costs).xreadgroup + stepCosts(costs).record(1)).toFixed(1)} µs,`,
    `the renewal script ${costs.renew.perLeaseUs.toFixed(1)} µs per lease held, XPENDING IDLE ${(costs.xpendingIdle.perEntryUs * 1000).toFixed(1)} ns per pending entry, XAUTOCLAIM ${costs.xautoclaimPageUs.toFixed(1)} µs a call scanning 10 pending entries;`,
    `round trip ${base.rttMs.toFixed(3)} ms (loopback); the node's own cost per range ${base.rangeOverheadMs.toFixed(1)} ms of a worker's time (outputs re-opened, finalised, placed; from \`${measured.command}\`).`,
    '',
    'The model: each node runs the loop of `cowloop work`: workers forked once, two ranges in hand each and one spare range per node (given to the first',
    'worker that finishes a range; claimed only while the ranges unread, once the node\'s free places are filled, are at least as many as all nodes hold leased);',
    'one connection kept; an exchange with Redis per finished range (a MULTI acknowledging and counting it, and reading the counts with XINFO GROUPS),',
    'the renewal script every lease/3, then ranges for the free places in hand (and a MULTI recording them, which reads the counts too); a wait until',
    'a range ends, or lease/3 while ranges run; an idle node asks XINFO GROUPS (counts) and polls after 1 s, then twice as long each time up to lease/4.',
    'Redis is one server taking exchanges in turn, each for the server CPU its commands cost. Taking ranges: *reads-first* is the code as it is (unread ranges',
    'with XREADGROUP first, and only when too few one XPENDING IDLE for leases that ran out, then XCLAIM of them; that XPENDING at most every 1 s, then',
    'twice as long after each one that found too few, up to lease/4); *autoclaim* is the claim before it, with the node that made it (its spare always claimed)',
    '(XAUTOCLAIM from cursor 0-0, call after call, 10 x COUNT leases scanned a call, until leases that ran out are found or the list ends, then XREADGROUP).',
    'Commands/s and CPU are for the steady state (10 % to 90 % of the time until the last unread range is taken); the tail runs from then to the last range',
    'acknowledged; "events run again" counts every event of a range run a second time after the kill; the killed node\'s leased ranges are those in hand,',
    'its spare and those it finished but had not yet acknowledged.',
    '',
    '| protocol | range size | range time (s) | ranges | Redis commands/s | exchanges/s | Redis CPU (steady) | Redis CPU (busiest 10 s) | Redis CPU (steady), events 10x shorter | commands per range | node loss: ranges leased | events run again (model) | at most: leased x size | events lost | tail (s) | job (s) / ideal (s) | worker time on events |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.protocol} | ${int(r.rangeSize)} | ${((r.rangeSize * base.eventMs) / 1000).toFixed(1)} | ${int(r.ranges)} | ${int(r.redisOpsPerS)} | ${int(r.redisConnPerS)} | ${pc(r.redisCpu)} | ${pc(r.redisCpuPeak)} | ${r.short ? (r.short.saturated ? 'saturated' : pc(r.short.redisCpu)) : '-'} | ${r.commandsPerRange.toFixed(1)} | ${r.kill ? r.kill.leased : '-'} | ${int(r.rerunEvents)} | ${int(r.predictedRerun)} | ${r.saturated ? '-' : int(r.lostEvents)} | ${r.saturated ? '-' : r.tailS.toFixed(1)} | ${r.saturated ? `unfinished: ${(Math.floor(1000 * r.done) / 10).toFixed(1)} % of the ranges done at ${r.jobS.toFixed(0)}` : r.jobS.toFixed(0)} / ${r.idealS.toFixed(0)} | ${pc(r.efficiency)} |`),
    '',
    ...choice(results),
    ...spareRule(results),
    ...check(),
  ];
  const outFile = flags.out ?? path.join(root, 'benchmarks', 'results', 'queue-sim.md');
  fs.writeFileSync(outFile, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\nwritten to ${outFile}\n`);
}
