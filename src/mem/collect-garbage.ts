// A full, compacting garbage collection without --expose-gc. Done in the parent just
// before forking, it leaves live objects packed into few pages, which children then share.
import { native } from '../native.js';

export function collectGarbage(): void {
  native().collectGarbage();
}
