'use strict';
// The queue's exchanges with Redis as `cowloop work` makes them (src/service/range-queue.ts
// and work-node.ts when these figures were measured), written against ioredis directly so
// that the benchmarks time each command on its own: a connection opened per exchange with
// the node's options (ioredis checks readiness with INFO), XACK of a finished range, XCLAIM
// with idle 0 to renew the other leases, XAUTOCLAIM from cursor 0-0 until a lease that ran
// out is found or the pending list ends (each call scans at most 10 x COUNT pending entries),
// then XREADGROUP for ranges never handed out; XPENDING when a node has nothing to do.
const Redis = require('ioredis');

const GROUP = 'nodes';
const NODE_OPTIONS = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 };

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

/** Up to `count` ranges: leases that ran out first, then unread ones. Returns the ids and the calls made. */
async function claim(redis, stream, consumer, count, leaseMs) {
  const ids = [];
  let cursor = '0-0';
  let autoclaims = 0;
  do {
    const [next, entries] = await redis.call('XAUTOCLAIM', stream, GROUP, consumer, String(leaseMs), cursor, 'COUNT', String(count - ids.length));
    autoclaims++;
    for (const e of entries) if (e) ids.push(e[0]);
    cursor = next;
  } while (cursor !== '0-0' && ids.length < count);
  let reads = 0;
  if (ids.length < count) {
    reads = 1;
    const read = await redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', String(count - ids.length), 'STREAMS', stream, '>');
    for (const e of read?.[0]?.[1] ?? []) ids.push(e[0]);
  }
  return { ids, autoclaims, reads };
}

/**
 * The alternative the model calls reads-first: unread ranges first (XREADGROUP), and only
 * when too few, one XPENDING IDLE for leases that ran out and XCLAIM of those.
 */
async function claimReadsFirst(redis, stream, consumer, count, leaseMs) {
  const ids = [];
  let commands = 1;
  const read = await redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', String(count), 'STREAMS', stream, '>');
  for (const e of read?.[0]?.[1] ?? []) ids.push(e[0]);
  if (ids.length < count) {
    commands++;
    const expired = await redis.call('XPENDING', stream, GROUP, 'IDLE', String(leaseMs), '-', '+', String(count - ids.length));
    if (expired.length) {
      commands++;
      const taken = await redis.call('XCLAIM', stream, GROUP, consumer, String(leaseMs), ...expired.map((e) => e[0]));
      for (const e of taken) if (e) ids.push(e[0]);
    }
  }
  return { ids, commands };
}

async function renew(redis, stream, consumer, ids) {
  if (ids.length) await redis.call('XCLAIM', stream, GROUP, consumer, '0', ...ids, 'JUSTID');
}

async function ack(redis, stream, id) {
  await redis.xack(stream, GROUP, id);
}

async function leased(redis, stream) {
  return Number((await redis.call('XPENDING', stream, GROUP))[0]);
}

module.exports = { GROUP, open, close, submit, claim, claimReadsFirst, renew, ack, leased };
