// Flags the cowloop command starts node with. --single-threaded is what fork() needs;
// memory-sharing defaults are added here as they are measured (docs/benchmarks.md).
export function workerNodeFlags(): string[] {
  return ['--single-threaded'];
}
