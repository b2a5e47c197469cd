#!/usr/bin/env node
'use strict';
// What the Redis queue costs per range, against the local `ranges` strategy on the same
// machine: the reco example (small options) run
//   (a) locally:  cowloop run --workers W --strategy ranges --set MpEventLoopMgr.ChunkSize=R
//   (b) queued:   cowloop submit redis --range-size R, one cowloop work --workers W, cowloop merge --job
// for several range sizes R, configurations taking turns round after round (medians).
// Overhead per range = (b - a) / ranges, with b = work + merge (what produces the same
// merged outputs as a; submit is once per job and reported apart). A line fitted through
// (ranges, b - a) over the sizes separates the per-range cost (slope) from the fixed one.
// After each work run the Redis server's own counts (INFO commandstats, connections, its
// CPU time) give the commands and server time per range of the real protocol.
// Every queued output is checked byte for byte against the local run's.
//   node benchmarks/scale-out/queue-overhead.js [--events 4000] [--state-mb 20] [--sizes 25,50,100,200,400]
//     [--workers 2] [--rounds 3] [--out FILE] [--quick]
// Writes benchmarks/results/queue-overhead.md (--quick: 1 round, 800 events, to queue-overhead-quick.md)
// and the per-range command counts to benchmarks/scale-out/queue-protocol.json (the simulation's calibration).
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const Redis = require('ioredis');
const { startRedis, processCpuMs, serverStats } = require('./redis-server.js');

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'cowloop.js');
const opts = path.join(root, 'examples', 'reco', 'reco.opts');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    events: { type: 'string' },
    'state-mb': { type: 'string', default: '20' },
    sizes: { type: 'string' },
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string' },
    out: { type: 'string' },
  },
});
const quick = flags.quick;
const events = Number(flags.events ?? (quick ? 800 : 4000));
const stateMB = Number(flags['state-mb']);
const sizes = (flags.sizes ?? (quick ? '50,200' : '25,50,100,200,400')).split(',').map(Number);
const workers = Number(flags.workers);
const rounds = Number(flags.rounds ?? (quick ? 1 : 3));
const outFile = flags.out ?? path.join(root, 'benchmarks', 'results', quick ? 'queue-overhead-quick.md' : 'queue-overhead.md');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs the cowloop command; returns its wall time in ms. */
function timed(args, cwd) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 600000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cowloop ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function sameBytes(a, b) {
  for (const name of ['reco.ndjson', 'reco-histos.json']) {
    if (!fs.readFileSync(path.join(a, name)).equals(fs.readFileSync(path.join(b, name)))) throw new Error(`${a}/${name} differs from ${b}/${name}`);
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-queue-overhead-'));
  const server = await startRedis(dir);
  const admin = new Redis(server.url);
  try {
    const input = path.join(dir, 'hits.ndjson');
    execFileSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(events), '--out', input]);
    const job = [['RecoGeometrySvc.StateMB', String(stateMB)], ['RecoInputSvc.File', JSON.stringify(input)], ['RecoInputSvc.Events', String(events)], ['EventSelector.Input', JSON.stringify([input])]].flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const samples = new Map(sizes.map((r) => [r, { local: [], submit: [], work: [], merge: [], rangeMs: [], perRange: null }]));
    const uptimes = [os.loadavg()];
    for (let round = 0; round < rounds; round++) {
      for (const size of sizes) {
        const s = samples.get(size);
        const local = path.join(dir, `local-${size}`);
        const queued = path.join(dir, `queued-${size}`);
        fs.rmSync(local, { recursive: true, force: true });
        fs.rmSync(queued, { recursive: true, force: true });
        await admin.flushall();
        s.local.push(timed(['run', opts, ...job, '-q', '--workers', String(workers), '--strategy', 'ranges', '--set', `MpEventLoopMgr.ChunkSize=${size}`, '--out', local], dir));
        s.submit.push(timed(['submit', 'redis', opts, ...job, '--redis', server.url, '--range-size', String(size), '--out', queued], dir));
        await admin.config('RESETSTAT');
        const cpu0 = processCpuMs(server.pid);
        s.work.push(timed(['work', opts, ...job, '--redis', server.url, '--out', queued, '--workers', String(workers)], dir));
        const cpuMs = processCpuMs(server.pid) - cpu0;
        const stats = await serverStats(admin);
        s.merge.push(timed(['merge', '--job', queued], dir));
        sameBytes(queued, local);
        // Each range's manifest says when the range was given to its worker and when it was in place.
        const rangesDir = path.join(queued, 'ranges');
        for (const d of fs.readdirSync(rangesDir).filter((n) => !n.startsWith('.'))) {
          const m = JSON.parse(fs.readFileSync(path.join(rangesDir, d, 'manifest.json'), 'utf8'));
          s.rangeMs.push(Date.parse(m.end) - Date.parse(m.start));
        }
        const ranges = Math.ceil(events / size);
        // The admin connection's RESETSTAT and INFO are not the node's.
        for (const name of Object.keys(stats.commands)) if (name.startsWith('config')) delete stats.commands[name];
        const perRange = { connections: stats.connections / ranges, serverCpuMs: cpuMs / ranges, commands: {} };
        for (const [name, c] of Object.entries(stats.commands)) perRange.commands[name] = { calls: c.calls / ranges, usec: c.usec / ranges };
        s.perRange = perRange;
        process.stderr.write(`round ${round + 1}/${rounds} R=${size}: local ${s.local.at(-1).toFixed(0)} ms, work ${s.work.at(-1).toFixed(0)} ms, merge ${s.merge.at(-1).toFixed(0)} ms\n`);
      }
      uptimes.push(os.loadavg());
    }
    const rows = sizes.map((size) => {
      const s = samples.get(size);
      const ranges = Math.ceil(events / size);
      const local = median(s.local);
      const queued = median(s.work.map((w, i) => w + s.merge[i]));
      const work = median(s.work);
      return { rangeMs: median(s.rangeMs), size, ranges, local, submit: median(s.submit), work, merge: median(s.merge), queued, perRangeMs: (queued - local) / ranges, workPerRangeMs: (work - local) / ranges, redis: s.perRange };
    });
    // Least squares of (b - a) against the number of ranges: slope = per-range cost.
    const xs = rows.map((r) => r.ranges);
    const ys = rows.map((r) => r.queued - r.local);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const fit = (ys) => {
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
      return { slope, intercept: my - slope * mx };
    };
    const { slope, intercept } = fit(ys);
    // The work node alone: its wall time per range, with W workers sharing the ranges.
    const workSlope = fit(rows.map((r) => r.work - r.local)).slope;
    // A range from its worker getting it to its place: fixed part + events x per-event time.
    const sizeFit = (() => {
      const ss = rows.map((r) => r.size);
      const ms = ss.reduce((a, b) => a + b, 0) / ss.length;
      const my = rows.reduce((a, r) => a + r.rangeMs, 0) / rows.length;
      const perEvent = ss.reduce((a, x, i) => a + (x - ms) * (rows[i].rangeMs - my), 0) / ss.reduce((a, x) => a + (x - ms) ** 2, 0);
      return { perEvent, fixed: my - perEvent * ms };
    })();

    // The real protocol's commands per range, from the server's counts (largest job: most ranges).
    const most = rows.reduce((a, b) => (b.ranges > a.ranges ? b : a));
    const protocol = {
      measured: new Date().toISOString().slice(0, 10),
      command: `node benchmarks/scale-out/queue-overhead.js${quick ? ' --quick' : ''}`,
      redis: server.version,
      workers,
      rangeSize: most.size,
      ranges: most.ranges,
      perRange: most.redis,
      // Wall time of the work node per range beyond the local run's (slope over the sizes, ms).
      workSlopeMs: workSlope,
      // A range from its worker getting it to in place: fixed ms + per-event ms x events.
      rangeFixedMs: sizeFit.fixed,
      rangePerEventMs: sizeFit.perEvent,
    };
    if (!quick) fs.writeFileSync(path.join(__dirname, 'queue-protocol.json'), `${JSON.stringify(protocol, null, 2)}\n`);

    const load = (l) => l.map((x) => x.toFixed(2)).join(', ');
    const fmt = (ms) => (ms / 1000).toFixed(2);
    const cmdList = (p) => Object.entries(p.commands).sort((a, b) => b[1].calls - a[1].calls).map(([n, c]) => `${n} ${c.calls.toFixed(2)}`).join(', ');
    const lines = [
      '## Redis queue: overhead per range against the local ranges strategy',
      '',
      `Command: \`node benchmarks/scale-out/queue-overhead.js${quick ? ' --quick' : ''} --events ${events} --state-mb ${stateMB} --sizes ${sizes.join(',')} --workers ${workers} --rounds ${rounds}\``,
      `(${os.cpus().length} cores; load average (1, 5, 15 min) at the start ${load(uptimes[0])}, at the end ${load(uptimes.at(-1))}; redis-server ${server.version} on 127.0.0.1).`,
      `The reco example, ${events} events, RecoGeometrySvc.StateMB = ${stateMB}, ${workers} workers; medians of ${rounds} rounds, the configurations taking turns in each round.`,
      '(a) `cowloop run --workers W --strategy ranges` with `MpEventLoopMgr.ChunkSize` = R; (b) `cowloop submit redis --range-size R`, one `cowloop work --workers W`,',
      'then `cowloop merge --job`: b = work + merge (submit, once per job, is apart). Every queued job\'s merged outputs are byte-identical to the local run\'s.',
      '',
      '| range size R | ranges | (a) local ranges (s) | submit (s) | work (s) | merge (s) | (b) work + merge (s) | (b - a) / ranges (ms) | (work - a) / ranges (ms) | a range, given to a worker to in place, median (ms) | Redis commands per range (server counts) | connections per range | Redis server CPU per range (ms) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.size} | ${r.ranges} | ${fmt(r.local)} | ${fmt(r.submit)} | ${fmt(r.work)} | ${fmt(r.merge)} | ${fmt(r.queued)} | ${r.perRangeMs.toFixed(1)} | ${r.workPerRangeMs.toFixed(1)} | ${r.rangeMs.toFixed(0)} | ${cmdList(r.redis)} | ${r.redis.connections.toFixed(2)} | ${r.redis.serverCpuMs.toFixed(2)} |`),
      '',
      `Fitted over the sizes: b - a = ${fmt(intercept)} s + ${slope.toFixed(1)} ms x ranges; the work node alone (work - a) ${workSlope.toFixed(1)} ms x ranges (the slope is the cost of one more range; the intercept the fixed cost: the work node's and the merge's process start-up and initialisation, less the local run's).`,
      `A range from being given to its (long-lived) worker to its directory in place (its manifest's start and end) takes ${sizeFit.fixed.toFixed(0)} ms + ${sizeFit.perEvent.toFixed(2)} ms x events (fitted over the sizes):`,
      'the fixed part is what each range waits for in the node beyond its events (outputs re-opened and finalised; the range waiting behind the one before it on its worker; its placement, made durable in a batch by the master while the worker runs its next range, so this latency is off the worker\'s path), next to the Redis exchange (redis-ops below).',
      'The Redis server CPU per range is read from /proc for the server process (10 ms ticks, and the server\'s own 10 Hz housekeeping over the run is included: coarse for few ranges).',
      '',
    ];
    fs.writeFileSync(outFile, `${lines.join('\n')}\n`);
    process.stdout.write(`${lines.join('\n')}\nwritten to ${outFile}\n`);
  } finally {
    admin.disconnect();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
