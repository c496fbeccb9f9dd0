/** Splitting `[0, n)` and argument lists over workers: Eidolon's rule, and the worker-count heuristic. */
import { availableParallelism } from '../platform/platform.ts';
import { ArgumentError } from '../protocol/errors.ts';
import { SharedArrayWrapper } from '../shared/shared-array.ts';

/**
 * Part `index` of `[0, n)` split into `parts`: `[floor(n·index/parts), floor(n·(index+1)/parts))` — Eidolon's
 * rule (50 over 4: [0,12), [12,25), [25,37), [37,50)). Parts differ in size by at most one.
 *
 * @example
 * partitionRange(20, 3, 1); // [6, 13]
 */
export function partitionRange(n: number, parts: number, index: number): [start: number, end: number] {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`partition: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(parts) || parts < 1) throw new ArgumentError(`partition: parts must be a positive integer, got ${parts}`);
  if (!Number.isInteger(index) || index < 0 || index >= parts) throw new ArgumentError(`partition: index must be in [0, ${parts}), got ${index}`);
  return [Math.floor((n * index) / parts), Math.floor((n * (index + 1)) / parts)];
}

/**
 * Every part of `[0, n)` over `parts` workers.
 *
 * @example
 * partitionRanges(50, 4); // [[0,12],[12,25],[25,37],[37,50]]
 */
export function partitionRanges(n: number, parts: number): Array<[number, number]> {
  return Array.from({ length: parts }, (_, i) => partitionRange(n, parts, i));
}

/**
 * Worker `index`'s slice of a partitioned argument, by the same rule over the argument's own length. Arrays are
 * sliced; shared arrays (SharedArrayWrapper, typed arrays on a SharedArrayBuffer) become zero-copy sub-views of
 * the same memory; other typed arrays are copied slices (a view would carry its whole buffer to the worker).
 *
 * @example
 * sliceForWorker([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 2); // [6, 7, 8, 9]
 */
export function sliceForWorker<T>(value: T, parts: number, index: number): T {
  if (value instanceof SharedArrayWrapper) {
    const [start, end] = partitionRange(value.shape[0] ?? 0, parts, index);
    return value.subarray(start, end) as T;
  }
  if (Array.isArray(value)) {
    const [start, end] = partitionRange(value.length, parts, index);
    return value.slice(start, end) as T;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const typed = value as unknown as Uint8Array;
    const [start, end] = partitionRange(typed.length, parts, index);
    const shared = typeof SharedArrayBuffer !== 'undefined' && typed.buffer instanceof SharedArrayBuffer;
    return (shared ? typed.subarray(start, end) : typed.slice(start, end)) as T;
  }
  throw new ArgumentError(`partitionArgs: only arrays, typed arrays and SharedArrayWrapper can be partitioned, got ${value === null ? 'null' : typeof value === 'object' ? (value as object).constructor?.name : typeof value}`);
}

/**
 * How many workers to use for `n` items: enough that each gets at least `minPerWorker` items, at most `max`
 * (default: the machine's available parallelism), at least 1.
 *
 * @example
 * chooseWorkerCount(1_000_000, { minPerWorker: 10_000 }); // availableParallelism(), capped
 * chooseWorkerCount(30, { minPerWorker: 10, max: 8 });      // 3
 */
export function chooseWorkerCount(n: number, options: { minPerWorker?: number; max?: number } = {}): number {
  const { minPerWorker = 1, max = availableParallelism() } = options;
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`chooseWorkerCount: n must be a non-negative integer, got ${n}`);
  if (!(minPerWorker >= 1)) throw new ArgumentError(`chooseWorkerCount: minPerWorker must be >= 1, got ${minPerWorker}`);
  if (!Number.isInteger(max) || max < 1) throw new ArgumentError(`chooseWorkerCount: max must be a positive integer, got ${max}`);
  return Math.max(1, Math.min(max, Math.floor(n / minPerWorker)));
}
