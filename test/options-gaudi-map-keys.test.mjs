// Map keys as Gaudi has them: a string, a number (with a unit, if any) or a boolean. A key
// becomes the text of its value; the first of two equal keys wins, as in Gaudi's C++
// reader (std::map::emplace).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatJobOptions, parseJobOptions } from 'cowloop';

const read = (text) => parseJobOptions(text, 'k.opts').toObject();

test('numeric keys, negative ones included', () => {
  assert.deepEqual(read('A.M = { 0 : "zero", -1 : "minus one", 2: "two" };').A.M, { 0: 'zero', '-1': 'minus one', 2: 'two' });
  assert.deepEqual(read('A.M = { 1 : 0.1 , 2 : 0.2 , 3 : 0.3 };').A.M, { 1: 0.1, 2: 0.2, 3: 0.3 });
});

test('string keys in either quote, boolean keys, lists as values', () => {
  assert.deepEqual(read("A.M = { 'a' : 1 , \"b\" : 2, true: { 'x', 'y' }, False: (1, 2) };").A.M, {
    a: 1,
    b: 2,
    true: ['x', 'y'],
    false: [1, 2],
  });
});

test('the first of two equal keys wins', () => {
  assert.deepEqual(read('A.M = { "a": 1, "a": 2, 1: "x", 1: "y" };').A.M, { a: 1, 1: 'x' });
});

test('-= removes keys given as numbers or strings', () => {
  assert.deepEqual(read('A.M = { 0: "a", 1: "b", 2: "c" };\nA.M -= 0;\nA.M -= { "1" };').A.M, { 2: 'c' });
});

test('printed and read back, the keys are the same', () => {
  const opts = parseJobOptions('A.M = { 0: "zero", -1: "minus one", 2.5: 3 };', 'k.opts');
  assert.deepEqual(parseJobOptions(formatJobOptions(opts), 'again.opts').toObject(), opts.toObject());
});
