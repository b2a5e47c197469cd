// The HTML report of a run: one self-contained file (inline CSS, script and data; the charts
// are SVG drawn by the inline script), readable offline in any browser.
//
//   writeHtmlReport('report.html', recorder.finish(outcome));
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import type { RunRecord } from './types.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element (no "</script>", no "<!--"). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

const STATUS_TEXT: Record<RunRecord['status'], string> = {
  ok: 'completed',
  'failed-events': 'completed with failed events',
  interrupted: 'interrupted',
  error: 'failed',
};

function facts(record: RunRecord): string {
  const rows: Array<[string, string]> = [
    ['job', record.job],
    ['status', `${STATUS_TEXT[record.status]} (exit code ${record.exitCode})`],
    ['events', `${record.processed} processed, ${record.failed} failed`],
    ['wall time', seconds(record.wallMs)],
    ['event loop', record.eventLoop || '-'],
    ['started', record.startedAt],
    ['host', `${record.host.cpus} cores, node ${record.host.node}, master pid ${record.host.masterPid}`],
  ];
  const mp = record.multiProcess;
  if (mp) {
    rows.push(['workers', `${record.workers.length} (strategy ${mp.strategy}, forked in ${mp.forkMs.toFixed(1)} ms, ${mp.restarts} restarts)`]);
    if (mp.masterEvents > 0) rows.push(['before fork', `${mp.masterEvents} events in the master`]);
    if (mp.poisonEvents.length > 0) rows.push(['poison events', mp.poisonEvents.join(', ')]);
  }
  if (record.error) rows.push(['error', `${record.error.message}${record.error.code ? ` [${record.error.code}]` : ''}`]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function workerTable(record: RunRecord): string {
  if (!record.multiProcess && record.workers.length === 0) return '';
  const total = record.workers.reduce((n, w) => n + w.processed, 0) || 1;
  const per = (ms: number, n: number): string => (n ? (ms / n).toFixed(3) : '-');
  const body = record.workers
    .map((w) => `<tr><td>${w.index}</td><td>${w.pid}</td><td>${w.processed}</td><td>${((100 * w.processed) / total).toFixed(1)}%</td>` +
      `<td>${w.failed}</td><td>${per(w.wallMs, w.processed)}</td><td>${per(w.cpuMs, w.processed)}</td><td>${w.peakUssMiB.toFixed(1)}</td></tr>`)
    .join('');
  return '<table class="workers"><thead><tr><th>worker</th><th>pid</th><th>events</th><th>share</th><th>failed</th>' +
    `<th>wall ms/event</th><th>CPU ms/event</th><th>peak USS MiB</th></tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * Why the master's USS climbs when the workers exit: the pages it shared with them are
 * then mapped by the master alone and count as its private memory; nothing was allocated.
 */
function masterUssNote(record: RunRecord): string {
  if (!record.multiProcess && record.workers.length === 0) return '';
  return `<p class="hint" id="memory-note">The master's USS jumps up at the end, when the workers exit: the pages it shared with
them copy-on-write (the state built at initialisation) are then mapped by the master alone, so they count as its own.
No memory was allocated: the master's RSS stays flat, and its PSS rises by the share the workers carried.</p>`;
}

/** The whole page as a string. */
export function renderHtmlReport(record: RunRecord): string {
  const title = `cowloop run: ${path.basename(record.job)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body class="status-${record.status}">
<header><h1>${escapeHtml(title)}</h1>${facts(record)}</header>
<main>
<section id="memory">
<h2>Memory per process over time</h2>
<p class="hint">Private memory (USS) is what each process alone holds: the pages it has written since the fork.
PSS shares the common pages out among the processes that map them; RSS counts them in full for each.</p>
<div id="memory-metric" class="toggle" role="group" aria-label="memory measure">
<button type="button" data-metric="uss">USS</button><button type="button" data-metric="pss">PSS</button><button type="button" data-metric="rss">RSS</button>
</div>
<div id="memory-chart"></div>
${masterUssNote(record)}
</section>
<section id="events">
<h2>Events per worker</h2>
<div id="workers-chart"></div>
${workerTable(record)}
<h3>Events done over time</h3>
<div id="events-chart"></div>
</section>
<section id="timeline">
<h2>Timeline of the run</h2>
<p class="hint">The job's phases (set-up, the master's own events and the fork, the workers, finalize with the merge), and the life of each worker process.</p>
<div id="timeline-chart"></div>
</section>
</main>
<footer>Written by cowloop from ${record.progress.length} progress samples and ${record.memory.length} memory readings.</footer>
<script type="application/json" id="run-data">${scriptJson(record)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Writes the report to `file` (through a temporary name, so a reader never sees half a page). */
export function writeHtmlReport(file: string, record: RunRecord): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, renderHtmlReport(record));
  fs.renameSync(tmp, file);
}
