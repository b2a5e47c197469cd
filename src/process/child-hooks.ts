// Owners of parent-side state register here how to drop it in a freshly forked child
// (as libuv's subsystems each have their own *_fork function). They run in registration
// order, in the child, before any user code.

type ChildHook = () => void;

const hooks: ChildHook[] = [];

/**
 * Registers `hook` to run in every child forked from now on, right after the fork and
 * before the child's `main`: the place to drop state that belongs to the parent (timers,
 * sockets, queues of work to hand out).
 */
export function onChildFork(hook: ChildHook): void {
  hooks.push(hook);
}

export function runChildForkHooks(): void {
  for (const hook of hooks) hook();
}
