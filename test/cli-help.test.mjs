// The cowloop command's argument handling as real processes: --help for every command,
// --version, and unknown flags or commands that fail with exit code 2 and the nearest name.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { root, bin } from './helpers/root.mjs';

/** Runs the command; `direct` skips the re-exec by starting node with --single-threaded itself. */
function cowloop(args, { direct = true } = {}) {
  const argv = direct ? ['--single-threaded', bin, ...args] : [bin, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

const COMMANDS = {
  run: ['--workers', '--json', '--report', '--quiet', '--debug-worker', '--mem-profile'],
  merge: ['-o, --output'],
  mem: [],
  options: ['--print'],
};

test('--help of the program and of every command prints usage and exits 0', async () => {
  const results = await Promise.all([cowloop(['--help']), ...Object.keys(COMMANDS).map((c) => cowloop([c, '--help']))]);
  const [top, ...each] = results;
  assert.equal(top.status, 0, top.stderr);
  for (const name of Object.keys(COMMANDS)) assert.match(top.stdout, new RegExp(`^\\s+${name}\\b`, 'm'), `top-level help lists ${name}`);
  Object.keys(COMMANDS).forEach((name, i) => {
    const r = each[i];
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: cowloop ${name} `, 'm'));
    for (const flag of COMMANDS[name]) assert.ok(r.stdout.includes(flag), `${name} --help mentions ${flag}`);
  });
});

test('--version prints the package version, through the re-executing entry point too', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const [direct, reexec] = await Promise.all([cowloop(['--version']), cowloop(['--version'], { direct: false })]);
  for (const r of [direct, reexec]) {
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  }
});

test('an unknown flag or command is a usage error (2) that suggests the nearest name', async () => {
  const [flag, command, mergeFlag, badValue] = await Promise.all([
    cowloop(['run', 'examples/reco/reco.opts', '--workerz', '2']),
    cowloop(['rnu', 'examples/reco/reco.opts']),
    cowloop(['merge', 'a.ndjson', '-o', 'b.ndjson', '--jsno']),
    cowloop(['run', 'examples/reco/reco.opts', '--workers', 'two']),
  ]);
  assert.equal(flag.status, 2, flag.stderr);
  assert.match(flag.stderr, /unknown option '--workerz'/);
  assert.match(flag.stderr, /Did you mean --workers\?/);
  assert.equal(command.status, 2, command.stderr);
  assert.match(command.stderr, /Did you mean run\?/);
  assert.equal(mergeFlag.status, 2, mergeFlag.stderr);
  assert.match(mergeFlag.stderr, /Did you mean --json\?/);
  assert.equal(badValue.status, 2, badValue.stderr);
  assert.match(badValue.stderr, /--workers must be an integer >= -1 \(got "two"\)/);
  for (const r of [flag, command, mergeFlag, badValue]) assert.equal(r.stdout, '');
});
