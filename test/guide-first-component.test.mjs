// docs/guide.md, "Your first component": every code snippet is part of
// examples/first-component, and the chapter's commands, run as written (with /tmp/ in a
// temporary directory), give byte-identical outputs serially, on 2 workers, and from the
// embedding host.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withDir } from './helpers/tmp.mjs';
import { root, bin } from './helpers/root.mjs';

const example = path.join(root, 'examples', 'first-component');

/** The chapter's fenced blocks: { lang, text }. */
function chapterBlocks() {
  const guide = fs.readFileSync(path.join(root, 'docs', 'guide.md'), 'utf8');
  const start = guide.indexOf('\n## Your first component\n');
  assert.ok(start >= 0, 'docs/guide.md has the chapter');
  const end = guide.indexOf('\n## ', start + 1);
  const chapter = guide.slice(start, end);
  return [...chapter.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], text: m[2] }));
}

test('every code snippet of the chapter is taken from examples/first-component', () => {
  const files = fs.readdirSync(example).map((f) => fs.readFileSync(path.join(example, f), 'utf8'));
  const snippets = chapterBlocks().filter((b) => b.lang !== 'sh');
  assert.ok(snippets.length >= 6, `${snippets.length} snippets`);
  for (const { text } of snippets) {
    assert.ok(files.some((f) => f.includes(text)), `not found in examples/first-component:\n${text}`);
  }
});

test("the chapter's commands give the same outputs serially, on 2 workers and from the host", () => {
  withDir((dir) => {
    const commands = chapterBlocks()
      .filter((b) => b.lang === 'sh')
      .flatMap((b) => b.text.split('\n'))
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean);
    assert.equal(commands.length, 3, commands.join('\n'));
    const outDirs = [];
    for (const command of commands) {
      const [program, ...args] = command.replaceAll('/tmp/', `${dir}/`).split(/\s+/);
      const argv = program === 'cowloop' ? [bin, ...args] : program === 'node' ? args : assert.fail(`unexpected command: ${command}`);
      const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8', timeout: 120000 });
      assert.equal(r.status, 0, `${command}\n${r.stdout}\n${r.stderr}`);
      const out = args.find((a) => a.startsWith(`${dir}/`));
      outDirs.push(out);
      // The master's finalize sees every event that passed, after the merge.
      const passed = fs.readFileSync(path.join(out, 'summary.ndjson'), 'utf8').trim().split('\n').length;
      assert.match(r.stdout, new RegExp(`EnergyMonitor +INFO +${passed} events passed, mean energy`), command);
      assert.doesNotMatch(r.stdout, /WARNING/, command);
    }
    assert.equal(new Set(outDirs).size, 3);
    const [serial, ...others] = outDirs;
    const records = fs.readFileSync(path.join(serial, 'summary.ndjson'), 'utf8').trim().split('\n');
    assert.ok(records.length > 1000 && records.length < 2000, `${records.length} of 2000 events passed EnergySum`);
    assert.match(records[0], /^\{"event":\d+,"nHits":\d+,"energy":[\d.]+\}$/);
    for (const other of others) {
      for (const file of ['summary.ndjson', 'energy-histos.json']) {
        assert.ok(fs.readFileSync(path.join(serial, file)).equals(fs.readFileSync(path.join(other, file))), `${other}/${file} differs from the serial run's`);
      }
    }
  });
});
