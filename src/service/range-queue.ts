// The job's event ranges in Redis, as a stream with one consumer group: an entry is a
// range, a delivered and not yet acknowledged entry is a lease (XPENDING records who holds
// it and how long it has been idle), XAUTOCLAIM hands out again a lease that ran out, XACK
// marks a range done. Only a node's master uses this, and only between forks: each
// exchange opens a connection and closes it (a socket left open would go into every child).
import Redis from 'ioredis';
import { CowloopError, ErrorCodes } from '../errors.js';

const GROUP = 'nodes';

export interface QueuedRange {
  /** The stream entry id (the lease's handle). */
  id: string;
  index: number;
  first: number;
  /** Exclusive. */
  end: number;
}

export interface QueueMeta {
  digest: string;
  ranges: number;
  jobFirst: number;
  jobEnd: number;
  optionsFile: string;
}

/** Redis keys of one job's queue: named after the options file and the options digest. */
export function queueName(optionsFile: string, digest: string): string {
  const base = optionsFile.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
  return `cowloop:${base}:${digest.replace(/^sha256:/, '').slice(0, 16)}`;
}

// Atomic: a second submission of the same job finds the meta hash and adds nothing.
const SUBMIT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('XGROUP', 'CREATE', KEYS[1], '${GROUP}', '0', 'MKSTREAM')
for i = 1, #ARGV - 5, 3 do
  redis.call('XADD', KEYS[1], '*', 'index', ARGV[i], 'first', ARGV[i + 1], 'end', ARGV[i + 2])
end
local n = #ARGV
redis.call('HSET', KEYS[2], 'digest', ARGV[n - 4], 'ranges', ARGV[n - 3], 'jobFirst', ARGV[n - 2], 'jobEnd', ARGV[n - 1], 'optionsFile', ARGV[n])
return 1
`;

export class RangeQueue {
  readonly #redis: Redis;
  readonly #stream: string;
  readonly #meta: string;

  private constructor(redis: Redis, name: string) {
    this.#redis = redis;
    this.#stream = `${name}:ranges`;
    this.#meta = `${name}:job`;
  }

  /** Connects once; a server that does not answer is an error naming the URL. */
  static async open(url: string, name: string): Promise<RangeQueue> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      parsed = new URL('invalid:');
    }
    if (parsed.protocol !== 'redis:') {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_INVALID_ARGUMENT, `--redis must be a redis://host:port URL (got ${JSON.stringify(url)})`);
    }
    const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
    redis.on('error', () => {}); // reported through the rejected command instead
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `cannot connect to Redis at ${url}: ${(error as Error).message}`, { cause: error });
    }
    return new RangeQueue(redis, name);
  }

  /** Closes the connection and waits until its socket is gone (a fork must not inherit it). */
  async close(): Promise<void> {
    if (this.#redis.status === 'end') return;
    const ended = new Promise<void>((resolve) => this.#redis.once('end', () => resolve()));
    this.#redis.disconnect();
    await ended;
  }

  /** Adds the ranges unless the job is already queued; true when they were added. */
  async submit(ranges: Array<Omit<QueuedRange, 'id'>>, meta: QueueMeta): Promise<boolean> {
    const args = ranges.flatMap((r) => [String(r.index), String(r.first), String(r.end)]);
    args.push(meta.digest, String(meta.ranges), String(meta.jobFirst), String(meta.jobEnd), meta.optionsFile);
    const added = await this.#call(() => this.#redis.eval(SUBMIT, 2, this.#stream, this.#meta, ...args));
    return added === 1;
  }

  async meta(): Promise<QueueMeta | undefined> {
    const h = await this.#call(() => this.#redis.hgetall(this.#meta));
    if (!h.digest) return undefined;
    return { digest: h.digest, ranges: Number(h.ranges), jobFirst: Number(h.jobFirst), jobEnd: Number(h.jobEnd), optionsFile: h.optionsFile ?? '' };
  }

  /**
   * Up to `count` ranges for `consumer`: first those whose lease ran out (held by a node
   * idle for leaseMs), then ones never handed out.
   */
  async claim(consumer: string, count: number, leaseMs: number): Promise<QueuedRange[]> {
    const out: QueuedRange[] = [];
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.#call(() =>
        this.#redis.call('XAUTOCLAIM', this.#stream, GROUP, consumer, String(leaseMs), cursor, 'COUNT', String(count - out.length)),
      )) as [string, Array<[string, string[]] | null>];
      for (const e of entries) if (e) out.push(toRange(e));
      cursor = next;
    } while (cursor !== '0-0' && out.length < count);
    if (out.length < count) {
      const read = (await this.#call(() =>
        this.#redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', String(count - out.length), 'STREAMS', this.#stream, '>'),
      )) as Array<[string, Array<[string, string[]]>]> | null;
      for (const e of read?.[0]?.[1] ?? []) out.push(toRange(e));
    }
    return out;
  }

  /** Renews the leases on ranges still being processed (their idle time starts again). */
  async renew(consumer: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#call(() => this.#redis.call('XCLAIM', this.#stream, GROUP, consumer, '0', ...ids, 'JUSTID'));
  }

  async ack(id: string): Promise<void> {
    await this.#call(() => this.#redis.xack(this.#stream, GROUP, id));
  }

  /** Ranges handed out and not acknowledged, by any node. */
  async leased(): Promise<number> {
    const summary = (await this.#call(() => this.#redis.call('XPENDING', this.#stream, GROUP))) as [number, ...unknown[]];
    return Number(summary[0]);
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `Redis refused or dropped a command: ${(error as Error).message}`, { cause: error });
    }
  }
}

function toRange([id, fields]: [string, string[]]): QueuedRange {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  return { id, index: Number(f.get('index')), first: Number(f.get('first')), end: Number(f.get('end')) };
}
