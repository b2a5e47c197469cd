// What a freshly forked child runs, right after the fork and before its `main`, to drop
// state that belongs to the parent: first cowloop's own steps, one per subsystem, in the
// order of the list in src/fork-hooks.ts (as libuv's uv_loop_fork calls each subsystem's
// *_fork in turn), then the hosts' onChildFork hooks in registration order. The list is
// handed in by the public entry (src/index.ts), because it names subsystems above this one.

type ChildHook = () => void;

let steps: readonly ChildHook[] = [];
const hooks: ChildHook[] = [];

/** Sets cowloop's own ordered fork steps (src/fork-hooks.ts). */
export function setForkSteps(list: readonly ChildHook[]): void {
  steps = list;
}

/**
 * Registers `hook` to run in every child forked from now on, right after the fork and
 * before the child's `main`, after cowloop's own steps: the place to drop state that
 * belongs to the parent (timers, sockets, queues of work to hand out).
 */
export function onChildFork(hook: ChildHook): void {
  hooks.push(hook);
}

export function runChildForkHooks(): void {
  for (const step of steps) step();
  for (const hook of hooks) hook();
}
