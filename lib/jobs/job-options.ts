/** The job pool's options, the types that name a JobWorker's job methods, and the checks of submit() and schedule() input. */
import { ArgumentError } from '../protocol/errors.ts';
import type { PoolOptions } from '../pool/options.ts';
import type { AnyFunction } from '../pool/types.ts';
import { Job, type JobListener } from './job.ts';
import type { JobNode } from './schedule.ts';
import type { JobWorker } from './job-worker.ts';
import type { JobPool } from './job-pool.ts';

/**
 * Options of `JobPool.create`: the pool's options plus the job pool's own.
 *
 * @example
 * const jobs = await JobPool.create(Model, { module, workers: 4, pingInterval: 500, failFast: true, concurrency: 8 });
 */
export interface JobPoolOptions extends PoolOptions<any> {
  /** Milliseconds between pings of a running job (0: none). Default 1000. */
  pingInterval?: number;
  /** Cancel every unfinished job as soon as one fails. Default false: independent jobs still run. */
  failFast?: boolean;
  /** Jobs handed to the workers at a time. Default: one per worker, so `running` means running. */
  concurrency?: number;
  /** Listeners from the start (they also hear the first 'executing' status). */
  listeners?: JobListener<JobPool<any>>[];
}

/**
 * Options of one `submit`.
 *
 * @example
 * jobs.submit('connect', [chunk], { dependsOn: [placement], cache: ['table'], name: `connect ${chunk}` });
 */
export interface SubmitOptions {
  /** Jobs of this pool that must succeed before this one starts; if one fails or is cancelled, this one is cancelled. */
  dependsOn?: readonly Job<any>[];
  /** Pool-cache keys this job uses: kept alive in the workers until every job declaring them has ended. */
  cache?: readonly string[];
  /** Name for listeners and errors. Default: the method's name. */
  name?: string;
}

/**
 * Job functions: the class's methods, without JobWorker's own.
 *
 * @example
 * type Names = JobMethodNames<Network>; // 'place' | 'connect' | 'densityTable'
 */
export type JobMethodNames<T> = Exclude<{ [K in keyof T]-?: T[K] extends AnyFunction ? K : never }[keyof T] & string, keyof JobWorker>;

/**
 * The arguments of job function M of T.
 *
 * @example
 * type PlaceArgs = JobArgs<Network, 'place'>; // [chunk: number]
 */
export type JobArgs<T, M extends keyof T> = T[M] extends AnyFunction ? Parameters<T[M]> : never;
/**
 * What job function M of T resolves to.
 *
 * @example
 * type Placed = JobResult<Network, 'place'>;
 */
export type JobResult<T, M extends keyof T> = T[M] extends AnyFunction ? Awaited<ReturnType<T[M]>> : never;

export function checkSubmitOptions(method: string, options: SubmitOptions): void {
  if (options === null || typeof options !== 'object') throw new ArgumentError(`submit(${method}): options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { dependsOn, cache, name } = options;
  if (dependsOn !== undefined && !Array.isArray(dependsOn)) throw new ArgumentError(`submit(${method}): dependsOn must be an array of jobs (e.g. { dependsOn: [job] }), got ${dependsOn instanceof Job ? 'a job' : typeof dependsOn}`);
  if (cache !== undefined && (!Array.isArray(cache) || cache.some((key) => typeof key !== 'string'))) {
    throw new ArgumentError(`submit(${method}): cache must be an array of key strings (e.g. { cache: ['table'] }), got ${typeof cache === 'string' ? `the string "${cache}"` : JSON.stringify(cache) ?? typeof cache}`);
  }
  if (name !== undefined && typeof name !== 'string') throw new ArgumentError(`submit(${method}): name must be a string, got ${typeof name}`);
}

export function checkNode(node: JobNode, index: number): void {
  const what = `schedule: node ${index}`;
  if (node === null || typeof node !== 'object') throw new ArgumentError(`${what} must be an object with a queue(pool) method, got ${node === null ? 'null' : typeof node}`);
  if (typeof node.queue !== 'function') throw new ArgumentError(`${what}${node.name ? ` (${node.name})` : ''} has no queue(pool) method`);
  if (node.dependsOn !== undefined && !Array.isArray(node.dependsOn)) throw new ArgumentError(`${what}: dependsOn must be an array of nodes`);
  if (node.cache !== undefined && (!Array.isArray(node.cache) || node.cache.some((key) => typeof key !== 'string'))) throw new ArgumentError(`${what}: cache must be an array of key strings`);
  if (node.name !== undefined && typeof node.name !== 'string') throw new ArgumentError(`${what}: name must be a string`);
}
