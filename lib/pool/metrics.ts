/**
 * Per-worker task counts and, with the pool option `metrics: true`, run and wait times: wait is from the call
 * (its submission to the pool) until a worker starts the task, run is the time the task took in the worker.
 * Workers time their own tasks (lib/runtime/dispatch.ts) and send the times along with the results; the host keeps
 * a fixed-size uniform sample of them per worker (reservoir sampling), so memory stays bounded over any number of
 * tasks and the percentiles describe them all, not only the latest.
 */
import { Status, type Response } from '../protocol/messages.ts';
import { clock, clockOf } from '../runtime/clock.ts';
import type { PoolInfo } from './types.ts';
import type { WorkerSlot } from './worker-slot.ts';

/**
 * Percentiles of a set of durations, in milliseconds.
 *
 * @example
 * const { p50, p90, p99 } = pool.info.metrics.run!;
 */
export interface TimeSummary {
  /** Tasks timed (all of them, though percentiles come from a uniform sample of at most 10,000 per worker). */
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * What `pool.info.metrics` holds.
 *
 * @example
 * await using pool = await ProxyPool.create(Model, { workers: 4, module: import.meta.url, metrics: true });
 * await pool.step.map(range(10_000));
 * const { tasks, run, wait } = pool.info.metrics;   // tasks per worker; run/wait: { count, mean, p50, p90, p99, max } in ms
 */
export interface PoolMetrics {
  /** Tasks completed per worker, in worker order (always counted). */
  readonly tasks: readonly number[];
  /** Whether run and wait times are recorded (pool option `metrics: true`). */
  readonly timed: boolean;
  /** Time tasks spent running in a worker, all workers together. Only with `metrics: true`. */
  readonly run?: TimeSummary;
  /** Time from the call until a worker started the task, all workers together. Only with `metrics: true`. */
  readonly wait?: TimeSummary;
  /** The same, per worker in worker order. Only with `metrics: true`. */
  readonly byWorker?: ReadonlyArray<{ readonly run: TimeSummary; readonly wait: TimeSummary }>;
}

const SAMPLE = 10_000;

class Reservoir {
  private readonly values = new Float64Array(SAMPLE);
  seen = 0;
  sum = 0;
  max = 0;

  add(value: number): void {
    const v = value > 0 ? value : 0; // clocks of two threads may disagree by a few µs
    this.sum += v;
    if (v > this.max) this.max = v;
    if (this.seen < SAMPLE) this.values[this.seen] = v;
    else {
      const j = Math.floor(Math.random() * (this.seen + 1));
      if (j < SAMPLE) this.values[j] = v;
    }
    this.seen++;
  }

  sample(): Float64Array {
    return this.values.subarray(0, Math.min(this.seen, SAMPLE));
  }
}

/** The timing of one worker slot: when each request was submitted, and the reservoirs of its answers' times. */
export class SlotTiming {
  readonly run = new Reservoir();
  readonly wait = new Reservoir();
  private readonly submitted = new Map<number, number>();

  /** `submittedAt` on the performance.now() scale of this thread (a map call's start); default: now. */
  submit(id: number, submittedAt: number | undefined): void {
    this.submitted.set(id, submittedAt === undefined ? clock() : clockOf(submittedAt));
  }

  forget(id: number): void {
    this.submitted.delete(id);
  }

  clear(): void {
    this.submitted.clear();
  }

  /** Reads the times a worker appended to its answer: `[..., startedAt, runMs]` or, for a chunk, `[..., startedAt, runMs[]]`. */
  record(response: Response): void {
    const id = response[0];
    const submittedAt = this.submitted.get(id);
    if (submittedAt === undefined) return;
    this.submitted.delete(id);
    if (response[1] === Status.Ok) {
      const [, , , , startedAt, runMs] = response;
      if (startedAt === undefined || runMs === undefined) return;
      this.wait.add(startedAt - submittedAt);
      this.run.add(runMs);
    } else if (response[1] === Status.Chunk) {
      const [, , , , , startedAt, runMs] = response;
      if (startedAt === undefined || runMs === undefined) return;
      // The chunk's tasks ran one after another from startedAt: task i waited for those before it too.
      let start = startedAt;
      for (let i = 0; i < runMs.length; i++) {
        this.wait.add(start - submittedAt);
        this.run.add(runMs[i]!);
        start += runMs[i]!;
      }
    }
  }
}

function summarize(reservoirs: Reservoir[]): TimeSummary {
  let count = 0;
  let sum = 0;
  let max = 0;
  // Each sampled value stands for seen / sampleSize tasks of its worker, so that a worker that ran many more tasks
  // than the sample holds weighs as much as it should when workers are summarized together.
  const points: Array<[value: number, weight: number]> = [];
  for (const r of reservoirs) {
    count += r.seen;
    sum += r.sum;
    if (r.max > max) max = r.max;
    const sample = r.sample();
    const weight = sample.length === 0 ? 0 : r.seen / sample.length;
    for (const v of sample) points.push([v, weight]);
  }
  points.sort((a, b) => a[0] - b[0]);
  // Nearest rank: the smallest value with at least q of the (weighted) tasks at or below it.
  const at = (q: number): number => {
    let below = 0;
    for (const [value, weight] of points) {
      below += weight;
      if (below >= q * count - 1e-9) return value;
    }
    return points.at(-1)?.[0] ?? 0;
  };
  return { count, mean: count === 0 ? 0 : sum / count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max };
}

export function poolMetrics(tasks: number[], timings: Array<SlotTiming | undefined> | undefined): PoolMetrics {
  if (!timings) return { tasks, timed: false };
  const present = timings.filter((t): t is SlotTiming => t !== undefined);
  return {
    tasks,
    timed: true,
    run: summarize(present.map((t) => t.run)),
    wait: summarize(present.map((t) => t.wait)),
    byWorker: present.map((t) => ({ run: summarize([t.run]), wait: summarize([t.wait]) })),
  };
}

/** pool.info: the pool's shape and counters now; `metrics` computed when read (see below). */
export function poolInfo(
  slots: readonly WorkerSlot[],
  options: { kind: PoolInfo['kind']; seed: number; dedicated: boolean; metrics: boolean },
  live: Pick<PoolInfo, 'alive' | 'inFlight' | 'waiting' | 'state' | 'needsDrain'>,
): PoolInfo {
  const tasksDone = slots.map((slot) => slot.tasksDone);
  const info: Omit<PoolInfo, 'metrics'> = {
    size: slots.length,
    kind: options.kind,
    seed: options.seed,
    dedicated: options.dedicated,
    alive: live.alive,
    tasksDone,
    respawns: slots.map((slot) => Math.max(0, slot.generation - 1)),
    inFlight: live.inFlight,
    waiting: live.waiting,
    state: live.state,
    needsDrain: live.needsDrain,
  };
  // Computed when read: percentiles sort up to 10,000 samples per worker, and most reads of info want its size.
  const timings = options.metrics ? slots.map((slot) => slot.timing) : undefined;
  return Object.defineProperty(info, 'metrics', { get: () => poolMetrics(tasksDone, timings), enumerable: true }) as unknown as PoolInfo;
}
