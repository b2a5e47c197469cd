#!/usr/bin/env node
'use strict';
// The Redis side of one range, measured with ioredis against a real redis-server: the
// exchange a node makes per finished range (connect with the ready check, XACK, XCLAIM to
// renew the other leases, XAUTOCLAIM + XREADGROUP to take the next range, disconnect),
// each step timed on the client; the server's CPU time per exchange and per connection
// (/proc) and per command (INFO commandstats); and the cost of XAUTOCLAIM's scan of the
// pending list as the number of leased ranges grows (it is what 1,000 nodes would pay).
//   node benchmarks/scale-out/redis-ops.js [--exchanges 3000] [--pending 0,100,1000,8000] [--workers 2] [--nodes 200] [--quick] [--out FILE]
// Writes benchmarks/results/queue-redis-ops.md (or FILE) and benchmarks/scale-out/redis-costs.json
// (the simulation's calibration); --quick: fewer exchanges, to queue-redis-ops-quick.md, no JSON.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const Redis = require('ioredis');
const { startRedis, processCpuMs, serverStats } = require('./redis-server.js');
const q = require('./protocol.js');
const { exchangeUs } = require('./queue-model.js');

const root = path.join(__dirname, '..', '..');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    exchanges: { type: 'string' },
    pending: { type: 'string' },
    nodes: { type: 'string' },
    workers: { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});
const quick = flags.quick;
const exchanges = Number(flags.exchanges ?? (quick ? 300 : 3000));
const pendings = (flags.pending ?? (quick ? '0,100,1000' : '0,100,1000,8000')).split(',').map(Number);
const workers = Number(flags.workers);
const manyNodes = Number(flags.nodes ?? (quick ? 20 : 200));
const outFile = flags.out ?? path.join(root, 'benchmarks', 'results', quick ? 'queue-redis-ops-quick.md' : 'queue-redis-ops.md');

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const pct = (xs, p) => {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const LEASE_MS = 60000;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-redis-ops-'));
  const server = await startRedis(dir);
  const admin = new Redis(server.url);
  const load0 = os.loadavg();
  try {
    // 1. Connections alone: open (with the ready check) and close.
    await admin.config('RESETSTAT');
    let cpu0 = processCpuMs(server.pid);
    const connectMs = [];
    for (let i = 0; i < exchanges; i++) {
      const t0 = performance.now();
      const r = await q.open(server.url);
      await q.close(r);
      connectMs.push(performance.now() - t0);
    }
    const connCpuUs = ((processCpuMs(server.pid) - cpu0) * 1000) / exchanges;
    const connStats = await serverStats(admin);
    const infoUs = connStats.commands.info ? connStats.commands.info.usec / connStats.commands.info.calls : 0;

    // 1b. A command's request and reply: PING after PING on one connection, each waiting
    // for its reply as the node's commands do; server CPU per PING less its execution time.
    const pings = exchanges * 10;
    let commandIoUs;
    {
      const r = await q.open(server.url);
      await admin.config('RESETSTAT');
      cpu0 = processCpuMs(server.pid);
      for (let i = 0; i < pings; i++) await r.ping();
      const cpuUs = ((processCpuMs(server.pid) - cpu0) * 1000) / pings;
      const ping = (await serverStats(admin)).commands.ping;
      commandIoUs = cpuUs - ping.usec / ping.calls;
      await q.close(r);
    }

    // 2. The per-range exchange of a node with `workers` ranges leased: ack one, renew the
    // others, take one, with a fresh connection (as the node) and on one kept open.
    const stream = 'bench:ranges';
    const steps = { connect: [], xack: [], xclaim: [], claim: [], close: [], total: [] };
    const persistent = [];
    let commandStats;
    let exchangeCpuUs;
    {
      await q.submit(admin, stream, 2 * exchanges + workers + 10, 100);
      const consumer = 'node-a';
      const setup = await q.open(server.url);
      let held = (await q.claim(setup, stream, consumer, workers, LEASE_MS)).ids;
      await q.close(setup);
      await admin.config('RESETSTAT');
      cpu0 = processCpuMs(server.pid);
      for (let i = 0; i < exchanges; i++) {
        const t = [performance.now()];
        const r = await q.open(server.url);
        t.push(performance.now());
        await q.ack(r, stream, held[0]);
        t.push(performance.now());
        await q.renew(r, stream, consumer, held.slice(1));
        t.push(performance.now());
        const got = await q.claim(r, stream, consumer, 1, LEASE_MS);
        t.push(performance.now());
        await q.close(r);
        t.push(performance.now());
        held = [...held.slice(1), ...got.ids];
        ['connect', 'xack', 'xclaim', 'claim', 'close'].forEach((k, j) => steps[k].push(t[j + 1] - t[j]));
        steps.total.push(t[5] - t[0]);
      }
      exchangeCpuUs = ((processCpuMs(server.pid) - cpu0) * 1000) / exchanges;
      commandStats = (await serverStats(admin)).commands;
      // The same commands on one connection kept open: what the round trips alone cost.
      const r = await q.open(server.url);
      for (let i = 0; i < exchanges; i++) {
        const t0 = performance.now();
        await q.ack(r, stream, held[0]);
        await q.renew(r, stream, consumer, held.slice(1));
        const got = await q.claim(r, stream, consumer, 1, LEASE_MS);
        held = [...held.slice(1), ...got.ids];
        persistent.push(performance.now() - t0);
      }
      await q.close(r);
    }
    const per = (name) => {
      const c = Object.entries(commandStats).find(([n]) => n === name)?.[1];
      return c ? { callsPerExchange: c.calls / exchanges, usecPerCall: c.usec / c.calls } : { callsPerExchange: 0, usecPerCall: 0 };
    };
    const cmds = { info: per('info'), xack: per('xack'), xclaim: per('xclaim'), xautoclaim: per('xautoclaim'), xreadgroup: per('xreadgroup') };
    const nonInfoCalls = cmds.xack.callsPerExchange + cmds.xclaim.callsPerExchange + cmds.xautoclaim.callsPerExchange + cmds.xreadgroup.callsPerExchange;
    const nonInfoUs = ['xack', 'xclaim', 'xautoclaim', 'xreadgroup'].reduce((a, n) => a + cmds[n].callsPerExchange * cmds[n].usecPerCall, 0);
    // The exchange's server CPU as the sum of its parts (a check on the parts).
    const exchangeSumUs = connCpuUs + nonInfoUs + nonInfoCalls * commandIoUs;

    // 3. XAUTOCLAIM against a pending list of P ranges leased by other nodes, none expired:
    // the node's claim walks the whole list, 10 x COUNT entries a call.
    const scan = [];
    for (const pending of pendings) {
      const s = `bench:pending-${pending}`;
      const claims = quick ? 20 : 50;
      await q.submit(admin, s, pending + claims + 10, 100);
      const holders = await q.open(server.url);
      for (let i = 0; i < pending; i += 1000) await q.claim(holders, s, `holder-${i / 1000}`, Math.min(1000, pending - i), LEASE_MS);
      await q.close(holders);
      const r = await q.open(server.url);
      await admin.config('RESETSTAT');
      cpu0 = processCpuMs(server.pid);
      const ms = [];
      let autoclaims = 0;
      for (let i = 0; i < claims; i++) {
        const t0 = performance.now();
        const got = await q.claim(r, s, 'node-b', 1, LEASE_MS);
        ms.push(performance.now() - t0);
        autoclaims += got.autoclaims;
        await q.ack(r, s, got.ids[0]); // the list stays at `pending` entries
      }
      const cpuUs = ((processCpuMs(server.pid) - cpu0) * 1000) / claims;
      const st = (await serverStats(admin)).commands.xautoclaim;
      // The alternative: one XPENDING with IDLE finds the oldest expired lease in one call
      // (the server still walks the list, but in one request).
      await admin.config('RESETSTAT');
      const pendingMs = [];
      for (let i = 0; i < claims; i++) {
        const t0 = performance.now();
        await r.call('XPENDING', s, q.GROUP, 'IDLE', String(LEASE_MS), '-', '+', '1');
        pendingMs.push(performance.now() - t0);
      }
      const xp = (await serverStats(admin)).commands.xpending;
      await q.close(r);
      scan.push({ pending, claims, autoclaimsPerClaim: autoclaims / claims, msPerClaim: pct(ms, 50), msPerClaimP99: pct(ms, 99), serverUsPerClaim: st.usec / claims, serverCpuUsPerClaim: cpuUs, xpendingIdleUs: xp.usec / xp.calls, xpendingIdleMs: pct(pendingMs, 50) });
    }
    // Server time of one XAUTOCLAIM call: a + b x entries scanned (least squares over the sizes with a scan).
    const pts = scan.filter((s) => s.pending > 0).map((s) => ({ x: s.pending / s.autoclaimsPerClaim, y: s.serverUsPerClaim / s.autoclaimsPerClaim }));
    const cpuPerCall = scan.filter((s) => s.pending > 0).map((s) => s.serverCpuUsPerClaim / s.autoclaimsPerClaim);

    // 4. Many nodes at once, each with `workers` ranges leased, each making exchanges back to
    // back on its own connections (no range processing in between): the real server's CPU
    // per exchange under concurrency, for both ways of taking a range, against the model's
    // cost of the same exchange computed from the figures above.
    const many = [];
    for (const protocol of ['current', 'reads-first']) {
      const s = `bench:many-${protocol}`;
      const rounds = quick ? 5 : 15;
      await q.submit(admin, s, manyNodes * (workers + rounds) + 10, 100);
      const held = [];
      for (let i = 0; i < manyNodes; i++) {
        const r = await q.open(server.url);
        held.push((await q.claim(r, s, `node-${i}`, workers, LEASE_MS)).ids);
        await q.close(r);
      }
      await admin.config('RESETSTAT');
      cpu0 = processCpuMs(server.pid);
      const t0 = performance.now();
      await Promise.all(held.map(async (ids, i) => {
        for (let k = 0; k < rounds; k++) {
          const r = await q.open(server.url);
          await q.ack(r, s, ids[0]);
          await q.renew(r, s, `node-${i}`, ids.slice(1));
          const got = protocol === 'current' ? await q.claim(r, s, `node-${i}`, 1, LEASE_MS) : await q.claimReadsFirst(r, s, `node-${i}`, 1, LEASE_MS);
          await q.close(r);
          ids = [...ids.slice(1), ...got.ids];
        }
      }));
      const wallMs = performance.now() - t0;
      const cpuUs = (processCpuMs(server.pid) - cpu0) * 1000;
      const st = await serverStats(admin);
      const calls = Object.entries(st.commands).filter(([n]) => !n.startsWith('config')).reduce((a, [, c]) => a + c.calls, 0);
      const n = manyNodes * rounds;
      many.push({ protocol, nodes: manyNodes, exchanges: n, perS: n / (wallMs / 1000), cpuUs: cpuUs / n, commands: calls / n, cpuShare: cpuUs / 1000 / wallMs });
    }

    const costs = {
      measured: new Date().toISOString().slice(0, 10),
      command: `node benchmarks/scale-out/redis-ops.js --exchanges ${exchanges} --pending ${pendings.join(',')} --nodes ${manyNodes}`,
      redis: server.version,
      loadAverage: load0,
      // Server CPU (µs, /proc) of one connection opened with the ready check and closed.
      connectionCpuUs: connCpuUs,
      // Server CPU (µs) of one command beyond its own execution time (request and reply I/O).
      commandIoUs,
      // Execution time of each command (µs, INFO commandstats).
      commandUs: { info: infoUs, xack: cmds.xack.usecPerCall, xclaim: cmds.xclaim.usecPerCall, xreadgroup: cmds.xreadgroup.usecPerCall, xautoclaimEmpty: scan.find((s) => s.pending === 0)?.serverUsPerClaim ?? cmds.xautoclaim.usecPerCall },
      // One XAUTOCLAIM call that scans a full page of 10 x COUNT pending entries (COUNT 1): server CPU, µs.
      xautoclaimPageCpuUs: cpuPerCall.length ? sorted(cpuPerCall)[Math.floor(cpuPerCall.length / 2)] : 0,
      xautoclaimPageUs: pts.length ? sorted(pts.map((p) => p.y))[Math.floor(pts.length / 2)] : 0,
      // Client-side time of one exchange (ms), median: the round trips a node waits for.
      exchangeMs: pct(steps.total, 50),
      roundTripMs: pct(steps.xack, 50),
      connectMs: pct(steps.connect, 50) + pct(steps.close, 50),
      exchangeCpuUs,
      // The commands' share of it (execution and I/O, the ready check's INFO not included).
      exchangeCommandsUs: nonInfoUs + nonInfoCalls * commandIoUs,
      // One XPENDING IDLE call: µs of server execution, base + per leased range scanned.
      xpendingIdle: (() => {
        const base = scan.find((s) => s.pending === 0)?.xpendingIdleUs ?? 0;
        const big = scan.reduce((a, b) => (b.pending > a.pending ? b : a));
        return { baseUs: base, perEntryUs: big.pending ? (big.xpendingIdleUs - base) / big.pending : 0 };
      })(),
      scan,
    };
    if (!quick) fs.writeFileSync(path.join(__dirname, 'redis-costs.json'), `${JSON.stringify(costs, null, 2)}\n`);

    const f = (x, d = 3) => x.toFixed(d);
    const load1 = os.loadavg();
    const lines = [
      '## Redis queue: the Redis operations of one range',
      '',
      `Command: \`node benchmarks/scale-out/redis-ops.js${quick ? ' --quick' : ''} --exchanges ${exchanges} --pending ${pendings.join(',')} --workers ${workers} --nodes ${manyNodes}\``,
      `(${os.cpus().length} cores, load average ${load0.map((x) => x.toFixed(2)).join(', ')} at the start, ${load1.map((x) => x.toFixed(2)).join(', ')} at the end; redis-server ${server.version} on 127.0.0.1, ioredis in one node process).`,
      `A node with ${workers} ranges leased finishes one and takes the next, ${exchanges} times: the exchange \`cowloop work\` makes per range, each step timed on the client.`,
      '',
      '| step | median (ms) | p99 (ms) |',
      '|---|---|---|',
      ...Object.entries({ 'connect (with the ready check, INFO)': steps.connect, 'XACK the finished range': steps.xack, 'XCLAIM idle 0: renew the other leases': steps.xclaim, 'XAUTOCLAIM + XREADGROUP: take a range': steps.claim, 'disconnect (until the socket is closed)': steps.close, '**whole exchange**': steps.total, 'the same commands on a connection kept open': persistent }).map(([k, v]) => `| ${k} | ${f(pct(v, 50))} | ${f(pct(v, 99))} |`),
      '',
      `Redis server CPU per exchange (/proc): ${f(exchangeCpuUs / 1000)} ms, of which the connection (accept, ready check, close) ${f(connCpuUs / 1000)} ms (${f(pct(connectMs, 50))} ms on the client, median, for a connection alone).`,
      `Execution time per command (INFO commandstats, µs): INFO ${f(infoUs, 1)}, XACK ${f(cmds.xack.usecPerCall, 1)}, XCLAIM ${f(cmds.xclaim.usecPerCall, 1)}, XAUTOCLAIM ${f(cmds.xautoclaim.usecPerCall, 1)}, XREADGROUP ${f(cmds.xreadgroup.usecPerCall, 1)}; a command's request and reply add ${f(commandIoUs, 1)} µs of server CPU (${pings} PINGs on one connection); connection + commands + I/O = ${f(exchangeSumUs / 1000)} ms per exchange against ${f(exchangeCpuUs / 1000)} ms measured as a whole.`,
      '',
      'XAUTOCLAIM as the pending list grows: P ranges leased by other nodes, none expired; a node takes one range (COUNT 1).',
      'Each call scans at most 10 x COUNT pending entries, and the node calls again from the returned cursor until the list ends:',
      '',
      '| leased ranges P | XAUTOCLAIM calls per claim | client ms per claim (median) | p99 | server execution µs per claim | server CPU µs per claim | one XPENDING IDLE instead: server µs | client ms |',
      '|---|---|---|---|---|---|---|---|',
      ...scan.map((s) => `| ${s.pending} | ${f(s.autoclaimsPerClaim, 1)} | ${f(s.msPerClaim)} | ${f(s.msPerClaimP99)} | ${f(s.serverUsPerClaim, 1)} | ${f(s.serverCpuUsPerClaim, 0)} | ${f(s.xpendingIdleUs, 1)} | ${f(s.xpendingIdleMs)} |`),
      '',
    ];
    lines.push(
      `${manyNodes} nodes at once on their own connections, each with ${workers} ranges leased, exchanges back to back (one node process drives them all, so the client, not Redis, sets the pace):`,
      '',
      '| taking a range | exchanges | exchanges/s | commands per exchange | Redis CPU per exchange (µs, /proc) | the model\'s cost of that exchange (µs) | Redis CPU (% of the run) |',
      '|---|---|---|---|---|---|---|',
      ...many.map((m) => `| ${m.protocol} | ${m.exchanges} | ${m.perS.toFixed(0)} | ${m.commands.toFixed(1)} | ${m.cpuUs.toFixed(0)} | ${exchangeUs(costs, m.protocol, m.nodes * workers).toFixed(0)} | ${(100 * m.cpuShare).toFixed(0)} % |`),
      '',
      `With many clients the server spent ${many.map((m) => `${(m.cpuUs / exchangeUs(costs, m.protocol, m.nodes * workers)).toFixed(2)}`).join(' and ')} times the model's cost per exchange (one event-loop turn serves several clients):`,
      'the model, built from one client\'s costs, overstates Redis\'s load rather than understates it.',
      '',
    );
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
