// Many GC-heavy children in a row never hang: the platform threads parked across each fork
// leave the child a clean task queue (docs/architecture.md, "Node.js releases"). A hang
// here is what a release whose platform changed looks like.
import { test } from 'node:test';
import { forkGcHeavyPairs } from '../helpers/gc-heavy.mjs';

test('200 forks in a row of GC-heavy children all exit 0', () => forkGcHeavyPairs(100));
