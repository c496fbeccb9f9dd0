/**
 * One clock for the host and every worker: milliseconds since the epoch, with sub-microsecond resolution.
 * `performance.now()` counts from each thread's or process's own start, so it cannot compare a time taken in a
 * worker with one taken on the host; `timeOrigin + now()` can (measured: threads and forked processes of one
 * machine agree to within ~0.05 ms).
 */
let origin: number | undefined;
// Read on first use, once (it does not change): a worker's first touch of the `performance` global loads
// perf_hooks, ~1 ms of its start-up, which pools that never time a call should not pay.
const timeOrigin = (): number => (origin ??= performance.timeOrigin);
export const clock = (): number => timeOrigin() + performance.now();

/** A performance.now() reading of this thread on the same scale as `clock()`. */
export const clockOf = (now: number): number => timeOrigin() + now;
