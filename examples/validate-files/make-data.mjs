// Writes sample inputs for validate.mjs into a directory: good NDJSON, CSV and gzip files,
// and three corrupt ones (a broken JSON line, a CSV row with a missing column, a
// truncated gzip stream).
// Usage: node examples/validate-files/make-data.mjs <dir> [records-per-file]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2];
const records = Number(process.argv[3] ?? 20000);
if (!dir || !(records > 0)) {
  console.error('usage: node examples/validate-files/make-data.mjs <dir> [records-per-file]');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });

const ndjson = (n) => Array.from({ length: n }, (_, i) => JSON.stringify({ event: i, run: 7, energy: (i * 0.37) % 100 })).join('\n') + '\n';
const csv = (n) => 'event,run,energy\n' + Array.from({ length: n }, (_, i) => `${i},7,${((i * 0.37) % 100).toFixed(3)}`).join('\n') + '\n';

const write = (name, data) => fs.writeFileSync(path.join(dir, name), data);
write('events-a.ndjson', ndjson(records));
write('events-b.csv', csv(records));
write('events-c.ndjson.gz', zlib.gzipSync(ndjson(records)));
write('events-d.csv.gz', zlib.gzipSync(csv(records)));

const brokenJson = ndjson(records).split('\n');
brokenJson[Math.floor(records / 2)] = '{"event": 1, "run": 7, "energy": ';
write('corrupt-e.ndjson', brokenJson.join('\n'));
const shortRow = csv(records).split('\n');
shortRow[Math.floor(records / 3)] = '17,7';
write('corrupt-f.csv', shortRow.join('\n'));
const gz = zlib.gzipSync(ndjson(records));
write('corrupt-g.ndjson.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));

console.log(`wrote 7 files of ${records} records into ${dir}`);
