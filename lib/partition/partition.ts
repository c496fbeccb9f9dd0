/**
 * Partitioned jobs on the host (Eidolon's ProcessServer.callProcessFunc and @concurrent): split `[0, n)` over the
 * workers, slice the listed arguments, run the module-level function on each part with collectives and progress,
 * and resolve to the results by worker index. Jobs run concurrently on the same pool: nothing queues them one at
 * a time, and a job waiting in a collective leaves its workers free for other jobs' calls.
 */
import { ProxyPool } from '../pool/proxy-pool.ts';
import type { KindName, PoolOptions } from '../pool/options.ts';
import type { PoolProxy, Progress } from '../pool/types.ts';
import { ArgumentError } from '../protocol/errors.ts';
import { repeat } from '../pool/map-args.ts';
import { refOf } from './function-ref.ts';
import { collective } from '../collectives/group.ts';
import { CollectiveAbortedError } from '../collectives/errors.ts';
import { partitionRange, sliceForWorker } from './range.ts';
import { PartitionRunner } from './runner.ts';
import type { FunctionRef } from './function-ref.ts';
import type { PartitionProcess } from './process.ts';

/** A partitioned function: its first parameter is the worker's PartitionProcess. */
export type PartitionFunction = (proc: PartitionProcess, ...args: any[]) => unknown;

/** The arguments of a partitioned function after its PartitionProcess. */
export type PartitionArgs<F> = F extends (proc: PartitionProcess, ...args: infer A) => unknown ? A : never;

export interface PartitionOptions {
  /** Workers for this job (default: all of the pool's). At most the pool's size: all parts run at once. */
  workers?: number;
  /** Arguments to split over the workers, by position in `args` or by identity (Eidolon's partitionArgs). */
  partitionArgs?: readonly unknown[];
  /** The module exporting `fn`, when `fn` is given as a function: usually `import.meta.url`. */
  module?: string | URL;
  /** Hears the items done (summed over workers, throttled, only growing) as workers report them. */
  onProgress?: (progress: Progress) => void;
  timeout?: number;
  signal?: AbortSignal;
}

const runnerModule = new URL(`./runner${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
/**
 * A pool of workers for partitioned jobs (Eidolon's global ProcessServer, but one you own and close).
 *
 * @example
 * await using jobs = await PartitionPool.create({ workers: 4 });
 * const sums = await jobs.partition(1_000_000, sumSquares, [], { module: import.meta.url, onProgress: console.log });
 */
export class PartitionPool implements AsyncDisposable {
  private constructor(private readonly pool: PoolProxy<PartitionRunner>) {}

  /**
   * Starts the workers.
   *
   * @example
   * await using jobs = await PartitionPool.create({ workers: 4 });
   * const parts = await jobs.partition(50, testfunc, [], { module: import.meta.url });
   */
  static async create(options: { workers?: number; kind?: KindName; seed?: number; resourceLimits?: PoolOptions['resourceLimits']; respawn?: boolean } = {}): Promise<PartitionPool> {
    const pool = await ProxyPool.create(PartitionRunner, { ...options, module: runnerModule });
    return new PartitionPool(pool);
  }

  /** Number of workers. */
  get size(): number {
    return this.pool.info.size;
  }

  /**
   * Runs `fn(proc, ...args)` on each of `workers` workers, worker i getting part i of `[0, n)` and part i of each
   * argument listed in `partitionArgs`; resolves to the results by worker index. Rejects with the first error;
   * the other workers, if waiting in a collective, are released with CollectiveAbortedError.
   *
   * @example
   * // jobs.ts: export function testfunc(proc: PartitionProcess) { return [proc.index, proc.start, proc.end]; }
   * await jobs.partition(50, testfunc, [], { workers: 4, module: import.meta.url });
   * // [[0,0,12],[1,12,25],[2,25,37],[3,37,50]]
   */
  async partition<F extends PartitionFunction>(
    n: number,
    fn: F | FunctionRef,
    args: PartitionArgs<F> | unknown[] = [],
    options: PartitionOptions = {},
  ): Promise<Array<Awaited<ReturnType<F>>>> {
    if (options === null || typeof options !== 'object') throw new ArgumentError(`partition: options must be an object, got ${options === null ? 'null' : typeof options}`);
    const size = this.size;
    const workers = options.workers ?? size;
    if (!Number.isInteger(workers) || workers < 1 || workers > size) {
      throw new ArgumentError(`partition: workers must be an integer in [1, ${size}] (this pool's size: all parts run at once), got ${workers}`);
    }
    partitionRange(n, workers, 0); // validates n
    if (!Array.isArray(args)) throw new ArgumentError('partition: args must be an array of arguments');
    const sliced = new Set<number>();
    for (const which of options.partitionArgs ?? []) {
      const position = typeof which === 'number' && Number.isInteger(which) && which >= 0 && which < args.length ? which : args.indexOf(which);
      if (position < 0) throw new ArgumentError('partition: an entry of partitionArgs is neither an index of args nor one of the args');
      sliced.add(position);
    }
    const ref = await refOf(fn, options.module);
    const group = collective(this.pool, { workers });
    const jobs = Array.from({ length: workers }, (_, i) => {
      const [start, end] = partitionRange(n, workers, i);
      return { total: n, start, end };
    });
    const argsPerWorker = jobs.map((_, i) => args.map((arg, p) => (sliced.has(p) ? sliceForWorker(arg, workers, i) : arg)));
    const { onProgress, timeout, signal } = options;
    if (onProgress) {
      const byWorker = new Array<number>(workers).fill(0);
      let reported = 0;
      group.hub.onProgress = (rank, done) => {
        if (done <= byWorker[rank]!) return;
        byWorker[rank] = done;
        const sum = byWorker.reduce((a, b) => a + b, 0);
        if (sum <= reported) return;
        reported = sum;
        onProgress({ done: sum, total: n, byWorker: byWorker.slice() });
      };
    }
    try {
      // A synchronized map of `workers` tasks is one round: task i goes to worker i, all at once.
      const view = this.pool.with({ synchronize: true, ...(timeout === undefined ? {} : { timeout }), ...(signal ? { signal } : {}) });
      return (await view.run.map(repeat(group as never), repeat(ref), jobs, argsPerWorker)) as Array<Awaited<ReturnType<F>>>;
    } catch (error) {
      // The failing part's own answer can reach us after a released part's CollectiveAbortedError (they come from
      // different workers): the job rejects with the first error, which the group recorded when it aborted.
      const first = group.hub.aborted;
      if (error instanceof CollectiveAbortedError && first && first.cause !== undefined) throw first.cause;
      throw error;
    } finally {
      group.hub.onProgress = undefined;
    }
  }

  /**
   * Eidolon's `@concurrent`: a function that partitions `fn` whenever it is called, with the value range first.
   *
   * @example
   * const squares = jobs.concurrent(sumSquares, { module: import.meta.url });
   * const perWorker = await squares(1_000_000, []);
   */
  concurrent<F extends PartitionFunction>(fn: F, defaults: PartitionOptions = {}): (n: number, args?: PartitionArgs<F>, options?: PartitionOptions) => Promise<Array<Awaited<ReturnType<F>>>> {
    return (n, args = [] as unknown as PartitionArgs<F>, options = {}) => this.partition(n, fn, args, { ...defaults, ...options });
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
