// Flags the cowloop command starts node with. --single-threaded is what fork() needs.
// --max-semi-space-size=1 keeps each worker's young generation, private memory from its
// first allocation, small. Measured (docs/memory-sharing.md, benchmarks/memory/sharing.js:
// reco job, 500 MB of state, 4 workers x 10,000 events, 2 cores): worker USS 20.7 MiB with
// 1 MiB, 22.7 MiB with 2, 25.3 MiB with 4, 8, 16 MiB and V8's default; CPU per event in the
// workers 0.185 ms with 1 MiB against 0.20-0.26 ms with the others, so the smallest
// semi-space costs no event rate on this per-event allocation pattern.
// --no-memory-reducer: V8 takes a master waiting for its workers for an idle process and,
// some seconds after its last full collection, runs up to three more to give memory back.
// Each one marks the whole shared state and moves objects, so the master writes its own
// copy of pages the workers share and takes CPU from them: on the reco example (500 MB,
// 2 workers, 120,000 events) 0.7 s more of the master's CPU while the workers ran, and
// 37 MiB of master USS against 8 MiB (docs/benchmarks.md, "Long runs"), on Node.js 20;
// Node.js 22 spent 0.7 s the same way; Node.js 24 ran no such collection in that job.
export function workerNodeFlags(): string[] {
  return ['--single-threaded', '--max-semi-space-size=1', '--no-memory-reducer'];
}
