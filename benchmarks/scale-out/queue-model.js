'use strict';
// A discrete-event model of a queued job: N nodes running `cowloop work` with W workers
// each, pulling ranges of R events from one Redis server. Deterministic (seeded).
//
// Nodes follow the loop of src/service/work-node.ts: W workers forked once, each with up
// to two ranges in hand (it runs one, the next waits behind it), and one spare range per
// node that goes to the first worker to finish a range, before the next exchange, claimed
// by the node's own rule (rangesToClaim of src/service/range-claim.ts, called here as
// built): only while the ranges unread, once its free places are filled, are at least as
// many as all nodes hold leased, by the counts (XINFO GROUPS) the node last read in the
// MULTI of an acknowledgement or a claim; `spare: 'always'` is the node before that rule
// (the spare always claimed, no counts read); one connection to Redis kept for the node's life. A finished range stays leased until the
// next exchange acknowledges it: a node killed before then loses it too, with the ranges
// in hand and the spare (every range it holds, never more than 2 W + 1). An exchange (after a range ends, or every lease/3 while ranges
// run, or when an idle node polls): per finished range one MULTI that acknowledges and
// counts it (and reads the counts); every lease/3 the renewal script over the leases held; then ranges for the
// free places in hand, with one MULTI recording them (and reading the counts). A node with nothing in hand and
// nothing taken asks XINFO GROUPS (counts, no scan) and stops when no range is leased any
// more; until then it polls after 1 s (at most lease/4), then twice as long each time up
// to lease/4.
//
// Redis is one FIFO server: an exchange occupies it for the sum of its commands' server
// CPU (calibrated by redis-ops.js: each command's execution time plus the I/O of each
// request, a MULTI being one, the renewal script's cost per lease, XPENDING IDLE's and XAUTOCLAIM's cost per
// pending entry scanned), and the node waits for that, for the queue ahead of it, and for
// one round trip per request. Taking ranges follows one of two protocols:
//   reads-first: XREADGROUP first; only when it returns too few, one XPENDING IDLE (the
//                server scans the list once) and XCLAIM of the expired leases it found
//                (src/service/range-queue.ts), that XPENDING at most every 1 s, then
//                twice as long after each one that found too few, up to lease/4;
//   autoclaim:   the claim before it: XAUTOCLAIM from cursor 0-0, call after call (each
//                scans at most 10 x COUNT pending entries) until enough expired leases are
//                found or the list ends, then XREADGROUP.
//
// A range of R events on a node takes R x eventMs x (node speed) with the spread of a sum
// of R events (per-event coefficient of variation eventCv), plus rangeOverheadMs (the
// node's own cost per range: outputs re-opened and finalised, the range put in place).
// One node is killed at killAt x (the ideal job time): its leases run out after leaseMs and
// other nodes take those ranges again; every range's events are counted to check that none
// is lost and how many run twice. When Redis cannot keep up, the job stretches without end:
// the model stops at maxFactor x the ideal job time and says how much of the job was done.

const { random } = require('./seeded-random.js');
// The node's rule for its spare range (cowloop must be built: npm run build:ts).
const { IN_HAND, SPARE, rangesToClaim } = require('../../dist/cjs/service/range-claim.js');

/** Min-heap of [time, seq, fn]. */
class Agenda {
  #h = [];
  #seq = 0;
  get size() {
    return this.#h.length;
  }
  at(t, fn) {
    const h = this.#h;
    const e = [t, this.#seq++, fn];
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p][0] < t || (h[p][0] === t && h[p][1] < e[1])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }
  next() {
    const h = this.#h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && (h[r][0] < h[l][0] || (h[r][0] === h[l][0] && h[r][1] < h[l][1])) ? r : l;
        if (h[c][0] > last[0] || (h[c][0] === last[0] && h[c][1] > last[1])) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/** Counts of pending ranges by index, for the rank of a range in the pending list. */
class Fenwick {
  constructor(n) {
    this.t = new Int32Array(n + 1);
  }
  add(i, d) {
    for (i++; i < this.t.length; i += i & -i) this.t[i] += d;
  }
  /** Pending ranges with index <= i. */
  rank(i) {
    let s = 0;
    for (i++; i > 0; i -= i & -i) s += this.t[i];
    return s;
  }
}

/** Server CPU (µs) of each step of an exchange, from redis-costs.json. */
function stepCosts(c, counts = true) {
  // The I/O is paid once per request: a MULTI's commands go in one.
  const io = c.commandIoUs;
  const u = c.commandUs;
  // The counts read inside the MULTI (none by the node before the spare's rule).
  const info = counts ? u.xinfoGroups : 0;
  return {
    connection: c.connectionCpuUs,
    // MULTI, XACK, HSET done, HINCRBY events, HINCRBY ranges, HSET last, XINFO GROUPS, EXEC.
    complete: io + u.multi + u.xack + 2 * u.hset + 2 * u.hincrby + info + u.exec,
    /** Commands of that MULTI. */
    completeCommands: counts ? 8 : 7,
    // MULTI, per range HINCRBY attempts and HSET leased-at, HSETNX first, XINFO GROUPS, EXEC.
    record: (n) => io + u.multi + u.exec + u.hsetnx + info + n * (u.hincrby + u.hset),
    recordCommands: (n) => (counts ? 4 : 3) + 2 * n,
    renew: (held) => io + c.renew.baseUs + held * c.renew.perLeaseUs,
    counts: io + u.xinfoGroups,
    xclaim: io + u.xclaim,
    xreadgroup: io + u.xreadgroup,
    xautoclaimCall: io + u.xautoclaimEmpty,
    // Beyond the call's own cost, per pending entry scanned (a page is 10 entries at COUNT 1).
    xautoclaimEntry: Math.max(0, (c.xautoclaimPageUs - u.xautoclaimEmpty) / 10),
    xpendingIdleCall: io + c.xpendingIdle.baseUs,
    xpendingIdleEntry: c.xpendingIdle.perEntryUs,
  };
}

/** Server CPU (µs) of one exchange that completes a range and takes one, with `pending` leases, none expired (as redis-ops.js makes it). */
function exchangeUs(c, protocol, pending) {
  const k = stepCosts(c);
  const take = protocol === 'autoclaim' ? Math.max(1, Math.ceil(pending / 10)) * k.xautoclaimCall + pending * k.xautoclaimEntry + k.xreadgroup : k.xreadgroup;
  return k.complete + take + k.record(1);
}

/**
 * Runs the model once. p: { nodes, workers, events, rangeSize, eventMs, eventCv, nodeSpread,
 * leaseMs, rangeOverheadMs, rttMs, protocol, killAt, seed, costs, spare ('rule', the
 * default, or 'always') }. Returns the job's figures.
 */
function simulate(p) {
  const spareAlways = p.spare === 'always';
  const cost = stepCosts(p.costs, !spareAlways);
  const R = p.rangeSize;
  const M = Math.ceil(p.events / R);
  const W = p.workers;
  const rand = random(p.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const pollMs = Math.max(100, Math.min(1000, p.leaseMs / 4));
  const maxPollMs = Math.max(pollMs, p.leaseMs / 4);
  /** Ranges to claim for a node holding `held`, by the node's rule, or before it (the spare always). */
  const toClaim = (node) => (spareAlways ? IN_HAND * W + SPARE - node.held : rangesToClaim(W, node.held, node.counts));
  /** The group's counts as XINFO GROUPS reads them. */
  const countsNow = () => ({ unread: M - nextUnread, leased: pendingCount });

  // Redis state.
  let nextUnread = 0;
  let pendingCount = 0;
  const pending = new Fenwick(M);
  const owner = new Int32Array(M).fill(-1);
  const delivered = new Float64Array(M); // time of the last delivery or renewal (XPENDING idle starts there)
  const acked = new Uint8Array(M);
  const runs = new Uint8Array(M);
  /** Ranges leased by dead nodes, not yet taken again (the only leases that can run out). */
  let orphans = [];
  let serverFree = 0;

  // Figures, in time buckets of 1/500 of the ideal job time.
  const idealMs = (p.events * p.eventMs) / (p.nodes * W);
  const bucketMs = Math.max(1, idealMs / 500);
  const busy = []; // server µs per bucket
  const ops = []; // commands per bucket
  const conns = [];
  const addLoad = (t, us, n) => {
    const b = Math.floor(t / bucketMs);
    busy[b] = (busy[b] ?? 0) + us;
    ops[b] = (ops[b] ?? 0) + n;
    conns[b] = (conns[b] ?? 0) + 1;
  };
  let commands = 0;
  let exchanges = 0;
  let waitMs = 0;
  let drainedAt = -1;
  let eventMsUsed = 0; // worker time spent on events, re-runs included
  let overheadMsUsed = 0;
  let partialLost = 0; // events a killed node had processed in ranges it never finished
  let lastAckMs = 0;
  let kill;

  const nodes = Array.from({ length: p.nodes }, (_, i) => ({
    i,
    speed: 1 + p.nodeSpread * (2 * rand() - 1),
    alive: true,
    // Per worker, the ranges in hand: the first runs ({ r, start, ms }), the next waits ({ r }).
    hands: Array.from({ length: W }, () => []),
    /** Claimed, in no worker's hand yet. */
    spare: [],
    /** Ranges in hand and spare (finished ones, in `settled`, are not counted). */
    held: 0,
    settled: [],
    /** The counts last read (none yet: no spare). */
    counts: undefined,
    waiting: false,
    connected: false,
    lastRenew: 0,
    pollMs,
    scanMs: pollMs,
    nextScan: 0,
    gen: 0,
    end: -1,
  }));

  const agenda = new Agenda();

  /** Expired orphan leases at time t, lowest index first (the order XAUTOCLAIM meets them). */
  function expired(t) {
    return orphans.filter((r) => !acked[r] && owner[r] >= 0 && !nodes[owner[r]].alive && t - delivered[r] >= p.leaseMs).sort((a, b) => a - b);
  }

  function lease(r, node, t) {
    if (owner[r] < 0) {
      pending.add(r, 1);
      pendingCount++;
    }
    owner[r] = node.i;
    delivered[r] = t;
  }

  /** Takes up to `count` ranges for node at time t; returns [ranges, server µs, commands]. */
  let requests = 0; // round trips of the exchange under way
  function take(node, count, t) {
    const got = [];
    let us = 0;
    let n = 0;
    const fromExpired = (list, limit) => {
      for (const r of list.slice(0, limit)) {
        got.push(r);
        lease(r, node, t);
      }
      if (list.length) orphans = orphans.filter((r) => !got.includes(r));
    };
    const fromStream = (limit) => {
      const k = Math.min(limit, M - nextUnread);
      for (let j = 0; j < k; j++) {
        got.push(nextUnread);
        lease(nextUnread, node, t);
        nextUnread++;
      }
      if (nextUnread === M && drainedAt < 0) drainedAt = t;
    };
    const exp = orphans.length ? expired(t) : [];
    if (p.protocol === 'autoclaim') {
      // Scanned: up to the count-th expired lease, or the whole list.
      const scanned = exp.length >= count ? pending.rank(exp[count - 1]) : pendingCount;
      const calls = Math.max(1, Math.ceil(scanned / (10 * count)));
      us += calls * cost.xautoclaimCall + scanned * cost.xautoclaimEntry;
      n += calls;
      fromExpired(exp, count);
      if (got.length < count) {
        us += cost.xreadgroup;
        n++;
        fromStream(count - got.length);
      }
    } else {
      us += cost.xreadgroup;
      n++;
      fromStream(count);
      if (got.length < count && t >= node.nextScan) {
        const want = count - got.length;
        const scanned = exp.length >= want ? pending.rank(exp[want - 1]) : pendingCount;
        us += cost.xpendingIdleCall + scanned * cost.xpendingIdleEntry;
        n++;
        if (exp.length) {
          us += cost.xclaim;
          n++;
          fromExpired(exp, want);
        }
        if (got.length < count) {
          node.nextScan = t + node.scanMs;
          node.scanMs = Math.min(maxPollMs, 2 * node.scanMs);
        }
      }
    }
    if (got.length) {
      us += cost.record(got.length);
      n += cost.recordCommands(got.length);
      requests++;
      node.counts = countsNow();
    }
    return [got, us, n];
  }

  function rangeMs(node) {
    const mean = R * p.eventMs;
    const sd = p.eventMs * p.eventCv * Math.sqrt(R);
    return Math.max(0.1 * mean, mean + sd * normal()) * node.speed;
  }

  function exchange(node, t) {
    if (!node.alive) return;
    node.waiting = false;
    node.gen++;
    const start = Math.max(t, serverFree);
    let us = 0;
    let n = 0;
    requests = 0;
    if (!node.connected) {
      node.connected = true;
      us += cost.connection;
    }
    // Put finished ranges in place and acknowledge them, one MULTI each.
    for (const r of node.settled) {
      us += cost.complete;
      n += cost.completeCommands;
      requests++;
      if (!acked[r]) {
        acked[r] = 1;
        lastAckMs = Math.max(lastAckMs, start);
        pending.add(r, -1);
        pendingCount--;
        owner[r] = -1;
      }
    }
    if (node.settled.length) node.counts = countsNow();
    node.settled = [];
    if (node.held && start - node.lastRenew >= p.leaseMs / 3) {
      us += cost.renew(node.held);
      n++;
      requests++;
      node.lastRenew = start;
      // The node renews every lease it holds: in hand, spare, and finished but not yet acknowledged.
      const renew = (r) => {
        if (owner[r] === node.i) delivered[r] = start;
      };
      for (const hand of node.hands) for (const x of hand) renew(x.r);
      for (const r of node.spare) renew(r);
      for (const r of node.settled) renew(r);
    }
    const free = toClaim(node);
    let got = [];
    if (free > 0) {
      const [g, u, k] = take(node, free, start);
      got = g;
      us += u;
      n += k;
      // Each command of the claim is a request, but the MULTI's (counted in take) is one.
      requests += got.length ? k - cost.recordCommands(got.length) : k;
    }
    let finished = false;
    const idle = got.length === 0 && node.held === 0;
    if (idle) {
      us += cost.counts;
      n++;
      requests++;
      finished = pendingCount === 0 && nextUnread === M;
    }
    serverFree = start + us / 1000;
    addLoad(start, us, n);
    commands += n;
    exchanges++;
    waitMs += start - t;
    // The node hears back after the server's work and one round trip per request.
    const done = serverFree + requests * p.rttMs;
    agenda.at(done, () => afterExchange(node, done, got, finished, idle));
  }

  /** Starts the first range in a worker's hand. */
  function startRange(node, w, t) {
    const x = node.hands[w][0];
    x.start = t;
    x.ms = rangeMs(node);
    runs[x.r]++;
    const end = t + p.rangeOverheadMs + x.ms;
    agenda.at(end, () => rangeDone(node, w, x, end));
  }

  function afterExchange(node, t, got, finished, idle) {
    if (!node.alive) return;
    if (finished) {
      node.end = t;
      return;
    }
    for (const r of got) {
      // To the worker with the fewest in hand (a worker with none starts at once); with every hand full, the spare.
      let w = 0;
      for (let k = 1; k < W; k++) if (node.hands[k].length < node.hands[w].length) w = k;
      node.held++;
      if (node.hands[w].length >= IN_HAND) {
        node.spare.push(r);
        continue;
      }
      node.hands[w].push({ r });
      if (node.hands[w].length === 1) startRange(node, w, t);
    }
    if (node.settled.length) return exchange(node, t);
    node.waiting = true;
    const gen = node.gen;
    let wakeAt;
    if (node.held) {
      node.pollMs = pollMs;
      wakeAt = t + p.leaseMs / 3;
    } else {
      wakeAt = t + (idle ? Math.min(maxPollMs, node.pollMs) : pollMs);
      node.pollMs = idle ? Math.min(maxPollMs, node.pollMs * 2) : pollMs;
    }
    agenda.at(wakeAt, () => {
      if (node.alive && node.waiting && node.gen === gen) exchange(node, wakeAt);
    });
  }

  function rangeDone(node, w, x, t) {
    if (!node.alive) return;
    node.hands[w].shift();
    node.held--;
    eventMsUsed += x.ms;
    overheadMsUsed += p.rangeOverheadMs;
    node.settled.push(x.r);
    // The spare joins this worker's hand at once, not after the next exchange.
    if (node.spare.length) node.hands[w].push({ r: node.spare.shift() });
    // The next range in this worker's hand starts at once, before the master hears of the end.
    if (node.hands[w].length) startRange(node, w, t);
    if (node.waiting) exchange(node, t);
  }

  if (p.killAt > 0) {
    const at = p.killAt * idealMs;
    agenda.at(at, () => {
      const holds = (x) => x.held + x.settled.length;
      const victim = nodes.filter((x) => x.alive).reduce((a, b) => (holds(b) > holds(a) ? b : a));
      victim.alive = false;
      victim.end = at;
      let lostEvents = 0;
      for (const hand of victim.hands) {
        for (const x of hand) {
          if (x.start !== undefined) {
            const doneMs = Math.max(0, at - x.start - p.rangeOverheadMs);
            lostEvents += Math.floor(Math.min(1, doneMs / x.ms) * R);
            eventMsUsed += Math.min(x.ms, doneMs);
          }
          orphans.push(x.r);
        }
      }
      // Its spare and the ranges it finished but had not acknowledged are leased to it as well: they run again.
      orphans.push(...victim.spare, ...victim.settled);
      partialLost += lostEvents;
      kill = { at, leased: victim.held + victim.settled.length, spare: victim.spare.length, unacknowledged: victim.settled.length, partialEvents: lostEvents };
      victim.hands = victim.hands.map(() => []);
      victim.spare = [];
      victim.settled = [];
      victim.held = 0;
    });
  }
  // Nodes start together, each spread over the first 100 ms (they are started by a batch system).
  for (const node of nodes) {
    const t0 = rand() * 100;
    agenda.at(t0, () => exchange(node, t0));
  }
  // A saturated Redis stretches the job without end: the model stops at maxFactor x the ideal time.
  const limitMs = (p.maxFactor ?? 5) * idealMs;
  let saturated = false;
  while (agenda.size) {
    const e = agenda.next();
    if (e[0] > limitMs) {
      saturated = true;
      break;
    }
    e[2]();
  }
  if (!saturated && nodes.some((x) => x.alive && x.end < 0)) throw new Error('a node never stopped');
  // The job is complete at its last acknowledgement (the nodes stop within a poll interval).
  const endMs = saturated ? limitMs : lastAckMs;
  if (drainedAt < 0) drainedAt = endMs;
  let ackedCount = 0;
  let rerun = 0;
  for (let r = 0; r < M; r++) {
    ackedCount += acked[r];
    if (runs[r] > 1) rerun += (runs[r] - 1) * Math.min(R, p.events - r * R);
  }
  // Steady state: the buckets between 10 % and 90 % of the time until the last unread range is taken.
  const from = Math.floor((0.1 * drainedAt) / bucketMs);
  const to = Math.max(from + 1, Math.floor((0.9 * drainedAt) / bucketMs));
  let sBusy = 0;
  let sOps = 0;
  let sConn = 0;
  for (let b = from; b < to; b++) {
    sBusy += busy[b] ?? 0;
    sOps += ops[b] ?? 0;
    sConn += conns[b] ?? 0;
  }
  const secs = ((to - from) * bucketMs) / 1000;
  // Busiest 10 s of the job (the tail's polling included), or busiest tenth of a shorter one.
  const span = Math.max(1, Math.min(Math.round(10000 / bucketMs), Math.round(busy.length / 10)));
  let peak = 0;
  let peakAt = 0;
  for (let b = 0; b + span <= busy.length; b++) {
    let s = 0;
    for (let k = b; k < b + span; k++) s += busy[k] ?? 0;
    if (s / 1e3 / (span * bucketMs) > peak) [peak, peakAt] = [s / 1e3 / (span * bucketMs), b * bucketMs];
  }
  return {
    rangeSize: R,
    ranges: M,
    saturated,
    done: ackedCount / M,
    lostEvents: saturated ? null : (M - ackedCount) * R, // ranges never acknowledged (0 when every range was placed)
    jobS: endMs / 1000,
    idealS: idealMs / 1000,
    drainedS: drainedAt / 1000,
    tailS: saturated ? null : (endMs - drainedAt) / 1000,
    efficiency: (ackedCount / M) * (p.events * p.eventMs) / ((p.nodes - (kill ? 1 : 0)) * W * endMs),
    overheadShare: overheadMsUsed / (overheadMsUsed + eventMsUsed),
    redisOpsPerS: sOps / secs,
    redisConnPerS: sConn / secs,
    redisCpu: sBusy / 1e6 / secs,
    redisCpuPeak: peak,
    peakWindowS: (span * bucketMs) / 1000,
    peakAtS: peakAt / 1000,
    commandsPerRange: commands / Math.max(1, ackedCount),
    exchangesPerRange: exchanges / Math.max(1, ackedCount),
    meanWaitMs: waitMs / exchanges,
    kill: kill ?? null,
    rerunEvents: rerun,
    partialLost,
  };
}

module.exports = { simulate, exchangeUs, stepCosts };
