/**
 * `partition(n, fn, args, options)` and `concurrent(fn)` as free functions, as Eidolon offers them: they run on the
 * pool given in `options.pool`, or on a default pool started on first use (Eidolon's global ProcessServer, one
 * worker per core). Idle workers do not keep the process alive; `closeDefaultPartitionPool()` ends them.
 */
import type { PartitionArgs, PartitionFunction, PartitionOptions } from './partition.ts';
import { PartitionPool } from './partition.ts';
import type { FunctionRef } from './function-ref.ts';

let defaultPool: Promise<PartitionPool> | undefined;

/** Options of the free functions: those of `PartitionPool.partition`, plus the pool to use. */
export interface FreePartitionOptions extends PartitionOptions {
  /** The pool to run on; default: the shared default pool (started on first use). */
  pool?: PartitionPool;
}

/**
 * The default partition pool, started on first use with one worker per core.
 *
 * @example
 * const jobs = await defaultPartitionPool();
 */
export function defaultPartitionPool(): Promise<PartitionPool> {
  defaultPool ??= PartitionPool.create().catch((error) => {
    defaultPool = undefined;
    throw error;
  });
  return defaultPool;
}

/**
 * Ends the default pool's workers (a later `partition()` starts a new one).
 *
 * @example
 * await closeDefaultPartitionPool();
 */
export async function closeDefaultPartitionPool(): Promise<void> {
  const pool = defaultPool;
  defaultPool = undefined;
  if (pool) await (await pool).close();
}

/**
 * Runs `fn(proc, ...args)` over `[0, n)` split across workers; see {@link PartitionPool.partition}.
 *
 * @example
 * const parts = await partition(50, testfunc, [], { workers: 4, module: import.meta.url });
 */
export async function partition<F extends PartitionFunction>(
  n: number,
  fn: F | FunctionRef,
  args: PartitionArgs<F> | unknown[] = [],
  options: FreePartitionOptions = {},
): Promise<Array<Awaited<ReturnType<F>>>> {
  const { pool, ...rest } = options;
  return (pool ?? (await defaultPartitionPool())).partition(n, fn, args, rest);
}

/**
 * Eidolon's `@concurrent`: `fn` becomes a function of `(n, args, options)` that partitions it on every call.
 *
 * @example
 * const squares = concurrent(sumSquares, { module: import.meta.url });
 * const perWorker = await squares(1_000_000);
 */
export function concurrent<F extends PartitionFunction>(
  fn: F,
  defaults: FreePartitionOptions = {},
): (n: number, args?: PartitionArgs<F>, options?: FreePartitionOptions) => Promise<Array<Awaited<ReturnType<F>>>> {
  return (n, args = [] as unknown as PartitionArgs<F>, options = {}) => partition(n, fn, args, { ...defaults, ...options });
}
