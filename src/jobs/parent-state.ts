// Parent-side state of the jobs area (timers, queues, worker tables) must not survive
// into a freshly forked child, where user code is about to run: each owner registers
// here and drops its state in the child (a step of src/fork-hooks.ts).

export interface ParentStateOwner {
  /** Runs in a new child: clear timers and forget workers, without touching processes. */
  dropInChild(): void;
}

const owners = new Set<ParentStateOwner>();

/** Registers an owner; returns the function that unregisters it. */
export function holdParentState(owner: ParentStateOwner): () => void {
  owners.add(owner);
  return () => {
    owners.delete(owner);
  };
}

/** Fork step (src/fork-hooks.ts): every owner drops its state in the new child. */
export function parentStateAfterFork(): void {
  for (const owner of owners) owner.dropInChild();
  owners.clear();
}
