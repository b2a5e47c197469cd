// SharedTable: large read-only tables packed into one ArrayBuffer, read the same in forked workers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedTable, fork, CowloopError } from 'cowloop';

const schema = { channel: 'u32', gain: 'f64', pedestal: 'i16', weight: 'f32', dead: 'bool', name: 'string' };

function records(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ channel: 1000 + 7 * i, gain: 0.9 + i / 1e4, pedestal: (i % 50) - 25, weight: i / 3, dead: i % 97 === 0, name: `ch-${i}-µ` });
  }
  return out;
}

test('packs every column into one ArrayBuffer and reads each cell back as stored', () => {
  const rows = records(1000);
  const t = SharedTable.fromRecords(rows, schema, { key: 'channel' });
  assert.equal(t.length, 1000);
  assert.ok(t.buffer instanceof ArrayBuffer);
  assert.equal(t.byteLength, t.buffer.byteLength);
  for (const i of [0, 1, 96, 97, 500, 999]) {
    const r = rows[i];
    assert.equal(t.get(i, 'channel'), r.channel);
    assert.equal(t.get(i, 'gain'), r.gain);
    assert.equal(t.get(i, 'pedestal'), r.pedestal);
    assert.equal(t.get(i, 'weight'), Math.fround(r.weight));
    assert.equal(t.get(i, 'dead'), r.dead);
    assert.equal(t.get(i, 'name'), r.name);
    assert.deepEqual(t.row(i), { ...r, weight: Math.fround(r.weight) });
  }
  const gain = t.column('gain');
  assert.ok(gain instanceof Float64Array);
  assert.equal(gain.buffer, t.buffer);
  assert.equal(gain[123], rows[123].gain);
});

test('find() looks rows up by the integer key column; absent keys give -1', () => {
  const rows = records(5000);
  const t = SharedTable.fromRecords(rows, schema, { key: 'channel' });
  for (let i = 0; i < rows.length; i += 37) assert.equal(t.find(rows[i].channel), i);
  assert.equal(t.find(1001), -1);
  assert.equal(t.find(-5), -1);
  const big = SharedTable.fromRecords([{ k: 4294967295 }, { k: 2147483648 }, { k: 0 }], { k: 'u32' }, { key: 'k' });
  assert.equal(big.find(4294967295), 0);
  assert.equal(big.find(2147483648), 1);
  assert.equal(big.find(0), 2);
});

test('an empty table is valid and finds nothing', () => {
  const t = SharedTable.fromRecords([], schema, { key: 'channel' });
  assert.equal(t.length, 0);
  assert.equal(t.find(1), -1);
});

test('bad input is refused with what and where', () => {
  const invalid = (fn, pattern) =>
    assert.throws(fn, (e) => e instanceof CowloopError && e.code === 'ERR_COWLOOP_INVALID_ARGUMENT' && pattern.test(e.message));
  invalid(() => SharedTable.fromRecords([{ a: 1 }, { a: 'x' }], { a: 'f64' }), /record 1 field "a" is string; the schema wants a number/);
  invalid(() => SharedTable.fromRecords([{ a: 1 }], { a: 'f64', b: 'bool' }), /record 0 field "b" is missing/);
  invalid(() => SharedTable.fromRecords([{ a: 1 }], { a: 'float' }), /column "a" has unknown type "float"/);
  invalid(() => SharedTable.fromRecords([{ a: 1 }], { a: 'f64' }, { key: 'a' }), /key column "a" must be an integer column/);
  invalid(() => SharedTable.fromRecords([{ a: 1 }, { a: 1 }], { a: 'i32' }, { key: 'a' }), /key 1 of column "a" appears twice \(records 0 and 1\)/);
  invalid(() => SharedTable.fromRecords([], {}), /no columns/);
  const t = SharedTable.fromRecords([{ a: 1, s: 'x' }], { a: 'i32', s: 'string' });
  invalid(() => t.column('s'), /string column/);
  invalid(() => t.column('zz'), /not a column \(columns: a, s\)/);
  invalid(() => t.get(1, 'a'), /row 1 is outside 0..0/);
  invalid(() => t.find(1), /no key column/);
});

test('a forked worker reads the table the master packed', async () => {
  const rows = records(20000);
  const t = SharedTable.fromRecords(rows, schema, { key: 'channel' });
  const checksum = (table) => {
    const gain = table.column('gain');
    let sum = 0;
    for (let i = 0; i < table.length; i++) sum += gain[table.find(1000 + 7 * i)] * (table.get(i, 'dead') ? 0 : 1);
    return sum + table.get(19999, 'name').length;
  };
  const child = await fork(() => checksum(t));
  assert.equal(await child.result, checksum(t));
  assert.deepEqual(await child.exited, { code: 0, signal: null });
});
