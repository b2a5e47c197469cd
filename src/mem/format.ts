// The memory report as a text table, one row per process, then totals and totals / N.
import type { MemoryFigures, MemoryReport, PrivateShared } from './report.js';

export interface FormatOptions {
  /** Add the parts of data: V8 heap, external (malloc, ArrayBuffer stores), file data. */
  kinds?: boolean;
}

interface Column {
  title: string;
  value: (f: MemoryFigures) => number;
}

function columns(kinds: boolean): Column[] {
  const pair = (title: string, pick: (f: MemoryFigures) => PrivateShared): Column[] => [
    { title: `${title} priv`, value: (f) => pick(f).private },
    { title: `${title} shr`, value: (f) => pick(f).shared },
  ];
  const parts = [
    ...pair('v8heap', (f) => f.v8Heap),
    ...pair('extern', (f) => f.external),
    ...pair('file', (f) => f.file),
  ];
  return [
    ...pair('code', (f) => f.code),
    ...pair('data', (f) => f.data),
    ...(kinds ? parts : []),
    { title: 'PSS', value: (f) => f.pss },
    { title: 'USS', value: (f) => f.uss },
    { title: 'RSS', value: (f) => f.rss },
  ];
}

const mib = (n: number): string => n.toFixed(1);

/** A fixed-width table in MiB. */
export function formatMemoryReport(report: MemoryReport, options: FormatOptions = {}): string {
  const cols = columns(options.kinds ?? false);
  const n = report.rows.length;
  const lines: string[][] = [['pid', 'role', ...cols.map((c) => c.title)]];
  for (const row of report.rows) {
    lines.push([String(row.pid), row.role, ...cols.map((c) => mib(c.value(row)))]);
  }
  const rule = lines.length;
  lines.push(['', `total (${n})`, ...cols.map((c) => mib(c.value(report.totals)))]);
  lines.push(['', `total / ${n}`, ...cols.map((c) => mib(c.value(report.perProcess)))]);

  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = lines.map(render);
  out.splice(rule, 0, '-'.repeat(out[0]!.length));
  out.push('');
  out.push(
    `MiB. priv: pages only this process maps (USS); shr: pages it shares with others. ` +
      `total PSS ${mib(report.totals.pss)} MiB is what the ${n} processes occupy together; ` +
      `their RSS would add up to ${mib(report.totals.rss)} MiB.`,
  );
  if (report.missing.length > 0) {
    out.push(`exited before they could be read: ${report.missing.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}
