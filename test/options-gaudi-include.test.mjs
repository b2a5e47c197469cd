// Includes as Gaudi finds them: the path as written, then beside the including file, then
// in each directory of JOBOPTSEARCHPATH; `$VAR` and `$(VAR)` in the path. A file read a
// second time, or an include cycle, is skipped with a warning; --strict makes both errors.
// Run through `cowloop options` with a real environment and real files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withDir } from './helpers/tmp.mjs';
import { bin, root } from './helpers/root.mjs';

function cowloop(cwd, env, ...args) {
  const r = spawnSync(process.execPath, [bin, 'options', ...args], {
    cwd,
    env: { ...process.env, JOBOPTSEARCHPATH: '', ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.signal, null);
  return r;
}

function write(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

test("an include found through JOBOPTSEARCHPATH (Gaudi's optsub1/optsub2 layout)", () => {
  withDir((dir) => {
    write(dir, {
      'options/Properties.opts': '#include "optsub1/dummy1.opts"\nApplicationMgr.EvtMax = 1;\n',
      'options/optsub1/dummy1.opts': 'Dummy1.Property=true;\n#include "optsub2/dummy2.opts"\n',
      'options/optsub2/dummy2.opts': 'Dummy2.Property=true;\n',
      'run/.keep': '',
    });
    const run = path.join(dir, 'run');
    // dummy1.opts names optsub2/ relative to options/, which only the search path knows.
    const missing = cowloop(run, {}, '../options/Properties.opts');
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /cannot find the included file optsub2\/dummy2\.opts: not in the current directory nor in .*optsub1 \(JOBOPTSEARCHPATH is not set\)/);
    const found = cowloop(run, { JOBOPTSEARCHPATH: `/nonexistent,${path.join(dir, 'options')}` }, 'Properties.opts', '--json');
    assert.equal(found.status, 0, found.stderr);
    assert.deepEqual(JSON.parse(found.stdout), { Dummy1: { Property: true }, Dummy2: { Property: true }, ApplicationMgr: { EvtMax: 1 } });
  });
});

test('$VAR and $(VAR) in include paths; : also separates search directories', () => {
  withDir((dir) => {
    write(dir, {
      'a/one.opts': 'A.X = 1;\n',
      'b/two.opts': 'B.Y = 2;\n',
      'c/three.opts': 'C.Z = 3;\n',
      'main.opts': '#include "$TOP_A/one.opts"\n#include "$(TOP_B)/two.opts"\n#include "three.opts"\n',
    });
    const r = cowloop(dir, { TOP_A: path.join(dir, 'a'), TOP_B: path.join(dir, 'b'), JOBOPTSEARCHPATH: `${path.join(dir, 'x')}:${path.join(dir, 'c')}` }, 'main.opts');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'A.X = 1;\n\nB.Y = 2;\n\nC.Z = 3;\n');
  });
});

test('a file included a second time is skipped with a warning; --strict makes it an error', () => {
  withDir((dir) => {
    write(dir, {
      'main.opts': 'MessageSvc.OutputLevel = 3;\n#include "test1.opts"\n#include "test2.opts"\n#include "test1.opts"\n',
      'test1.opts': 'MessageSvc.OutputLevel = 2;\n',
      'test2.opts': 'MessageSvc.OutputLevel = 4;\n',
    });
    const r = cowloop(dir, {}, 'main.opts');
    assert.equal(r.status, 0, r.stderr);
    // Read again, test1.opts would have set 2: it is not, so 4 stays.
    assert.equal(r.stdout, 'MessageSvc.OutputLevel = 4;\n');
    assert.equal(r.stderr, 'cowloop: warning: main.opts:4:1: test1.opts is already included from main.opts:2:1, ignored\n');
    const strict = cowloop(dir, {}, 'main.opts', '--strict');
    assert.equal(strict.status, 3);
    assert.equal(strict.stdout, '');
    assert.match(strict.stderr, /^cowloop: main\.opts:4:1: test1\.opts is already included from main\.opts:2:1; in strict mode a file may be read once \[ERR_COWLOOP_OPTIONS_INCLUDE\]\n/);
  });
});

test('an include cycle is skipped with a warning; --strict makes it an error naming the chain', () => {
  withDir((dir) => {
    write(dir, { 'a.opts': 'A.X = 1;\n#include "b.opts"\n', 'b.opts': 'B.Y = 2;\n#include "a.opts"\nB.Z = 3;\n' });
    const r = cowloop(dir, {}, 'a.opts');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'A.X = 1;\n\nB.Y = 2;\nB.Z = 3;\n');
    assert.equal(r.stderr, 'cowloop: warning: b.opts:2:1: include cycle a.opts -> b.opts -> a.opts: a.opts is already being read, ignored\n');
    const strict = cowloop(dir, {}, 'a.opts', '--strict');
    assert.equal(strict.status, 3);
    assert.match(strict.stderr, /^cowloop: b\.opts:2:1: include cycle: a\.opts -> b\.opts -> a\.opts; remove one of these includes/);
  });
});

test('a path as written is looked for in the current directory first, as Gaudi does', () => {
  withDir((dir) => {
    write(dir, { 'cwd/common.opts': 'X.From = "cwd";\n', 'opts/common.opts': 'X.From = "beside";\n', 'opts/main.opts': '#include "common.opts"\n' });
    const r = cowloop(path.join(dir, 'cwd'), {}, '../opts/main.opts');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'X.From = "cwd";\n');
  });
});

test('cowloop run --strict: a file included twice stops the job before it starts, as in cowloop options', () => {
  withDir((dir) => {
    write(dir, {
      'job.opts': 'ApplicationMgr.EvtMax = 2;\nEventSelector.Input = { "generator:2" };\n#include "quiet.opts"\n#include "quiet.opts"\n',
      'quiet.opts': 'MessageSvc.OutputLevel = 4;\n',
    });
    const run = (...flags) =>
      spawnSync(process.execPath, [bin, 'run', 'job.opts', '--progress', 'none', '--out', path.join(dir, 'out'), ...flags], {
        cwd: dir,
        env: { ...process.env, JOBOPTSEARCHPATH: '' },
        encoding: 'utf8',
        timeout: 60000,
      });
    const lenient = run();
    assert.equal(lenient.status, 0, lenient.stderr);
    assert.match(lenient.stderr, /^cowloop: warning: job\.opts:4:1: quiet\.opts is already included from job\.opts:3:1, ignored\n/);
    assert.match(lenient.stderr, /cowloop: 2 events, 0 failed/);
    const strict = run('--strict');
    assert.equal(strict.signal, null);
    assert.equal(strict.status, 3);
    assert.match(strict.stderr, /^cowloop: job\.opts:4:1: quiet\.opts is already included from job\.opts:3:1; in strict mode a file may be read once\n/);
    assert.match(strict.stderr, /\[ERR_COWLOOP_OPTIONS_INCLUDE\]/);
    assert.doesNotMatch(strict.stderr, /events, 0 failed/);
  });
});

test('createApplication({ strict: true }) makes a file included twice an error at configure, as --strict does', () => {
  withDir((dir) => {
    write(dir, {
      'job.opts': 'ApplicationMgr.EvtMax = 2;\n#include "quiet.opts"\n#include "quiet.opts"\n',
      'quiet.opts': 'MessageSvc.OutputLevel = 4;\n',
      // A host program: configures the application and prints what happened as one JSON line.
      'host.mjs': [
        "import { createApplication } from 'cowloop';",
        'const strict = JSON.parse(process.argv[2]);',
        'try {',
        '  const app = createApplication(strict === null ? { options: "job.opts" } : { options: "job.opts", strict });',
        '  await app.configure();',
        '  console.log(JSON.stringify({ ok: true, level: app.options.get("MessageSvc", "OutputLevel").value }));',
        '} catch (e) {',
        '  console.log(JSON.stringify({ ok: false, code: e.code, message: e.message }));',
        '}',
      ].join('\n'),
    });
    // The host depends on cowloop as an installed package would.
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'cowloop'), 'dir');
    const host = (strict) =>
      spawnSync(process.execPath, ['host.mjs', JSON.stringify(strict)], {
        cwd: dir,
        env: { ...process.env, JOBOPTSEARCHPATH: '' },
        encoding: 'utf8',
        timeout: 60000,
      });
    for (const lenientFlag of [null, false]) {
      const lenient = host(lenientFlag);
      assert.equal(lenient.status, 0, lenient.stderr);
      assert.deepEqual(JSON.parse(lenient.stdout), { ok: true, level: 4 });
      assert.equal(lenient.stderr, 'cowloop: warning: job.opts:3:1: quiet.opts is already included from job.opts:2:1, ignored\n');
    }
    const strict = host(true);
    assert.equal(strict.status, 0, strict.stderr);
    assert.equal(strict.stderr, '');
    const result = JSON.parse(strict.stdout);
    assert.equal(result.code, 'ERR_COWLOOP_OPTIONS_INCLUDE');
    assert.match(result.message, /^job\.opts:3:1: quiet\.opts is already included from job\.opts:2:1; in strict mode a file may be read once/);
    const bad = host('yes');
    assert.equal(bad.status, 0, bad.stderr);
    assert.deepEqual(JSON.parse(bad.stdout), {
      ok: false,
      code: 'ERR_COWLOOP_INVALID_ARGUMENT',
      message: 'strict must be true or false (got "yes")',
    });
  });
});
