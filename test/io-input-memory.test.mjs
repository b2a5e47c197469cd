// A worker reading a large input keeps its ArrayBuffer memory flat: the input reader reads
// its blocks into buffers it reuses. A new Buffer per block outlived the scavenges that ran
// while its records were parsed, and then stayed, private to the worker, until a full
// collection (docs/memory-sharing.md, "Long runs").
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { spawnCollecting } from './helpers/spawn-collecting.mjs';
import { bin, root } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'io', 'input-memory.opts');
const EVENTS = 30_000;
const MiB = 1 << 20;

test(`a worker reading ${EVENTS} records of 1 KiB (30 MB): its ArrayBuffer memory grows by under 4 MiB`, async () => {
  await withDir(async (dir) => {
    const input = path.join(dir, 'in.ndjson');
    const text = 'x'.repeat(1000);
    fs.writeFileSync(input, Array.from({ length: EVENTS }, (_, i) => `${JSON.stringify({ i, text })}\n`).join(''));
    const out = path.join(dir, 'out');
    const r = await spawnCollecting([bin, 'run', job, '--out', out, '--progress', 'none', '-q', '--set', `EventSelector.Input=${JSON.stringify([input])}`], {}).done;
    assert.equal(r.status, 0, r.stderr);
    const records = fs.readFileSync(path.join(out, 'out.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(records.length, EVENTS);
    // Read every 500 events in the worker; from event 1,000 on, after its first blocks.
    const first = records[1000].arrayBuffers;
    const last = records[EVENTS - 1].arrayBuffers;
    assert.ok(first > 0, `a reading was taken: ${first}`);
    assert.ok(last - first < 4 * MiB, `ArrayBuffer memory grew from ${(first / MiB).toFixed(1)} to ${(last / MiB).toFixed(1)} MiB over ${EVENTS - 1000} events`);
  });
});
