/**
 * A small seeded generator so that ensembles are reproducible: xoshiro128** (Blackman & Vigna), seeded through
 * splitmix32 so that nearby seeds give unrelated streams. Math.random cannot be seeded.
 */
import { Uniform32 } from './uniform.ts';

const BRAND = Symbol.for('objectproxypool.Rng');

export class Rng extends Uniform32 {
  /**
   * `instanceof Rng` holds for generators made by any copy of this module: a thread worker's runtime is a bundled
   * copy (dist/runtime/thread-entry.cjs), so the context's generator is not made by the class user code imports.
   */
  static override [Symbol.hasInstance](this: Function, value: unknown): boolean {
    if (this !== Rng) return Function.prototype[Symbol.hasInstance].call(this, value); // a subclass: the usual test
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
  }
  declare readonly [BRAND]: true;

  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    super();
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

}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

Object.defineProperty(Rng.prototype, BRAND, { value: true });
