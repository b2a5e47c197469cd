// Property declarations and their validation when job options are applied: type errors
// and unknown names point at the option's file:line:column and suggest the nearest name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Algorithm, createApplication, prop, CowloopError } from 'cowloop';
import { tmpDir as tmpdir } from './helpers/tmp.mjs';

class Finder extends Algorithm {
  static properties = {
    MinHits: prop.int(4, 'minimum hits per track', { min: 1 }),
    Cuts: prop.list(prop.number(), [], 'chi2 cuts'),
    Mode: prop.choice(['fast', 'full'], 'fast', 'how hard to look'),
    Weights: prop.map(prop.number(), {}, 'per-layer weights'),
    Output: prop.string('', 'file'),
    Verbose: prop.bool(false, 'talk more'),
  };
  execute() {}
}

const quiet = { write() {} };

async function configureWith(t, text) {
  const dir = tmpdir(t);
  const file = path.join(dir, 'job.opts');
  fs.writeFileSync(file, text);
  const app = createApplication({ options: file, components: [Finder], messageSink: quiet });
  await app.configure();
  await app.initialize();
  return { app, file };
}

const header = 'ApplicationMgr.ExtSvc = { "CounterSelector/EventSelector" };\nApplicationMgr.TopAlg = { "Finder/F" };\n';

test('options of every declared type are converted and applied', async (t) => {
  const { app } = await configureWith(
    t,
    header + 'F.MinHits = 6;\nF.Cuts = { 1.5, 2 };\nF.Mode = "full";\nF.Weights = { "a": 1, "b": 0.5 };\nF.Verbose = true;\nF.OutputLevel = "DEBUG";\n',
  );
  const f = app.component('F');
  assert.equal(f.props.MinHits, 6);
  assert.deepEqual(f.props.Cuts, [1.5, 2]);
  assert.equal(f.props.Mode, 'full');
  assert.deepEqual(f.props.Weights, { a: 1, b: 0.5 });
  assert.equal(f.props.Verbose, true);
  assert.equal(f.props.Output, '');
  assert.equal(f.outputLevel, 2);
  assert.equal(f.propertyLocation('Mode').line, 5);
});

test('a type error is found at configure and names the file, line and column and the expected type', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'job.opts');
  fs.writeFileSync(file, header + '\nF.MinHits   = "four";\n');
  const app = createApplication({ options: file, components: [Finder], messageSink: quiet });
  await assert.rejects(app.configure(), (e) => {
    assert.ok(e instanceof CowloopError);
    assert.equal(e.code, 'ERR_COWLOOP_BAD_PROPERTY');
    assert.match(e.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:\\d+: F\\.MinHits: expected int >= 1, got "four"`));
    return true;
  });
});

test('range, list item, choice and map value errors say what was expected', async (t) => {
  const cases = [
    ['F.MinHits = 0;', /expected int >= 1, got number 0/],
    ['F.MinHits = 2.5;', /expected int >= 1, got number 2.5/],
    ['F.Cuts = { 1, "x" };', /item 1: expected number, got "x"/],
    ['F.Mode = "slow";', /expected one of "fast" \| "full", got "slow"/],
    ['F.Weights = { "a": true };', /key "a": expected number, got boolean true/],
    ['F.Verbose = 1;', /expected bool/],
    ['F.OutputLevel = "LOUD";', /expected a level/],
  ];
  for (const [line, re] of cases) {
    await assert.rejects(configureWith(t, header + line + '\n'), (e) => {
      assert.equal(e.code, 'ERR_COWLOOP_BAD_PROPERTY', line);
      assert.match(e.message, /job\.opts:3:\d+: /, line);
      assert.match(e.message, re, line);
      return true;
    });
  }
});

test('an unknown property is an error that suggests the nearest declared one', async (t) => {
  await assert.rejects(configureWith(t, header + 'F.MinHit = 3;\n'), (e) => {
    assert.equal(e.code, 'ERR_COWLOOP_UNKNOWN_PROPERTY');
    assert.match(e.message, /job\.opts:3:\d+: F \(Finder\) has no property "MinHit" \(did you mean "MinHits"\?\)/);
    return true;
  });
});

test('an unknown component type in TopAlg suggests the nearest registered type', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'job.opts');
  fs.writeFileSync(file, 'ApplicationMgr.ExtSvc = { "CounterSelector/EventSelector" };\nApplicationMgr.TopAlg = { "Findr/F" };\n');
  const app = createApplication({ options: file, components: [Finder], messageSink: quiet });
  // Found at configure, before any (possibly slow) initialisation.
  await assert.rejects(app.configure(), (e) => {
    assert.equal(e.code, 'ERR_COWLOOP_UNKNOWN_COMPONENT');
    assert.match(e.message, /job\.opts:2:\d+: unknown component type "Findr" \(did you mean "Finder"\?\)/);
    return true;
  });
});

test('options for a registered type the run does not create are checked as that component would (MpEventLoopMgr in a serial run)', async (t) => {
  await assert.rejects(configureWith(t, header + 'MpEventLoopMgr.NWorkrs = 2;\n'), (e) => {
    assert.equal(e.code, 'ERR_COWLOOP_UNKNOWN_PROPERTY');
    assert.match(e.message, /job\.opts:3:\d+: MpEventLoopMgr \(MpEventLoopMgr\) has no property "NWorkrs" \(did you mean "NWorkers"\?\)/);
    return true;
  });
  await assert.rejects(configureWith(t, header + 'MpEventLoopMgr.HugePages = "maybe";\nMpEventLoopMgr.ChunkSize = 0;\n'), (e) => {
    assert.equal(e.code, 'ERR_COWLOOP_BAD_PROPERTY');
    assert.match(e.message, /2 bad options/);
    assert.match(e.message, /job\.opts:3:\d+: MpEventLoopMgr\.HugePages: expected bool/);
    assert.match(e.message, /job\.opts:4:\d+: MpEventLoopMgr\.ChunkSize: /);
    return true;
  });
  // Valid options for it are accepted (and used by the runs that create it).
  const { app } = await configureWith(t, header + 'MpEventLoopMgr.NWorkers = 2;\nMpEventLoopMgr.HugePages = true;\n');
  await app.finalize();
});

test('options for a component that does not exist fail with the nearest name, or warn when asked', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'job.opts');
  fs.writeFileSync(file, header + 'G.MinHits = 3;\n');
  const strict = createApplication({ options: file, components: [Finder], messageSink: quiet });
  await strict.configure();
  await assert.rejects(strict.initialize(), (e) => {
    assert.equal(e.code, 'ERR_COWLOOP_UNKNOWN_COMPONENT');
    assert.match(e.message, /job\.opts:3:1: options for "G", but the job creates no component of that name\. Did you mean "F"\?/);
    assert.match(e.message, /ApplicationMgr\.UnknownOptions = "warn"/);
    return true;
  });

  const lines = [];
  fs.writeFileSync(file, header + 'G.MinHits = 3;\nApplicationMgr.UnknownOptions = "warn";\n');
  const app = createApplication({ options: file, components: [Finder], messageSink: { write: (l) => lines.push(l) } });
  await app.configure();
  await app.initialize();
  assert.ok(lines.some((l) => /^ApplicationMgr\s+WARNING .*job\.opts:3:1: options for "G", but the job creates no component of that name\. Did you mean "F"\?/.test(l)), lines.join('\n'));
});

test('options for a component another option names are not reported: it may be created on first use', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'job.opts');
  // "Later" is only named in another option (here a free string property of F).
  fs.writeFileSync(file, header + 'F.Output = "Finder/Later";\nLater.MinHits = 3;\n');
  const app = createApplication({ options: file, components: [Finder], messageSink: quiet });
  await app.configure();
  await app.initialize();
  assert.equal(app.component('Later'), undefined);
});

test('properties can be set from code with the same checks, and defaults are per instance', () => {
  const a = new Finder('A');
  const b = new Finder('B');
  a.props.Cuts.push(1);
  assert.deepEqual(b.props.Cuts, []);
  a.setProperty('MinHits', 9);
  assert.equal(a.getProperty('MinHits'), 9);
  assert.throws(() => a.setProperty('MinHits', -1), /<code>: A\.MinHits: expected int >= 1, got number -1/);
  assert.throws(() => a.setProperty('Nope', 1), { code: 'ERR_COWLOOP_UNKNOWN_PROPERTY' });
  const names = a.describeProperties().map((p) => p.name);
  assert.deepEqual(names, ['OutputLevel', 'Enable', 'MinHits', 'Cuts', 'Mode', 'Weights', 'Output', 'Verbose']);
  assert.equal(a.describeProperties().find((p) => p.name === 'MinHits').type, 'int >= 1');
});

test('the job-options reference is generated from the declarations', async () => {
  const { jobOptionsReference, ComponentRegistry } = await import('../dist/cjs/framework/index.js');
  const reg = new ComponentRegistry().register(Finder);
  const md = jobOptionsReference(reg);
  assert.match(md, /^### Finder\n\n\| Property \| Type \| Default \| Description \|/);
  assert.match(md, /\| MinHits \| int >= 1 \| `4` \| minimum hits per track \|/);
  assert.match(md, /\| Mode \| one of "fast" \\\| "full" \| `"fast"` \| how hard to look \|/);
});
