// The end-of-job table: one row per worker.
import type { MpRunReport } from './mp-event-loop-mgr.js';

export function formatWorkerTable(report: MpRunReport, wallMs: number): string {
  const total = report.workers.reduce((n, w) => n + w.processed, 0) || 1;
  const rows = report.workers.map((w) => [
    String(w.index),
    String(w.pid),
    String(w.processed),
    `${((100 * w.processed) / total).toFixed(1)}%`,
    w.processed ? (w.wallMs / w.processed).toFixed(3) : '-',
    w.processed ? (w.cpuMs / w.processed).toFixed(3) : '-',
    w.peakUssMiB.toFixed(1),
  ]);
  const head = ['worker', 'pid', 'events', 'share', 'wall ms/evt', 'cpu ms/evt', 'peak USS MiB'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  const out = [
    `${report.workers.length} workers, strategy ${report.strategy}, ${report.masterEvents} events in the master before forking, ` +
      `${report.restarts} restarts, ${report.recycles} recycles, forked in ${report.forkMs.toFixed(1)} ms${report.hugePagesMiB > 0 ? ` (${report.hugePagesMiB.toFixed(0)} MiB in huge pages)` : ''}, ran ${(wallMs / 1000).toFixed(2)} s`,
    line(head),
    ...rows.map(line),
  ];
  if (report.poisonEvents.length > 0) out.push(`poison events skipped: ${report.poisonEvents.join(', ')}`);
  return out.join('\n');
}
