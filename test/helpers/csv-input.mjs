// CSV inputs for the reader tests, with the values each record must read as, computed here
// independently of the reader: a header, quoted fields with commas, doubled quotes and line
// ends inside them, blank lines, LF or CRLF line ends, with or without a last line end, and
// optionally one record with broken quoting.
import fs from 'node:fs';

/**
 * Writes `n` records to `file`; returns { records, lines } where records[i] is what record i
 * must read as and lines[i] the line it starts on. `bad`: index of a record whose quoting is
 * broken (`"name"x`); it is written but has no expected value.
 */
export function writeCsv(file, n, { eol = '\n', lastEol = true, bad = -1, first = 0 } = {}) {
  const records = [];
  const lines = [];
  let text = `id,name,note,value${eol}`;
  let line = 2;
  for (let k = 0; k < n; k++) {
    const i = first + k;
    const value = i * 0.5;
    let note;
    let noteText;
    if (i % 5 === 0) {
      note = `line a${eol}line "b" ${i}`;
      noteText = `"line a${eol}line ""b"" ${i}"`;
    } else if (i % 7 === 0) {
      note = '';
      noteText = '';
    } else {
      note = `plain ${i}`;
      noteText = note;
    }
    const name = k === bad ? '"name"x' : `"name, ${i}"`;
    lines.push(line);
    text += `${i},${name},${noteText},${value}`;
    line += noteText.split(eol).length - 1;
    if (k < n - 1 || lastEol) {
      text += eol;
      line++;
    }
    if (k % 50 === 49 && k < n - 1) {
      text += eol; // a blank line is no record
      line++;
    }
    records.push(k === bad ? null : { id: i, name: `name, ${i}`, note, value });
  }
  fs.writeFileSync(file, text);
  return { records, lines };
}
