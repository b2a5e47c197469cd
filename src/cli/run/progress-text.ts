// What the progress display says: event rates over a sliding window, the ETA, and the text
// of a live frame (terminal) or of one plain line (logs, pipes). Pure functions of samples.
import type { RecordedSample } from '../../report/recorder.js';
import type { Palette } from '../color.js';

const RATE_WINDOW_MS = 5000;

interface Point {
  tMs: number;
  done: number;
  byWorker: Map<number, number>;
}

/** Keeps the last few seconds of samples to turn counts into rates. */
export class RateTracker {
  readonly #points: Point[] = [];

  add(s: RecordedSample): void {
    this.#points.push({ tMs: s.tMs, done: s.sample.done, byWorker: new Map(s.sample.workers.map((w) => [w.index, w.done])) });
    while (this.#points.length > 2 && s.tMs - this.#points[1]!.tMs >= RATE_WINDOW_MS) this.#points.shift();
  }

  /** Events per second overall (undefined until two samples exist). */
  overall(): number | undefined {
    return this.#rate((p) => p.done);
  }

  worker(index: number): number | undefined {
    return this.#rate((p) => p.byWorker.get(index));
  }

  #rate(count: (p: Point) => number | undefined): number | undefined {
    const first = this.#points[0];
    const last = this.#points.at(-1);
    if (!first || !last || last.tMs <= first.tMs) return undefined;
    const a = count(first);
    const b = count(last);
    if (a === undefined || b === undefined || b < a) return undefined;
    return ((b - a) * 1000) / (last.tMs - first.tMs);
  }
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

function rateText(rate: number | undefined): string {
  if (rate === undefined) return '-';
  return rate >= 100 ? rate.toFixed(0) : rate.toFixed(1);
}

function eta(s: RecordedSample, rate: number | undefined): string | undefined {
  const total = s.sample.total;
  if (total === undefined || rate === undefined || rate <= 0) return undefined;
  return formatDuration(((total - s.sample.done) / rate) * 1000);
}

function countText(s: RecordedSample): string {
  const { done, total } = s.sample;
  if (total === undefined) return `${done} events`;
  const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
  return `${done}/${total} events (${pct}%)`;
}

const PHASE_TEXT = { serial: 'running', master: 'master', workers: 'workers', done: 'finishing' } as const;

/** A serial run that waits on one event (it awaits something slow, or never settles) names it. */
function inHandText(s: RecordedSample): string {
  const w = s.sample.workers[0];
  return s.sample.phase === 'serial' && w && w.inFlight >= 0 ? `event ${w.inFlight} in hand` : '';
}

/** One line for logs: overall counts, rate and ETA, then each worker's count, rate and memory. */
export function plainLine(s: RecordedSample, rates: RateTracker): string {
  const overall = rates.overall();
  const parts = [`${formatDuration(s.tMs)} ${PHASE_TEXT[s.sample.phase]}: ${countText(s)}`, `${rateText(overall)} ev/s`];
  const left = eta(s, overall);
  if (left && s.sample.phase !== 'done') parts.push(`ETA ${left}`);
  if (inHandText(s)) parts.push(inHandText(s));
  let line = `cowloop: ${parts.join(', ')}`;
  if (s.sample.workers.length > 1 || s.sample.phase === 'workers') {
    const ws = s.sample.workers.map((w) => {
      const mem = s.memory.get(w.pid);
      return `w${w.index} ${w.done} ${rateText(rates.worker(w.index))}/s${mem ? ` ${mem.uss.toFixed(0)} MiB` : ''}`;
    });
    line += ` | ${ws.join(' | ')}`;
  }
  return line;
}

const BAR_WIDTH = 30;

/** The live frame: a bar with counts, rate and ETA, and a table with one row per process. */
export function liveFrame(s: RecordedSample, rates: RateTracker, job: string, c: Palette): string {
  const { done, total, phase, workers } = s.sample;
  const overall = rates.overall();
  const lines = [`${c.bold('cowloop')} ${job}  ${c.dim(`${PHASE_TEXT[phase]}, ${formatDuration(s.tMs)}`)}`];
  const fraction = total ? Math.min(1, done / total) : undefined;
  const bar = fraction === undefined ? '' : `${c.green('█'.repeat(Math.round(fraction * BAR_WIDTH)))}${c.dim('░'.repeat(BAR_WIDTH - Math.round(fraction * BAR_WIDTH)))}  `;
  const left = eta(s, overall);
  const inHand = inHandText(s) ? `  ${c.yellow(inHandText(s))}` : '';
  lines.push(`${bar}${countText(s)}  ${rateText(overall)} ev/s${left && phase !== 'done' ? `  ETA ${left}` : ''}${inHand}`);
  const head = ['', 'pid', 'events', 'ev/s', 'USS MiB', 'PSS MiB', 'restarts'];
  const rows: string[][] = workers.map((w) => {
    const mem = s.memory.get(w.pid);
    return [`worker ${w.index}`, w.pid > 0 ? String(w.pid) : '-', String(w.done), rateText(rates.worker(w.index)), mem ? mem.uss.toFixed(1) : '-', mem ? mem.pss.toFixed(1) : '-', String(w.restarts)];
  });
  const master = s.memory.get(process.pid);
  if (master && !workers.some((w) => w.pid === process.pid)) rows.unshift(['master', String(process.pid), '', '', master.uss.toFixed(1), master.pss.toFixed(1), '']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  lines.push(c.dim(fmt(head)), ...rows.map(fmt));
  return lines.join('\n');
}
