// Small pieces of Gaudi's grammar: a `#!` first line, `100L`, booleans in any case, a
// leading `::` in names, and `Client.Property` names that hold namespaces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, parseJobOptions } from 'cowloop';

const read = (text) => parseJobOptions(text, 'l.opts').toObject();

test('a #! first line is skipped, so an options file can be a script', () => {
  assert.deepEqual(read('#!/usr/bin/env gaudirun.py\nA.X = 1;\n'), { A: { X: 1 } });
  const opts = parseJobOptions('#!/usr/bin/env gaudirun.py\nA.X = 1;\n', 'l.opts');
  assert.deepEqual(opts.get('A', 'X').location, { file: 'l.opts', line: 2, column: 1 });
  // Only on the first line: elsewhere #! is not a directive.
  assert.throws(() => read('A.X = 1;\n#!/bin/sh\n'), { code: ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX });
});

test("a trailing L on an integer is dropped, as C++ literals allow", () => {
  assert.deepEqual(read('A.N = 100L;\nA.L = { 1L, -2L, 4294967296L };'), { A: { N: 100, L: [1, -2, 4294967296] } });
});

test('booleans in any case', () => {
  assert.deepEqual(read('A.B = { tRuE, FaLsE, true, TRUE, False };'), { A: { B: [true, false, true, true, false] } });
});

test('names may start with :: and hold namespaces in the client and the property path', () => {
  assert.deepEqual(read('::Gaudi::Alg.Int = 10;\nMyNamespace::MyAlg.Int = 10;\nGaudi::Alg.Gaudi::Tool.Float = 1.234;'), {
    '::Gaudi::Alg': { Int: 10 },
    'MyNamespace::MyAlg': { Int: 10 },
    'Gaudi::Alg.Gaudi::Tool': { Float: 1.234 },
  });
});

test('integers beyond 2^53 keep their exact value as a bigint; others stay numbers', () => {
  const opts = read('A.Big = 18446744073709551615;\nA.Neg = -9223372036854775808;\nA.Edge = 9007199254740991;\nA.L = { 9007199254740993, 1 };\nA.Float = 1e300;');
  assert.equal(opts.A.Big, 18446744073709551615n);
  assert.equal(opts.A.Neg, -9223372036854775808n);
  assert.equal(opts.A.Edge, 9007199254740991);
  assert.deepEqual(opts.A.L, [9007199254740993n, 1]);
  assert.equal(opts.A.Float, 1e300);
  // -= compares a bigint and a number by value.
  assert.deepEqual(read('A.L = { 9007199254740993, 2 };\nA.L -= 9007199254740993;\nA.L -= 2.0;').A.L, []);
});
