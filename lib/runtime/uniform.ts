/**
 * What the per-worker Rng (xoshiro128**) and a task's TaskRng (Philox4x32-10) share: uniform doubles and normal
 * deviates made from a stream of 32-bit words, so that both give the same `random()` / `normal()` from the same
 * words. A generator supplies `nextUint32()`.
 */
export abstract class Uniform32 {
  private spare: number | undefined;

  /** A uniformly distributed 32-bit unsigned integer: the stream's next word. */
  abstract nextUint32(): number;

  /** Uniform in [0, 1) with 53 bits of precision: (a >>> 5) · 2^26 + (b >>> 6), over 2^53, from two words. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Normally distributed (Marsaglia's polar method, the spare kept for the next call). */
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
