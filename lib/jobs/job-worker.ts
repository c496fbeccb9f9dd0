/**
 * The worker side of a job pool. A job is a method of the pool's class; the class extends JobWorker, which gives
 * the pool a way to time each job where it runs (`runJob`) and to free pool-scoped cache entries (`freePoolCache`)
 * once no pending job needs them (BSB's `pool_cache`).
 */
import { UnknownMethodError } from '../protocol/errors.ts';

/**
 * What `runJob` sends back: the method's value and how long it ran in the worker.
 *
 * @example
 * const { value, ms } = await pool.methods.runJob.one('place', [3]);
 */
export interface JobOutcome {
  value: unknown;
  /** Milliseconds the method ran, measured in the worker (pings are reconciled against it). */
  ms: number;
}

const own = new Set(['runJob', 'freePoolCache', 'cachedValue', 'poolCacheKeys', 'constructor']);

/**
 * Base class of job pool workers: extend it, and every other method is a job function (`submit('name', args)`).
 *
 * @example
 * ```ts
 * export class Placement extends JobWorker {
 *   @poolCache
 *   heavyCalculations(): number[] { return expensiveTable(); }   // once per worker while a pending job needs it
 *   place(chunk: number): number { return this.heavyCalculations()[chunk]!; }
 * }
 * ```
 */
export class JobWorker {
  readonly #cache = new Map<string, unknown>();

  /**
   * The value cached under `key` in this worker, computing it on first use. The job pool frees the key once
   * every job that declared it (`submit(..., { cache: [key] })`) has ended.
   *
   * @example
   * const table = this.cachedValue('table', () => buildTable());
   */
  cachedValue<T>(key: string, compute: () => T): T {
    if (!this.#cache.has(key)) this.#cache.set(key, compute());
    return this.#cache.get(key) as T;
  }

  /** Keys cached in this worker now. */
  poolCacheKeys(): string[] {
    return [...this.#cache.keys()];
  }

  /** Called by the job pool (a broadcast): drops these keys and returns those that were cached here. */
  freePoolCache(keys: string[]): string[] {
    return keys.filter((key) => this.#cache.delete(key));
  }

  /**
   * Called by the job pool: runs one job and times it. With `clock` (thread and inline kinds), the job's start and
   * end (wall-clock microseconds) are also written to that shared memory as they happen, so the pool's pings can
   * tell exactly whether the job was still running when a ping fell due.
   */
  async runJob(method: string, args: unknown[], clock?: BigInt64Array): Promise<JobOutcome> {
    const fn = (this as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function' || own.has(method)) throw new UnknownMethodError(method, jobMethodNames(this));
    const started = wallMicros();
    if (clock) Atomics.store(clock, 0, BigInt(started));
    try {
      const value = await (fn as (...a: unknown[]) => unknown).apply(this, args);
      // One reading of the clock is the job's end: the same instant goes to the pings and to the measured duration.
      const ended = wallMicros();
      if (clock) Atomics.store(clock, 1, BigInt(ended));
      return { value, ms: (ended - started) / 1000 };
    } catch (error) {
      if (clock) Atomics.store(clock, 1, BigInt(wallMicros()));
      throw error;
    }
  }
}

/** @internal Wall-clock microseconds, comparable between the threads of a process. */
export function wallMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function jobMethodNames(instance: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) if (!own.has(key) && typeof Object.getOwnPropertyDescriptor(proto, key)?.value === 'function') names.add(key);
  }
  return [...names].sort();
}

/**
 * Method decorator: the method's value is cached in the worker under the method's name (`cachedValue`), so a
 * job declaring `{ cache: ['heavyCalculations'] }` keeps it alive and the pool frees it after the last such job.
 *
 * @example
 * ```ts
 * class Model extends JobWorker {
 *   @poolCache
 *   heavyCalculations(): number { return 5 + 5; }
 * }
 * ```
 */
export function poolCache<This extends JobWorker, R>(method: (this: This) => R, context: ClassMethodDecoratorContext<This, (this: This) => R>): (this: This) => R {
  const key = String(context.name);
  return function (this: This): R {
    return this.cachedValue(key, () => method.call(this));
  };
}
