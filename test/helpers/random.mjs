// The seeded generator of uniform numbers in [0, 1) that the benchmarks' models use, so a
// failing run can be replayed from its seed.
export { random } from '../../benchmarks/scale-out/seeded-random.js';
