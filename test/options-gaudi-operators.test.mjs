// `+=` and `-=` as Gaudi's C++ reader applies them. Where Gaudi's Python reader differs
// (map += with a key already there, -= on an unset property) the C++ reader is followed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, parseJobOptions } from 'cowloop';

const read = (text) => parseJobOptions(text, 'o.opts').toObject();

test('-= removes the first equal element only (Properties.opts in Gaudi\'s test suite)', () => {
  const text = [
    'ApplicationMgr.TopAlg  = {   "PropertyAlg" };',
    'ApplicationMgr.TopAlg  += {   "PropertyAlg", "PropertyProxy" };',
    'ApplicationMgr.TopAlg  -=  {  "PropertyAlg" };',
  ].join('\n');
  assert.deepEqual(read(text).ApplicationMgr.TopAlg, ['PropertyAlg', 'PropertyProxy']);
});

test('-= with a list removes one element per element on the right, in turn', () => {
  assert.deepEqual(read('A.L = { 1, 2, 1, 2, 1 };\nA.L -= { 1, 1 };').A.L, [2, 2, 1]);
  assert.deepEqual(read('A.L = { "a", "b", "c" };\nA.L -= [ "b" ];\nA.L -= "zzz";').A.L, ['a', 'c']);
  assert.deepEqual(read('A.L = { (1,2), (3,4), (1,2) };\nA.L -= { (1,2) };').A.L, [[3, 4], [1, 2]]);
});

test('map += keeps the value of a key already there and adds the new keys', () => {
  assert.deepEqual(read('A.M = { "a": 1, "b": 2 };\nA.M += { "b": 5, "c": 6 };').A.M, { a: 1, b: 2, c: 6 });
});

test('+= and -= on an unset property take the right-hand value', () => {
  assert.deepEqual(read('A.L += { "x" };\nA.R -= { "y" };\nA.S -= "z";'), { A: { L: ['x'], R: ['y'], S: 'z' } });
});

test('+= and -= on a number, string or boolean are errors', () => {
  assert.throws(() => read('A.N = 1;\nA.N += 2;'), { code: ErrorCodes.ERR_COWLOOP_OPTIONS_OPERATION, message: /^o\.opts:2:1: '\+=' needs a list or a map, but A\.N holds a number/ });
  assert.throws(() => read('A.B = true;\nA.B -= true;'), { code: ErrorCodes.ERR_COWLOOP_OPTIONS_OPERATION, message: /A\.B holds a boolean/ });
});
