/**
 * The instances behind examples/montecarlo.ts. Each worker of the pool holds one PiEstimator; it throws random
 * points into the unit square and counts those that land inside the quarter circle (x² + y² < 1), whose share
 * of the square is π/4.
 *
 * This file holds only the class: the pool's workers import it, so it must not run any example code itself.
 */
import { Rng, SharedArrayWrapper, workerContext, type WorkerContext } from '../../lib/index.ts';
import { atomicAdd } from '../../lib/entries/shared.ts';

/** Slots of the shared accumulator: [points inside the quarter circle, points drawn]. */
export const INSIDE = 0;
export const DRAWN = 1;

/** Mixes a seed and a batch number into a new 32-bit seed, so every batch gets its own, unrelated stream. */
export function batchSeed(seed: number, batch: number): number {
  let h = (seed ^ Math.imul(batch + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Counts how many of `n` random points of the unit square fall inside the quarter circle. */
function countInside(rng: Rng, n: number): number {
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.random();
    const y = rng.random();
    if (x * x + y * y < 1) inside++;
  }
  return inside;
}

export interface Draw {
  /** The worker that did the work. */
  worker: number;
  inside: number;
  drawn: number;
}

export class PiEstimator {
  /** This instance's place in the pool and its own seeded generator (kept: see workerContext's notes). */
  private readonly ctx: WorkerContext = workerContext();

  /**
   * Draws `n` points with this instance's own generator, seeded from the pool seed and the worker index.
   * Meant for a broadcast: every worker runs it once, so each stream is used exactly once per call and a
   * fixed pool seed gives the same counts every run.
   */
  sample(n: number, acc: SharedArrayWrapper<'float64'>): Draw {
    const inside = countInside(this.ctx.rng, n);
    atomicAdd(acc, INSIDE, inside);
    atomicAdd(acc, DRAWN, n);
    return { worker: this.ctx.index, inside, drawn: n };
  }

  /**
   * Draws `n` points for batch number `batch`. Meant for a map call, where any worker may take any batch:
   * a batch therefore seeds its own generator from (seed, batch) instead of using the worker's stream, so the
   * total does not depend on which worker happened to take which batch.
   */
  sampleBatch(acc: SharedArrayWrapper<'float64'>, seed: number, batch: number, n: number): Draw {
    const inside = countInside(new Rng(batchSeed(seed, batch)), n);
    atomicAdd(acc, INSIDE, inside);
    atomicAdd(acc, DRAWN, n);
    return { worker: this.ctx.index, inside, drawn: n };
  }
}
