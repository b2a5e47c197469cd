// Flags the cowloop command starts node with. --single-threaded is what fork() needs;
// A 1 MiB semi-space keeps each worker's young generation, which is private memory from
// its first allocation, small (DESIGN.md fact 8; measured in docs/benchmarks.md).
export function workerNodeFlags(): string[] {
  return ['--single-threaded', '--max-semi-space-size=1'];
}
