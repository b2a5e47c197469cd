export { fork, type ForkOptions } from './fork.js';
export { ForkedChild, type ChildExit, type ForkTiming } from './forked-child.js';
export { ChildContext, isForkedChild } from './child-context.js';
export { forkSafety, type ForkSafety, type ForkProblem, type SafetyOptions } from './safety.js';
export { onChildFork } from './child-hooks.js';
