// Property-based round trips (fast-check) of what Gaudi's grammar adds: tuples in ( ) and
// [ ], maps with numeric keys, strings with backslashes and line breaks. A random value is
// written in Gaudi's spelling, read, printed by formatJobOptions and read again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatJobOptions, parseJobOptions } from 'cowloop';

const RUNS = 300;

// Backslashes, quotes and line breaks are common here; no string ends in a backslash (the
// grammar cannot close one).
const text = fc
  .array(fc.constantFrom('a', 'Z', ' ', '\\', '"', "'", '\n', '\t', 'n', 'x', '/', '*', ';', 'é'), { maxLength: 10 })
  .map((chars) => chars.join(''))
  .filter((s) => !s.endsWith('\\'));
const integer = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }));
const number = fc.oneof(integer, fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
const scalar = fc.oneof(number, text, fc.boolean());

/** The catalogue's form of a number: a bigint only beyond 2^53. */
const held = (n) => (typeof n === 'bigint' && Number.isSafeInteger(Number(n)) && BigInt(Number(n)) === n ? Number(n) : n);

/** A value and its .opts spelling, chosen at random among Gaudi's spellings. */
const { spelled } = fc.letrec((tie) => ({
  spelled: fc.oneof(
    { depthSize: 'small' },
    scalar.chain((v) => spell(v)),
    fc
      .tuple(fc.array(tie('spelled'), { maxLength: 4 }), fc.constantFrom(['(', ')'], ['[', ']'], ['{', '}']))
      .map(([items, [open, close]]) => ({
        value: items.map((i) => i.value),
        text: items.length === 0 && open === '{' ? '{}' : `${open} ${items.map((i) => i.text).join(' , ')} ${close}`,
      })),
    fc.array(fc.tuple(fc.oneof(integer, text), tie('spelled')), { minLength: 1, maxLength: 4 }).map((pairs) => {
      const value = {};
      const parts = [];
      for (const [key, item] of pairs) {
        const name = typeof key === 'string' ? key : String(held(key));
        if (!Object.hasOwn(value, name)) Object.defineProperty(value, name, { value: item.value, enumerable: true, writable: true, configurable: true });
        parts.push(`${typeof key === 'string' ? quote(key, '"') : String(key)} : ${item.text}`);
      }
      return { value, text: `{ ${parts.join(', ')} }` };
    }),
  ),
}));

function spell(v) {
  if (typeof v === 'string') return fc.constantFrom('"', "'").map((q) => ({ value: v, text: quote(v, q) }));
  if (typeof v === 'boolean') return fc.constantFrom(...(v ? ['true', 'TRUE', 'tRuE'] : ['false', 'False', 'FaLsE'])).map((t) => ({ value: v, text: t }));
  if (typeof v === 'bigint') return fc.constantFrom('', 'L').map((suffix) => ({ value: held(v), text: `${v}${suffix}` }));
  const t = Object.is(v, -0) ? '-0' : Number.isInteger(v) && !Number.isSafeInteger(v) ? v.toExponential() : String(v);
  return fc.constant({ value: v, text: t });
}

/** Gaudi's quoting: only the opening quote character needs a backslash. */
function quote(s, q) {
  return `${q}${s.split(q).join(`\\${q}`)}${q}`;
}

test('tuples, numeric-keyed maps and backslashed strings read as written, print and read back', () => {
  fc.assert(
    fc.property(fc.array(spelled, { minLength: 1, maxLength: 4 }), (values) => {
      const source = values.map((v, i) => `Alg.P${i} = ${v.text};`).join('\n');
      const options = parseJobOptions(source, 'random.opts');
      const expected = { Alg: Object.fromEntries(values.map((v, i) => [`P${i}`, v.value])) };
      assert.deepEqual(options.toObject(), expected);
      const printed = formatJobOptions(options);
      assert.deepEqual(parseJobOptions(printed, 'printed.opts').toObject(), expected);
    }),
    { numRuns: RUNS },
  );
});
