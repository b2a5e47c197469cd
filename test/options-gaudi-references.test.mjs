// `@Client.Property` is resolved once every file is read (late binding, as in Gaudi), so it
// takes the value set last, wherever that is. A bare `Client.Property` copies the value
// it has at that line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCodes, loadJobOptions, parseJobOptions } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';

const read = (text) => parseJobOptions(text, 'r.opts').toObject();

test('a reference takes the value set last, even after it (GAUDI-215 and its reverse)', () => {
  assert.deepEqual(read('OtherAlg.OtherOpt = 1;\nMyAlg.MyOpt = @OtherAlg.OtherOpt;'), { OtherAlg: { OtherOpt: 1 }, MyAlg: { MyOpt: 1 } });
  assert.deepEqual(read('B.x = @A.y;\nA.y = 10;\nA.y = 20;'), { B: { x: 20 }, A: { y: 20 } });
});

test("reference.opts in Gaudi's tests: strings, paths and numbers referred to", () => {
  const text = [
    'MyAlg.Cut = 10.;',
    'MyAlg.Tool1 = "ThisTool";',
    String.raw`MyAlg.File = "C:\something\vXrY\filename";`,
    'MyAlg.MyTool.Cut = @MyAlg.Cut;',
    'MyAlg.MyTool.WhichTool1 = @MyAlg.Tool1;',
    'MyAlg.MyTool.WhichFile = @MyAlg.File;',
    'MyAlg.Cut = 20.;',
  ].join('\n');
  assert.deepEqual(read(text)['MyAlg.MyTool'], { Cut: 20, WhichTool1: 'ThisTool', WhichFile: String.raw`C:\something\vXrY\filename` });
});

test('a reference set in one file to a value set in a file read later', async () => {
  await withDir(async (dir) => {
    fs.writeFileSync(path.join(dir, 'main.opts'), '#include "first.opts"\n#include "second.opts"\n');
    fs.writeFileSync(path.join(dir, 'first.opts'), 'Histos.Level = @MessageSvc.OutputLevel;\nHistos.Cuts = { @Finder.Cut, 2 };\n');
    fs.writeFileSync(path.join(dir, 'second.opts'), 'MessageSvc.OutputLevel = 4;\nFinder.Cut = 1.5;\n');
    const opts = await loadJobOptions(path.join(dir, 'main.opts'));
    assert.deepEqual(opts.toObject().Histos, { Level: 4, Cuts: [1.5, 2] });
    // The entry remembers where it was set: the line with the reference.
    assert.deepEqual(opts.get('Histos', 'Level').location, { file: path.join(dir, 'first.opts'), line: 1, column: 1 });
  });
});

test('references to references, and += after a reference, are replayed at the end', () => {
  assert.deepEqual(read('C.z = @B.y;\nB.y = @A.x;\nA.x = { 1 };\nB.y += { 2 };\nA.x += { 3 };'), {
    C: { z: [1, 3, 2] },
    B: { y: [1, 3, 2] },
    A: { x: [1, 3] },
  });
  // A later plain = replaces a reference.
  assert.deepEqual(read('B.y = @A.x;\nB.y = 5;').B.y, 5);
});

test('a bare Client.Property copies the value at that line', () => {
  assert.deepEqual(read('A.y = 10;\nB.x = A.y;\nA.y = 20;').B.x, 10);
  assert.deepEqual(read('A.y = @C.z;\nB.x = A.y;\nC.z = 3;').B.x, 3);
  assert.throws(() => read('B.x = A.y;'), { code: ErrorCodes.ERR_COWLOOP_OPTIONS_REFERENCE, message: /^r\.opts:1:7: A\.y in the value of B\.x has not been set before this line/ });
});

test('a reference to a property no file sets is an error at the reference', () => {
  assert.throws(() => read('A.x = 1;\nB.y = @A.y;\n'), {
    code: ErrorCodes.ERR_COWLOOP_OPTIONS_REFERENCE,
    message: /^r\.opts:2:7: unknown reference @A\.y in the value of B\.y: A\.y is not set in any file read \(did you mean "A\.x"\?\)/,
  });
});
