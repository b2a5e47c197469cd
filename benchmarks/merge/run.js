'use strict';
// Merge throughput: the ordered k-way merge of per-worker NDJSON files (what the master does
// at the end of a multi-process run), through `cowloop merge` (end to end: node started,
// cowloop loaded, the files merged) and through mergeOutputs called in this process
// (the merge alone: what the master pays at finalize), against `sort -m` (the same merge by a
// C program) and `cat` of the same files (no ordering: the floor of reading and writing the
// bytes). The files are laid out as workers of the sharedqueue strategy leave them: chunks of
// 100 consecutive events, chunk c in file c mod k. CPU time (user + system) is measured next
// to wall time: on a machine shared with other work it varies far less.
//   node benchmarks/merge/run.js [--files K] [--mb TOTAL] [--rounds R] [--quick] [--before DIR]
// --before DIR: the same two cowloop rows for another build of cowloop (a checkout at DIR,
// built), taking turns with the others.
// Writes benchmarks/results/merge.md (--quick: 64 MB, 1 round, benchmarks/results/merge-quick.md).
const { execFileSync, spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    files: { type: 'string' },
    mb: { type: 'string' },
    rounds: { type: 'string' },
    before: { type: 'string' },
  },
});
const quick = opts.quick;
const k = Number(opts.files ?? 8);
const totalMB = Number(opts.mb ?? (quick ? 64 : 1024));
const rounds = Number(opts.rounds ?? (quick ? 1 : 3));
const CHUNK = 100;

/** Writes k files of about totalMB together; returns their paths and the record count. */
function writeInputs(dir) {
  const files = Array.from({ length: k }, (_, i) => path.join(dir, `worker_${i}.ndjson`));
  const fds = files.map((f) => fs.openSync(f, 'w'));
  const pending = files.map(() => []);
  let bytes = 0;
  let event = 0;
  while (bytes < totalMB * 1e6) {
    const w = Math.floor(event / CHUNK) % k;
    // About 100 bytes, as a small reco record: numbers and a short string.
    const line = `{"event":${event},"ntracks":${event % 17},"energy":${((event * 7919) % 100000) / 100},"label":"trk-${event % 997}","flags":[${event % 3},${event % 5}]}\n`;
    pending[w].push(line);
    bytes += line.length;
    if (pending[w].length === 4096) fs.writeSync(fds[w], pending[w].splice(0).join(''));
    event++;
  }
  pending.forEach((p, w) => fs.writeSync(fds[w], p.join('')));
  fds.forEach((fd) => fs.closeSync(fd));
  return { files, records: event, bytes };
}

const TIME = '/usr/bin/time'; // GNU time: the command's CPU time
const hasTime = fs.existsSync(TIME);

/**
 * Wall and CPU time of a command, ms (its output goes to `out`). The disk is synced first,
 * outside the time: another contender's gigabyte still being written back would otherwise
 * slow this one's writes (and cowloop's fsync) down.
 */
function timed(cmd, args, out, dir) {
  spawnSync('sync');
  const cpuFile = path.join(dir, 'cpu.txt');
  const [file, argv] = hasTime ? [TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args]] : [cmd, args];
  const fd = out === undefined ? 'ignore' : fs.openSync(out, 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (typeof fd === 'number') fs.closeSync(fd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const cpu = hasTime ? fs.readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).reduce((a, x) => a + Number(x) * 1000, 0) : NaN;
  return { ms, cpu };
}

/** mergeOutputs of the build at `from`, in this process: the merge without starting node and loading cowloop. */
function inProcess(from, files, out) {
  const { mergeOutputs } = require(from);
  spawnSync('sync');
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const stats = mergeOutputs(files, out);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  if (from === root && stats.method !== 'streamed') throw new Error(`the merge took the ${stats.method} way`);
  return { ms, cpu: (c.user + c.system) / 1000 };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main() {
  const loadAtStart = os.loadavg()[0].toFixed(1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-merge-'));
  try {
    const { files, records, bytes } = writeInputs(dir);
    const reference = path.join(dir, 'serial.ndjson');
    const contenders = [
      { label: '`cat` (no ordering: the floor)', run: () => timed('cat', files, path.join(dir, 'cat.ndjson'), dir) },
      {
        label: '`sort -m -t: -k2,2n` (C, LC_ALL=C)',
        run: () => timed('env', ['LC_ALL=C', 'sort', '-m', '-t:', '-k2,2n', '-S', '64M', ...files], path.join(dir, 'sort.ndjson'), dir),
        check: path.join(dir, 'sort.ndjson'),
      },
      {
        label: '`cowloop merge`, end to end (node started, event-ordered, duplicates checked, fsync + rename)',
        run: () => timed(process.execPath, [path.join(root, 'bin', 'cowloop.js'), 'merge', '-o', path.join(dir, 'merged.ndjson'), ...files], undefined, dir),
        check: path.join(dir, 'merged.ndjson'),
      },
      {
        label: '`mergeOutputs` in one process (the same merge, fsync + rename, without starting node)',
        run: () => inProcess(root, files, path.join(dir, 'in-process.ndjson')),
        check: path.join(dir, 'in-process.ndjson'),
      },
    ];
    if (opts.before) {
      const before = path.resolve(opts.before);
      contenders.push(
        {
          label: `\`cowloop merge\`, end to end, build at ${path.basename(before)} (before)`,
          run: () => timed(process.execPath, [path.join(before, 'bin', 'cowloop.js'), 'merge', '-o', path.join(dir, 'before.ndjson'), ...files], undefined, dir),
          check: path.join(dir, 'before.ndjson'),
        },
        {
          label: `\`mergeOutputs\` in one process, build at ${path.basename(before)} (before)`,
          run: () => inProcess(before, files, path.join(dir, 'before-in-process.ndjson')),
          check: path.join(dir, 'before-in-process.ndjson'),
        },
      );
    }
    // The command's fixed cost: the same command merging one record.
    const one = path.join(dir, 'one.ndjson');
    fs.writeFileSync(one, '{"event":0}\n');
    const fixed = [];
    const times = contenders.map(() => []);
    for (let r = 0; r < rounds; r++) {
      fixed.push(timed(process.execPath, [path.join(root, 'bin', 'cowloop.js'), 'merge', '-o', path.join(dir, 'one-merged.ndjson'), one], undefined, dir));
      contenders.forEach((c, i) => {
        if (c.check) fs.rmSync(c.check, { force: true }); // its own previous output
        times[i].push(c.run());
        fs.rmSync(path.join(dir, 'cat.ndjson'), { force: true });
        const t = times[i].at(-1);
        process.stderr.write(`round ${r + 1}/${rounds} ${c.label}: ${t.ms.toFixed(0)} ms, CPU ${t.cpu.toFixed(0)} ms\n`);
      });
    }
    // The ordered outputs are the events in order, byte for byte the same (cmp fails otherwise).
    for (const c of contenders.slice(2)) execFileSync('cmp', [contenders[1].check, c.check]);
    fs.renameSync(contenders[2].check, reference);
    const mb = bytes / 1e6;
    const load = os.loadavg()[0].toFixed(1);
    const wall = times.map((ts) => median(ts.map((t) => t.ms)));
    const cpu = times.map((ts) => median(ts.map((t) => t.cpu)));
    const best = times.map((ts) => Math.min(...ts.map((t) => t.ms)));
    const cmd = `node benchmarks/merge/run.js${quick ? ' --quick' : ''}${opts.files ? ` --files ${k}` : ''}${opts.mb ? ` --mb ${totalMB}` : ''}${opts.rounds ? ` --rounds ${rounds}` : ''}${opts.before ? ' --before <build>' : ''}`;
    const lines = [
      '## Merge throughput',
      '',
      `Command: \`${cmd}\` (node ${process.version}, ${os.availableParallelism()} cores, median of ${rounds} round${rounds === 1 ? '' : 's'}, ` +
        `the contenders taking turns in each round; the files in the page cache, written just before; load average ${loadAtStart} at the start, ${load} at the end).`,
      '',
      `${k} NDJSON files, ${mb.toFixed(0)} MB and ${records.toLocaleString('en')} records of about ${Math.round(bytes / records)} bytes in all, ` +
        `laid out as the sharedqueue strategy leaves them (chunks of ${CHUNK} events, chunk c in file c mod ${k}). ` +
        'The outputs of `sort -m`, `cowloop merge` and `mergeOutputs` are compared byte for byte.',
      '',
      '| merge | wall ms | MB/s | x cat | best round: ms, MB/s | CPU ms (user + system) | MB per CPU second |',
      '|---|---|---|---|---|---|---|',
      ...contenders.map(
        (c, i) =>
          `| ${c.label} | ${wall[i].toFixed(0)} | ${(mb / (wall[i] / 1000)).toFixed(0)} | ${(wall[i] / wall[0]).toFixed(2)} | ` +
          `${best[i].toFixed(0)}, ${(mb / (best[i] / 1000)).toFixed(0)} | ${cpu[i].toFixed(0)} | ${(mb / (cpu[i] / 1000)).toFixed(0)} |`,
      ),
      '',
      'Wall, CPU and the ratio to `cat`: medians over the rounds. `cowloop merge` includes starting node and loading ' +
        'cowloop (builds before the merge command ran in place started node twice): merging one record with it took ' +
        `${median(fixed.map((t) => t.ms)).toFixed(0)} ms (CPU ${median(fixed.map((t) => t.cpu)).toFixed(0)} ms), medians of the same rounds. ` +
        'Both cowloop rows include the fsync before the rename (`cat` and `sort` do not sync; the disk is synced before each run, outside its time).',
      '',
    ];
    const out = path.join(root, 'benchmarks', 'results', quick ? 'merge-quick.md' : 'merge.md');
    fs.writeFileSync(out, `${lines.join('\n')}\n`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
