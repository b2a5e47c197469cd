// V8's allocation-site pretenuring allocates the objects of an allocation site straight in
// the old generation once enough of them survived a scavenge. Before a fork that is what
// the warm-up events teach it (their objects survive while the young generation is 1 MiB),
// and every worker then allocates its per-event objects in the old generation, where they
// stay, private, until the worker's next full collection. Measured with fork() (reco work,
// 500 MB of state, 200 events before the fork, one child running 10,000 events): child
// private memory 101 MiB with pretenuring, 4.5 MiB without; forked before any event, 19 MiB
// either way. The flag must be off before the events that would teach it: switched off
// later, sites already marked stay marked.
import * as v8 from 'node:v8';

let off = false;

/** Turns allocation-site pretenuring off for the rest of this process (and the children it forks). */
export function stopPretenuring(): void {
  if (off) return;
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
  off = true;
}
