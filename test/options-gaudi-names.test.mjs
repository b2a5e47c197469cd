// Names as Gaudi's grammar reads them: a property name is identifiers separated by `.`,
// each identifier `::`-joined parts, and the grammar's skipper (spaces, line ends,
// comments) runs between all of these, and between `@` and the name it refers to.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCodes, parseJobOptions } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';
import { bin } from './helpers/root.mjs';

const read = (text) => parseJobOptions(text, 'n.opts');

test('spaces, line ends and comments around the dots of the assigned name', () => {
  const opts = read('A . B = 1;\nToolSvc . Fitter\n  . MaxIterations /* tuned */ = 10;\nX // the client\n.Y = 2;\n');
  assert.deepEqual(opts.toObject(), { A: { B: 1 }, 'ToolSvc.Fitter': { MaxIterations: 10 }, X: { Y: 2 } });
  // The entry is located at the start of its name, even when the name spans lines.
  assert.deepEqual(opts.get('X', 'Y').location, { file: 'n.opts', line: 4, column: 1 });
});

test('spaces around :: in a name, including a leading ::', () => {
  assert.deepEqual(read('::Gaudi :: Alg . Int = 3;\nNs :: Tool.P = 4;').toObject(), { '::Gaudi::Alg': { Int: 3 }, 'Ns::Tool': { P: 4 } });
});

test('copies, @ references and #ifdef names may be spaced the same way', () => {
  const text = 'A.B = 1;\nC.Copy = A . B;\nC.Ref = @ A . B;\nC.Late = @\n  Later.Value;\n#ifdef A . B\nC.Seen = true;\n#endif\nLater.Value = "v";\n';
  assert.deepEqual(read(text).toObject().C, { Copy: 1, Ref: 1, Late: 'v', Seen: true });
});

test('a dot that no identifier follows is an error at the dot', () => {
  for (const [text, column] of [['A . = 1;', 3], ['A.B = 1; C.D = A.B\t. 5;', 20]]) {
    assert.throws(() => read(text), (e) => {
      assert.equal(e.code, ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX);
      assert.deepEqual(e.location, { file: 'n.opts', line: 1, column });
      assert.match(e.message, /expected an identifier after '\.' in the name '(A|A\.B)'/);
      return true;
    });
  }
});

test('cowloop options prints spaced names joined, as Gaudi stores them', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'job.opts'), 'ApplicationMgr . EvtMax = 10;\nFinder . Tool . Cut = @ ApplicationMgr . EvtMax;\n');
    const r = spawnSync(process.execPath, [bin, 'options', 'job.opts', '--format', 'gaudi'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'ApplicationMgr.EvtMax = 10;\nFinder.Tool.Cut = 10;\n');
  });
});
