// What a freshly forked child drops of its parent's state before any user code runs: one
// step per subsystem, run in this order (the model is libuv's uv_loop_fork, which calls each
// subsystem's *_fork in turn). The fork runtime's own state first, so nothing after it can
// reach a sibling or the parent's queue; then the areas above it. The hosts' onChildFork
// hooks (the public one, which the cowloop command's launcher watch also uses) run after
// the last of these. A subsystem with parent-side state adds its step here, nowhere else.
import { eventStatusAfterFork } from './evtloop/event-status.js';
import { masterStateAfterFork } from './evtloop/mp-event-loop-mgr.js';
import { partialFilesAfterFork } from './util/partial-file.js';
import { parentStateAfterFork } from './jobs/parent-state.js';
import { setForkSteps } from './process/child-hooks.js';
import { parentContextAfterFork } from './process/child-context.js';
import { forkQueueAfterFork } from './process/fork.js';
import { siblingsAfterFork } from './process/registry.js';
import { escalationsAfterFork } from './supervise/stop.js';

const CHILD_FORK_STEPS: ReadonlyArray<() => void> = [
  siblingsAfterFork, // process: close the siblings' channels, stop the SIGCHLD listener
  parentContextAfterFork, // process: a grandchild does not talk to its grandparent
  forkQueueAfterFork, // process: fork requests queued in the parent
  eventStatusAfterFork, // evtloop: the command's status mapping (a worker is watched by its master)
  partialFilesAfterFork, // io: partial output files are the parent's to finish
  masterStateAfterFork, // evtloop: MpEventLoopMgr's watchdog, signal handlers, worker table
  parentStateAfterFork, // jobs: timers, queues and worker tables of processors, pools, work managers
  escalationsAfterFork, // supervise: SIGKILL escalation timers of children being stopped
];

/** Hands the ordered list to the fork runtime (the public entry does, once). */
export function installForkSteps(): void {
  setForkSteps(CHILD_FORK_STEPS);
}
