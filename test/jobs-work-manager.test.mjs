// WorkManager and Task through the public API: dynamic scheduling, merged outputs, statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { Histogram1D, Task, WorkManager } from 'cowloop';
import { childrenOf } from './helpers/proc.mjs';

class WordStats extends Task {
  constructor(dictionary) {
    super();
    this.dictionary = dictionary;
    this.calls = [];
  }

  initializeLocal() {
    this.calls.push(`local ${process.pid}`);
    // Built in the parent, read by the workers from their copy of memory.
    this.lengthOf = new Map(this.dictionary.map((w) => [w, w.length]));
    this.output = {
      words: 0,
      letters: 0n,
      long: [],
      byFirst: new Map(),
      bins: new Float64Array(4),
      histogram: new Histogram1D('len', 'word length', 10, 0, 10),
      workers: 0,
    };
  }

  initializeRemote() {
    this.output.workers += 1;
  }

  process(word) {
    const n = this.lengthOf.get(word);
    const out = this.output;
    out.words += 1;
    out.letters += BigInt(n);
    if (n > 5) out.long.push(word);
    out.byFirst.set(word[0], (out.byFirst.get(word[0]) ?? 0) + 1);
    out.bins[n % 4] += 1;
    out.histogram.fill(n);
  }

  finalize() {
    this.calls.push(`finalize ${process.pid}`);
  }
}

test('a task over 2,000 items: outputs merged in the parent, statistics per worker', async () => {
  const dictionary = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const items = Array.from({ length: 2000 }, (_, i) => dictionary[i % dictionary.length]);
  const task = new WordStats(dictionary);
  const printed = [];
  const manager = new WorkManager({ ncpus: 2, printStatistics: (t) => printed.push(t) });
  const report = await manager.process(task, items);

  const out = task.output;
  assert.equal(out.words, 2000);
  assert.equal(out.letters, BigInt(items.reduce((s, w) => s + w.length, 0)));
  assert.deepEqual([...out.long].sort(), Array(250).fill('epsilon'));
  assert.equal(out.byFirst.get('e'), 500);
  assert.equal(out.bins.reduce((a, b) => a + b, 0), 2000);
  assert.ok(out.histogram instanceof Histogram1D, 'the parent keeps its histogram instance');
  assert.equal(out.histogram.entries, 2000);
  assert.equal(out.histogram.sumw[8], 250); // 'epsilon' (7 letters): bin [7, 8), index 8 after the underflow
  assert.equal(out.workers, 2, 'initializeRemote ran once in each worker');
  assert.deepEqual(task.calls, [`local ${process.pid}`, `finalize ${process.pid}`]);

  assert.equal(report.items, 2000);
  assert.equal(report.statistics.length, 2);
  assert.equal(report.statistics.reduce((s, r) => s + r.items, 0), 2000);
  assert.ok(Math.abs(report.statistics.reduce((s, r) => s + r.percent, 0) - 100) < 1e-9);
  for (const row of report.statistics) {
    assert.equal(row.host, os.hostname());
    assert.notEqual(row.pid, process.pid);
  }
  assert.equal(printed.length, 1);
  assert.match(printed[0], /^Job execution statistics:\nworker \| items \| % of all \| time sum \[s\] \| time\/item \[ms\] \|\s+pid \| host\n/);
  assert.deepEqual(childrenOf(process.pid), []);
});

test('dynamic scheduling: a worker stuck on a slow item leaves the rest to the other', async () => {
  class Slow extends Task {
    initializeLocal() {
      this.output = [];
    }
    async process(ms) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      this.output.push(process.pid);
    }
  }
  const task = new Slow();
  const report = await new WorkManager({ ncpus: 2 }).process(task, [300, ...Array(20).fill(5)]);
  const counts = report.statistics.map((r) => r.items).sort((a, b) => a - b);
  assert.ok(counts[0] < 10, `the worker with the 300 ms item took few others (${counts})`);
  assert.equal(task.output.length, 21);
});

test('a mergeOutput hook replaces the default merge; an impossible merge is a clear error', async () => {
  class Max extends Task {
    initializeLocal() {
      this.output = -Infinity;
    }
    process(x) {
      this.output = Math.max(this.output, x);
    }
    mergeOutput(local, remote) {
      return Math.max(local, remote);
    }
  }
  const max = new Max();
  await new WorkManager({ ncpus: 2 }).process(max, [3, 9, 4, 1]);
  assert.equal(max.output, 9);

  class Label extends Task {
    initializeLocal() {
      this.output = { name: '' };
    }
    process(x) {
      this.output.name = `worker ${process.pid} saw ${x}`;
    }
  }
  await assert.rejects(new WorkManager({ ncpus: 2 }).process(new Label(), [1, 2, 3, 4]), {
    code: 'ERR_COWLOOP_MERGE_FAILED',
    message: /at output.name: cannot merge string .* with string .*; give the task a mergeOutput\(local, remote\) method/,
  });
});

test('a failing item names the item and carries the worker stack', async () => {
  class Parse extends Task {
    initializeLocal() {
      this.output = 0;
    }
    process(text) {
      this.output += JSON.parse(text).n;
    }
  }
  const files = ['{"n":1}', '{"n":2}', '{"n":', '{"n":4}'];
  const error = await new WorkManager({ ncpus: 2 })
    .process(new Parse(), files, { describeItem: (_text, i) => `file ${i}.json` })
    .catch((e) => e);
  assert.equal(error.code, 'ERR_COWLOOP_TASK_FAILED');
  assert.match(error.message, /^file 2.json failed in worker \d+: SyntaxError: /);
  assert.match(error.stack, /at JSON.parse/);
  assert.deepEqual(childrenOf(process.pid), []);
});
