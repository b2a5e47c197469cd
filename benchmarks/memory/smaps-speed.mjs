// How long reading a process's memory takes: /proc/<pid>/smaps_rollup (memoryUsage),
// /proc/<pid>/smaps (readSmaps: the kernel's page-table walk, then cowloop's one-pass
// parse) and, for comparison, /proc/<pid>/maps, for a node process holding about 1 GB.
// Usage: node benchmarks/memory/smaps-speed.mjs [--heap MiB] [--buffer MiB] [--runs N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { memoryUsage, readSmaps } from 'cowloop';

const { values } = parseArgs({
  options: {
    heap: { type: 'string', default: '512' }, // MiB of small JS objects (V8 heap)
    buffer: { type: 'string', default: '512' }, // MiB of ArrayBuffer (external)
    runs: { type: 'string', default: '7' },
  },
});
const heapMiB = Number(values.heap);
const bufferMiB = Number(values.buffer);
const runs = Number(values.runs);

// The measured process: small objects (~112 bytes each in V8), then a written buffer.
const holder = `
  const keep = [];
  const target = ${heapMiB} * 2 ** 20;
  let bytes = 0;
  while (bytes < target) {
    const chunk = new Array(100000);
    for (let i = 0; i < chunk.length; i++) chunk[i] = { a: i, b: i + 0.5, c: i * 2.5, d: -i - 0.25 };
    keep.push(chunk);
    bytes += chunk.length * 112; // object with 3 boxed doubles + its array slot
  }
  const buf = new Uint8Array(new ArrayBuffer(${bufferMiB} * 2 ** 20));
  for (let i = 0; i < buf.length; i += 4096) buf[i] = 1;
  keep.push(buf); // referenced, so the optimiser cannot drop the buffer
  process.stdout.write('ready\\n');
  process.stdin.on('data', () => {}).on('end', () => process.exit(0));
`;
const child = spawn(process.execPath, ['--max-old-space-size=8192', '-e', holder], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = readline.createInterface({ input: child.stdout });
await once(lines, 'line');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timed = (fn) => {
  const t0 = performance.now();
  const value = fn();
  return [performance.now() - t0, value];
};
const rollup = [];
const smapsRead = [];
const smapsParse = [];
const smapsTotal = [];
const maps = [];
let last;
for (let i = 0; i < runs; i++) {
  rollup.push(timed(() => memoryUsage(child.pid))[0]);
  const [total, summary] = timed(() => readSmaps(child.pid));
  smapsTotal.push(total);
  smapsRead.push(summary.timing.readMs);
  smapsParse.push(summary.timing.parseMs);
  maps.push(timed(() => fs.readFileSync(`/proc/${child.pid}/maps`, 'latin1'))[0]);
  last = summary;
}
child.stdin.end();
await once(child, 'exit');

const ms = (x) => x.toFixed(1);
const mappings = last.total.mappings; // the length of smaps, and the parse time, scale with it
console.log(`process: RSS ${last.total.rss.toFixed(0)} MiB (V8 heap ${last.kinds.v8Heap.rss.toFixed(0)} MiB, ` +
  `external ${last.kinds.external.rss.toFixed(0)} MiB), ${mappings} mappings; median of ${runs} runs on ` +
  `node ${process.version}, ${process.platform} ${process.arch}`);
console.log('| measurement | median ms |');
console.log('|---|---|');
console.log(`| memoryUsage(pid) (smaps_rollup) | ${ms(median(rollup))} |`);
console.log(`| readSmaps(pid) total | ${ms(median(smapsTotal))} |`);
console.log(`| - reading /proc/<pid>/smaps | ${ms(median(smapsRead))} |`);
console.log(`| - parsing it (one pass) | ${ms(median(smapsParse))} |`);
console.log(`| reading /proc/<pid>/maps (no page walk) | ${ms(median(maps))} |`);
