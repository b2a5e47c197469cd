// Time and signals of a supervisor, behind interfaces so that tests drive them by hand.
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

// Unref'd: a child's channel keeps the loop alive while it runs, and a ref'd timer would
// be pending work that makes fork() refuse the next child.
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
