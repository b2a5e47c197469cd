// The HTML report of `cowloop run --report`: one self-contained file, and, opened in a real
// browser (headless Chromium), charts that the page's own script has drawn.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { root, bin } from './helpers/root.mjs';
import { suiteDir } from './helpers/tmp.mjs';

const job = path.join(root, 'test', 'fixtures', 'cli', 'job.opts');
const CHROMIUM = process.env.COWLOOP_CHROMIUM ?? '/usr/bin/chromium';

function exec(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000, ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Headless Chromium on a file, with a fresh profile and nothing that reaches the network. */
function chromium(dir, ...args) {
  const profile = fs.mkdtempSync(path.join(dir, 'profile-'));
  return exec(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--window-size=1000,1800', ...args,
  ]);
}

const dir = suiteDir();
let report;
let summary;

before(async () => {
  report = path.join(dir, 'report.html');
  // Paced so that several progress samples (twice a second) fall in the workers' phase.
  const r = await exec(process.execPath, ['--single-threaded', bin, 'run', job, '--workers', '2', '--events', '400', '--set', 'Pace.SpinMs=8',
    '--out', path.join(dir, 'out'), '--report', report, '--json'], { cwd: root });
  assert.equal(r.status, 0, r.stderr);
  summary = JSON.parse(r.stdout);
});

test('the report is one self-contained file holding the run record', () => {
  const html = fs.readFileSync(report, 'utf8');
  assert.equal(summary.report, report);
  assert.doesNotMatch(html, /<(link|img|iframe)\b/i, 'no external resources');
  assert.doesNotMatch(html, /<script[^>]+\bsrc=/i, 'scripts are inline');
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no network addresses');
  const json = /<script type="application\/json" id="run-data">([^<]*)<\/script>/.exec(html);
  assert.ok(json, 'the record is embedded');
  const record = JSON.parse(json[1]);
  assert.equal(record.status, 'ok');
  assert.equal(record.processed, 400);
  assert.deepEqual(record.workers.map((w) => w.pid), summary.workers.map((w) => w.pid));
  assert.deepEqual([...new Set(record.memory.map((m) => m.index))].sort(), [-1, 0, 1]);
  assert.deepEqual(record.phases.map((p) => p.name), ['set-up', 'master', 'workers', 'finalize']);
  // The master's USS jumps when the workers exit; the page says why, beside the memory chart.
  const memorySection = html.slice(html.indexOf('<section id="memory">'), html.indexOf('</section>', html.indexOf('<section id="memory">')));
  assert.match(memorySection, /id="memory-note"[^>]*>The master's USS jumps up at the end, when the workers exit/);
});

test('in headless Chromium the page draws its charts', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium) to run the browser test`);
    return;
  }
  const shot = path.join(dir, 'report.png');
  const [dom, png] = await Promise.all([
    chromium(dir, '--dump-dom', `file://${report}`),
    chromium(dir, `--screenshot=${shot}`, `file://${report}`),
  ]);
  assert.equal(dom.status, 0, dom.stderr);
  assert.equal(png.status, 0, png.stderr);
  // The DOM after the page's script ran.
  assert.match(dom.stdout, /<body [^>]*data-rendered="true"/);
  const section = (id) => {
    const start = dom.stdout.indexOf(`id="${id}"`);
    assert.ok(start >= 0, id);
    return dom.stdout.slice(start, dom.stdout.indexOf('</svg>', start));
  };
  const count = (text, re) => (text.match(re) ?? []).length;
  // Memory: one line per process (the master and two workers), each with several points.
  const memory = section('memory-chart');
  assert.equal(count(memory, /<polyline /g), 3);
  for (const m of memory.matchAll(/<polyline [^>]*points="([^"]+)"/g)) assert.ok(m[1].split(' ').length >= 2, m[1]);
  // Events per worker: the master's (its events before the fork, ForkAfterEvents = "auto") and
  // two workers' bars; events over time: two lines; timeline: the job and two workers.
  assert.equal(count(section('workers-chart'), /<rect [^>]*class="bar"/g), 3);
  assert.equal(count(section('events-chart'), /<polyline /g), 2);
  const timeline = section('timeline-chart');
  assert.ok(count(timeline, /class="segment"/g) >= 6, 'four phases and two worker lives');
  // The screenshot: a PNG of the drawn page, not an empty one.
  const bytes = fs.readFileSync(shot);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(bytes.length > 40_000, `screenshot is ${bytes.length} bytes`);
});
