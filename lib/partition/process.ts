/**
 * What a partitioned function receives as its first argument inside a worker (Eidolon's AlgorithmProcess): its
 * index, the worker count, its part of the value range, the collectives of the job, and throttled progress.
 */
import type { Communicator } from '../collectives/comm.ts';

/** Progress messages per worker at most this often (plus one at the end of a `prange`). */
const PROGRESS_MS = 50;

/**
 * One worker's view of a partitioned job.
 *
 * @example
 * export function sumSquares(proc: PartitionProcess, values: number[]) {
 *   let sum = 0;
 *   for (const i of proc.prange()) sum += i * i;   // [proc.start, proc.end), progress reported as it goes
 *   return sum;
 * }
 */
export class PartitionProcess {
  private reported = 0;
  private lastReport = 0;
  /** The highest count the throttle held back: sent when the part ends, so the job's progress ends at n. */
  private held = 0;

  /** @internal */
  constructor(
    /** This worker's position in the job, 0 ≤ index < count (its rank in the collectives). */
    readonly index: number,
    /** Number of workers in the job. */
    readonly count: number,
    /** The whole range's size: the job covers [0, total). */
    readonly total: number,
    /** First value of this worker's part. */
    readonly start: number,
    /** End (exclusive) of this worker's part. */
    readonly end: number,
    /** The job's collectives: barrier, bcast, gather, allgather, exchange, singleWrite. */
    readonly comm: Communicator,
  ) {}

  /** Eidolon's name for `start`. */
  get startval(): number {
    return this.start;
  }

  /** Eidolon's name for `end`. */
  get endval(): number {
    return this.end;
  }

  /** Waits for every worker of the job. */
  barrier(): Promise<void> {
    return this.comm.barrier();
  }

  /** Every worker's values but this one's, in index order (Eidolon's shareObject). */
  exchange<T>(value: T): Promise<T[]> {
    return this.comm.exchange(value);
  }

  /**
   * Reports that `done` items of this part are finished (a running total, not an increment). Sent at most every
   * 50 ms unless `force`; the host sums the workers' totals for the job's `onProgress`.
   */
  progress(done: number, force = false): void {
    if (done <= this.reported) return;
    const now = performance.now();
    if (!force && now - this.lastReport < PROGRESS_MS) {
      if (done > this.held) this.held = done;
      return;
    }
    this.reported = done;
    this.lastReport = now;
    this.comm.notify('coll.progress', [done]);
  }

  /** @internal The part ended: send what the throttle held back (the runner calls it). */
  flushProgress(): void {
    if (this.held > this.reported) this.progress(this.held, true);
  }

  /**
   * Iterates over `[start, end)` (this worker's part by default), reporting progress as it goes (throttled) and
   * the full count at the end: Eidolon's `prange`.
   */
  *prange(start = this.start, end = this.end): Generator<number, void, undefined> {
    let done = 0;
    for (let i = start; i < end; i++) {
      yield i;
      done++;
      // Reading the clock costs more than the typical loop body: look at it every 1,024 items.
      if ((done & 1023) === 0) this.progress(done);
    }
    this.progress(done, true);
  }
}
