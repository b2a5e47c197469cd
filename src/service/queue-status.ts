// What the queue in Redis says about a queued job's ranges, for `cowloop status <out> --redis URL`:
// how many wait, which are leased (by which node, idle how long), done, poison or failed
// somewhere, which were handed out more than once, each node's rate, and which node claimed
// the merge (cowloop work --merge).
import { CowloopError, ErrorCodes } from '../errors.js';
import { RangeQueue, type Lease, type NodeRate, type PoisonRange, type RangeFailure } from './range-queue.js';

export interface QueueStatus {
  url: string;
  queue: string;
  ranges: number;
  done: number;
  waiting: number;
  leases: Lease[];
  poison: PoisonRange[];
  /** Ranges that failed on some node and are not (yet) poison. */
  failures: Array<{ index: number; failures: RangeFailure[] }>;
  /** Range index and times handed out, for those handed out more than once. */
  handedOutAgain: Array<{ index: number; first: number; end: number; times: number }>;
  nodes: Array<NodeRate & { eventsPerSecond: number }>;
  /** The node that claimed the merge (cowloop work --merge), if one did. */
  merger?: string;
}

export async function queueStatus(url: string, queue: string): Promise<QueueStatus | undefined> {
  const q = await RangeQueue.open(url, queue);
  try {
    const meta = await q.meta();
    if (!meta) return undefined;
    // The queue's own range size, not the job record's (a record may lack it).
    const rangeSize = await q.rangeSize(meta);
    if (rangeSize === undefined) throw new CowloopError(ErrorCodes.ERR_COWLOOP_QUEUE, `the queue ${queue} at ${url} holds no range to tell its range size from: cannot say which events its ranges cover`);
    const [done, leases, poison, failures, attempts, rates, merger] = [await q.done(), await q.leases(), await q.poisoned(), await q.failures(), await q.attempts(), await q.rates(), await q.merger()];
    const poisonIndex = new Set(poison.map((p) => p.index));
    const first = meta.jobFirst;
    return {
      url,
      queue,
      ranges: meta.ranges,
      done: done.size,
      waiting: Math.max(0, meta.ranges - done.size - poison.length - leases.length),
      leases: leases.sort((a, b) => a.range.index - b.range.index),
      poison,
      failures: [...failures].filter(([index]) => !poisonIndex.has(index)).map(([index, f]) => ({ index, failures: f })).sort((a, b) => a.index - b.index),
      handedOutAgain: [...attempts]
        .filter(([, times]) => times > 1)
        .sort((a, b) => a[0] - b[0])
        .map(([index, times]) => ({ index, first: first + index * rangeSize, end: Math.min(meta.jobEnd, first + (index + 1) * rangeSize), times })),
      nodes: rates.map((r) => ({ ...r, eventsPerSecond: r.lastMs > r.firstMs ? r.events / ((r.lastMs - r.firstMs) / 1000) : 0 })),
      ...(merger !== undefined ? { merger } : {}),
    };
  } finally {
    await q.close();
  }
}

export function queueStatusText(s: QueueStatus): string {
  const lines = [`queue ${s.queue} at ${s.url}: ${s.ranges} ranges, ${s.done} done, ${s.leases.length} leased, ${s.waiting} waiting, ${s.poison.length} poison`];
  for (const l of s.leases) {
    lines.push(`leased: [${l.range.first}, ${l.range.end}) by ${l.node} for ${(l.heldMs / 1000).toFixed(1)} s (renewed ${(l.idleMs / 1000).toFixed(1)} s ago), handed out ${l.deliveries} time${l.deliveries === 1 ? '' : 's'}`);
  }
  for (const p of s.poison) {
    lines.push(`poison: [${p.first}, ${p.end}): ${p.failures.map((f) => `${f.node} at event ${f.event}`).join(', ')}`);
  }
  for (const f of s.failures) {
    lines.push(`failed on ${f.failures.length} node${f.failures.length === 1 ? '' : 's'}: range ${f.index}: ${f.failures.map((x) => `${x.node} at event ${x.event}`).join(', ')}`);
  }
  for (const a of s.handedOutAgain) lines.push(`handed out again: [${a.first}, ${a.end}) ${a.times} times`);
  for (const n of s.nodes) lines.push(`node ${n.node}: ${n.ranges} ranges, ${n.events} events, ${n.eventsPerSecond.toFixed(1)} events/s`);
  return lines.join('\n');
}
