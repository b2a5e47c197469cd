// The young generation of a forked worker is private memory from its first allocation, and
// V8 sizes it by --max-semi-space-size. The cowloop command starts node with 1 MiB
// (src/cli/node-flags.ts); a host started without it forks workers several times larger.
// Measured on the reco example (examples/reco/host.js --opts reco-mp.opts --state-mb 200:
// 2 workers, 2000 events, 200 run by the master first), peak private memory per worker:
// 37.6-37.9 MiB with only --single-threaded, 14.2-18.3 MiB with --max-semi-space-size=1
// (the host with the flag, or the cowloop command).

/** The semi-space size (MiB) the command uses and the warning recommends. */
export const SMALL_SEMI_SPACE_MIB = 1;

/**
 * The --max-semi-space-size this process was started with, in MiB (from NODE_OPTIONS and
 * the command line, the command line last, the last one winning); undefined when unset.
 */
export function maxSemiSpaceMiB(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): number | undefined {
  let size: number | undefined;
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--max[-_]semi[-_]space[-_]size=(\d+(?:\.\d+)?)$/.exec(arg);
    if (m) size = Number(m[1]);
  }
  return size;
}

/** The warning for a process whose workers will have a large young generation, or undefined. */
export function semiSpaceWarning(loopName: string, size = maxSemiSpaceMiB()): string | undefined {
  if (size !== undefined && size <= SMALL_SEMI_SPACE_MIB) return undefined;
  const now = size === undefined ? 'without --max-semi-space-size' : `with --max-semi-space-size=${size}`;
  return (
    `workers are forked from a node started ${now}: each worker's young generation is private memory, ` +
    `measured on the reco example at about 38 MiB per worker against 14-18 MiB with --max-semi-space-size=${SMALL_SEMI_SPACE_MIB} ` +
    `(the cowloop command's setting). Start node as: node --single-threaded --max-semi-space-size=${SMALL_SEMI_SPACE_MIB} --no-memory-reducer <script> ` +
    `(NODE_OPTIONS may carry this flag), or set ${loopName}.WarnSemiSpace = false to silence this warning`
  );
}
