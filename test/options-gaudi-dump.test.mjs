// Gaudi's dump format: `cowloop options FILE --format gaudi`, `#printOptions full` and
// `#pragma dumpfile` print `Client.Property = value;` sorted by client and property, with
// values written as Gaudi's catalogue writes them ([a, b], {key: value}, "quoted", numbers
// as written, booleans as 1 and 0).
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
  'A.Empty = {};',
  'A.Pairs = [[1, 2], [3, 4]];',
  'A.B.Big = 18446744073709551615;',
  'A.B.Flag = 1;',
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

// What Gaudi's reader keeps for each number (GaudiCoreSvc JobOptionsSvc: the text the
// real-number grammar matched, sign included and a trailing L left out; for a number with
// a unit, std::to_string of the product), and the values cowloop gives components.
const NUMBERS = [
  '#units "units.opts"',
  'N.Exp = 1e3;',
  'N.Small = 0.4e-03;',
  'N.Long = 100L;',
  'N.Big = 18446744073709551615;',
  'N.Plus = +3;',
  'N.Minus = -7.50;',
  'N.Dot = .5;',
  'N.Trailing = 5.;',
  'N.Zeros = 007;',
  'N.Energy = 5*GeV;',
  'N.Lengths = { 1.1 * m2 , -2.*cm, 3.3*cm, 0.4e-03 * m };',
  'N.Tiny = 1e-9*m;',
  'N.Tie = 0.0078125*mm;',
  'N.Keys = { 1e3: "x", 2.50: "y", true: 1.0, "s": 0x0 };',
  'N.Copy = N.Lengths;',
  'N.Ref = { @N.Exp, 2.0 };',
  'N.List = { 1, 2.0 };',
  'N.List += { 3.0, 1e1 };',
  'N.List -= 2;',
  'N.Flags = { true, FALSE };',
  // Gaudi reads an empty {} as an empty map; a string key stays quoted even if it reads as a number.
  'N.Empty = {};',
  'N.EmptyList = [];',
  'N.KeyKinds = { "2": "string", 3: "number" };',
].join('\n');

test('--format gaudi prints each number as Gaudi keeps it: as written, or with six decimals after a unit', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'units.opts'), '1 mm = 1\n1 cm = 10\n1 m = 1000\n1 m2 = 1000000\n1 GeV = 1000\n1 x0 = 1\n');
    fs.writeFileSync(path.join(dir, 'job.opts'), NUMBERS);
    const r = spawnSync(process.execPath, [bin, 'options', 'job.opts', '--format', 'gaudi'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'N.Big = 18446744073709551615;',
        'N.Copy = [1100000.000000, -20.000000, 33.000000, 0.400000];',
        'N.Dot = .5;',
        'N.Empty = {};',
        'N.EmptyList = [];',
        'N.Energy = 5000.000000;',
        'N.Exp = 1e3;',
        'N.Flags = [1, 0];',
        'N.KeyKinds = {"2": "string", 3: "number"};',
        'N.Keys = {"s": 0.000000, 1: 1.0, 1e3: "x", 2.50: "y"};',
        'N.Lengths = [1100000.000000, -20.000000, 33.000000, 0.400000];',
        'N.List = [1, 3.0, 1e1];',
        'N.Long = 100;',
        'N.Minus = -7.50;',
        'N.Plus = +3;',
        'N.Ref = [1e3, 2.0];',
        'N.Small = 0.4e-03;',
        'N.Tie = 0.007812;',
        'N.Tiny = 0.000001;',
        'N.Trailing = 5.;',
        'N.Zeros = 007;',
        '',
      ].join('\n'),
    );
    // The values themselves are numbers: the text is only how the dump writes them.
    const json = spawnSync(process.execPath, [bin, 'options', 'job.opts', '--json'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(json.status, 0, json.stderr);
    const values = JSON.parse(json.stdout.replace(/18446744073709551615/, '"big"')).N;
    assert.deepEqual(values.Lengths, [1100000, -20, 33, 0.4]);
    assert.deepEqual(values.Keys, { 1000: 'x', 2.5: 'y', true: 1, s: 0 });
    assert.deepEqual(values.List, [1, 3, 10]);
    assert.equal(values.Tie, 0.007812);
    assert.equal(values.Zeros, 7);
  });
});

test('#printOptions full and #pragma dumpfile write numbers as written too, through += as well', () => {
  const lines = [];
  const opts = parseJobOptions('#printOptions full\nA.x = 1e3;\nA.y = { 2.0 };\n', 'n.opts', { print: (line) => lines.push(line) });
  assert.deepEqual(lines, ['A.x = 1e3;', 'A.y = [2.0];']);
  assert.deepEqual(opts.toObject(), { A: { x: 1000, y: [2] } });
  withDir((dir) => {
    const dump = path.join(dir, 'dump.txt');
    parseJobOptions(`#pragma dumpfile "${dump}"\nA.y = { 2.0 };\nA.y += { 1e0 };\n`, path.join(dir, 'd.opts'));
    assert.equal(fs.readFileSync(dump, 'utf8'), 'A.y = [2.0, 1e0];\n');
  });
});

test('a sign belongs to its number, as in Gaudi: "- 5" is an error; 0x10 is 0 and a unit, and says so', () => {
  assert.throws(() => parseJobOptions('A.x = - 5;\n', 's.opts'), {
    code: 'ERR_COWLOOP_OPTIONS_SYNTAX',
    message: /^s\.opts:1:9: expected the number right after '-' in the value of A\.x: write -5, without a space/,
  });
  assert.throws(() => parseJobOptions('A.x = 0x10;\n', 'h.opts'), {
    code: 'ERR_COWLOOP_OPTIONS_UNITS',
    message: /^h\.opts:1:8: unknown unit 'x10' in the value of A\.x.*: \.opts numbers are decimal \(Gaudi reads 0x10 as 0 times a unit x10\)/,
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
