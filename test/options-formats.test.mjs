// .json job options and .js/.cjs/.mjs options modules.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCodes, loadJobOptions } from 'cowloop';
import { root } from './helpers/root.mjs';

const fixtures = path.join(root, 'test', 'fixtures', 'options');
const fixture = (name) => path.join(fixtures, name);
const quiet = { print: () => {} };
const failure = (promise) => promise.then(() => assert.fail('expected an error'), (error) => error);

test('.json options: values and the location of each key', async () => {
  const file = fixture('options.json');
  const opts = await loadJobOptions(file);
  assert.deepEqual(opts.toObject(), {
    ApplicationMgr: { EvtMax: 500, TopAlg: ['TrackFinder/Finder'] },
    Finder: { MinHits: 4, Cuts: [1.5, -0.25], Weights: { pt: 1, name: 'x\ty\u00e9' }, Enabled: true },
    'ToolSvc.Fitter': { MaxIterations: 10 },
  });
  assert.deepEqual(opts.get('Finder', 'Cuts').location, { file, line: 5, column: 5 });
});

test('.json included from .opts, then changed by later assignments', async () => {
  const opts = await loadJobOptions(fixture('uses-json.opts'));
  assert.equal(opts.get('Finder', 'MinHits').value, 6);
  assert.deepEqual(opts.get('Finder', 'Cuts').value, [1.5, -0.25, 9]);
});

test('.json errors carry line and column from the JSON text', async () => {
  const syntax = await failure(loadJobOptions(fixture('bad-syntax.json')));
  assert.equal(syntax.code, ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX);
  assert.deepEqual(syntax.location, { file: fixture('bad-syntax.json'), line: 3, column: 17 });
  assert.equal(syntax.detail, 'expected \',\' or \'}\' after the value of "MinHits" (found a string)');

  const nul = await failure(loadJobOptions(fixture('bad-null.json')));
  assert.equal(nul.code, ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE);
  assert.deepEqual(nul.location, { file: fixture('bad-null.json'), line: 3, column: 16 });
  assert.match(nul.detail, /^null is not a valid value for Finder\.MinHits/);

  const shape = await failure(loadJobOptions(fixture('bad-shape.json')));
  assert.equal(shape.code, ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE);
  assert.deepEqual(shape.location, { file: fixture('bad-shape.json'), line: 1, column: 13 });
  assert.match(shape.detail, /expected an object \{ "Property": value \} as the options of client "Finder" \(found a number\)/);
});

test('.mjs module: async function with include, set, append, remove, get and defines', async () => {
  const file = fixture('config.mjs');
  const opts = await loadJobOptions(file, { ...quiet, defines: ['FAST'] });
  assert.deepEqual(opts.toObject(), {
    ApplicationMgr: { EvtMax: 10, EventLoop: 'EventLoopMgr' },
    MessageSvc: { OutputLevel: 3 },
    Detector: { Layers: 12 },
    Finder: { MinHits: 6, Cuts: [2.5, 3.5], Weights: { eta: 2 } },
    HistoFiller: { Cuts: [2.5, 3.5] },
    'ToolSvc.Fitter': { MaxIterations: 20 },
  });
  // Locations point at the line of the module that made the call.
  assert.deepEqual(opts.get('Finder', 'MinHits').location, { file, line: 4, column: 7 });
  assert.deepEqual(opts.get('ToolSvc.Fitter', 'MaxIterations').location, {
    file: fixture('more.cjs'),
    line: 3,
    column: 7,
  });
  const slow = await loadJobOptions(file, quiet);
  assert.equal(slow.get('ApplicationMgr', 'EvtMax').value, 10000);
});

test('a module may export a plain options object', async () => {
  const opts = await loadJobOptions(fixture('object.cjs'));
  assert.deepEqual(opts.toObject(), { Finder: { MinHits: 2, Cuts: [1, 2] }, HistoFiller: { OutputLevel: 4 } });
});

test('module errors: bad values, exceptions, missing export, #include of a module', async () => {
  const bad = await failure(loadJobOptions(fixture('bad-value.mjs')));
  assert.equal(bad.code, ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE);
  assert.deepEqual(bad.location, { file: fixture('bad-value.mjs'), line: 3, column: 7 });
  assert.equal(bad.detail, 'Finder.MaxHits must be a number, string, boolean, list or map (got null)');
  assert.match(bad.message, /\n  3 \|   cfg\.set\('Finder', 'MaxHits', null\);\n    \|       \^$/);

  const thrown = await failure(loadJobOptions(fixture('throws.mjs')));
  assert.equal(thrown.code, ErrorCodes.ERR_COWLOOP_OPTIONS_MODULE);
  assert.deepEqual(thrown.location, { file: fixture('throws.mjs'), line: 3, column: 9 });
  assert.equal(thrown.cause.message, 'no calibration for this run');

  const none = await failure(loadJobOptions(fixture('no-function.mjs')));
  assert.equal(none.code, ErrorCodes.ERR_COWLOOP_OPTIONS_MODULE);
  assert.match(none.message, /must export a function \(cfg\) => \{ cfg\.set\(\.\.\.\) \} as its default export or module\.exports \(found no default export\)$/);

  const included = await failure(loadJobOptions(fixture('includes-module.opts')));
  assert.equal(included.code, ErrorCodes.ERR_COWLOOP_OPTIONS_INCLUDE);
  assert.deepEqual(included.location, { file: fixture('includes-module.opts'), line: 2, column: 1 });
});
