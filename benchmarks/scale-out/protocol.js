'use strict';
// The queue's exchanges with Redis as `cowloop work` makes them (src/service/range-queue.ts
// and work-node.ts), written against ioredis directly so that the benchmarks time each
// command on its own. The node keeps one connection (no ready check) between forks. Per
// finished range: one MULTI (XACK, HSET done, HINCRBY events and ranges, HSET last, XINFO
// GROUPS: the counts its spare range is decided by). Taking ranges (reads-first): XREADGROUP
// for ranges never handed out; only when too few, one XPENDING IDLE for leases that ran out
// and XCLAIM of those; then one MULTI recording each range's attempt and lease time
// (HINCRBY, HSET) and the node's first claim (HSETNX), and reading the counts (XINFO GROUPS).
// Every lease/3: EVAL of the renewal script (per lease held, XPENDING of that entry and
// XCLAIM idle 0 if still this node's). A node with nothing to do: XINFO GROUPS (counts).
// `claimAutoclaim` is the claim the node made before (XAUTOCLAIM from cursor 0-0, call
// after call, then XREADGROUP), kept to compare.
const Redis = require('ioredis');

const GROUP = 'nodes';
const NODE_OPTIONS = { lazyConnect: true, enableReadyCheck: false, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, keepAlive: 30000, commandTimeout: 30000 };

// The renewal script the node runs (cowloop must be built: npm run build:ts).
const { RENEW } = require('../../dist/cjs/service/range-queue.js');

async function open(url) {
  const redis = new Redis(url, NODE_OPTIONS);
  redis.on('error', () => {});
  await redis.connect();
  return redis;
}

async function close(redis) {
  if (redis.status === 'end') return;
  const ended = new Promise((resolve) => redis.once('end', resolve));
  redis.disconnect();
  await ended;
}

/** A stream of `ranges` entries with the consumer group, as `cowloop submit redis` makes it. */
async function submit(redis, stream, ranges, rangeSize) {
  await redis.del(stream);
  await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
  for (let i = 0; i < ranges; i += 1000) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(ranges, i + 1000); j++) p.xadd(stream, '*', 'index', String(j), 'first', String(j * rangeSize), 'end', String((j + 1) * rangeSize));
    await p.exec();
  }
}

const indexOf = (entry) => entry[1][entry[1].indexOf('index') + 1];

/** The bookkeeping of ranges just taken: one MULTI. */
async function record(redis, stream, consumer, entries) {
  if (!entries.length) return;
  const now = String(Date.now());
  const m = redis.multi();
  for (const e of entries) m.hincrby(`${stream}:attempts`, indexOf(e), 1).hset(`${stream}:leased-at`, indexOf(e), now);
  await m.hsetnx(`${stream}:nodes`, `${consumer}|first`, now).xinfo('GROUPS', stream).exec();
}

/** Up to `count` ranges, reads-first, as the node takes them. Returns the ids and the commands sent. */
async function claim(redis, stream, consumer, count, leaseMs) {
  const entries = [];
  let commands = 1;
  let requests = 1;
  const read = await redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', String(count), 'STREAMS', stream, '>');
  for (const e of read?.[0]?.[1] ?? []) entries.push(e);
  if (entries.length < count) {
    commands++;
    requests++;
    const expired = await redis.call('XPENDING', stream, GROUP, 'IDLE', String(leaseMs), '-', '+', String(count - entries.length));
    if (expired.length) {
      commands++;
      requests++;
      const taken = await redis.call('XCLAIM', stream, GROUP, consumer, String(leaseMs), ...expired.map((e) => e[0]));
      for (const e of taken) if (e) entries.push(e);
    }
  }
  if (entries.length) {
    await record(redis, stream, consumer, entries);
    commands += 4 + 2 * entries.length;
    requests++;
  }
  return { ids: entries.map((e) => e[0]), indices: entries.map(indexOf), commands, requests };
}

/** The claim made before: expired leases first (XAUTOCLAIM, each call scans at most 10 x COUNT pending entries), then XREADGROUP. */
async function claimAutoclaim(redis, stream, consumer, count, leaseMs) {
  const entries = [];
  let cursor = '0-0';
  let autoclaims = 0;
  do {
    const [next, got] = await redis.call('XAUTOCLAIM', stream, GROUP, consumer, String(leaseMs), cursor, 'COUNT', String(count - entries.length));
    autoclaims++;
    for (const e of got) if (e) entries.push(e);
    cursor = next;
  } while (cursor !== '0-0' && entries.length < count);
  let reads = 0;
  if (entries.length < count) {
    reads = 1;
    const read = await redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', String(count - entries.length), 'STREAMS', stream, '>');
    for (const e of read?.[0]?.[1] ?? []) entries.push(e);
  }
  await record(redis, stream, consumer, entries);
  return { ids: entries.map((e) => e[0]), indices: entries.map(indexOf), autoclaims, reads, commands: autoclaims + reads + (entries.length ? 4 + 2 * entries.length : 0) };
}

/** The leases this consumer still holds renewed (the node does it every lease/3). */
async function renew(redis, stream, consumer, ids) {
  if (ids.length) await redis.eval(RENEW, 1, stream, ...ids, consumer);
}

/** A range in place: acknowledged and counted, in one transaction. */
async function complete(redis, stream, consumer, id, index, events) {
  await redis
    .multi()
    .xack(stream, GROUP, id)
    .hset(`${stream}:done`, String(index), consumer)
    .hincrby(`${stream}:nodes`, `${consumer}|events`, events)
    .hincrby(`${stream}:nodes`, `${consumer}|ranges`, 1)
    .hset(`${stream}:nodes`, `${consumer}|last`, String(Date.now()))
    .xinfo('GROUPS', stream)
    .exec();
}

/** What an idle node asks: the group's counts (pending, lag), no scan. */
async function counts(redis, stream) {
  return redis.call('XINFO', 'GROUPS', stream);
}

async function leased(redis, stream) {
  return Number((await redis.call('XPENDING', stream, GROUP))[0]);
}

module.exports = { GROUP, open, close, submit, claim, claimAutoclaim, renew, complete, counts, leased };
