// Gaudi's dump format: `cowloop options FILE --format gaudi`, `#printOptions full` and
// `#pragma dumpfile` print `Client.Property = value;` sorted by client and property, with
// values written as Gaudi's catalogue writes them ([a, b], {key: value}, "quoted").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseJobOptions } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';
import { bin } from './helpers/root.mjs';

const OPTS = [
  '#!/usr/bin/env gaudirun.py',
  'b.Zeta = { "one" : "une", 2: "deux", "Alpha": (1, 2) };',
  'ApplicationMgr.TopAlg = { "PropertyAlg", "PropertyProxy" };',
  String.raw`ApplicationMgr.Path = "C:\dir\say \"x\"";`,
  'A.B.Big = 18446744073709551615;',
  'A.B.Flag = tRuE;',
  'A.Empty = {};',
  'A.Pairs = [ (1,2), (3,4) ];',
].join('\n');

const EXPECTED = [
  'A.Empty = [];',
  'A.Pairs = [[1, 2], [3, 4]];',
  'A.B.Big = 18446744073709551615;',
  'A.B.Flag = true;',
  String.raw`ApplicationMgr.Path = "C:\\dir\\say \"x\"";`,
  'ApplicationMgr.TopAlg = ["PropertyAlg", "PropertyProxy"];',
  'b.Zeta = {"Alpha": [1, 2], "one": "une", 2: "deux"};',
  '',
].join('\n');

test('cowloop options --format gaudi prints the sorted dump; bad formats are refused', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'job.opts'), OPTS);
    const r = spawnSync(process.execPath, [bin, 'options', 'job.opts', '--format', 'gaudi'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, EXPECTED);
    const json = spawnSync(process.execPath, [bin, 'options', 'job.opts', '--format', 'json'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(json.status, 0, json.stderr);
    assert.match(json.stdout, /"Big": 18446744073709551615,\n/);
    const bad = spawnSync(process.execPath, [bin, 'options', 'job.opts', '--format', 'xml'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, 'cowloop: --format must be one of opts, json, gaudi (got "xml")\n');
  });
});

test('#printOptions full prints the same dump once every file is read, references resolved', () => {
  const lines = [];
  parseJobOptions('#printOptions full\nB.x = @A.y;\nA.y = 20;\n', 'p.opts', { print: (line) => lines.push(line) });
  assert.deepEqual(lines, ['A.y = 20;', 'B.x = 20;']);
});

test('#pragma dumpfile writes the dump to a file; #pragma printtree prints the statements', () => {
  withDir((dir) => {
    const dump = path.join(dir, 'dump.txt');
    const lines = [];
    const text = `#pragma dumpfile "${dump}"\n#pragma printtree\nA.x = 1;\n#ifdef A.x\nA.y = { 2 };\n#endif\n`;
    parseJobOptions(text, path.join(dir, 't.opts'), { print: (line) => lines.push(line) });
    assert.equal(fs.readFileSync(dump, 'utf8'), 'A.x = 1;\nA.y = [2];\n');
    assert.deepEqual(fs.readdirSync(dir), ['dump.txt']);
    assert.deepEqual(lines, [
      `<file value=${JSON.stringify(path.join(dir, 't.opts'))}>`,
      '  <dump-file line="1" column="1"/>',
      '  <pragma-tree line="2" column="1"/>',
      '  <assign line="3" column="1" property="A.x" operator="="/>',
      '  <condition line="4" column="1" ifdef="A.x">',
      '    <assign line="5" column="1" property="A.y" operator="="/>',
      '  </condition>',
      '</file>',
    ]);
  });
});

test('a dump file that cannot be written is an error at the #pragma', () => {
  withDir((dir) => {
    const target = path.join(dir, 'no-such-dir', 'dump.txt');
    assert.throws(() => parseJobOptions(`A.x = 1;\n#pragma dumpfile "${target}"\n`, path.join(dir, 't.opts')), {
      code: 'ERR_COWLOOP_OPTIONS_FILE',
      message: new RegExp(`^${path.join(dir, 't.opts')}:2:1: cannot write the #pragma dumpfile ${target}:`),
    });
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
