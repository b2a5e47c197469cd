// `$NAME` and `$(NAME)` in option values, as Gaudi's C++ reader expands them: in the text
// of every value read from .opts (strings, list elements, map keys and values), once the
// reading is done, leaving a variable that is not set as written. JSON values are not
// expanded (Gaudi's JSON reader does not). Run through `cowloop options` with a real environment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withDir } from './helpers/tmp.mjs';
import { bin } from './helpers/root.mjs';

const ENV = { CL_TOP: '/data/top', CL_SUB: 'run7' };

function options(dir, file, ...args) {
  const env = { ...process.env, ...ENV, JOBOPTSEARCHPATH: '' };
  delete env.CL_UNSET;
  const r = spawnSync(process.execPath, [bin, 'options', file, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.signal, null);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('both forms, in strings, list elements, map keys and values; an unset variable stays as written', () => {
  withDir((dir) => {
    fs.writeFileSync(
      path.join(dir, 'job.opts'),
      [
        'Reader.Input = "$CL_TOP/$(CL_SUB)/events.root";',
        'Reader.Missing = "$CL_UNSET/x and $(CL_UNSET)";',
        // The longest name is taken: $CL_SUB_x names CL_SUB_x, which is not set.
        'Reader.Files = { "$CL_SUB.root", "$CL_SUB_x", "${CL_SUB}", "cost: 5$" };',
        'Reader.Dirs = { "$CL_SUB": "$(CL_TOP)" };',
        'Reader.Count = 3;',
      ].join('\n'),
    );
    assert.equal(
      options(dir, 'job.opts', '--json'),
      `${JSON.stringify(
        {
          Reader: {
            Input: '/data/top/run7/events.root',
            Missing: '$CL_UNSET/x and $(CL_UNSET)',
            Files: ['run7.root', '$CL_SUB_x', '${CL_SUB}', 'cost: 5$'],
            Dirs: { run7: '/data/top' },
            Count: 3,
          },
        },
        null,
        2,
      )}\n`,
    );
  });
});

test('expanded once every file is read: -= and references see the text as written', () => {
  withDir((dir) => {
    fs.writeFileSync(
      path.join(dir, 'job.opts'),
      'A.L = { "$CL_SUB", "b" };\nA.L -= "run7";\nA.M = { "$CL_SUB", "c" };\nA.M -= "$CL_SUB";\nB.Ref = @A.Path;\nB.Copy = A.L;\nA.Path = "$CL_TOP";\n',
    );
    assert.equal(options(dir, 'job.opts', '--format', 'gaudi'), 'A.L = ["run7", "b"];\nA.M = ["c"];\nA.Path = "/data/top";\nB.Copy = ["run7", "b"];\nB.Ref = "/data/top";\n');
  });
});

test('#pragma dumpfile writes the expanded values, as Gaudi dumps them', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'job.opts'), 'A.Out = "$(CL_TOP)/out";\n#pragma dumpfile "dump.txt"\n');
    options(dir, 'job.opts');
    assert.equal(fs.readFileSync(path.join(dir, 'dump.txt'), 'utf8'), 'A.Out = "/data/top/out";\n');
  });
});

test('values from JSON are not expanded, nor .opts values a JSON file sets again', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'job.opts'), 'A.FromOpts = "$CL_SUB";\nA.Replaced = "$CL_SUB";\n#include "more.json"\n');
    fs.writeFileSync(path.join(dir, 'more.json'), JSON.stringify({ A: { FromJson: '$CL_SUB', Replaced: '$(CL_SUB)' } }));
    assert.equal(options(dir, 'job.opts', '--format', 'gaudi'), 'A.FromJson = "$CL_SUB";\nA.FromOpts = "run7";\nA.Replaced = "$(CL_SUB)";\n');
  });
});
