// The supervisor's time and signals, behind an interface so that tests can drive them by hand.
export interface SupervisorClock {
  now(): number;
  /** Calls fn every ms milliseconds until cancelled; never keeps the process alive. */
  every(ms: number, fn: () => void): () => void;
  /** Calls fn once after ms milliseconds unless cancelled; never keeps the process alive. */
  after(ms: number, fn: () => void): () => void;
}

export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: (signal: string) => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: (signal: string) => void): unknown;
}

export const realClock: SupervisorClock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
