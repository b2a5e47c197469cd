// `cowloop options`, run as a real process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { root, bin } from './helpers/root.mjs';

const fixtures = path.join(root, 'test', 'fixtures', 'options');

function cowloop(...args) {
  const r = spawnSync(process.execPath, [bin, 'options', ...args], { cwd: fixtures, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.signal, null);
  return r;
}

test('prints the resolved options as .opts text  (default)', () => {
  const r = cowloop('uses-json.opts');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(
    r.stdout,
    [
      'ApplicationMgr.EvtMax = 500;',
      'ApplicationMgr.TopAlg = { "TrackFinder/Finder" };',
      '',
      'Finder.MinHits = 6;',
      'Finder.Cuts    = { 1.5, -0.25, 9 };',
      'Finder.Weights = { "pt": 1, "name": "x\tyé" };',
      'Finder.Enabled = true;',
      '',
      'ToolSvc.Fitter.MaxIterations = 10;',
      '',
    ].join('\n'),
  );
});

test('--json with -D prints JSON on stdout; --print echoes assignments to stderr', () => {
  const r = cowloop('full.opts', '--json', '-D', 'FAST', '--define', 'NESTED', '--print');
  assert.equal(r.status, 0, r.stderr);
  const object = JSON.parse(r.stdout);
  assert.deepEqual(object.Check, { FromProperty: 'defined', FromClient: 'defined', Fast: true, Nested: true });
  assert.equal(object.Finder.PtMin, 1500);
  const echoed = r.stderr.split('\n');
  assert.equal(echoed[0], '// reading full.opts');
  assert.ok(echoed.includes('// full.opts:21:1: Finder.PtMin = 1500;'), r.stderr);
  assert.ok(echoed.includes('// #printOptions at full.opts:65:1'), r.stderr);
});

test('--print output is still valid .opts text', () => {
  const r = cowloop('config.mjs', '--print', '--locations');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\/\/ reading config\.mjs\n/);
  assert.match(r.stdout, /\nFinder\.MinHits = 6;  \/\/ config\.mjs:4:7\n/);
});

test('bad input exits 3 with the error, its location and a caret on stderr', () => {
  const r = cowloop('bad-included.opts');
  assert.equal(r.status, 3);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    [
      "cowloop: sub/bad-syntax.opts:1:19: expected ';' after the value of Finder.MinHits (found 'Finder.MaxHits') [ERR_COWLOOP_OPTIONS_SYNTAX]",
      '  1 | Finder.MinHits = 4',
      '    |                   ^',
      '  (included from bad-included.opts:2:1)',
      '',
    ].join('\n'),
  );
  const missing = cowloop('absent.opts');
  assert.equal(missing.status, 3);
  assert.equal(
    missing.stderr,
    `cowloop: cannot read the job options file absent.opts (${path.join(fixtures, 'absent.opts')}): no such file [ERR_COWLOOP_OPTIONS_FILE]\n`,
  );
});
