// How much memory one shard needs: its master, the serial process with the job's state
// initialised, plus a little per worker (the workers share the master's pages copy-on-write
// and hold privately only what they change). The master's size is measured by
// initialising the job in this process; the per-worker figure comes from cowloop's own
// measurements (docs/memory-sharing.md: 7-21 MiB private per reco worker; a forked child's
// young generation can add up to ~38 MB on Node 24 and 26).
import * as fs from 'node:fs';
import { createApplication } from '../framework/application.js';
import type { JobOptions } from '../options/types.js';

export const PER_WORKER_MIB = 64;
/** Headroom on the measured master: events allocate beyond what initialisation left. */
export const MASTER_HEADROOM = 1.25;

export interface MemoryEstimate {
  /** What --mem gets, in MiB. */
  mib: number;
  /** One line saying where the figure comes from, for the batch script. */
  explanation: string;
}

/** Peak resident memory of this process so far (VmHWM), in MiB. */
export function peakResidentMiB(): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Initialises the job here (no events), measures the process, then shuts the job down. */
export async function measureInitialisedJob(options: JobOptions): Promise<number> {
  const app = createApplication({ options, messageSink: { write: () => {} } });
  try {
    await app.configure();
    await app.initialize();
    return peakResidentMiB();
  } finally {
    try {
      if (app.state === 'initialized') await app.finalize();
      if (app.state === 'configured') await app.terminate();
    } catch {
      /* the measurement is taken; a component that fails to finalize here fails in the shard too */
    }
  }
}

export function estimateShardMemory(masterMiB: number, workers: number): MemoryEstimate {
  const master = Math.ceil(masterMiB * MASTER_HEADROOM);
  const mib = master + workers * PER_WORKER_MIB;
  return {
    mib,
    explanation:
      `${mib} MiB = the serial process with the job initialised (${masterMiB.toFixed(0)} MiB measured by cowloop submit) ` +
      `x ${MASTER_HEADROOM} + ${workers} worker${workers === 1 ? '' : 's'} x ${PER_WORKER_MIB} MiB private each (workers share the rest copy-on-write)`,
  };
}
