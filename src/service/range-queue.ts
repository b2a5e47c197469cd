// The job's event ranges in Redis, as a stream with one consumer group: an entry is a
// range, a delivered and not yet acknowledged entry is a lease (XPENDING records who holds
// it and how long it has been idle), XACK marks a range done. Taking ranges reads the
// never-delivered entries first (XREADGROUP, no scan), and only when too few are left
// looks for leases that ran out (one XPENDING IDLE, then XCLAIM of those it found). The
// MULTIs that acknowledge ranges and record a claim also read the group's counts (XINFO
// GROUPS), by which the node decides whether to hold a spare range (range-claim.ts).
// Only a node's master uses this; it keeps one connection while its workers run and
// closes it before any fork (a forked child keeps every descriptor of its parent).
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
  /** Events per range (the last may be shorter); absent in queues submitted before it was recorded. */
  rangeSize?: number;
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
for i = 1, #ARGV - 6, 3 do
  redis.call('XADD', KEYS[1], '*', 'index', ARGV[i], 'first', ARGV[i + 1], 'end', ARGV[i + 2])
end
local n = #ARGV
redis.call('HSET', KEYS[2], 'digest', ARGV[n - 5], 'ranges', ARGV[n - 4], 'jobFirst', ARGV[n - 3], 'jobEnd', ARGV[n - 2], 'optionsFile', ARGV[n - 1], 'rangeSize', ARGV[n])
return 1
`;

// Renews only the leases still held by this consumer: a lease that ran out and went to
// another node stays there (XCLAIM alone would take it back). Exported for the benchmarks,
// which time the node's exchanges command by command.
export const RENEW = `
local kept = 0
for i = 1, #ARGV - 1 do
  local p = redis.call('XPENDING', KEYS[1], '${GROUP}', ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[#ARGV] then
    redis.call('XCLAIM', KEYS[1], '${GROUP}', ARGV[#ARGV], 0, ARGV[i], 'JUSTID')
    kept = kept + 1
  end
end
return kept
`;

/** The consumer group's counts, as XINFO GROUPS reports them (no scan). */
export interface QueueCounts {
  /** Handed out and not acknowledged, by any node. */
  leased: number;
  /** Never handed out (the group's lag); undefined where Redis cannot tell (before 7.0). */
  unread: number | undefined;
}

/** A range that failed on a node: the event its worker was running when it died (-1: between events). */
export interface RangeFailure {
  node: string;
  event: number;
  why: string;
}

/** A range that failed on enough nodes to be given up: acknowledged without outputs. */
export interface PoisonRange {
  index: number;
  first: number;
  end: number;
  failures: RangeFailure[];
}

/** One node's throughput so far: events and ranges it placed, between its first and last claim or placement. */
export interface NodeRate {
  node: string;
  events: number;
  ranges: number;
  firstMs: number;
  lastMs: number;
}

/** A lease as Redis holds it: which node, idle for how long, handed out how many times. */
export interface Lease {
  range: QueuedRange;
  node: string;
  /** Since the node took it. */
  heldMs: number;
  /** Since the node last renewed it. */
  idleMs: number;
  deliveries: number;
}

export class RangeQueue {
  readonly #redis: Redis;
  readonly #stream: string;
  readonly #meta: string;
  readonly #failed: string;
  readonly #poison: string;
  readonly #done: string;
  readonly #attempts: string;
  readonly #nodes: string;
  readonly #leasedAt: string;
  readonly #merger: string;

  private constructor(redis: Redis, name: string) {
    this.#redis = redis;
    this.#stream = `${name}:ranges`;
    this.#meta = `${name}:job`;
    this.#failed = `${name}:failed`;
    this.#poison = `${name}:poison`;
    this.#done = `${name}:done`;
    this.#attempts = `${name}:attempts`;
    this.#nodes = `${name}:nodes`;
    this.#leasedAt = `${name}:leased-at`;
    this.#merger = `${name}:merger`;
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
    // No ready check (an INFO on every connection): a server still loading its data answers
    // LOADING, which fails the command like any other refusal and is tried again. A node keeps
    // its connection for hours: keep-alive probes and a command timeout notice one dropped
    // without a word (the command fails, and the node connects anew).
    const redis = new Redis(url, {
      lazyConnect: true,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 5000,
      keepAlive: 30000,
      commandTimeout: 30000,
    });
    redis.on('error', () => {}); // reported through the rejected command instead
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `cannot connect to Redis at ${url}: ${(error as Error).message}`, { cause: error });
    }
    return new RangeQueue(redis, name);
  }

  /** False once the connection was lost (Redis went away): open a new queue. */
  get usable(): boolean {
    return this.#redis.status === 'ready';
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
    args.push(meta.digest, String(meta.ranges), String(meta.jobFirst), String(meta.jobEnd), meta.optionsFile, String(meta.rangeSize ?? ''));
    const added = await this.#call(() => this.#redis.eval(SUBMIT, 2, this.#stream, this.#meta, ...args));
    return added === 1;
  }

  async meta(): Promise<QueueMeta | undefined> {
    const h = await this.#call(() => this.#redis.hgetall(this.#meta));
    if (!h.digest) return undefined;
    const meta: QueueMeta = { digest: h.digest, ranges: Number(h.ranges), jobFirst: Number(h.jobFirst), jobEnd: Number(h.jobEnd), optionsFile: h.optionsFile ?? '' };
    if (h.rangeSize) meta.rangeSize = Number(h.rangeSize);
    return meta;
  }

  /** Events per range: from the meta, or else the first range's bounds (it is whole whenever there are two). */
  async rangeSize(meta: QueueMeta): Promise<number | undefined> {
    if (meta.rangeSize) return meta.rangeSize;
    const first = (await this.#call(() => this.#redis.xrange(this.#stream, '-', '+', 'COUNT', 1))) as Array<[string, string[]]>;
    if (!first[0]) return undefined;
    const r = toRange(first[0]);
    return r.end > r.first ? r.end - r.first : undefined;
  }

  /**
   * Up to `count` ranges for `consumer`: first ranges never handed out (XREADGROUP, which
   * costs the same however many leases there are), then, only when those are too few,
   * leases that ran out (idle for leaseMs: their node stopped renewing them), found with
   * one XPENDING IDLE and taken with XCLAIM, whose own idle test makes sure that of two
   * nodes asking at once only one gets each. `skip`: entry ids this consumer will not
   * take (ranges that failed on it). `expired: false` leaves out the second step (it walks
   * the pending list: the node asks it only now and then). With the ranges taken, the
   * group's counts after the claim, read in the transaction that records it (undefined when
   * nothing was taken).
   */
  async claim(
    consumer: string,
    count: number,
    leaseMs: number,
    skip: ReadonlySet<string> = new Set(),
    expired = true,
  ): Promise<{ ranges: QueuedRange[]; counts: QueueCounts | undefined }> {
    const out: QueuedRange[] = [];
    const read = (await this.#call(() =>
      this.#redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', String(count), 'STREAMS', this.#stream, '>'),
    )) as Array<[string, Array<[string, string[]]>]> | null;
    for (const e of read?.[0]?.[1] ?? []) out.push(toRange(e));
    if (expired && out.length < count) {
      // Those skipped may come first in the list: ask for that many more.
      const idle = (await this.#call(() =>
        this.#redis.call('XPENDING', this.#stream, GROUP, 'IDLE', String(leaseMs), '-', '+', String(count - out.length + skip.size)),
      )) as Array<[string, ...unknown[]]>;
      const ids = idle.map((p) => p[0]).filter((id) => !skip.has(id)).slice(0, count - out.length);
      if (ids.length) {
        const taken = (await this.#call(() => this.#redis.call('XCLAIM', this.#stream, GROUP, consumer, String(leaseMs), ...ids))) as Array<[string, string[]] | null>;
        for (const e of taken) if (e) out.push(toRange(e));
      }
    }
    if (out.length === 0) return { ranges: out, counts: undefined };
    const now = String(Date.now());
    const m = this.#redis.multi();
    for (const r of out) m.hincrby(this.#attempts, String(r.index), 1).hset(this.#leasedAt, String(r.index), now);
    const replies = await this.#call(() => m.hsetnx(this.#nodes, `${consumer}|first`, now).xinfo('GROUPS', this.#stream).exec());
    return { ranges: out, counts: lastCounts(replies) };
  }

  /**
   * Whether the job is over for a node that skips `skip` (ranges that failed on it): no range
   * left unread, none leased but those. Counts first (XINFO GROUPS, no scan); the pending
   * list itself only when it is no longer than `skip`. Returns the ids still leased when over.
   */
  async over(skip: ReadonlySet<string>): Promise<string[] | undefined> {
    const { leased: pending, unread } = countsOf(await this.#call(() => this.#redis.call('XINFO', 'GROUPS', this.#stream)));
    if (unread !== undefined && unread > 0) return undefined;
    if (pending > skip.size) return undefined;
    if (pending === 0) return [];
    const leased = await this.leasedIds();
    return leased.every((id) => skip.has(id)) ? leased : undefined;
  }

  /** Renews the leases this consumer still holds (their idle time starts again); returns how many it kept. */
  async renew(consumer: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await this.#call(() => this.#redis.eval(RENEW, 1, this.#stream, ...ids, consumer)));
  }

  /** Hands leases back at once: the next node that asks takes them. */
  async release(consumer: string, ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.#call(() => this.#redis.call('XCLAIM', this.#stream, GROUP, consumer, '0', ...ids, 'IDLE', String(leaseMs), 'JUSTID'));
  }

  /** Acknowledges the entry, nothing more. */
  async ack(id: string): Promise<void> {
    await this.#call(() => this.#redis.xack(this.#stream, GROUP, id));
  }

  /** The range is in place: acknowledged, counted as done by `consumer` with its events. */
  async complete(consumer: string, r: QueuedRange, events: number): Promise<void> {
    await this.completeAll(consumer, [{ range: r, events }]);
  }

  /**
   * Acknowledges several placed ranges in one transaction (a node killed in the middle leaves
   * each leased or done and counted), and returns the group's counts after it, read in the
   * same transaction (the node decides its spare range by them without another request).
   */
  async completeAll(consumer: string, done: ReadonlyArray<{ range: QueuedRange; events: number }>): Promise<QueueCounts | undefined> {
    if (done.length === 0) return undefined;
    const replies = await this.#call(() => {
      const m = this.#redis.multi().xack(this.#stream, GROUP, ...done.map((d) => d.range.id));
      for (const d of done) m.hset(this.#done, String(d.range.index), consumer);
      return m
        .hincrby(this.#nodes, `${consumer}|events`, done.reduce((n, d) => n + d.events, 0))
        .hincrby(this.#nodes, `${consumer}|ranges`, done.length)
        .hset(this.#nodes, `${consumer}|last`, String(Date.now()))
        .xinfo('GROUPS', this.#stream)
        .exec();
    });
    return lastCounts(replies);
  }

  /** Records that the range failed on this node; returns every failure of it so far. */
  async fail(r: QueuedRange, failure: RangeFailure): Promise<RangeFailure[]> {
    await this.#call(() => this.#redis.hset(this.#failed, `${r.index}|${failure.node}`, JSON.stringify(failure)));
    return (await this.failures()).get(r.index) ?? [];
  }

  /** Failures of every range, by range index. */
  async failures(): Promise<Map<number, RangeFailure[]>> {
    const all = await this.#call(() => this.#redis.hgetall(this.#failed));
    const out = new Map<number, RangeFailure[]>();
    for (const [key, value] of Object.entries(all)) {
      const index = Number(key.slice(0, key.indexOf('|')));
      out.set(index, [...(out.get(index) ?? []), JSON.parse(value) as RangeFailure]);
    }
    return out;
  }

  /** Gives the range up: recorded as poison and acknowledged, so no node takes it again. */
  async poison(r: QueuedRange, failures: RangeFailure[]): Promise<void> {
    const p: PoisonRange = { index: r.index, first: r.first, end: r.end, failures };
    await this.#call(() => this.#redis.multi().hset(this.#poison, String(r.index), JSON.stringify(p)).xack(this.#stream, GROUP, r.id).exec());
  }

  async poisoned(): Promise<PoisonRange[]> {
    const all = await this.#call(() => this.#redis.hgetall(this.#poison));
    return Object.values(all).map((v) => JSON.parse(v) as PoisonRange).sort((a, b) => a.index - b.index);
  }

  /** Range index -> the node that placed it. */
  async done(): Promise<Map<number, string>> {
    const all = await this.#call(() => this.#redis.hgetall(this.#done));
    return new Map(Object.entries(all).map(([k, v]) => [Number(k), v]));
  }

  /** Range index -> how many times it was handed out. */
  async attempts(): Promise<Map<number, number>> {
    const all = await this.#call(() => this.#redis.hgetall(this.#attempts));
    return new Map(Object.entries(all).map(([k, v]) => [Number(k), Number(v)]));
  }

  async rates(): Promise<NodeRate[]> {
    const all = await this.#call(() => this.#redis.hgetall(this.#nodes));
    const by = new Map<string, NodeRate>();
    for (const [key, value] of Object.entries(all)) {
      const cut = key.lastIndexOf('|');
      const node = key.slice(0, cut);
      const r = by.get(node) ?? { node, events: 0, ranges: 0, firstMs: 0, lastMs: 0 };
      const field = key.slice(cut + 1);
      if (field === 'events') r.events = Number(value);
      else if (field === 'ranges') r.ranges = Number(value);
      else if (field === 'first') r.firstMs = Number(value);
      else if (field === 'last') r.lastMs = Number(value);
      by.set(node, r);
    }
    return [...by.values()].sort((a, b) => a.node.localeCompare(b.node));
  }

  /** Every lease now held, with the range it covers. */
  async leases(): Promise<Lease[]> {
    const pending = (await this.#call(() => this.#redis.call('XPENDING', this.#stream, GROUP, '-', '+', '1000000'))) as Array<[string, string, number, number]>;
    const out: Lease[] = [];
    const since = await this.#call(() => this.#redis.hgetall(this.#leasedAt));
    const now = Date.now();
    for (const [id, node, idleMs, deliveries] of pending) {
      const entries = (await this.#call(() => this.#redis.xrange(this.#stream, id, id))) as Array<[string, string[]]>;
      if (!entries[0]) continue;
      const range = toRange(entries[0]);
      const at = Number(since[String(range.index)] ?? now);
      out.push({ range, node, heldMs: Math.max(0, now - at), idleMs: Number(idleMs), deliveries: Number(deliveries) });
    }
    return out;
  }

  /** Ranges handed out and not acknowledged, by any node. */
  async leased(): Promise<number> {
    const summary = (await this.#call(() => this.#redis.call('XPENDING', this.#stream, GROUP))) as [number, ...unknown[]];
    return Number(summary[0]);
  }

  /** Entry ids of the ranges handed out and not acknowledged, by any node. */
  async leasedIds(): Promise<string[]> {
    const pending = (await this.#call(() => this.#redis.call('XPENDING', this.#stream, GROUP, '-', '+', '1000000'))) as Array<[string, ...unknown[]]>;
    return pending.map((p) => p[0]);
  }

  /**
   * Makes `node` the job's merger unless a node already is (SET NX: of nodes asking at
   * once only one is), and returns the merger. The key is never removed: a node asking
   * again, after Redis dropped the reply, finds its own name.
   */
  async claimMerge(node: string): Promise<string> {
    const replies = await this.#call(() => this.#redis.multi().set(this.#merger, node, 'NX').get(this.#merger).exec());
    const [error, merger] = replies?.at(-1) ?? [];
    if (error || typeof merger !== 'string') throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `Redis did not say which node merges the job (${error ? error.message : 'no reply'})`);
    return merger;
  }

  /** The node that claimed the merge, if one did. */
  async merger(): Promise<string | undefined> {
    return (await this.#call(() => this.#redis.get(this.#merger))) ?? undefined;
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `Redis refused or dropped a command: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The counts from a transaction's replies whose last command is XINFO GROUPS (undefined if it failed). */
function lastCounts(replies: Array<[Error | null, unknown]> | null): QueueCounts | undefined {
  const [error, groups] = replies?.at(-1) ?? [];
  return error || !groups ? undefined : countsOf(groups);
}

/** The node group's counts from an XINFO GROUPS reply (no group: none leased, unread unknown). */
function countsOf(reply: unknown): QueueCounts {
  const group = (reply as unknown[][]).map((g) => fieldsOf(g)).find((g) => g.get('name') === GROUP);
  const lag = group?.get('lag');
  return { leased: Number(group?.get('pending') ?? 0), unread: lag === null || lag === undefined ? undefined : Number(lag) };
}

function fieldsOf(flat: unknown[]): Map<string, unknown> {
  const f = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
  return f;
}

function toRange([id, fields]: [string, string[]]): QueuedRange {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  return { id, index: Number(f.get('index')), first: Number(f.get('first')), end: Number(f.get('end')) };
}
