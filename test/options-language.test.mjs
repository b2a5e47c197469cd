// The .opts language on valid input: every construct, read through the public API.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { JobOptionsCatalogue, loadJobOptions, parseJobOptions } from 'cowloop';
import { root } from './helpers/root.mjs';

const fixtures = path.join(root, 'test', 'fixtures', 'options');
const fixture = (name) => path.join(fixtures, name);
const quiet = { print: () => {} };

test('full.opts: includes, units, operators, values, references, conditionals', async () => {
  const opts = await loadJobOptions(fixture('full.opts'), quiet);
  assert.ok(opts instanceof JobOptionsCatalogue);
  assert.deepEqual(opts.toObject(), {
    ApplicationMgr: {
      EvtMax: 10000,
      EventLoop: 'EventLoopMgr',
      TopAlg: ['TrackFinder/Finder', 'HistoFiller'],
    },
    MessageSvc: { OutputLevel: 2 },
    Detector: { Layers: 12 },
    Finder: {
      MinHits: 4,
      Cuts: [1.5, 3.5, 5.5],
      Tags: ['a', 'c', 'b'], // -= removes the first equal element only
      // += keeps a key already there (eta), as Gaudi's C++ reader does.
      Weights: { eta: 2, phi: 4 },
      MaxChi2: 25,
      Tolerance: -0.00125,
      Offset: -7,
      Half: 0.5,
      PtMin: 1500,
      Window: 200,
      Small: 0.25,
      // A backslash escapes only the closing quote; anything else is kept as written.
      Title: 'say "hi"\\tand\\\\or\\n',
      Single: "it's",
      Unicode: '\\u00e9t\\x65',
      Slash: 'a/b // not a comment /* nor this */',
      Enabled: true,
      Verbose: false,
      Grid: [[1, 2], [3], []],
      Config: { layers: [1, 2, 3], name: 'inner', deep: { on: true } },
      NoCuts: [],
      NoMap: {},
    },
    // References are resolved once every file is read: OutputLevel's final value is 2.
    HistoFiller: { OutputLevel: 2, Cuts: [1.5, 3.5, 5.5] },
    'ToolSvc.Fitter': { MaxIterations: 10 },
    Check: { FromProperty: 'defined', FromClient: 'defined', Fast: false },
  });
});

test('entries remember where each value was last set, relative to the including file', async () => {
  const file = fixture('full.opts');
  const opts = await loadJobOptions(file, quiet);
  const loc = (client, property) => opts.get(client, property).location;
  assert.deepEqual(loc('Detector', 'Layers'), { file: path.join(fixtures, 'shared', 'detector.opts'), line: 1, column: 1 });
  assert.deepEqual(loc('Finder', 'MinHits'), { file: path.join(fixtures, 'sub', 'tracking.opts'), line: 3, column: 1 });
  assert.deepEqual(loc('Finder', 'Cuts'), { file, line: 9, column: 1 });
  assert.equal(opts.get('ToolSvc.Fitter', 'MaxIterations').client, 'ToolSvc.Fitter');
  assert.deepEqual(opts.clients().slice(0, 3), ['ApplicationMgr', 'MessageSvc', 'Detector']);
});

test('defines select #ifdef / #ifndef / #else branches, nested', async () => {
  const fast = await loadJobOptions(fixture('full.opts'), { ...quiet, defines: ['FAST'] });
  assert.deepEqual(fast.toObject().Check, { FromProperty: 'defined', FromClient: 'defined', Fast: true });
  const nested = await loadJobOptions(fixture('full.opts'), { ...quiet, defines: ['FAST', 'NESTED'] });
  assert.deepEqual(nested.toObject().Check, {
    FromProperty: 'defined',
    FromClient: 'defined',
    Fast: true,
    Nested: true,
  });
  const text = '#ifdef A.B\nX.Y = 1;\n#else\nX.Y = 2;\n#endif\nA.B = 0;\n#ifndef A.B\nX.Z = 1;\n#else\nX.Z = 2;\n#endif\n';
  assert.deepEqual(parseJobOptions(text).toObject(), { X: { Y: 2, Z: 2 }, A: { B: 0 } });
});

test('#printOptions prints the catalogue so far; #printOptions full prints Gaudi\'s dump at the end', () => {
  const lines = [];
  const text = [
    'A.X = 1;',
    '#printOptions',
    '#pragma print off',
    'A.Y = 2;',
    '#printOptions',
    '#pragma print ON',
    'B.Z = { "k": "v" };',
    '#printOptions full',
  ].join('\n');
  parseJobOptions(text, 'p.opts', { print: (line) => lines.push(line) });
  assert.deepEqual(lines, [
    '// #printOptions at p.opts:2:1',
    'A.X = 1;',
    'A.X = 1;',
    'A.Y = 2;',
    'B.Z = {"k": "v"};',
  ]);
  // Gaudi prints the dump only when printing is on at the end of the reading.
  const none = [];
  parseJobOptions('#printOptions full\nA.X = 1;\n#pragma print off\n', 'q.opts', { print: (line) => none.push(line) });
  assert.deepEqual(none, []);
});

test('echo traces files and assignments while print is on', async () => {
  const lines = [];
  await loadJobOptions(fixture('missing-include.opts').replace('missing-include', 'cycle-b'), {
    echo: true,
    print: (line) => lines.push(line),
  }).catch(() => {});
  assert.equal(lines[0], `// reading ${fixture('cycle-b.opts')}`);
  assert.equal(lines[1], `// ${fixture('cycle-b.opts')}:2:1: B.Y = 2;`);
  const quietLines = [];
  parseJobOptions('#pragma print off\nA.X = 1;\n#pragma print on\nA.Y += { 2 };', 'e.opts', {
    echo: true,
    print: (l) => quietLines.push(l),
  });
  assert.deepEqual(quietLines, ['// reading e.opts', '// e.opts:4:1: A.Y += { 2 };']);
});

test('+= and -= follow Gaudi: append to lists, merge maps, remove elements and keys', () => {
  const opts = parseJobOptions(
    [
      'A.L += { 1 };', // unset: takes the value
      'A.L += { 2, 3 };',
      'A.L += { { 4 } };', // a nested list is one element
      'A.L -= { 2, 9 };', // absent elements are ignored
      'A.L -= { { 4 } };', // removes the nested list
      'A.M = { "a": 1, "b": 2 };',
      'A.M += { "b": 5, "c": 6 };',
      'A.M -= "a";',
      'A.M -= { "c" };',
      'A.E = { "k": 1 };',
      'A.E += {};',
      'A.S = { "x", "y", "x" };',
      'A.S -= "x";',
    ].join('\n'),
  );
  // Map += keeps existing keys and -= removes the first equal element, as Gaudi's C++ reader.
  assert.deepEqual(opts.toObject(), { A: { L: [1, 3], M: { b: 2 }, E: { k: 1 }, S: ['y', 'x'] } });
});

test('@ references take the final value; a bare Client.Property copies the value so far', () => {
  const opts = parseJobOptions('A.L = { 1 };\nB.L = @A.L;\nD.L = A.L;\nA.L += 2;\nC.M = { "x": @A.L, "y": { @B.L } };');
  assert.deepEqual(opts.toObject(), { A: { L: [1, 2] }, B: { L: [1, 2] }, D: { L: [1] }, C: { M: { x: [1, 2], y: [[1, 2]] } } });
});

test('numbers, booleans, names and layout accepted by the language', () => {
  const opts = parseJobOptions(
    [
      '\ufeffA.Int=42;A.Neg = -3 ; A.Plus = +3;',
      'A.Exp = 1e3; A.Exp2 = 2.5E-2; A.Dot = 5.;',
      'A.T = TRUE; A.F = False;',
      'A.Trailing = { 1, 2, };',
      'A.Brackets = [ [1], [] ];',
      'Gaudi::Svc.Level = 1;',
      '  Deep.Client.Name.Prop = "x"; // trailing comment',
      'A.Crlf = 1;\r\nA.Tab\t=\t2;',
    ].join('\n'),
  );
  assert.deepEqual(opts.toObject(), {
    A: {
      Int: 42, Neg: -3, Plus: 3, Exp: 1000, Exp2: 0.025, Dot: 5, T: true, F: false,
      Trailing: [1, 2], Brackets: [[1], []], Crlf: 1, Tab: 2,
    },
    'Gaudi::Svc': { Level: 1 },
    'Deep.Client.Name': { Prop: 'x' },
  });
});

test('a 10,000-line file parses', () => {
  const lines = [];
  for (let i = 0; i < 10000; i++) lines.push(`Alg${i % 100}.P${i} = { ${i}, "s${i}", ${i}.5*GeV };`);
  const opts = parseJobOptions(`#units "${fixture('units.opts')}"\n${lines.join('\n')}`);
  assert.equal(opts.size, 10000);
  assert.deepEqual(opts.get('Alg7', 'P9907').value, [9907, 's9907', 9907500]);
});
