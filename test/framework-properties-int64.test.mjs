// 64-bit integer properties: prop.int64 and prop.uint64 take every value of a C++ int64_t /
// uint64_t exactly, as a bigint, from .opts text, JSON and code. A value a property cannot
// hold exactly is an error naming the option's file:line, never rounded: out of range, not
// an integer, or an integer beyond 2^53 given to an int or a number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Algorithm, createApplication, prop, CowloopError, Rng } from 'cowloop';
import { tmpDir as tmpdir } from './helpers/tmp.mjs';

class Seeded extends Algorithm {
  static properties = {
    Seed: prop.uint64(7n, 'seed'),
    Offset: prop.int64(0n, 'signed offset'),
    Small: prop.uint64(1n, 'bounded', { min: 1n, max: 100n }),
    Scale: prop.number(1, 'a plain number'),
    Count: prop.int(0, 'a plain int'),
    Masks: prop.list(prop.uint64(), [], 'masks'),
  };
  execute() {}
}

const quiet = { write() {} };
const header = 'ApplicationMgr.ExtSvc = { "CounterSelector/EventSelector" };\nApplicationMgr.TopAlg = { "Seeded/S" };\n';

async function configure(t, name, text) {
  const dir = tmpdir(t);
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  const app = createApplication({ options: file, components: [Seeded], messageSink: quiet });
  await app.configure();
  return { app, file };
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

async function configureFails(t, line, value) {
  const dir = tmpdir(t);
  const file = path.join(dir, 'job.opts');
  fs.writeFileSync(file, `${header}${line}\n`);
  const app = createApplication({ options: file, components: [Seeded], messageSink: quiet });
  let error;
  await assert.rejects(app.configure(), (e) => {
    error = e;
    return true;
  });
  assert.ok(error instanceof CowloopError, String(error));
  assert.equal(error.code, 'ERR_COWLOOP_BAD_PROPERTY');
  assert.match(error.message, new RegExp(`^${escape(file)}:3:1: S\\.`), error.message);
  assert.ok(error.message.includes(value), error.message);
  return error.message;
}

test('.opts: the largest uint64 and the extremes of int64 reach the component exactly', async (t) => {
  const { app } = await configure(
    t,
    'job.opts',
    header +
      'S.Seed = 18446744073709551615;\nS.Offset = -9223372036854775808;\nS.Small = 100;\n' +
      'S.Masks = { 0, 9007199254740993, 18446744073709551615 };\nS.Scale = 18014398509481984;\n',
  );
  const s = app.component('S');
  assert.equal(s.props.Seed, 18446744073709551615n);
  assert.equal(s.props.Offset, -9223372036854775808n);
  assert.equal(s.props.Small, 100n);
  assert.deepEqual(s.props.Masks, [0n, 9007199254740993n, 18446744073709551615n]);
  // 2^54 is beyond 2^53 but a number holds it exactly: taken.
  assert.equal(s.props.Scale, 18014398509481984);
  assert.equal(s.getProperty('Seed'), 18446744073709551615n);
});

test('JSON options and code give the same exact values', async (t) => {
  const json = [
    '{ "ApplicationMgr": { "ExtSvc": ["CounterSelector/EventSelector"], "TopAlg": ["Seeded/S"] },',
    '  "S": { "Seed": 18446744073709551615, "Offset": 42 } }',
  ].join('\n');
  const { app } = await configure(t, 'job.json', json);
  const s = app.component('S');
  assert.equal(s.props.Seed, 18446744073709551615n);
  assert.equal(s.props.Offset, 42n);
  s.setProperty('Offset', -5);
  assert.equal(s.props.Offset, -5n);
  s.setProperty('Seed', 2n ** 63n);
  assert.equal(s.props.Seed, 9223372036854775808n);
  // A bigint an int or a number holds exactly is taken as a number.
  s.setProperty('Count', 5n);
  assert.equal(s.props.Count, 5);
  s.setProperty('Scale', -(2n ** 60n));
  assert.equal(s.props.Scale, -(2 ** 60));
});

test('out of range, not an integer, or not a number: an error naming file:line and the range', async (t) => {
  let m = await configureFails(t, 'S.Seed = 18446744073709551616;', '18446744073709551616');
  assert.match(m, /S\.Seed: expected uint64, got 18446744073709551616, out of range: a uint64 holds 0 to 18446744073709551615/);
  m = await configureFails(t, 'S.Seed = -1;', '-1');
  assert.match(m, /S\.Seed: expected uint64, got -1, out of range: a uint64 holds 0 to 18446744073709551615/);
  m = await configureFails(t, 'S.Offset = 9223372036854775808;', '9223372036854775808');
  assert.match(m, /S\.Offset: expected int64, got 9223372036854775808, out of range: an int64 holds -9223372036854775808 to 9223372036854775807/);
  m = await configureFails(t, 'S.Seed = 1.5;', '1.5');
  assert.match(m, /S\.Seed: expected uint64, got number 1\.5/);
  m = await configureFails(t, 'S.Seed = 1e30;', '1e+30');
  assert.match(m, /S\.Seed: expected uint64, got number 1e\+30, which is not exact beyond 2\^53: write the integer's digits/);
  m = await configureFails(t, 'S.Seed = "12";', '"12"');
  assert.match(m, /S\.Seed: expected uint64, got "12"/);
  m = await configureFails(t, 'S.Small = 101;', '101');
  assert.match(m, /S\.Small: expected uint64 in \[1, 100\], got integer 101/);
  m = await configureFails(t, 'S.Masks = { 1, -2 };', '-2');
  assert.match(m, /S\.Masks: item 1: expected uint64, got -2, out of range/);
});

test('an integer beyond 2^53 given to a number or an int is an error, not rounded', async (t) => {
  let m = await configureFails(t, 'S.Scale = 18446744073709551615;', '18446744073709551615');
  assert.match(
    m,
    /S\.Scale: expected number, got 18446744073709551615, which would lose precision as a number \(it would become 18446744073709551616\); declare the property prop\.int64 or prop\.uint64/,
  );
  m = await configureFails(t, 'S.Count = 9007199254740993;', '9007199254740993');
  assert.match(m, /S\.Count: expected int, got 9007199254740993, beyond the 2\^53 an int holds exactly; declare the property prop\.int64 or prop\.uint64/);
});

test('RandomSvc.Seed is a uint64: a seed up to 2^53 gives the same stream as before, larger ones are taken', async (t) => {
  assert.equal(new Rng([12345n, 1, 2, 'x']).nextUint32(), new Rng([12345, 1, 2, 'x']).nextUint32());
  assert.equal(new Rng([2 ** 53 - 1, 'x']).uniform(), new Rng([2n ** 53n - 1n, 'x']).uniform());
  assert.notEqual(new Rng([2n ** 64n - 1n, 'x']).nextUint32(), new Rng([2n ** 64n - 2n, 'x']).nextUint32());
  const { app } = await configure(t, 'job.opts', `${header}RandomSvc.Seed = 18446744073709551615;\n`);
  await app.initialize();
  const svc = app.service('RandomSvc');
  assert.equal(svc.props.Seed, 18446744073709551615n);
  const a = svc.forEvent({ run: 1, number: 3 }, 'S').uniform();
  assert.equal(a, new Rng([18446744073709551615n, 1, 3, 'S']).uniform());
});
