// Each kind of job options error: its code, its exact line and column, what it says was
// expected, and the source excerpt with a caret under the column.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCodes, JobOptionsError, loadJobOptions, parseJobOptions } from 'cowloop';
import { root } from './helpers/root.mjs';
import { withDir } from './helpers/tmp.mjs';

const fixtures = path.join(root, 'test', 'fixtures', 'options');
const fixture = (name) => path.join(fixtures, name);
const { ERR_COWLOOP_OPTIONS_SYNTAX: SYNTAX, ERR_COWLOOP_OPTIONS_REFERENCE: REFERENCE } = ErrorCodes;
const { ERR_COWLOOP_OPTIONS_UNITS: UNITS, ERR_COWLOOP_OPTIONS_OPERATION: OPERATION } = ErrorCodes;
const { ERR_COWLOOP_OPTIONS_INCLUDE: INCLUDE, ERR_COWLOOP_OPTIONS_FILE: FILE } = ErrorCodes;

function errorOf(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

/** The excerpt under the first message line: the source line and a caret at the column. */
function assertExcerpt(error, sourceLine) {
  const [, numbered, caret] = error.message.split('\n');
  const { line, column } = error.location;
  assert.equal(numbered, `  ${line} | ${sourceLine}`);
  const gutter = `  ${' '.repeat(String(line).length)} | `;
  assert.equal(caret, `${gutter}${' '.repeat(column - 1)}^`);
}

// [what, text, code, line, column, part of the message]
const cases = [
  ['missing ; before a token on the same line', 'A.X = 1 2;', SYNTAX, 1, 9, "expected ';' after the value of A.X (found the number 2)"],
  ['missing ; at the end of a line', 'A.X = 1\nB.Y = 2;', SYNTAX, 1, 8, "expected ';' after the value of A.X (found 'B.Y')"],
  ['missing ; at the end of the file', 'A.X = { 1 }', SYNTAX, 1, 12, "expected ';' after the value of A.X (found the end of the file)"],
  ['missing operator', 'A.X 1;', SYNTAX, 1, 5, "expected '=', '+=' or '-=' after A.X (found the number 1)"],
  ['key without a property', 'Finder = 1;', SYNTAX, 1, 1, "'Finder' has no property part: write Finder.Property = value;"],
  ['property name with ::', 'A.B::C = 1;', SYNTAX, 1, 1, "the property name 'B::C' of A is not an identifier"],
  ['name ending in a dot', 'A. = 1;', SYNTAX, 1, 2, "expected an identifier after '.' in the name 'A'"],
  ['statement starting with a value', '= 4;', SYNTAX, 1, 1, "expected an assignment 'Client.Property = value;'"],
  ['missing value', 'A.X = ;', SYNTAX, 1, 7, "expected a value for A.X: a number, a string, true/false"],
  ['bare word as value', 'A.X = hello;', SYNTAX, 1, 7, "found the bare word 'hello': strings need quotes"],
  ['unterminated string', 'A.X = "abc;\nB.Y = 1;', SYNTAX, 1, 7, 'unterminated string: expected a closing " before the end of the file'],
  ['string closed only by an escaped quote', 'A.X = "C:\\dir\\";\nB.Y = 1;', SYNTAX, 1, 7, 'a backslash before " makes it part of the string'],
  ['unterminated block comment', 'A.X = 1;\n  /* open\nB.Y = 2;', SYNTAX, 2, 3, "unterminated comment: expected '*/'"],
  ['unexpected character', 'A.X = 1;\nA.Y = $;', SYNTAX, 2, 7, "unexpected character '$'"],
  ['number glued to an unknown unit', 'A.X = 5GeV;', UNITS, 1, 8, "unknown unit 'GeV' in the value of A.X; no #units file has been read before this line"],
  ['number glued to a dot', 'A.X = 1.2.3;', SYNTAX, 1, 10, "malformed number '1.2.': expected a separator after 1.2"],
  ['list without a comma', 'A.X = { 1 2 };', SYNTAX, 1, 11, "expected ',' or '}' in the list value of A.X (found the number 2)"],
  ['bracket list not closed', 'A.X = [ 1, 2 ;', SYNTAX, 1, 14, "expected ',' or ']' in the list value of A.X"],
  ['map key without a colon', 'A.M = { "a": 1, "b" 2 };', SYNTAX, 1, 21, 'expected \':\' after the key "b" in the map value of A.M'],
  ['map with a list key', 'A.M = { "a": 1, {2}: 3 };', SYNTAX, 1, 17, 'expected a string, number or boolean key in the map value of A.M'],
  ['tuple not closed by its own bracket', 'A.P = ( 1, 2 ];', SYNTAX, 1, 14, "expected ',' or ')' in the list value of A.P (found ']')"],
  ['unit name missing', 'A.X = 5 * ;', SYNTAX, 1, 11, "expected a unit name after '*'"],
  ['sign without a number', 'A.X = -"a";', SYNTAX, 1, 8, "expected a number after '-' in the value of A.X"],
  ['reference without a property', 'B.Y = @A;', SYNTAX, 1, 8, "expected 'Client.Property' after '@'"],
  ['space before a dot with nothing after it', 'A.X = 1; B.Y = A.X . ;', SYNTAX, 1, 20, "expected an identifier after '.' in the name 'A.X'"],
  ['unknown directive', 'A.X = 1;\n#inclde "x.opts"', SYNTAX, 2, 1, 'unknown directive #inclde (did you mean "include"?)'],
  ['#include without a file name', '#include common.opts', SYNTAX, 1, 10, 'expected a file name in quotes after #include'],
  ['#ifdef without a name', '#ifdef\n', SYNTAX, 1, 7, 'expected a name after #ifdef'],
  ['#else without #ifdef', 'A.X = 1;\n#else\n', SYNTAX, 2, 1, '#else without a matching #ifdef or #ifndef'],
  ['#endif without #ifdef', '#endif', SYNTAX, 1, 1, '#endif without a matching #ifdef or #ifndef'],
  ['#ifdef not closed', 'A.X = 1;\n  #ifndef FOO\nA.Y = 2;\n', SYNTAX, 2, 3, '#ifndef FOO is not closed: expected #endif before the end of the file'],
  ['second #else', '#ifdef X\n#else\n#else\n#endif', SYNTAX, 3, 1, 'a second #else for the #ifdef at line 1: expected #endif'],
  ['bad pragma value', '#pragma print maybe', SYNTAX, 1, 15, "expected 'on' or 'off' after #pragma print"],
  ['unknown pragma', '#pragma once', SYNTAX, 1, 9, "expected 'print on|off', 'printtree' or 'dumpfile \"file\"' after #pragma"],
  ['unknown reference', 'A.X = 1;\nB.Y = { @A.Z };', REFERENCE, 2, 9, 'unknown reference @A.Z in the value of B.Y: A.Z is not set in any file read (did you mean "A.X"?)'],
  ['bare copy of a value set later', 'B.Y = A.X;\nA.X = 1;', REFERENCE, 1, 7, 'A.X in the value of B.Y has not been set before this line: a bare Client.Property copies the value set so far; write @A.X'],
  ['references in a circle', 'A.X = @B.Y;\nB.Y = { @A.X };', REFERENCE, 1, 1, 'the references @A.X -> @B.Y -> @A.X go round in a circle'],
  ['unit without #units', 'A.E = 5*GeV;', UNITS, 1, 9, "unknown unit 'GeV' in the value of A.E; no #units file has been read before this line"],
  ['+= on a number', 'A.X = 1;\n  A.X += 2;', OPERATION, 2, 3, "'+=' needs a list or a map, but A.X holds a number; use '=' to replace it"],
  ['+= of a list to a map', 'A.M = { "a": 1 };\nA.M += { 2 };', OPERATION, 2, 1, "'+=' on A.M needs a map on the right"],
  ['-= on a string', 'A.S = "x";\nA.S -= "x";', OPERATION, 2, 1, "'-=' needs a list or a map, but A.S holds a string; use '=' to replace it"],
  ['-= of a list of lists from a map', 'A.M = { "a": 1 };\nA.M -= { { "a" } };', OPERATION, 2, 1, "'-=' on the map A.M needs key names (strings) on the right"],
  ['+= on a reference to a number, found at the end', 'A.N = 1;\nB.N = @A.N;\nB.N += 2;', OPERATION, 3, 1, "'+=' needs a list or a map, but B.N holds a number"],
  ['unset environment variable in an include', '#include "$COWLOOP_TEST_UNSET_VAR/x.opts"', INCLUDE, 1, 1, 'the environment variable COWLOOP_TEST_UNSET_VAR used in "$COWLOOP_TEST_UNSET_VAR/x.opts" is not set'],
];

for (const [what, text, code, line, column, detail] of cases) {
  test(`error: ${what}`, () => {
    const error = errorOf(() => parseJobOptions(text, 'e.opts', { print: () => {} }));
    assert.ok(error instanceof JobOptionsError, String(error));
    assert.equal(error.code, code);
    assert.deepEqual(error.location, { file: 'e.opts', line, column });
    assert.ok(error.detail.includes(detail), `${error.detail}\n  does not include\n${detail}`);
    assert.ok(error.message.startsWith(`e.opts:${line}:${column}: ${error.detail}\n`), error.message);
    assertExcerpt(error, text.split('\n')[line - 1]);
  });
}

test('error message: the whole text of one', () => {
  const error = errorOf(() => parseJobOptions('Finder.MinHits = 4\n\tFinder.MaxHits = 5;', 'reco.opts'));
  assert.equal(
    error.message,
    [
      "reco.opts:1:19: expected ';' after the value of Finder.MinHits (found 'Finder.MaxHits')",
      '  1 | Finder.MinHits = 4',
      '    |                   ^',
    ].join('\n'),
  );
  // A tab before the column is kept, so the caret lines up.
  const tabbed = errorOf(() => parseJobOptions('\tA.X = ?;', 't.opts'));
  assert.equal(tabbed.message.split('\n')[2], '    | \t      ^');
});

test('a missing include names the including file, line and column', async () => {
  const file = fixture('missing-include.opts');
  const error = await loadJobOptions(file).then(() => assert.fail('no error'), (e) => e);
  assert.equal(error.code, INCLUDE);
  assert.deepEqual(error.location, { file, line: 2, column: 1 });
  assert.equal(error.detail, `cannot find the included file does-not-exist.opts: not in the current directory nor in ${fixtures} (JOBOPTSEARCHPATH is not set)`);
  assertExcerpt(error, '#include   "does-not-exist.opts"');
});

test('strict mode: an include cycle is an error naming the chain, at the #include that closes it', async () => {
  const a = fixture('cycle-a.opts');
  const b = fixture('cycle-b.opts');
  const error = await loadJobOptions(a, { print: () => {}, strict: true }).then(() => assert.fail('no error'), (e) => e);
  assert.equal(error.code, INCLUDE);
  assert.deepEqual(error.location, { file: b, line: 3, column: 3 });
  assert.equal(error.detail, `include cycle: ${a} -> ${b} -> ${a}; remove one of these includes`);
  assert.deepEqual(error.includedFrom, [{ file: a, line: 2, column: 1 }]);
  assert.ok(error.message.endsWith(`\n  (included from ${a}:2:1)`));
});

test('an error inside an included file points into that file and lists the include site', async () => {
  const error = await loadJobOptions(fixture('bad-included.opts')).then(() => assert.fail('no error'), (e) => e);
  assert.equal(error.code, SYNTAX);
  assert.deepEqual(error.location, { file: fixture('sub/bad-syntax.opts'), line: 1, column: 19 });
  assert.deepEqual(error.includedFrom, [{ file: fixture('bad-included.opts'), line: 2, column: 1 }]);
  assertExcerpt(error, 'Finder.MinHits = 4');
});

test('units files: syntax errors point into the units file', () => {
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'u.opts'), '1 GeV = 1000;\n1 TeV 1000000;\n');
    fs.writeFileSync(path.join(dir, 'main.opts'), '#units "u.opts"\nA.E = 2*GeV;\n');
    const main = path.join(dir, 'main.opts');
    const error = errorOf(() => parseJobOptions(fs.readFileSync(main, 'utf8'), main));
    assert.equal(error.code, SYNTAX);
    assert.deepEqual(error.location, { file: path.join(dir, 'u.opts'), line: 2, column: 7 });
    assert.equal(error.detail, "expected '=' after the unit name TeV");
    fs.writeFileSync(path.join(dir, 'u.opts'), '1 GeV = 1000;\n');
    fs.writeFileSync(main, '#units "u.opts"\nA.E = 2*Gev;\n');
    const unknown = errorOf(() => parseJobOptions(fs.readFileSync(main, 'utf8'), main));
    assert.equal(unknown.code, UNITS);
    assert.deepEqual(unknown.location, { file: main, line: 2, column: 9 });
    assert.equal(unknown.detail, "unknown unit 'Gev' in the value of A.E (did you mean \"GeV\"?)");
  });
});

test('a missing top-level file is ERR_COWLOOP_OPTIONS_FILE without a location', async () => {
  const error = await loadJobOptions(fixture('nope.opts')).then(() => assert.fail('no error'), (e) => e);
  assert.equal(error.code, FILE);
  assert.equal(error.location, undefined);
  assert.equal(error.message, `cannot read the job options file ${fixture('nope.opts')}: no such file`);
});

test('loadJobOptions validates its arguments and rejects rather than throws', async () => {
  await assert.rejects(loadJobOptions(''), { code: 'ERR_COWLOOP_INVALID_ARGUMENT', message: 'file must be a non-empty path (got "")' });
  await assert.rejects(loadJobOptions(fixture('full.opts'), { defines: 'FAST' }), {
    code: 'ERR_COWLOOP_INVALID_ARGUMENT',
    message: 'options.defines must be an array of names (got "FAST")',
  });
});
