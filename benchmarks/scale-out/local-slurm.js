#!/usr/bin/env node
'use strict';
// The reco example serially, then as 1, 2 and 4 shards of 2 workers on the local
// single-node Slurm (SLURM_CONF must point at it: bash slurm-local.sh start > s.env && . s.env).
// Wall time from `cowloop submit` to the merge job's end, against the serial run; the
// overhead is that wall time less the shards' own run times (queueing, start-up, merge).
// Writes benchmarks/results/scale-out.md.
//   node benchmarks/scale-out/local-slurm.js [--events 4000] [--state-mb 100]
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'cowloop.js');
const opts = path.join(root, 'examples', 'reco', 'reco.opts');
const { values: flags } = require('node:util').parseArgs({
  options: { events: { type: 'string', default: '4000' }, 'state-mb': { type: 'string', default: '100' } },
});
const events = Number(flags.events);
const stateMB = Number(flags['state-mb']);

function cowloop(args, cwd) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cowloop ${args.join(' ')}: ${r.stderr}`);
  return r;
}

function state(id) {
  const out = spawnSync('scontrol', ['-o', 'show', 'job', id], { encoding: 'utf8' }).stdout ?? '';
  return /JobState=(\S+)/.exec(out)?.[1];
}

async function waitEnd(id) {
  for (;;) {
    const s = state(id);
    if (s && /^(COMPLETED|FAILED|CANCELLED|TIMEOUT)$/.test(s)) return s;
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function main() {
  execFileSync('sinfo', ['-h']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cowloop-scale-out-'));
  try {
    const input = path.join(dir, 'hits.ndjson');
    execFileSync(process.execPath, [path.join(root, 'examples', 'reco', 'make-input.js'), '--events', String(events), '--out', input]);
    const job = [['RecoGeometrySvc.StateMB', String(stateMB)], ['RecoInputSvc.File', JSON.stringify(input)], ['RecoInputSvc.Events', String(events)], ['EventSelector.Input', JSON.stringify([input])]].flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    let t0 = performance.now();
    cowloop(['run', opts, ...job, '--out', 'serial', '-q'], dir);
    const serialS = (performance.now() - t0) / 1000;
    const rows = [];
    for (const shards of [1, 2, 4]) {
      const out = `job${shards}`;
      t0 = performance.now();
      const r = cowloop(['submit', 'slurm', opts, ...job, '--shards', String(shards), '--workers-per-shard', '2', '--out', out], dir);
      const [, array, merge] = /array job (\d+) .* merge job (\d+)/.exec(r.stdout);
      const end = await waitEnd(merge);
      const wallS = (performance.now() - t0) / 1000;
      if (end !== 'COMPLETED') throw new Error(`merge job ${merge} ended ${end}`);
      for (const name of ['reco.ndjson', 'reco-histos.json']) {
        if (!fs.readFileSync(path.join(dir, out, name)).equals(fs.readFileSync(path.join(dir, 'serial', name)))) throw new Error(`${out}/${name} differs from the serial run`);
      }
      const manifests = Array.from({ length: shards }, (_, i) => JSON.parse(fs.readFileSync(path.join(dir, out, 'shards', String(i), 'manifest.json'), 'utf8')));
      const shardS = manifests.reduce((s, m) => s + (Date.parse(m.end) - Date.parse(m.start)) / 1000, 0);
      const mem = /#SBATCH --mem=(\S+)/.exec(fs.readFileSync(path.join(dir, out, 'slurm', 'shards.sbatch'), 'utf8'))[1];
      rows.push({ shards, array, wallS, shardS, overheadS: wallS - shardS, mem });
    }
    const lines = [
      '## scale-out: the reco example over a local single-node Slurm',
      '',
      `Command: \`node benchmarks/scale-out/local-slurm.js --events ${events} --state-mb ${stateMB}\` (${os.cpus().length} cores, one Slurm node;`,
      'the shards of one job queue behind each other on it, 2 CPUs per task, so no speed-up is possible here:',
      'the figures show what Slurm and the merge add). Every merged output is byte-identical to the serial run\'s.',
      '',
      `Serial run: ${serialS.toFixed(2)} s.`,
      '',
      '| shards x workers | submit to merged (s) | shards\' own run time, summed (s) | Slurm + merge overhead (s) | --mem per task |',
      '|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.shards} x 2 | ${r.wallS.toFixed(2)} | ${r.shardS.toFixed(2)} | ${r.overheadS.toFixed(2)} | ${r.mem} |`),
      '',
    ];
    const file = path.join(root, 'benchmarks', 'results', 'scale-out.md');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    process.stdout.write(`${lines.join('\n')}\nwritten to ${file}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
