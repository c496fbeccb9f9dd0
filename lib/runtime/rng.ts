/**
 * A small seeded generator so that ensembles are reproducible: xoshiro128** (Blackman & Vigna), seeded through
 * splitmix32 so that nearby seeds give unrelated streams. Math.random cannot be seeded.
 */
const BRAND = Symbol.for('objectproxypool.Rng');

export class Rng {
  /**
   * `instanceof Rng` holds for generators made by any copy of this module: a thread worker's runtime is a bundled
   * copy (dist/runtime/thread-entry.cjs), so the context's generator is not made by the class user code imports.
   */
  static [Symbol.hasInstance](this: Function, value: unknown): boolean {
    if (this !== Rng) return Function.prototype[Symbol.hasInstance].call(this, value); // a subclass: the usual test
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
  }
  declare readonly [BRAND]: true;

  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Normally distributed (Marsaglia's polar method). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return mean + std * value;
    }
    let u: number, v: number, s: number;
    do {
      u = this.random() * 2 - 1;
      v = this.random() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * factor;
    return mean + std * u * factor;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

Object.defineProperty(Rng.prototype, BRAND, { value: true });
