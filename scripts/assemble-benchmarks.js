// Puts docs/benchmarks.md together: a short description of the machine it is run on, then
// every benchmarks/results/<name>.md in a fixed order. Each benchmark writes its own
// results file (with the command that produced it); this script never measures anything.
//
//   node scripts/assemble-benchmarks.js          (npm run bench:docs)
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const resultsDir = path.join(root, 'benchmarks', 'results');
const docFile = path.join(root, 'docs', 'benchmarks.md');

// Sections in this order first; any other results file follows, by name.
// goals.md, the table of goals against the measured figures, comes first.
const ORDER = ['goals', 'fork-latency', 'memory', 'memory-defaults', 'memory-defaults-node24', 'memory-long-run', 'memory-long-run-node22', 'memory-long-run-node24', 'memory-long-run-semi-space-16000', 'memory-long-run-semi-space-120000', 'evtloop', 'evtloop-speedup-node20', 'evtloop-speedup-node24', 'evtloop-speedup-node20-40000-events', 'evtloop-speedup-node24-40000-events', 'tiny-events', 'tasks', 'merge', 'csv-input', 'root-input', 'scale-out', 'queue-overhead', 'queue-redis-ops', 'queue-sim'];

function cpuCount() {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return os.availableParallelism();
  }
}

function cpuModel() {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/** The machine, as one sentence: cores, CPU model, RAM, kernel, Node.js. */
function machineSummary() {
  const cores = cpuCount();
  const ramGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${cores} ${cores === 1 ? 'core' : 'cores'} (\`nproc\`), ${cpuModel()}, ${ramGiB} GiB RAM, ` +
    `Linux ${os.release()}, Node.js ${process.version}`;
}

/** Results files in document order; quick-mode outputs (*-quick.md) are not results. */
function resultFiles(dir = resultsDir) {
  if (!fs.existsSync(dir)) return [];
  const names = fs.readdirSync(dir)
    .filter((f) => f.endsWith('.md') && !f.endsWith('-quick.md'))
    .map((f) => f.slice(0, -3));
  const rank = (name) => {
    const i = ORDER.indexOf(name);
    return i === -1 ? ORDER.length : i;
  };
  return names
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => ({ name, file: path.join(dir, `${name}.md`) }));
}

/**
 * Sections sit under the page's one `#` title: a results file that starts at `#` has every
 * heading moved down a level (outside code fences).
 */
function asSection(markdown) {
  const lines = markdown.replace(/\s+$/, '').split('\n');
  const first = lines.find((l) => l.trim() !== '') ?? '';
  if (!/^# /.test(first)) return lines.join('\n');
  let fenced = false;
  return lines
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      return !fenced && /^#{1,5} /.test(line) ? `#${line}` : line;
    })
    .join('\n');
}

function titleOf(section, fallback) {
  const heading = section.split('\n').find((l) => /^## /.test(l));
  return heading ? heading.slice(3).trim() : fallback;
}

function anchorOf(title) {
  return title.toLowerCase().replace(/[^\w\- ]+/g, '').trim().replace(/ /g, '-');
}

function assembleBenchmarks({ dir = resultsDir, out = docFile } = {}) {
  const sections = resultFiles(dir).map(({ name, file }) => {
    const body = asSection(fs.readFileSync(file, 'utf8'));
    return { name, body, title: titleOf(body, name) };
  });
  const cores = cpuCount();
  const intro = [
    '# Benchmarks',
    '',
    `Machine: ${machineSummary()}.`,
    '',
    `With ${cores} ${cores === 1 ? 'core' : 'cores'}, no parallel run on this machine can be more than ${cores}x ` +
      'faster than the serial one, however many workers it forks: rows with more workers than cores ' +
      'measure overhead and memory sharing, not speed. Latencies of a single fork are not bounded this way, ' +
      'but a second busy process competes with them for the same two cores.',
    '',
    'Each section is one benchmark\'s results file (`benchmarks/results/<name>.md`), written by that ' +
      'benchmark together with the command that produced it. This page is put together from them by ' +
      '`npm run bench:docs` (`scripts/assemble-benchmarks.js`); regenerate it rather than edit it. ' +
      'How to run each benchmark: `benchmarks/README.md`.',
    '',
  ];
  if (sections.length > 0) {
    intro.push(...sections.map((s) => `- [${s.title}](#${anchorOf(s.title)})`), '');
  } else {
    intro.push('No results yet: run a benchmark (see `benchmarks/README.md`).', '');
  }
  const doc = `${[intro.join('\n').trimEnd(), ...sections.map((s) => s.body)].join('\n\n')}\n`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, doc);
  return { out, sections: sections.map((s) => s.name) };
}

module.exports = { assembleBenchmarks, machineSummary, resultFiles };

if (require.main === module) {
  const { out, sections } = assembleBenchmarks();
  process.stderr.write(`wrote ${path.relative(root, out)} (${sections.join(', ') || 'no results'})\n`);
}
