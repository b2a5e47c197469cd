// The Redis queue's benchmarks at a tiny size: the model of many nodes (queue-sim.js) gives
// one result per protocol and range size with no event lost, re-runs no more than the killed
// node's leased ranges, and queue load falling / re-work growing with the range size; the
// Redis operations benchmark (redis-ops.js) shows XAUTOCLAIM's 10-entry pages against a real
// redis-server (skipped without one). No timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { root } from '../helpers/root.mjs';
import { withDir } from '../helpers/tmp.mjs';
import redisServer from '../../benchmarks/scale-out/redis-server.js';

const run = promisify(execFile);
const sim = path.join(root, 'benchmarks', 'scale-out', 'queue-sim.js');
const ops = path.join(root, 'benchmarks', 'scale-out', 'redis-ops.js');
const noRedis = redisServer.redisMissing();

const SIZES = [10, 40, 160];

async function model(args) {
  const { stdout } = await run(process.execPath, [sim, '--json', ...args], { cwd: root, timeout: 120_000 });
  return stdout.trim().split('\n').map((l) => JSON.parse(l));
}

test('the queue model: no event lost, re-runs bounded by the leased ranges, load and re-work move with the range size', async () => {
  const results = await model(['--nodes', '20', '--workers', '2', '--events', '40000', '--event-ms', '1', '--range-overhead-ms', '5', '--lease', '2', '--sizes', SIZES.join(','), '--protocols', 'reads-first,autoclaim']);
  assert.deepEqual(results.map((r) => `${r.protocol} ${r.rangeSize}`), SIZES.map((s) => `reads-first ${s}`).concat(SIZES.map((s) => `autoclaim ${s}`)));
  for (const r of results) {
    const at = `${r.protocol}, range size ${r.rangeSize}`;
    assert.equal(r.ranges, Math.ceil(40000 / r.rangeSize), at);
    assert.equal(r.saturated, false, `${at}: the model stopped before the job's end`);
    assert.equal(r.lostEvents, 0, `${at}: events lost`);
    // A node holds two ranges in hand per worker and one spare (a finished range still
    // unacknowledged takes the place the spare or a hand left): 2 workers hold at most 5.
    assert.ok(r.kill && r.kill.leased >= 1 && r.kill.leased <= 5, `${at}: the killed node held ${r.kill?.leased} ranges`);
    assert.ok(r.rerunEvents > 0 && r.rerunEvents <= r.kill.leased * r.rangeSize, `${at}: ${r.rerunEvents} events run again, ${r.kill.leased} ranges leased`);
    assert.equal(r.predictedRerun, r.kill.leased * r.rangeSize, at);
    assert.ok(r.partialLost <= r.rerunEvents, `${at}: the killed node's partial work ${r.partialLost} is part of what runs again`);
    assert.ok(r.jobS >= r.idealS * 0.9 && r.tailS >= 0 && r.efficiency > 0 && r.efficiency <= 1, `${at}: ${JSON.stringify(r)}`);
    assert.ok(r.redisCpu > 0 && r.redisCpu <= 1 && r.redisCpuPeak >= r.redisCpu * 0.99, `${at}: Redis CPU ${r.redisCpu}, busiest ${r.redisCpuPeak}`);
    // Every range costs at least the command that took it and the MULTI, XACK and EXEC that complete it.
    assert.ok(r.commandsPerRange >= 3, `${at}: ${r.commandsPerRange} commands per range`);
  }
  for (const protocol of ['reads-first', 'autoclaim']) {
    const rows = results.filter((r) => r.protocol === protocol);
    for (let i = 1; i < rows.length; i++) {
      assert.ok(rows[i].redisOpsPerS < rows[i - 1].redisOpsPerS, `${protocol}: Redis commands/s ${rows.map((r) => r.redisOpsPerS)} should fall with the range size`);
      assert.ok(rows[i].redisCpu < rows[i - 1].redisCpu, `${protocol}: Redis CPU ${rows.map((r) => r.redisCpu)} should fall with the range size`);
      assert.ok(rows[i].rerunEvents > rows[i - 1].rerunEvents, `${protocol}: events run again ${rows.map((r) => r.rerunEvents)} should grow with the range size`);
    }
  }
  // The XAUTOCLAIM claim (the node's before reads-first) walks the whole pending list on every claim: more commands per range.
  for (const size of SIZES) {
    const [first, current] = ['reads-first', 'autoclaim'].map((p) => results.find((r) => r.protocol === p && r.rangeSize === size));
    assert.ok(current.commandsPerRange > first.commandsPerRange, `range size ${size}: ${current.commandsPerRange} commands per range (autoclaim) against ${first.commandsPerRange}`);
  }
});

test('the queue model is deterministic and refuses a bad flag', async () => {
  const args = ['--nodes', '5', '--workers', '2', '--events', '2000', '--sizes', '50', '--protocols', 'reads-first', '--seed', '7'];
  assert.deepEqual((await model(args)).map(({ modelSeconds, ...r }) => r), (await model(args)).map(({ modelSeconds, ...r }) => r));
  await assert.rejects(model(['--nodes', 'many']), (e) => /--nodes must be a number >= 0 \(got "many"\)/.test(e.stderr) && e.code !== 0);
  await assert.rejects(model(['--protocols', 'fast']), (e) => /unknown protocol "fast"/.test(e.stderr) && e.code !== 0);
});

test('redis-ops against a real redis-server: XAUTOCLAIM scans 10 pending entries a call at COUNT 1', { skip: noRedis }, async () => {
  await withDir(async (dir) => {
    const out = path.join(dir, 'ops.md');
    await run(process.execPath, [ops, '--quick', '--exchanges', '30', '--pending', '0,100', '--out', out], { cwd: root, timeout: 120_000 });
    const md = fs.readFileSync(out, 'utf8');
    assert.match(md, /^## Redis queue: the Redis operations of one range\n/);
    assert.match(md, /\| \*\*whole exchange\*\* \| \d+\.\d{3} \| \d+\.\d{3} \|/);
    const rows = md.split('\n').filter((l) => /^\| (0|100) \|/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    assert.deepEqual(rows.map((r) => [r[0], r[1]]), [['0', '1.0'], ['100', '10.0']]);
  });
});
