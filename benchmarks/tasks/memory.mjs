// Memory for tasks that read a table the parent built: cowloop (the parent builds it once,
// forked workers share it copy-on-write) against tinypool and piscina (each worker thread
// builds its own). Each contender runs alone in a fresh process; at its hold point (all
// tasks done, workers alive) the driver sums PSS over its process tree, and also reports
// the serial baseline: one process that built the table and read it.
// Usage: node benchmarks/tasks/memory.mjs [--mib 300] [--workers 2] [--tasks 64] [--json]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { memoryUsage, processTree } from 'cowloop';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '300' },
    workers: { type: 'string', default: '2' },
    tasks: { type: 'string', default: '64' },
    json: { type: 'boolean', default: false },
  },
});
const contender = fileURLToPath(new URL('./memory-contender.mjs', import.meta.url));
const serialScript = `
  import { buildTable, scanSlice } from ${JSON.stringify(new URL('./table.mjs', import.meta.url).href)};
  const t0 = performance.now();
  const rows = buildTable(${Number(values.mib)});
  let s = 0; for (let k = 0; k < ${Number(values.tasks)}; k++) s += scanSlice(rows, k, ${Number(values.tasks)});
  process.stdout.write(JSON.stringify({ kind: 'serial', checksum: s, seconds: (performance.now() - t0) / 1000 }) + '\\n');
  process.stdin.once('data', () => process.exit(0));
`;

async function measure(args) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const [line] = await once(lines, 'line');
  const result = JSON.parse(line);
  const pids = processTree(child.pid);
  const usage = pids.map((pid) => memoryUsage(pid));
  result.processes = pids.length;
  result.pssMiB = usage.reduce((s, u) => s + u.pss, 0);
  result.rssMiB = usage.reduce((s, u) => s + u.rss, 0);
  result.perProcessPssMiB = usage.map((u) => Math.round(u.pss));
  child.stdin.write('exit\n');
  await once(child, 'exit');
  return result;
}

const common = ['--mib', values.mib, '--workers', values.workers, '--tasks', values.tasks];
// The serial baseline runs with the same flag as cowloop (--single-threaded slows V8's GC).
const results = [await measure(['--single-threaded', '--input-type=module', '-e', serialScript])];
for (const kind of ['cowloop', 'tinypool', 'piscina']) {
  results.push(await measure(['--single-threaded', contender, '--kind', kind, ...common]));
}

if (values.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`table of ${values.mib} MiB of JS objects built by the parent (and again by each worker thread), ${values.workers} workers, ${values.tasks} tasks; node ${process.version}`);
  console.log('contender | processes | total PSS [MiB] | vs serial | per-process PSS [MiB] | wall [s]');
  const serial = results[0].pssMiB;
  for (const r of results) {
    console.log(`${r.kind.padEnd(9)} | ${String(r.processes).padStart(9)} | ${r.pssMiB.toFixed(0).padStart(15)} | ${(r.pssMiB / serial).toFixed(2).padStart(8)}x | ${r.perProcessPssMiB.join(', ').padEnd(21)} | ${r.seconds.toFixed(2)}`);
  }
  const sums = new Set(results.map((r) => r.checksum.toFixed(3)));
  if (sums.size !== 1) console.log(`checksums differ: ${[...sums].join(', ')}`);
}
