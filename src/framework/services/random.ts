// A small, fast PRNG (xoshiro128**) seeded by hashing a tuple of numbers and strings, so
// the same (seed, run, event, stream) always gives the same sequence, in any process.

function mix32(h: number): number {
  // The murmur3 finaliser: full avalanche on 32 bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

function hashNumber(n: number | bigint, h: number): number {
  // Integers up to 2^53 (and, as bigints, up to 2^64) are split into two 32-bit halves, so
  // a seed hashes the same as a number or a bigint; other numbers are hashed as text.
  let lo: number;
  let hi: number;
  if (typeof n === 'bigint') {
    if (n < 0n || n >= 2n ** 64n) return hashString(String(n), h);
    lo = Number(n & 0xffffffffn);
    hi = Number(n >> 32n);
  } else {
    if (!Number.isSafeInteger(n)) return hashString(String(n), h);
    lo = n >>> 0;
    hi = Math.floor(n / 0x100000000) >>> 0;
  }
  h = mix32((h ^ lo) + 0x9e3779b9);
  return mix32((h ^ hi) + 0x7f4a7c15);
}

/** A 32-bit hash of a tuple; the order of the parts matters. */
export function hashTuple(parts: ReadonlyArray<number | bigint | string>): number {
  let h = 0x811c9dc5;
  for (const p of parts) h = typeof p === 'string' ? hashString(p, h ^ 0x5bd1e995) : hashNumber(p, h);
  return h;
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare: number | undefined;

  /** Seeds the generator from a tuple, e.g. new Rng([seed, run, event, 'Finder']). */
  constructor(seed: ReadonlyArray<number | bigint | string> | number | bigint) {
    let x = hashTuple(typeof seed === 'number' || typeof seed === 'bigint' ? [seed] : seed);
    // splitmix32 expands the hash into the four state words (never all zero).
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return mix32(x);
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next() | 1;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  flat(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Normal distribution (Marsaglia polar method). */
  gauss(mean = 0, sigma = 1): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return mean + sigma * s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * f;
    return mean + sigma * u * f;
  }

  exponential(mean = 1): number {
    return -mean * Math.log(1 - this.uniform());
  }

  /** Poisson-distributed count (Knuth's method for small means, normal approximation above 50). */
  poisson(mean: number): number {
    if (mean > 50) return Math.max(0, Math.round(this.gauss(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
