/** A job's record and the events a job pool's listeners hear. */

/**
 * pending → queued → running → success | failed; any non-final status can become cancelled.
 *
 * @example
 * const done = (s: JobStatus) => s === 'success' || s === 'failed' || s === 'cancelled';
 */
export type JobStatus = 'pending' | 'queued' | 'running' | 'success' | 'failed' | 'cancelled';
/**
 * scheduling (accepting jobs) → executing → scheduling ... → closing → closed.
 *
 * @example
 * if (jobs.status === 'executing') console.log('busy');
 */
export type PoolStatus = 'scheduling' | 'executing' | 'closing' | 'closed';

/** True for the statuses a job never leaves. */
export function isFinal(status: JobStatus): boolean {
  return status === 'success' || status === 'failed' || status === 'cancelled';
}

/**
 * One submitted job. Its status, result and error stay readable after the pool closes.
 *
 * @example
 * const job = jobs.submit('simulate', [42]);
 * await jobs.execute();
 * console.log(job.status, job.result, job.durationMs);
 */
export class Job<R = unknown> {
  status: JobStatus = 'pending';
  /** The method's value, once `success`. */
  result: R | undefined = undefined;
  /** The error it threw (`failed`), or a JobCancelledError saying why it was cancelled. */
  error: unknown = undefined;
  /** When it was handed to a worker (performance.now() of this thread). */
  startedAt: number | undefined = undefined;
  /** When it reached its final status. */
  endedAt: number | undefined = undefined;
  /** How long the method ran, measured in the worker. */
  durationMs: number | undefined = undefined;
  /** Pings emitted while it ran. */
  pings = 0;
  /** @internal unfinished dependencies */
  waitingFor = 0;
  /** @internal jobs depending on this one */
  readonly dependents: Job[] = [];

  /** @internal use `jobPool.submit` */
  constructor(
    readonly id: number,
    readonly method: string,
    readonly args: readonly unknown[],
    readonly dependsOn: readonly Job[],
    readonly cache: readonly string[],
    readonly name: string,
  ) {}

  /** `{ id, name, status }` and, when final, the result or the error's message: for logs and JSON. */
  toJSON(): object {
    const error = this.error instanceof Error ? `${this.error.name}: ${this.error.message}` : this.error;
    return { id: this.id, name: this.name, status: this.status, ...(this.status === 'success' ? { result: this.result } : {}), ...(error !== undefined ? { error } : {}) };
  }
}

/**
 * What a listener hears. `pool` is the JobPool that emitted it.
 *
 * @example
 * jobs.addListener((e: JobEvent) => { if (e.type === 'ping') console.log(`${e.job.name}: ${e.elapsedMs} ms`); });
 */
export type JobEvent<P = unknown> =
  | { type: 'pool-status'; status: PoolStatus; previous: PoolStatus; pool: P }
  | { type: 'job-added'; job: Job; pool: P }
  | { type: 'job-status'; job: Job; status: JobStatus; previous: JobStatus; pool: P }
  /** A running job is still running: the `count`-th ping, `count × pingInterval` ms after it started. */
  | { type: 'ping'; job: Job; count: number; elapsedMs: number; running: number; pool: P }
  /** Cache keys freed in every worker because no unfinished job declares them any more. */
  | { type: 'cache-freed'; keys: string[]; pool: P };

/**
 * A listener: a function, or an object whose `onEvent` hears the events and whose optional `close` runs when the
 * pool closes (BSB's context-manager listeners).
 *
 * @example
 * jobs.addListener((e) => { if (e.type === 'job-status') console.log(e.job.name, e.status); });
 */
export type JobListener<P = unknown> = ((event: JobEvent<P>) => void) | { onEvent(event: JobEvent<P>): void; close?(): void | Promise<void> };
