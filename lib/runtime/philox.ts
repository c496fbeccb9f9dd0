/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; Random123), the
 * counter-based generator behind per-task random streams. Block `counter` under `key` is a pure function of the
 * two: a task's numbers depend only on (pool seed, call key, task index), never on which worker ran it, in which
 * order, or how often it was retried. Known-answer values from Random123's tests/kat_vectors are in
 * spec/task-streams.spec.ts; the stream layout is written down in docs/design.md ("Per-task random streams").
 */
/** `instanceof TaskRng` holds across copies of this module (a thread worker's runtime is a bundled copy). */
import { Uniform32 } from './uniform.ts';
const BRAND = Symbol.for('objectproxypool.TaskRng');

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32s, exactly (16-bit halves keep every partial product below 2^53). */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  return Math.floor((ah * b + Math.floor((al * b) / 65536)) / 65536) >>> 0;
}

/** One Philox4x32-10 block: 4 uint32 outputs written to `out` for a 4-word counter and a 2-word key. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array | number[]): void {
  c0 >>>= 0; c1 >>>= 0; c2 >>>= 0; c3 >>>= 0; k0 >>>= 0; k1 >>>= 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/**
 * The random stream of one task: Philox4x32-10 keyed by (pool seed, call key), counter (block, 0, index low,
 * index high) — block b gives the stream's words 4b..4b+3. Same `random()` / `normal()` as the per-worker Rng.
 */
export class TaskRng extends Uniform32 {
  static override [Symbol.hasInstance](this: Function, value: unknown): boolean {
    if (this !== TaskRng) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
  }

  private readonly buffer = new Uint32Array(4);
  private used = 4;
  private block = 0;
  private readonly indexLo: number;
  private readonly indexHi: number;

  constructor(
    readonly poolSeed: number,
    readonly key: number,
    readonly index: number,
  ) {
    super();
    this.indexLo = index >>> 0;
    this.indexHi = Math.floor(index / 4294967296) >>> 0;
  }

  /** A uniformly distributed 32-bit unsigned integer: the stream's next word. */
  nextUint32(): number {
    if (this.used === 4) {
      philox4x32(this.block, 0, this.indexLo, this.indexHi, this.poolSeed, this.key, this.buffer);
      this.block++;
      this.used = 0;
    }
    return this.buffer[this.used++]!;
  }

}

Object.defineProperty(TaskRng.prototype, BRAND, { value: true });

const seedBlock = [0, 0, 0, 0];
/**
 * The 32-bit seed of task `index`: word 0 of the block with counter (0, 1, index low, index high) under the same
 * key — word 1 = 1 is a domain no stream block uses (streams keep it 0), so the seed is independent of the numbers.
 */
export function taskSeed(poolSeed: number, key: number, index: number): number {
  philox4x32(0, 1, index >>> 0, Math.floor(index / 4294967296) >>> 0, poolSeed, key, seedBlock);
  return seedBlock[0]!;
}
