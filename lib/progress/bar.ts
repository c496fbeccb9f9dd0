/**
 * A terminal progress bar for long calls, without a dependency: `progressBar(bar)` turns any bar object with
 * `start(total, value)`, `update(value, payload?)` and `stop()` — cli-progress's SingleBar, for one — into an
 * `onProgress` callback. The bar library stays the application's choice (and its dependency, not ours).
 */
import type { Progress } from '../pool/types.ts';

/**
 * The part of a progress bar `progressBar` uses; cli-progress's `SingleBar` has it.
 *
 * @example
 * const bar: ProgressBarLike = { start: (total) => console.log(`0/${total}`), update: (done) => console.log(done), stop: () => {} };
 */
export interface ProgressBarLike {
  start(total: number, startValue: number, payload?: object): void;
  update(value: number, payload?: object): void;
  stop(): void;
}

/**
 * An `onProgress` callback driving `bar`: started at the first report, updated with `done` (and `byWorker` as
 * the payload, for a format such as `'{bar} {value}/{total} {byWorker}'`), stopped when `done` reaches `total`.
 * One bar per call: create a new one for the next call.
 *
 * @example
 * import cliProgress from 'cli-progress';
 * const bar = new cliProgress.SingleBar({}, cliProgress.Presets.shades_classic);
 * await pool.with({ onProgress: progressBar(bar) }).step.map(range(10_000));
 */
export function progressBar(bar: ProgressBarLike): (progress: Progress) => void {
  let started = false;
  let stopped = false;
  return ({ done, total, byWorker }) => {
    if (stopped) return;
    const payload = { byWorker: byWorker.join('/') };
    if (!started) {
      started = true;
      bar.start(total, done, payload);
    } else bar.update(done, payload);
    if (done >= total) {
      stopped = true;
      bar.stop();
    }
  };
}
