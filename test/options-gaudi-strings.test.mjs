// Strings as Gaudi's C++ reader takes them: a backslash escapes only the quote that opened
// the string and is otherwise kept as written (so "\n" is a backslash and an n, not a line
// break); a string may span lines. Python's reader differs on \n and \t; the C++ one is
// followed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, formatJobOptions, formatOptionValue, parseJobOptions } from 'cowloop';

const value = (text) => parseJobOptions(`A.S = ${text};`, 's.opts').get('A', 'S').value;

test('a Windows path keeps every backslash', () => {
  assert.equal(value(String.raw`"C:\something\vXrY\filename"`), String.raw`C:\something\vXrY\filename`);
  assert.equal(value(String.raw`'C:\something\vXrY\filename'`), String.raw`C:\something\vXrY\filename`);
});

test('what other languages take for escapes is kept as written', () => {
  assert.equal(value(String.raw`"a\\b"`), String.raw`a\\b`);
  assert.equal(value(String.raw`"\bword\b"`), String.raw`\bword\b`);
  assert.equal(value(String.raw`"\x41\u0041"`), String.raw`\x41\u0041`);
  assert.equal(value(String.raw`"tab\there\nline"`), String.raw`tab\there\nline`);
});

test('a backslash before the opening quote character is that quote; the other quote needs none', () => {
  assert.equal(value(String.raw`"hundred \"one\""`), 'hundred "one"');
  assert.equal(value(String.raw`'it\'s'`), "it's");
  assert.equal(value(String.raw`"it\'s"`), String.raw`it\'s`);
  assert.equal(value(String.raw`'say "hi"'`), 'say "hi"');
  // `\\"` is a kept backslash, then an escaped quote: the string goes on.
  assert.equal(value(String.raw`"a\\" b"`), String.raw`a\" b`);
});

test('a string may span lines; the line break is part of it', () => {
  assert.equal(value('"\nhi\n"'), '\nhi\n');
  assert.equal(value('"1;\n2;\n3"'), '1;\n2;\n3');
  const opts = parseJobOptions('A.S = "a\nb";\nA.T = "after";', 'm.opts');
  assert.deepEqual(opts.get('A', 'T').location, { file: 'm.opts', line: 3, column: 1 });
  assert.equal(value('"a;b;c"'), 'a;b;c');
  assert.equal(value('"// not a comment /* nor this */"'), '// not a comment /* nor this */');
});

test('a string ending in a backslash cannot be closed; printing one is refused', () => {
  assert.throws(() => parseJobOptions('A.S = "dir\\";\nA.T = 1;', 'e.opts'), {
    code: ErrorCodes.ERR_COWLOOP_OPTIONS_SYNTAX,
    message: /^e\.opts:1:7: unterminated string: expected a closing " before the end of the file/,
  });
  assert.throws(() => formatOptionValue('dir\\'), { code: ErrorCodes.ERR_COWLOOP_OPTIONS_VALUE, message: /ends with a backslash/ });
});

test('printed strings read back to the same text', () => {
  const texts = [String.raw`C:\dir\file`, 'quote " inside', String.raw`backslash then quote \" end`, 'two\nlines', "it's", ''];
  const opts = parseJobOptions(texts.map((t, i) => `A.S${i} = ${formatOptionValue(t)};`).join('\n'), 'w.opts');
  assert.deepEqual(texts.map((_, i) => opts.get('A', `S${i}`).value), texts);
  assert.deepEqual(parseJobOptions(formatJobOptions(opts), 'again.opts').toObject(), opts.toObject());
});
