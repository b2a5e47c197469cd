// The Gaudi finite-state machine shared by the application manager and every component:
//   offline -configure-> configured -initialize-> initialized -start-> running
//   running -stop-> initialized -finalize-> configured -terminate-> offline
import { CowloopError, ErrorCodes } from '../errors.js';

export type FsmState = 'offline' | 'configured' | 'initialized' | 'running';
export type FsmTransition = 'configure' | 'initialize' | 'start' | 'stop' | 'finalize' | 'terminate';

const TRANSITIONS: Record<FsmTransition, { from: FsmState; to: FsmState }> = {
  configure: { from: 'offline', to: 'configured' },
  initialize: { from: 'configured', to: 'initialized' },
  start: { from: 'initialized', to: 'running' },
  stop: { from: 'running', to: 'initialized' },
  finalize: { from: 'initialized', to: 'configured' },
  terminate: { from: 'configured', to: 'offline' },
};

/** Transitions that are legal from `state`. */
export function allowedTransitions(state: FsmState): FsmTransition[] {
  return (Object.keys(TRANSITIONS) as FsmTransition[]).filter((t) => TRANSITIONS[t].from === state);
}

/** The state after `transition`, or a CowloopError naming the current state and the allowed ones. */
export function nextState(who: string, state: FsmState, transition: FsmTransition): FsmState {
  const t = TRANSITIONS[transition];
  if (t.from !== state) {
    const allowed = allowedTransitions(state).join(', ');
    throw new CowloopError(
      ErrorCodes.ERR_COWLOOP_ILLEGAL_TRANSITION,
      `${who}: cannot ${transition} in state "${state}" (${transition} needs state "${t.from}"; allowed now: ${allowed})`,
    );
  }
  return t.to;
}
