/**
 * One clock for the host and every worker: milliseconds since the epoch, with sub-microsecond resolution.
 * `performance.now()` counts from each thread's or process's own start, so it cannot compare a time taken in a
 * worker with one taken on the host; `timeOrigin + now()` can (measured: threads and forked processes of one
 * machine agree to within ~0.05 ms).
 */
const origin = performance.timeOrigin; // a getter: read once (it does not change)
export const clock = (): number => origin + performance.now();

/** A performance.now() reading of this thread on the same scale as `clock()`. */
export const clockOf = (now: number): number => origin + now;
