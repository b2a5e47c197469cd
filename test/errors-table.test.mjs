// The error table of src/errors.ts: every code has its exit class, meaning and remedy; every
// code named anywhere is in it and every code in it is raised; the cowloop command's exit
// code follows from it; docs/errors.md is generated from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CowloopError, ErrorCodes } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { ERRORS } = require('../dist/cjs/errors.js');
const { EXIT_FOR_CLASS } = require('../dist/cjs/cli/exit-codes.js');
const { DOC, BEGIN, END, withReference } = require('../scripts/gen-error-reference.js');

const CLASSES = ['usage', 'config', 'input', 'events', 'failure', 'environment', 'interrupted'];

/** Files under `dir` (recursively) whose names end with one of `exts`. */
function files(dir, exts) {
  return fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && exts.some((x) => e.name.endsWith(x)))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

// Whole names only: a prefix in a pattern (/ERR_COWLOOP_OPTIONS_/) names no code.
const codesIn = (file) => new Set((fs.readFileSync(file, 'utf8').match(/ERR_COWLOOP_[A-Z0-9_]+/g) ?? []).filter((c) => !c.endsWith('_')));

test('every code of ErrorCodes has an entry: an exit class with its exit code, a meaning and a remedy', () => {
  assert.deepEqual(Object.keys(ErrorCodes), Object.keys(ERRORS));
  assert.deepEqual(Object.keys(EXIT_FOR_CLASS).sort(), [...CLASSES].sort());
  for (const [code, info] of Object.entries(ERRORS)) {
    assert.equal(ErrorCodes[code], code);
    assert.match(code, /^ERR_COWLOOP_[A-Z0-9_]+$/);
    assert.ok(CLASSES.includes(info.exit), `${code}: exit class ${info.exit}`);
    assert.ok(Number.isInteger(EXIT_FOR_CLASS[info.exit]) && EXIT_FOR_CLASS[info.exit] > 0, code);
    for (const field of ['meaning', 'remedy']) {
      assert.ok(typeof info[field] === 'string' && info[field].length > 10, `${code}.${field}`);
      assert.match(info[field], /\.$/, `${code}.${field} ends as a sentence`);
    }
  }
  // A missing addon, an unsupported release: not the job's configuration (exit 3).
  for (const code of ['ERR_COWLOOP_NATIVE_ADDON', 'ERR_COWLOOP_UNSUPPORTED_NODE', 'ERR_COWLOOP_UNSUPPORTED_PLATFORM']) {
    assert.equal(ERRORS[code].exit, 'environment', code);
  }
});

test('every code named in the sources, tests and docs is in the table, and every code in it is raised', () => {
  const named = new Map();
  const sources = files('src', ['.ts']);
  for (const file of [...sources, ...files('test', ['.mjs', '.cjs', '.js', '.mts', '.opts']), ...files('docs', ['.md']),
    ...files('examples', ['.js', '.mjs', '.md']), path.join(root, 'README.md')]) {
    for (const code of codesIn(file)) if (!named.has(code)) named.set(code, path.relative(root, file));
  }
  for (const [code, where] of named) assert.ok(code in ERRORS, `${where} names ${code}, which the table does not have`);
  const table = path.join(root, 'src', 'errors.ts');
  const raised = new Set(sources.filter((f) => f !== table).flatMap((f) => [...codesIn(f)]));
  for (const code of Object.keys(ERRORS)) assert.ok(raised.has(code), `${code} is never raised in src/: remove it`);
});

test('CowloopError takes the codes of the table', () => {
  const e = new CowloopError(ErrorCodes.ERR_COWLOOP_IO_INPUT, 'no such file');
  assert.equal(e.code, 'ERR_COWLOOP_IO_INPUT');
  assert.ok(e instanceof Error);
});

test('docs/errors.md carries the generated reference, up to date (npm run docs:errors)', () => {
  const text = fs.readFileSync(DOC, 'utf8');
  assert.ok(text.includes(BEGIN) && text.includes(END), 'the generated section has its markers');
  assert.equal(text, withReference(text), 'docs/errors.md is out of date: run npm run build:ts && npm run docs:errors');
  for (const [code, { exit }] of Object.entries(ERRORS)) {
    assert.match(text, new RegExp(`^\\| \`${code}\` \\| ${EXIT_FOR_CLASS[exit]} \\(${exit}\\) \\|`, 'm'));
  }
  assert.match(fs.readFileSync(path.join(root, 'docs', 'guide.md'), 'utf8'), /\]\(errors\.md\)/, 'the guide links the reference');
});

/** Runs the cowloop command of the package at `pkg`; returns its status and the code it printed. */
function cowloop(pkg, args, cwd) {
  const r = spawnSync(process.execPath, [path.join(pkg, 'bin', 'cowloop.js'), ...args], { cwd, encoding: 'utf8' });
  const code = /\[(ERR_COWLOOP_[A-Z_]+)\]/.exec(r.stderr)?.[1];
  return { status: r.status, code, stderr: r.stderr };
}

test('the cowloop command exits with the exit code of its error\'s class', () => {
  withDir((dir) => {
    const job = path.join(dir, 'job.opts');
    fs.writeFileSync(job, 'ApplicationMgr.EvtMax = 3;\nEventSelector.Input = { "generator:10" };\n');
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8')); // pids lie below it
    const cases = [
      [['run', job, '--out', path.join(dir, 'a'), '--workers', 'two'], 'ERR_COWLOOP_INVALID_ARGUMENT'],
      [['run', job, '--out', path.join(dir, 'b'), '--quiet', '--set', 'ApplicationMgr.EvtMx=3'], 'ERR_COWLOOP_UNKNOWN_PROPERTY'],
      [['run', path.join(dir, 'none.opts'), '--out', path.join(dir, 'c')], 'ERR_COWLOOP_OPTIONS_FILE'],
      [['mem', String(pidMax)], 'ERR_COWLOOP_NO_SUCH_PROCESS'],
    ];
    for (const [args, expected] of cases) {
      const r = cowloop(root, args, dir);
      assert.equal(r.code, expected, r.stderr);
      assert.equal(r.status, EXIT_FOR_CLASS[ERRORS[expected].exit], `${expected}: ${r.stderr}`);
    }
  });
});

test('a package without its addon exits 1 (environment), not 3 (configuration)', () => {
  withDir((dir) => {
    // A copy of the package whose addon was never built.
    const pkg = path.join(dir, 'pkg');
    fs.mkdirSync(pkg);
    for (const entry of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(root, entry), path.join(pkg, entry), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
    const job = path.join(dir, 'job.opts');
    fs.writeFileSync(job, 'ApplicationMgr.EvtMax = 3;\nEventSelector.Input = { "generator:10" };\n');
    const r = cowloop(pkg, ['run', job, '--out', path.join(dir, 'out'), '--quiet', '--workers', '2'], dir);
    assert.equal(r.code, 'ERR_COWLOOP_NATIVE_ADDON', r.stderr);
    assert.match(r.stderr, /no cowloop addon for Node\.js v\d+/);
    assert.equal(r.status, 1, r.stderr);
  });
});
