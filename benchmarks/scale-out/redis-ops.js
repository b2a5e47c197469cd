#!/usr/bin/env node
'use strict';
// The Redis side of one range, measured with ioredis against a real redis-server: the
// exchange a node makes per finished range on the connection it keeps (a MULTI that
// acknowledges and counts the range, then reads-first taking the next with its MULTI of
// bookkeeping), each step timed on the client; the server's CPU time per exchange and per
// connection (/proc) and per command (INFO commandstats); the renewal script and the idle
// node's counts; and the cost of finding leases that ran out as the number of leased ranges
// grows (XPENDING IDLE, against the XAUTOCLAIM walk the node made before).
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
    // 1. Connections alone: open (no ready check, as the node) and close.
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

    // 1b. A command's request and reply: PING after PING on one connection, each waiting
    // for its reply as the node's commands do; server CPU per PING less its execution time.
    const pings = exchanges * 10;
    let commandIoUs;
    const pingMs = [];
    {
      const r = await q.open(server.url);
      await admin.config('RESETSTAT');
      cpu0 = processCpuMs(server.pid);
      for (let i = 0; i < pings; i++) {
        const t0 = performance.now();
        await r.ping();
        pingMs.push(performance.now() - t0);
      }
      const cpuUs = ((processCpuMs(server.pid) - cpu0) * 1000) / pings;
      const ping = (await serverStats(admin)).commands.ping;
      commandIoUs = cpuUs - ping.usec / ping.calls;
      await q.close(r);
    }

    // 2. The per-range exchange of a node with 2 x `workers` ranges in hand (two per worker):
    // complete one, take one, on the connection the node keeps; then the same with a
    // connection opened and closed around each exchange (as the node did before).
    const stream = 'bench:ranges';
    const steps = { complete: [], claim: [], total: [] };
    const reconnecting = [];
    const inHand = 2 * workers;
    let commandStats;
    let exchangeCpuUs;
    let exchangeCommands = 0;
    let exchangeRequests = 0;
    {
      await q.submit(admin, stream, 2 * exchanges + inHand + 10, 100);
      const consumer = 'node-a';
      const r = await q.open(server.url);
      let held = await q.claim(r, stream, consumer, inHand, LEASE_MS);
      held = held.ids.map((id, i) => [id, held.indices[i]]);
      await admin.config('RESETSTAT');
      cpu0 = processCpuMs(server.pid);
      for (let i = 0; i < exchanges; i++) {
        const t0 = performance.now();
        await q.complete(r, stream, consumer, held[0][0], held[0][1], 100);
        const t1 = performance.now();
        const got = await q.claim(r, stream, consumer, 1, LEASE_MS);
        const t2 = performance.now();
        exchangeCommands += 8 + got.commands; // the completing MULTI: MULTI, 5 commands, XINFO GROUPS, EXEC
        exchangeRequests += 1 + got.requests;
        held = [...held.slice(1), ...got.ids.map((id, k) => [id, got.indices[k]])];
        steps.complete.push(t1 - t0);
        steps.claim.push(t2 - t1);
        steps.total.push(t2 - t0);
      }
      exchangeCpuUs = ((processCpuMs(server.pid) - cpu0) * 1000) / exchanges;
      commandStats = (await serverStats(admin)).commands;
      await q.close(r);
      for (let i = 0; i < exchanges; i++) {
        const t0 = performance.now();
        const c = await q.open(server.url);
        await q.complete(c, stream, consumer, held[0][0], held[0][1], 100);
        const got = await q.claim(c, stream, consumer, 1, LEASE_MS);
        await q.close(c);
        held = [...held.slice(1), ...got.ids.map((id, k) => [id, got.indices[k]])];
        reconnecting.push(performance.now() - t0);
      }
    }
    const per = (name, stats = commandStats, n = exchanges) => {
      const c = Object.entries(stats).find(([k]) => k === name)?.[1];
      return c ? { callsPerExchange: c.calls / n, usecPerCall: c.usec / c.calls } : { callsPerExchange: 0, usecPerCall: 0 };
    };
    const names = ['multi', 'exec', 'xack', 'hset', 'hincrby', 'hsetnx', 'xreadgroup'];
    const cmds = Object.fromEntries(names.map((n) => [n, per(n)]));
    // The counts read inside the MULTIs (XINFO GROUPS) are part of the exchange too.
    const info = per('xinfo|groups');
    const execUs = names.reduce((a, n) => a + cmds[n].callsPerExchange * cmds[n].usecPerCall, 0) + info.callsPerExchange * info.usecPerCall;
    // The exchange's server CPU as the sum of its parts (a check on the parts): the commands'
    // execution, and the I/O once per request (a MULTI's commands go in one request).
    const exchangeSumUs = execUs + (exchangeRequests / exchanges) * commandIoUs;

    // 2b. The renewal script with k leases held, and the idle node's counts.
    const renewUs = {};
    let xinfoUs;
    let xclaimUs;
    {
      const r = await q.open(server.url);
      for (const k of [2, 16]) {
        const s = `bench:renew-${k}`;
        await q.submit(admin, s, k, 100);
        const ids = (await q.claim(r, s, 'node-r', k, LEASE_MS)).ids;
        await admin.config('RESETSTAT');
        const n = quick ? 100 : 1000;
        for (let i = 0; i < n; i++) await q.renew(r, s, 'node-r', ids);
        const st = await serverStats(admin);
        renewUs[k] = per('eval', st.commands, n).usecPerCall;
        if (k === 2) {
          await admin.config('RESETSTAT');
          for (let i = 0; i < n; i++) await r.call('XCLAIM', s, q.GROUP, 'node-r', '0', ids[0]);
          xclaimUs = per('xclaim', (await serverStats(admin)).commands, n).usecPerCall;
        }
      }
      await admin.config('RESETSTAT');
      const n = quick ? 100 : 1000;
      for (let i = 0; i < n; i++) await q.counts(r, stream);
      xinfoUs = per('xinfo|groups', (await serverStats(admin)).commands, n).usecPerCall;
      await q.close(r);
    }

    // 3. Finding leases that ran out among P ranges leased by other nodes, none expired:
    // one XPENDING IDLE (the server walks the list once, in one request), against the
    // XAUTOCLAIM walk of the claim before (10 x COUNT entries a call, call after call).
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
        const got = await q.claimAutoclaim(r, s, 'node-b', 1, LEASE_MS);
        ms.push(performance.now() - t0);
        autoclaims += got.autoclaims;
        await r.xack(s, q.GROUP, got.ids[0]); // the list stays at `pending` entries
      }
      const cpuUs = ((processCpuMs(server.pid) - cpu0) * 1000) / claims;
      const st = (await serverStats(admin)).commands.xautoclaim;
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

    // 4. Many nodes at once, each on its own kept connection with 2 x `workers` ranges in
    // hand, making exchanges back to back (no range processing in between): the real
    // server's CPU per exchange under concurrency, for both claims, against the model's cost
    // of the same exchange computed from the figures above.
    const many = [];
    for (const protocol of ['reads-first', 'autoclaim']) {
      const s = `bench:many-${protocol}`;
      const rounds = quick ? 5 : 15;
      await q.submit(admin, s, manyNodes * (inHand + rounds) + 10, 100);
      const conns = [];
      const held = [];
      for (let i = 0; i < manyNodes; i++) {
        const r = await q.open(server.url);
        const got = await q.claim(r, s, `node-${i}`, inHand, LEASE_MS);
        conns.push(r);
        held.push(got.ids.map((id, k) => [id, got.indices[k]]));
      }
      await admin.config('RESETSTAT');
      cpu0 = processCpuMs(server.pid);
      const t0 = performance.now();
      await Promise.all(held.map(async (h, i) => {
        const r = conns[i];
        for (let k = 0; k < rounds; k++) {
          await q.complete(r, s, `node-${i}`, h[0][0], h[0][1], 100);
          const got = protocol === 'reads-first' ? await q.claim(r, s, `node-${i}`, 1, LEASE_MS) : await q.claimAutoclaim(r, s, `node-${i}`, 1, LEASE_MS);
          h = [...h.slice(1), ...got.ids.map((id, j) => [id, got.indices[j]])];
        }
      }));
      const wallMs = performance.now() - t0;
      const cpuUs = (processCpuMs(server.pid) - cpu0) * 1000;
      const st = await serverStats(admin);
      for (const r of conns) await q.close(r);
      const callCount = Object.entries(st.commands).filter(([n]) => !n.startsWith('config')).reduce((a, [, c]) => a + c.calls, 0);
      const n = manyNodes * rounds;
      many.push({ protocol, nodes: manyNodes, exchanges: n, perS: n / (wallMs / 1000), cpuUs: cpuUs / n, commands: callCount / n, cpuShare: cpuUs / 1000 / wallMs });
    }

    const costs = {
      measured: new Date().toISOString().slice(0, 10),
      command: `node benchmarks/scale-out/redis-ops.js --exchanges ${exchanges} --pending ${pendings.join(',')} --nodes ${manyNodes}`,
      redis: server.version,
      loadAverage: load0,
      // Server CPU (µs, /proc) of one connection opened (no ready check) and closed: once per node and fork.
      connectionCpuUs: connCpuUs,
      // Server CPU (µs) of one request beyond its commands' execution time (request and reply I/O).
      commandIoUs,
      // Execution time of each command (µs, INFO commandstats).
      commandUs: {
        ...Object.fromEntries(names.map((n) => [n, cmds[n].usecPerCall])),
        xinfoGroups: xinfoUs,
        xclaim: xclaimUs,
        xautoclaimEmpty: scan.find((s) => s.pending === 0)?.serverUsPerClaim ?? 0,
      },
      // The renewal script: µs of server execution, base + per lease held (fitted on 2 and 16).
      renew: { baseUs: renewUs[2] - (2 * (renewUs[16] - renewUs[2])) / 14, perLeaseUs: (renewUs[16] - renewUs[2]) / 14 },
      // One XAUTOCLAIM call that scans a full page of 10 x COUNT pending entries (COUNT 1): server CPU, µs.
      xautoclaimPageCpuUs: cpuPerCall.length ? sorted(cpuPerCall)[Math.floor(cpuPerCall.length / 2)] : 0,
      xautoclaimPageUs: pts.length ? sorted(pts.map((p) => p.y))[Math.floor(pts.length / 2)] : 0,
      // Client-side time of one exchange on the kept connection (ms), median: the round trips a node waits for.
      exchangeMs: pct(steps.total, 50),
      // One round trip: a PING on one connection, median.
      roundTripMs: pct(pingMs, 50),
      connectMs: pct(connectMs, 50),
      exchangeCpuUs,
      exchangeCommands: exchangeCommands / exchanges,
      exchangeRequests: exchangeRequests / exchanges,
      exchangeCommandsUs: exchangeSumUs,
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
      `A node with ${inHand} ranges in hand (2 per worker, ${workers} workers) finishes one and takes the next, ${exchanges} times: the exchange \`cowloop work\` makes per range on the connection it keeps, each step timed on the client.`,
      '',
      '| step | median (ms) | p99 (ms) |',
      '|---|---|---|',
      ...Object.entries({ 'MULTI: XACK the finished range, HSET done, HINCRBY events and ranges, HSET last': steps.complete, 'XREADGROUP, MULTI: HINCRBY attempts, HSET leased-at, HSETNX first: take a range': steps.claim, '**whole exchange**': steps.total, 'the same with a connection opened and closed around it (the node before)': reconnecting, 'a connection alone: open (no ready check) and close': connectMs }).map(([k, v]) => `| ${k} | ${f(pct(v, 50))} | ${f(pct(v, 99))} |`),
      '',
      `Redis server CPU per exchange (/proc): ${f(exchangeCpuUs / 1000)} ms for ${f(exchangeCommands / exchanges, 1)} commands in ${f(exchangeRequests / exchanges, 1)} requests; a connection opened and closed costs ${f(connCpuUs / 1000)} ms of server CPU (once per node, and again after a worker is forked anew).`,
      `Execution time per command (INFO commandstats, µs): ${names.map((n) => `${n.toUpperCase()} ${f(cmds[n].usecPerCall, 1)}`).join(', ')}, XCLAIM ${f(xclaimUs, 1)}, XINFO GROUPS ${f(xinfoUs, 1)}; a request and its reply add ${f(commandIoUs, 1)} µs of server CPU (${pings} PINGs on one connection, ${f(pct(pingMs, 50))} ms a round trip); commands + I/O per request = ${f(exchangeSumUs / 1000)} ms per exchange against ${f(exchangeCpuUs / 1000)} ms measured as a whole.`,
      `The renewal script (every lease/3): ${f(costs.renew.baseUs, 1)} µs + ${f(costs.renew.perLeaseUs, 1)} µs per lease held (${f(renewUs[2], 1)} µs with 2, ${f(renewUs[16], 1)} µs with 16).`,
      '',
      'Finding leases that ran out among P ranges leased by other nodes, none expired. The node asks one XPENDING IDLE, and only when unread ranges are too few;',
      'the claim before walked the list with XAUTOCLAIM on every claim (each call scans at most 10 x COUNT pending entries; COUNT 1 here), call after call until the list ends:',
      '',
      '| leased ranges P | XAUTOCLAIM calls per claim | client ms per claim (median) | p99 | server execution µs per claim | server CPU µs per claim | one XPENDING IDLE: server µs | client ms |',
      '|---|---|---|---|---|---|---|---|',
      ...scan.map((s) => `| ${s.pending} | ${f(s.autoclaimsPerClaim, 1)} | ${f(s.msPerClaim)} | ${f(s.msPerClaimP99)} | ${f(s.serverUsPerClaim, 1)} | ${f(s.serverCpuUsPerClaim, 0)} | ${f(s.xpendingIdleUs, 1)} | ${f(s.xpendingIdleMs)} |`),
      '',
    ];
    lines.push(
      `${manyNodes} nodes at once, each on the connection it keeps with ${inHand} ranges in hand, exchanges back to back (one node process drives them all, so the client, not Redis, sets the pace):`,
      '',
      '| taking a range | exchanges | exchanges/s | commands per exchange | Redis CPU per exchange (µs, /proc) | the model\'s cost of that exchange (µs) | Redis CPU (% of the run) |',
      '|---|---|---|---|---|---|---|',
      ...many.map((m) => `| ${m.protocol} | ${m.exchanges} | ${m.perS.toFixed(0)} | ${m.commands.toFixed(1)} | ${m.cpuUs.toFixed(0)} | ${exchangeUs(costs, m.protocol, m.nodes * inHand).toFixed(0)} | ${(100 * m.cpuShare).toFixed(0)} % |`),
      '',
      `With many clients the server spent ${many.map((m) => `${(m.cpuUs / exchangeUs(costs, m.protocol, m.nodes * inHand)).toFixed(2)}`).join(' and ')} times the model's cost per exchange (one event-loop turn serves several clients):`,
      'above 1, the model (built from one client\'s costs) understates Redis\'s load; below 1 it overstates it.',
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
