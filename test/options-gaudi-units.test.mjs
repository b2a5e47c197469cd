// Units as Gaudi reads them: units files are lines `1 m = 1000` without `;` (a `;` is
// accepted too), and a unit follows a value with or without `*`. Values with a unit are
// stored as Gaudi's C++ reader stores them: the product with six decimals.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCodes, parseJobOptions } from 'cowloop';
import { withDir } from './helpers/tmp.mjs';

/** Reads `text` as main.opts beside a units.opts holding `units`. */
function withUnits(units, text) {
  return withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'units.opts'), units);
    const file = path.join(dir, 'main.opts');
    return parseJobOptions(`#units "units.opts"\n${text}`, file).toObject();
  });
}

const GAUDI_UNITS = '// as Gaudi ships them\n1 m = 1000\n1 cm = 10\n1 mm = 1\n1 m2 = 1000000.0\n';

test("a units file in Gaudi's form: one definition per line, no ';'", () => {
  assert.deepEqual(withUnits(GAUDI_UNITS, 'Test.Length = 10 * m;\nTest.Area = 1.1 * m2;'), {
    Test: { Length: 10000, Area: 1100000 },
  });
});

test("a units file in cowloop's older form (with ';', several per line) and '*' in a definition", () => {
  const units = '1 GeV = 1000; 1000 keV = 1;\n1*TeV = 1000000\n1 neg = -2;';
  assert.deepEqual(withUnits(units, 'A.E = { 2*GeV, 500*keV, 3*TeV, 4*neg };'), { A: { E: [2000, 0.5, 3000000, -8] } });
});

test('a unit after a value: 10*m, 10 * m, 10 m and 10m are the same', () => {
  assert.deepEqual(withUnits(GAUDI_UNITS, 'A.L = { 10*m, 10 * m, 10 m, 10m, -2.*cm, 0.4e-03 * m };'), {
    A: { L: [10000, 10000, 10000, 10000, -20, 0.4] },
  });
  // Properties.opts in Gaudi's test suite: the same list with and without units.
  const opts = withUnits(GAUDI_UNITS, 'A.With = { 1.1 * m2 , -2.*cm, 3.3*cm, 0.4e-03 * m };\nA.Without = { 1100000.0 , -20., 33.0, 0.4 };');
  assert.deepEqual(opts.A.With, opts.A.Without);
});

test('a value with a unit keeps six decimals, as std::to_string gives it', () => {
  const units = '1 mm = 1\n1 um = 0.001\n1 nm = 0.000001\n1 fm = 1e-12\n1 km = 1000000';
  assert.deepEqual(withUnits(units, 'A.L = { 1*um, 3*nm, 2*fm, 0.6*nm, 1e18*km, 1.23456789 mm };'), {
    A: { L: [0.001, 0.000003, 0, 0.000001, 1e24, 1.234568] },
  });
});

test('a unit defined twice is an error naming the first definition', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'a.opts'), '1 m = 1000\n');
    fs.writeFileSync(path.join(dir, 'b.opts'), '1 cm = 10\n1 m = 100\n');
    const file = path.join(dir, 'main.opts');
    assert.throws(() => parseJobOptions('#units "a.opts"\n#units "b.opts"\n', file), {
      code: ErrorCodes.ERR_COWLOOP_OPTIONS_UNITS,
      message: new RegExp(`^${path.join(dir, 'b.opts')}:2:3: the unit m is already defined at ${path.join(dir, 'a.opts')}:1:3`),
    });
  });
});

test('a name after a number that no units file defines is an unknown unit', () => {
  assert.throws(() => withUnits(GAUDI_UNITS, 'A.L = 5 Gev;'), {
    code: ErrorCodes.ERR_COWLOOP_OPTIONS_UNITS,
    message: /unknown unit 'Gev' in the value of A\.L/,
  });
});
