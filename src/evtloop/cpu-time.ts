// CPU time of this process, for the run report's accounting.

/** User + system CPU time of this process since `from`, ms. */
export function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}
