// Which Node.js releases cowloop runs on. fork() inside Node depends on each release's
// platform threads and V8 (docs/architecture.md keeps the facts per release), so a release
// is supported only once those facts are measured and the whole test suite passes on it.
import { CowloopError, ErrorCodes } from './errors.js';

/** Major releases whose fork() facts are measured and whose test suite runs in CI. */
export const SUPPORTED_NODE_MAJORS: readonly number[] = [20, 22, 24, 26];

/** Setting this environment variable to 1 lets cowloop load on another release, untested. */
export const UNTESTED_NODE_ENV = 'COWLOOP_ALLOW_UNTESTED_NODE';

const MINIMUM_OF_MAJOR: Readonly<Record<number, [number, number]>> = { 20: [10, 0] };

/** Why this Node.js release is not supported, or undefined when it is. */
export function nodeSupportProblem(version: string = process.versions.node): string | undefined {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  const releases = SUPPORTED_NODE_MAJORS.map((m) => (MINIMUM_OF_MAJOR[m] ? `${m}.${MINIMUM_OF_MAJOR[m]![0]}+` : `${m}`));
  const supported = `cowloop supports Node.js ${releases.join(', ')} on Linux`;
  if (!SUPPORTED_NODE_MAJORS.includes(major)) {
    return (
      `Node.js ${version} is not supported: ${supported}. fork() depends on each release's ` +
      `platform threads, so untested releases are refused (set ${UNTESTED_NODE_ENV}=1 to try anyway)`
    );
  }
  const least = MINIMUM_OF_MAJOR[major];
  if (least && (minor < least[0] || (minor === least[0] && patch < least[1]))) {
    return `Node.js ${version} is too old: ${supported}`;
  }
  return undefined;
}

/** The reason to refuse this process's release, unless the user allowed untested ones. */
export function refusalOfThisNode(): string | undefined {
  return process.env[UNTESTED_NODE_ENV] === '1' ? undefined : nodeSupportProblem();
}

/** Throws ERR_COWLOOP_UNSUPPORTED_NODE on a release cowloop has not been verified on. */
export function assertSupportedNode(): void {
  const problem = refusalOfThisNode();
  if (problem) throw new CowloopError(ErrorCodes.ERR_COWLOOP_UNSUPPORTED_NODE, problem);
}
