'use strict';
// A small seeded generator of uniform numbers in [0, 1) (mulberry32): the same seed gives
// the same numbers, so a model's run or a failing test can be replayed from its seed.
// The tests use it too (test/helpers/random.mjs).

/** Returns a function giving the next number of the sequence that `seed` starts. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { random };
