// Gaudi reads `(`, `[` and `{` alike as list brackets: pairs and tuples are lists, and only
// `{` may open a map. Expected values follow Gaudi's C++ grammar (vector_value).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCodes, parseJobOptions } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';

const read = (text) => parseJobOptions(text, 'brackets.opts').toObject();

test('a pair in ( ) is a list of two, with units applied inside it', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'units.opts'), '1 m = 1000\n');
    const file = path.join(dir, 'pairs.opts');
    const text = '#units "units.opts"\nGeo.PairDD = ( 3.5*m , 2.25 ) ;\nGeo.PairII = (3, -4);\n';
    assert.deepEqual(parseJobOptions(text, file).toObject(), { Geo: { PairDD: [3500, 2.25], PairII: [3, -4] } });
  });
});

test('a list of pairs, in any of the three brackets, and pairs appended with +=', () => {
  assert.deepEqual(read('A.V = [ (1,2), (3,4) ];\nA.W = { (0,1) };\nA.W += { (7,8), (9,10) };\nA.X = ( [1], {2}, (3) );'), {
    A: { V: [[1, 2], [3, 4]], W: [[0, 1], [7, 8], [9, 10]], X: [[1], [2], [3]] },
  });
});

test('a histogram tuple mixes strings and numbers', () => {
  assert.deepEqual(read("H.h = ('Title',-5,5,200);\nH.g = (-5, 5, 'Title', 200) ;"), {
    H: { h: ['Title', -5, 5, 200], g: [-5, 5, 'Title', 200] },
  });
});

test('empty brackets, trailing commas and nesting', () => {
  assert.deepEqual(read('A.E = ();\nA.F = [];\nA.G = ( 1, );\nA.N = ( ( ), [ ( 1 ) ] );'), {
    A: { E: [], F: [], G: [1], N: [[], [[1]]] },
  });
});

test('a list closes with the bracket that opened it', () => {
  assert.throws(() => read('A.P = ( 1, 2 };'), {
    code: ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX,
    message: /^brackets\.opts:1:14: expected ',' or '\)' in the list value of A\.P \(found '\}'\)/,
  });
  assert.throws(() => read('A.P = ( "k": 1 );'), { message: /expected ',' or '\)' in the list value of A\.P \(found ':'\)/ });
});
