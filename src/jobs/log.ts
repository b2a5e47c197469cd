// Per-job log events. The default logger is silent unless NODE_DEBUG names "cowloop"
// (util.debuglog), so tests and libraries stay quiet; pass `logger` to route events elsewhere.
import { debuglog } from 'node:util';

export type JobLogEvent =
  | { kind: 'submitted'; group: string; job: string; time: number }
  | { kind: 'started'; group: string; job: string; pid: number; time: number }
  | { kind: 'finished'; group: string; job: string; pid: number; time: number; durationMs: number }
  | { kind: 'failed'; group: string; job: string; pid: number | undefined; time: number; durationMs: number | undefined; error: Error };

export type JobLogger = (event: JobLogEvent) => void;

const debug = debuglog('cowloop');

export const defaultJobLogger: JobLogger = (event) => {
  if (!debug.enabled) return;
  debug('%s', formatJobLogEvent(event));
};

export const silentJobLogger: JobLogger = () => undefined;

/** One line per event: `job "g/name" finished in worker 123 after 12.3 ms`. */
export function formatJobLogEvent(event: JobLogEvent): string {
  const id = `job "${event.group}/${event.job}"`;
  switch (event.kind) {
    case 'submitted':
      return `${id} submitted`;
    case 'started':
      return `${id} started in worker ${event.pid}`;
    case 'finished':
      return `${id} finished in worker ${event.pid} after ${event.durationMs.toFixed(1)} ms`;
    case 'failed': {
      const where = event.pid === undefined ? '' : ` in worker ${event.pid}`;
      const after = event.durationMs === undefined ? '' : ` after ${event.durationMs.toFixed(1)} ms`;
      return `${id} failed${where}${after}: ${event.error.message}`;
    }
  }
}
