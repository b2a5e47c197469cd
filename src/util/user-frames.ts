// The frames of an error's stack that are in the user's code: what a person needs to find
// the line that threw, without cowloop's own frames (its dist/ files), Node's internals or
// the dependencies under node_modules.
import * as path from 'node:path';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
const OWN = [path.join(PACKAGE_ROOT, 'dist') + path.sep, path.join(PACKAGE_ROOT, 'node_modules') + path.sep];

/** The innermost Error of a `cause` chain that is not one of cowloop's wrappers (it has the user's stack). */
function thrown(error: unknown): Error | undefined {
  let e: unknown = error;
  let last: Error | undefined;
  for (let depth = 0; e instanceof Error && depth < 10; depth++) {
    last = e;
    e = e.cause;
  }
  return last;
}

/** Up to `max` "at fn (file:line:column)" lines of the user's code, innermost first. */
export function userFrames(error: unknown, max = 3): string[] {
  const stack = thrown(error)?.stack;
  if (!stack) return [];
  const frames: string[] = [];
  for (const raw of stack.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('at ')) continue;
    if (line.includes('(node:') || line.startsWith('at node:') || line.includes('<anonymous>')) continue;
    if (OWN.some((dir) => line.includes(dir) || line.includes(`file://${dir}`))) continue;
    frames.push(line);
    if (frames.length === max) break;
  }
  return frames;
}
