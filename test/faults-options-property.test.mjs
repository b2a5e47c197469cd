// Property-based tests of the .opts reader (fast-check): random valid files round-trip
// through formatJobOptions and parseJobOptions; random corruptions give a JobOptionsError
// with a correct file:line:column, never another exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatJobOptions, jobOptionsFromObject, parseJobOptions } from 'cowloop';

const RUNS = 300;
const FILE = 'random.opts';

// ---- arbitraries ----

// Identifiers, with the names that break naive object code mixed in.
const identifier = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'true', 'include') },
);
const clientName = fc.oneof(
  { weight: 4, arbitrary: identifier },
  { weight: 1, arbitrary: fc.tuple(identifier, identifier, fc.constantFrom('.', '::')).map(([a, b, sep]) => `${a}${sep}${b}`) },
);
const number = fc.oneof(
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, 0, 1e21, 5e-324, Number.MAX_VALUE),
);
// A string ending in a backslash cannot be written in .opts text (Gaudi's grammar lets that
// backslash escape the closing quote), so none is generated. Nor is `$NAME` or `$(`: .opts
// values expand environment variables (options-gaudi-environment.test.mjs), so the text
// would depend on the environment the test runs in.
const text = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 12 }))
  .filter((s) => !s.endsWith('\\') && !/\$[A-Za-z0-9_(]/.test(s));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    number,
    text,
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
}));

/** { Client: { Property: value } } as the catalogue would hold it. */
const catalogueObject = fc.dictionary(clientName, fc.dictionary(identifier, value, { minKeys: 1, maxKeys: 4, noNullPrototype: true }), { maxKeys: 5, noNullPrototype: true });

const gap = fc.constantFrom(' ', '  ', '\t', '', '\n', ' /* c */ ', '\n\n  ');
const lineEnd = fc.constantFrom('\n', ' // note\n', '\r\n', '\n\n');

/**
 * Renders `value` as .opts text in one of its spellings; `pieces` collects [text, isGap]
 * so a caller knows where whitespace between tokens lies.
 */
function renderValue(v, choice, out) {
  const pick = (n) => choice.next().value % n;
  // Gaudi's strings: a backslash escapes only the closing quote; all else is kept as written.
  if (typeof v === 'string') return out.push([pick(2) ? `'${v.replace(/'/g, "\\'")}'` : `"${v.replace(/"/g, '\\"')}"`, false]);
  if (typeof v === 'number') return out.push([numberText(v), false]);
  if (typeof v === 'boolean') return out.push([[String(v), v ? 'True' : 'False', v ? 'TRUE' : 'FALSE'][pick(3)], false]);
  const space = () => out.push([[' ', '', '\n  ', '\t'][pick(4)], true]);
  if (Array.isArray(v)) {
    const [open, close] = pick(3) === 0 ? ['[', ']'] : ['{', '}'];
    out.push([open, false]);
    v.forEach((item, i) => {
      if (i > 0) out.push([',', false]);
      space();
      renderValue(item, choice, out);
    });
    if (v.length > 0 && pick(3) === 0) out.push([',', false]);
    space();
    out.push([close, false]);
    return undefined;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return out.push(['{:}', false]);
  out.push(['{', false]);
  entries.forEach(([k, item], i) => {
    if (i > 0) out.push([',', false]);
    space();
    out.push([`"${k.replace(/"/g, '\\"')}"`, false]);
    space();
    out.push([':', false]);
    space();
    renderValue(item, choice, out);
  });
  space();
  out.push(['}', false]);
  return undefined;
}

/** An integer beyond 2^53 in exponent form, so that it reads back as a number, not a bigint. */
function numberText(v) {
  if (Object.is(v, -0)) return '-0';
  return Number.isInteger(v) && !Number.isSafeInteger(v) ? v.toExponential() : String(v);
}

/**
 * A random valid file: statements (key = value;) with random spacing and comments. Returns
 * the text, the catalogue it must give, and per statement the offsets of its pieces.
 */
const validFile = fc
  .tuple(catalogueObject, fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), fc.array(gap, { minLength: 64, maxLength: 64 }), fc.array(lineEnd, { minLength: 16, maxLength: 16 }))
  .map(([object, picks, gaps, ends]) => {
    let c = 0;
    const choice = { next: () => ({ value: picks[c++ % picks.length] }) };
    let g = 0;
    const nextGap = () => gaps[g++ % gaps.length];
    const pieces = []; // [text, isGap]
    const statements = [];
    let offset = 0;
    const emit = (t, isGap) => {
      pieces.push([t, isGap]);
      offset += t.length;
    };
    let s = 0;
    for (const [client, properties] of Object.entries(object)) {
      for (const [property, v] of Object.entries(properties)) {
        const st = { key: offset };
        emit(`${client}.${property}`, false);
        emit(nextGap().replace(/\n/g, ' '), true);
        emit('=', false);
        emit(nextGap(), true);
        st.value = offset;
        const valuePieces = [];
        renderValue(v, choice, valuePieces);
        for (const [t, isGap] of valuePieces) emit(t, isGap);
        st.valueEnd = offset;
        emit(nextGap().replace(/\n/g, ' ').replace(/\/\*.*\*\//, ''), true);
        st.semicolon = offset;
        emit(';', false);
        emit(ends[s++ % ends.length], true);
        statements.push(st);
      }
    }
    const source = pieces.map(([t]) => t).join('');
    const gapOffsets = [];
    let at = 0;
    for (const [t, isGap] of pieces) {
      if (isGap) for (let i = 0; i <= t.length; i++) if (!inComment(t, i)) gapOffsets.push(at + i);
      at += t.length;
    }
    return { source, object, statements, gapOffsets };
  });

/** True when position i of a gap's text lies inside a comment (or in its opening/closing). */
function inComment(t, i) {
  const open = t.indexOf('/*');
  if (open >= 0 && i > open && i < t.indexOf('*/') + 2) return true;
  const line = t.indexOf('//');
  return line >= 0 && i > line && i <= (t.indexOf('\n', line) < 0 ? t.length : t.indexOf('\n', line));
}

function lineColumn(source, offset) {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Either a catalogue, or a JobOptionsError whose location is inside `source`. */
function parseOrLocatedError(source) {
  try {
    return { options: parseJobOptions(source, FILE) };
  } catch (error) {
    assert.equal(error.name, 'JobOptionsError', `not a JobOptionsError: ${error.stack}`);
    assert.match(error.code, /^ERR_COWLOOP_OPTIONS_/);
    const { line, column } = error.location;
    const lines = source.split('\n');
    assert.ok(line >= 1 && line <= lines.length, `line ${line} outside 1..${lines.length}`);
    assert.ok(column >= 1 && column <= lines[line - 1].length + 1, `column ${column} outside line ${line} (${lines[line - 1].length} chars)`);
    assert.ok(error.message.startsWith(`${FILE}:${line}:${column}: `), error.message);
    return { error };
  }
}

// ---- properties ----

test('a random catalogue printed by formatJobOptions parses back to the same catalogue', () => {
  fc.assert(
    fc.property(catalogueObject, (object) => {
      const printed = formatJobOptions(jobOptionsFromObject(object));
      const again = parseJobOptions(printed, FILE);
      assert.deepEqual(again.toObject(), object);
      assert.equal(formatJobOptions(again), printed);
    }),
    { numRuns: RUNS },
  );
});

test('a random valid file (any spacing, comments, spellings) parses to its catalogue, and prints and parses back', () => {
  fc.assert(
    fc.property(validFile, ({ source, object }) => {
      const options = parseJobOptions(source, FILE);
      assert.deepEqual(options.toObject(), object);
      const printed = formatJobOptions(options);
      assert.deepEqual(parseJobOptions(printed, FILE).toObject(), object);
    }),
    { numRuns: RUNS },
  );
});

test('a stray character between tokens is reported at its exact line:column', () => {
  const stray = fc.constantFrom('$', '?', '!', '%', '&', '`', '^', '|', '~', '<', '>', '\\', '\u00e9', '\u0000');
  fc.assert(
    fc.property(
      validFile.filter((f) => f.statements.length > 0),
      stray,
      fc.nat(),
      ({ source, gapOffsets }, c, pick) => {
        const at = gapOffsets[pick % gapOffsets.length];
        const corrupt = source.slice(0, at) + c + source.slice(at);
        const { error } = parseOrLocatedError(corrupt);
        assert.ok(error, `no error for ${JSON.stringify(corrupt)}`);
        assert.deepEqual({ line: error.location.line, column: error.location.column }, lineColumn(corrupt, at));
        assert.match(error.detail, /unexpected character/);
      },
    ),
    { numRuns: RUNS },
  );
});

test("a missing ';' is reported right after the value (or at the next token on the same line)", () => {
  fc.assert(
    fc.property(validFile.filter((f) => f.statements.length > 0), fc.nat(), ({ source, statements }, pick) => {
      const i = pick % statements.length;
      const st = statements[i];
      const corrupt = source.slice(0, st.semicolon) + source.slice(st.semicolon + 1);
      const { error } = parseOrLocatedError(corrupt);
      assert.ok(error, `no error for ${JSON.stringify(corrupt)}`);
      assert.match(error.detail, /expected ';' after the value of/);
      // The next token: the next statement's key, or the end of the file.
      const nextOffset = i + 1 < statements.length ? statements[i + 1].key - 1 : corrupt.length;
      const valueEnd = lineColumn(corrupt, st.valueEnd);
      const next = lineColumn(corrupt, nextOffset);
      const expected = next.line === valueEnd.line ? next : valueEnd;
      assert.deepEqual({ line: error.location.line, column: error.location.column }, expected);
    }),
    { numRuns: RUNS },
  );
});

test('any prefix of a valid file parses or fails with a located error', () => {
  fc.assert(
    fc.property(validFile, fc.nat(), ({ source }, cut) => {
      parseOrLocatedError(source.slice(0, cut % (source.length + 1)));
    }),
    { numRuns: RUNS },
  );
});

test('random text inserted, deleted or replaced anywhere never gives anything but a located error', () => {
  const edit = fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 6 }),
    insert: fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('"', "'", '/*', '{', '}', '@', '#', '#ifdef X', '#endif', '+=', '-=', '*', ':', ',', '1e', '.')),
  });
  fc.assert(
    fc.property(validFile, fc.array(edit, { minLength: 1, maxLength: 3 }), ({ source }, edits) => {
      let corrupt = source;
      for (const { at, remove, insert } of edits) {
        const i = at % (corrupt.length + 1);
        corrupt = corrupt.slice(0, i) + insert + corrupt.slice(i + remove);
      }
      parseOrLocatedError(corrupt);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('arbitrary text is read without a crash', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 })), (s) => {
      parseOrLocatedError(s);
    }),
    { numRuns: RUNS },
  );
});
