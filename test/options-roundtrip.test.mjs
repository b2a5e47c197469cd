// formatJobOptions writes text that parses back to an equal catalogue; the catalogue API
// and the nearest-name helper used for unknown components and properties.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  formatJobOptions,
  formatOptionValue,
  jobOptionsFromObject,
  loadJobOptions,
  parseJobOptions,
  suggestNearest,
  didYouMean,
} from 'cowloop';
import { root } from './helpers/root.mjs';

const fixtures = path.join(root, 'test', 'fixtures', 'options');
const quiet = { print: () => {} };

for (const name of ['full.opts', 'options.json', 'config.mjs', 'object.cjs', 'uses-json.opts']) {
  test(`round trip: ${name} -> formatJobOptions -> parseJobOptions`, async () => {
    const opts = await loadJobOptions(path.join(fixtures, name), quiet);
    const text = formatJobOptions(opts);
    const again = parseJobOptions(text, 'printed.opts');
    assert.deepEqual(again.toObject(), opts.toObject());
    assert.deepEqual(again.clients(), opts.clients());
    assert.equal(formatJobOptions(again), text);
  });
}

test('round trip of awkward values: escapes, control characters, -0, exponents, empty map', () => {
  const object = {
    'Odd.Client': {
      S: 'tab\t nl\n quote" apostrophe\' backslash\\ bell\u0007 nul\u0000 \u2028 é',
      N: [-0, 1e21, 1.5e-7, -123.456, 0.1 + 0.2],
      E: [{}, [], [[]], { a: {} }],
      B: [true, false],
    },
  };
  const text = formatJobOptions(jobOptionsFromObject(object));
  assert.deepEqual(parseJobOptions(text).toObject(), object);
  assert.equal(formatOptionValue({}), '{:}');
  assert.equal(formatOptionValue(['a', { k: 1 }]), '{ "a", { "k": 1 } }');
});

test('formatJobOptions with locations appends where each value was set', () => {
  const opts = parseJobOptions('A.X = 1;\nA.Yy = "s";\nB.Z = {};', 'w.opts');
  assert.equal(
    formatJobOptions(opts, { locations: true }),
    'A.X  = 1;  // w.opts:1:1\nA.Yy = "s";  // w.opts:2:1\n\nB.Z = {};  // w.opts:3:1\n',
  );
});

test('the catalogue: set, get, has, client, clients, entries, delete, validation', () => {
  const opts = jobOptionsFromObject({ Finder: { MinHits: 4 } });
  assert.deepEqual(opts.get('Finder', 'MinHits').location, { file: '<object>', line: 1, column: 1 });
  opts.set('Finder', 'Cuts', [1, 2], { file: '<command line>', line: 1, column: 1 });
  opts.append('Finder', 'Cuts', 3);
  opts.remove('Finder', 'Cuts', [1]);
  opts.set('ApplicationMgr', 'EvtMax', 10);
  assert.equal(opts.has('Finder', 'Cuts'), true);
  assert.equal(opts.has('Finder', 'Nope'), false);
  assert.deepEqual([...opts.client('Finder').keys()], ['MinHits', 'Cuts']);
  assert.deepEqual(opts.client('Nobody'), new Map());
  assert.deepEqual(opts.clients(), ['Finder', 'ApplicationMgr']);
  assert.deepEqual(
    opts.entries().map((e) => [e.client, e.property, e.value]),
    [['Finder', 'MinHits', 4], ['Finder', 'Cuts', [2, 3]], ['ApplicationMgr', 'EvtMax', 10]],
  );
  // Values are copied in and out of the catalogue's plain-object form.
  const list = [1];
  opts.set('A', 'L', list);
  list.push(2);
  assert.deepEqual(opts.get('A', 'L').value, [1]);
  assert.equal(opts.delete('A', 'L'), true);
  assert.equal(opts.clients().includes('A'), false);

  assert.throws(() => opts.set('Finder', 'X', undefined), { code: 'ERR_COWLOOP_OPTIONS_VALUE', message: /Finder\.X must be/ });
  assert.throws(() => opts.set('Finder', 'X', [1, NaN]), { message: /Finder\.X\[1\] must be a finite number \(got NaN\)/ });
  assert.throws(() => opts.set('Finder', 'X', new Date()), { message: /plain map \(got Date\)/ });
  assert.throws(() => opts.set('Bad Name', 'X', 1), { message: /client name "Bad Name" is not valid/ });
  assert.throws(() => opts.set('Finder', 'a.b', 1), { message: /property name "a\.b" of Finder is not valid/ });
  assert.throws(() => jobOptionsFromObject({ Finder: 4 }), { code: 'ERR_COWLOOP_OPTIONS_VALUE' });
});

test('suggestNearest and didYouMean propose the closest name, or nothing', () => {
  const properties = ['MinHits', 'MaxHits', 'OutputLevel', 'Cuts'];
  assert.equal(suggestNearest('MinHit', properties), 'MinHits');
  assert.equal(suggestNearest('minhits', properties), 'MinHits');
  assert.equal(suggestNearest('OutputLvl', properties), 'OutputLevel');
  assert.equal(suggestNearest('Zebra', properties), undefined);
  assert.equal(suggestNearest('Cut', ['Cuts', 'Cats']), 'Cuts');
  assert.equal(didYouMean('Finer', ['Finder', 'Fitter']), ' (did you mean "Finder"?)');
  assert.equal(didYouMean('Q', ['Finder']), '');
});
