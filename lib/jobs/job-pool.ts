/**
 * A job pool (BSB's JobPool) over a ProxyPool: jobs are methods of a JobWorker subclass, run once each, after the
 * jobs they depend on succeeded. One loop in this thread owns every status change, so a job is dispatched exactly
 * once (BSB's duplicate enqueues race) and its record outlives the pool (BSB's results vanish after close).
 */
import { ProxyPool } from '../pool/proxy-pool.ts';
import { ArgumentError, PoolClosedError } from '../protocol/errors.ts';
import { checkNode, checkSubmitOptions, type JobArgs, type JobMethodNames, type JobPoolOptions, type JobResult, type SubmitOptions } from './job-options.ts';
import { DependencyCycleError, JobCancelledError, WorkflowError } from './errors.ts';
import { Job, isFinal, type JobEvent, type JobListener, type JobStatus, type PoolStatus } from './job.ts';
import { dependencyOrder, type JobNode } from './schedule.ts';
import type { JobOutcome, JobWorker } from './job-worker.ts';
import { PingClock } from './pings.ts';

// The job pool's options and its method-name types, and their checks: job-options.ts (re-exported here).
export type { JobPoolOptions, SubmitOptions, JobMethodNames, JobArgs, JobResult } from './job-options.ts';

/**
 * Submit jobs (methods of a JobWorker subclass) with dependencies, then `execute()` them on a pool of workers.
 *
 * @example
 * await using jobs = await JobPool.create(Simulation, { module: new URL('./simulation.ts', import.meta.url), workers: 4 });
 * const prepare = jobs.submit('prepare', [10]);
 * const runs = [1, 2, 3].map((seed) => jobs.submit('run', [seed], { dependsOn: [prepare] }));
 * await jobs.execute();
 * console.log(runs.map((job) => job.result));
 */
export class JobPool<T extends JobWorker> implements AsyncDisposable {
  readonly pool: ProxyPool<T>;
  private state: PoolStatus = 'scheduling';
  private readonly all: Job[] = [];
  private readonly listeners = new Set<JobListener<JobPool<T>>>();
  private readonly ready: Job[] = [];
  private readHead = 0;
  private runningCount = 0;
  private unfinished = 0;
  private readonly cacheUsers = new Map<string, number>();
  private readonly failures: Job[] = [];
  private finishedAll: (() => void) | undefined;
  private readonly pings: PingClock;
  private scope: { deps: Job[]; cache: readonly string[] } | undefined;
  private readonly runJob: (method: string, args: readonly unknown[], clock?: BigInt64Array) => Promise<JobOutcome>;
  readonly pingInterval: number;
  readonly failFast: boolean;
  readonly concurrency: number;

  private constructor(pool: ProxyPool<T>, options: JobPoolOptions) {
    this.pool = pool;
    this.pingInterval = options.pingInterval ?? 1000;
    this.failFast = options.failFast ?? false;
    this.concurrency = options.concurrency ?? pool.info.size;
    for (const listener of options.listeners ?? []) this.listeners.add(listener);
    const remote = (pool.methods as unknown as Record<string, { one(...a: unknown[]): Promise<JobOutcome> }>).runJob;
    if (!remote) throw new ArgumentError('a job pool class must extend JobWorker (it has no runJob method)');
    this.runJob = (method, args, clock) => (clock ? remote.one(method, args, clock) : remote.one(method, args));
    const shared = pool.info.kind === 'thread' || pool.info.kind === 'inline';
    this.pings = new PingClock(this.pingInterval, shared, (job, count) => this.ping(job, count));
  }

  /**
   * Starts the workers (as `ProxyPool.create`) and resolves to an empty job pool.
   *
   * @example
   * const jobs = await JobPool.create(Simulation, { module: new URL('./simulation.ts', import.meta.url), pingInterval: 500 });
   */
  static async create<C extends new (...args: any[]) => JobWorker>(Class: C, options: JobPoolOptions = {}): Promise<JobPool<InstanceType<C>>> {
    const { pingInterval, failFast, concurrency, listeners, ...poolOptions } = options;
    if (pingInterval !== undefined && (typeof pingInterval !== 'number' || !(pingInterval >= 0) || pingInterval === Infinity)) throw new ArgumentError(`option pingInterval must be a finite number of ms >= 0, got ${String(pingInterval)}`);
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new ArgumentError(`option concurrency must be a positive integer, got ${String(concurrency)}`);
    if (listeners !== undefined && !Array.isArray(listeners)) throw new ArgumentError('option listeners must be an array');
    // Checked before any worker starts: a class without runJob would fail every job with "no method runJob".
    if (typeof Class !== 'function' || typeof (Class.prototype as { runJob?: unknown } | undefined)?.runJob !== 'function') {
      throw new ArgumentError(`JobPool.create: the class must extend JobWorker (${typeof Class === 'function' ? `${Class.name || 'the class'} has no runJob method` : `got ${Class === null ? 'null' : typeof Class}`})`);
    }
    const pool = (await ProxyPool.create(Class, poolOptions)) as unknown as ProxyPool<InstanceType<C>>;
    try {
      return new JobPool(pool, options);
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** scheduling, executing, closing or closed. */
  get status(): PoolStatus {
    return this.state;
  }

  /** Every job submitted, in submission order; kept after close. */
  get jobs(): readonly Job[] {
    return this.all;
  }

  /**
   * Adds a job: `method` of the pool's class with `args`. It runs during `execute()` once its dependencies succeed.
   *
   * @example
   * const a = jobs.submit('prepare', [1]);
   * const b = jobs.submit('simulate', [2], { dependsOn: [a], cache: ['table'] });
   */
  submit<M extends JobMethodNames<T>>(method: M, args: JobArgs<T, M>, options: SubmitOptions = {}): Job<JobResult<T, M>> {
    if (this.state === 'closing' || this.state === 'closed') throw new PoolClosedError(`submit(${method})`);
    if (typeof method !== 'string') throw new ArgumentError(`submit expects a method name, got ${typeof method}`);
    if (!Array.isArray(args)) throw new ArgumentError(`submit(${method}): args must be an array, got ${typeof args}`);
    checkSubmitOptions(method, options);
    const deps = [...(options.dependsOn ?? []), ...(this.scope?.deps ?? [])];
    for (const dep of deps) {
      if (!(dep instanceof Job) || this.all[dep.id] !== dep) throw new ArgumentError(`submit(${method}): dependsOn must list jobs of this pool`);
    }
    const cache = [...new Set([...(options.cache ?? []), ...(this.scope?.cache ?? [])])];
    const job = new Job<JobResult<T, M>>(this.all.length, method, args, [...new Set(deps)], cache, options.name ?? method);
    this.all.push(job);
    this.unfinished++;
    for (const key of cache) this.cacheUsers.set(key, (this.cacheUsers.get(key) ?? 0) + 1);
    for (const dep of job.dependsOn) {
      if (!isFinal(dep.status)) {
        job.waitingFor++;
        dep.dependents.push(job);
      }
    }
    this.emit({ type: 'job-added', job, pool: this });
    this.evaluate(job);
    return job;
  }

  /**
   * Submits the jobs of dependency-ordered nodes: each node's `queue(pool)` runs after those of its dependencies,
   * and its jobs depend on all their jobs. A cycle throws DependencyCycleError before anything is submitted.
   *
   * @example
   * jobs.schedule([prepare, place, connect]); // place.dependsOn = [prepare], connect.dependsOn = [place]
   */
  schedule(nodes: readonly JobNode<JobPool<T>>[]): Job[] {
    if (!Array.isArray(nodes)) throw new ArgumentError('schedule expects an array of nodes');
    // Every node is checked before the first is queued: a bad entry must not leave the earlier ones submitted.
    nodes.forEach(checkNode);
    const order = dependencyOrder(nodes);
    const jobsOf = new Map<JobNode, Job[]>();
    const added: Job[] = [];
    for (const node of order) {
      const deps = (node.dependsOn ?? []).flatMap((d: JobNode) => jobsOf.get(d) ?? []);
      const first = this.all.length;
      this.scope = { deps, cache: node.cache ?? [] };
      try {
        node.queue(this);
      } finally {
        this.scope = undefined;
      }
      const own = this.all.slice(first);
      jobsOf.set(node, own);
      added.push(...own);
    }
    return added;
  }

  /**
   * Cancels a job that has not ended (and, through them, its dependents). A running job's worker finishes it; its
   * result is dropped. Returns false if the job had already ended. Safe to call from a listener.
   *
   * @example
   * jobs.addListener((e) => { if (e.type === 'job-status' && e.status === 'failed') jobs.cancel(cleanup); });
   */
  cancel(job: Job<any>, reason = 'cancelled by cancel()'): boolean {
    if (!(job instanceof Job) || this.all[job.id] !== job) throw new ArgumentError('cancel: not a job of this pool');
    if (isFinal(job.status)) return false;
    if (job.status === 'running') this.runningCount--;
    this.finish(job, 'cancelled', undefined, new JobCancelledError(`job ${job.id} (${job.name}) ${reason}`));
    this.pump();
    return true;
  }

  /**
   * Adds a listener; returns a function that removes it.
   *
   * @example
   * const stop = jobs.addListener((e) => e.type === 'ping' && console.log(`${e.job.name} still running`));
   */
  addListener(listener: JobListener<JobPool<T>>): () => void {
    if (typeof listener !== 'function' && typeof listener?.onEvent !== 'function') throw new ArgumentError('a listener is a function or an object with onEvent(event)');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs every unfinished job, respecting dependencies, and resolves once all have ended. Rejects with
   * WorkflowError if any job failed in this run (the others still ran, unless `failFast`).
   *
   * @example
   * await jobs.execute();
   */
  async execute(): Promise<void> {
    if (this.state !== 'scheduling') throw this.state === 'executing' ? new Error('execute: the pool is already executing') : new PoolClosedError('execute');
    this.failures.length = 0;
    this.setStatus('executing');
    const done = new Promise<void>((resolve) => (this.finishedAll = resolve));
    for (const job of this.all) if (job.status === 'pending') this.evaluate(job);
    this.checkDone();
    await done;
    if ((this.state as PoolStatus) === 'executing') this.setStatus('scheduling'); // not when close() ended the run
    else {
      // close() cut the run short: the caller must be able to tell (its cancelled jobs never ran).
      throw new JobCancelledError(`execute: the job pool was closed during the run; ${this.cutShort} unfinished job(s) cancelled${this.failures.length > 0 ? `, ${this.failures.length} failed` : ''}`);
    }
    if (this.failures.length > 0) throw new WorkflowError(this.failures, this.all.length);
  }

  /** Cancels unfinished jobs, closes the workers and the listeners. Jobs and results stay readable. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.setStatus('closing');
    const unfinished = this.all.filter((job) => !isFinal(job.status));
    this.cutShort = unfinished.length;
    for (const job of unfinished) if (!isFinal(job.status)) this.cancel(job, 'cancelled: the pool closed');
    await this.pool.close();
    this.setStatus('closed');
    for (const listener of this.listeners) if (typeof listener !== 'function') await listener.close?.();
  }

  /** `await using jobs = await JobPool.create(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Queues a pending job whose dependencies all succeeded (while executing); cancels it if one did not. */
  private evaluate(job: Job): void {
    if (job.status !== 'pending') return;
    const broken = job.dependsOn.find((dep) => dep.status === 'failed' || dep.status === 'cancelled');
    if (broken) {
      this.finish(job, 'cancelled', undefined, new JobCancelledError(`job ${job.id} (${job.name}) cancelled: its dependency job ${broken.id} (${broken.name}) ${broken.status === 'failed' ? 'failed' : 'was cancelled'}`));
      return;
    }
    if (job.waitingFor > 0 || this.state !== 'executing') return;
    this.setJobStatus(job, 'queued');
    this.ready.push(job);
    this.pump();
  }

  /** Hands queued jobs to the workers while fewer than `concurrency` run. */
  private pump(): void {
    while (this.runningCount < this.concurrency && this.readHead < this.ready.length && this.state === 'executing') {
      const job = this.ready[this.readHead++]!;
      if (this.readHead > 1024 && this.readHead * 2 > this.ready.length) this.ready.splice(0, this.readHead), (this.readHead = 0);
      if (job.status !== 'queued') continue; // cancelled while queued
      this.dispatch(job);
    }
  }

  private dispatch(job: Job): void {
    this.runningCount++;
    job.startedAt = performance.now();
    this.setJobStatus(job, 'running');
    const clock = this.pings.start(job);
    this.runJob(job.method, job.args, clock).then(
      (outcome) => {
        if (job.status !== 'running') return; // cancelled meanwhile: the result is dropped
        this.runningCount--;
        job.durationMs = outcome.ms;
        this.finish(job, 'success', outcome.value);
        this.pump();
      },
      (error: unknown) => {
        if (job.status !== 'running') return;
        this.runningCount--;
        this.finish(job, 'failed', undefined, error);
        this.pump();
      },
    );
  }

  private ping(job: Job, count: number): void {
    job.pings = count;
    this.emit({ type: 'ping', job, count, elapsedMs: count * this.pingInterval, running: this.runningCount, pool: this });
  }

  private finish(job: Job, status: JobStatus, result?: unknown, error?: unknown): void {
    this.pings.stop(job);
    if (status === 'success' && job.durationMs !== undefined) this.pings.catchUp(job, job.durationMs);
    job.result = result;
    job.error = error;
    job.endedAt = performance.now();
    this.unfinished--;
    if (status === 'failed') this.failures.push(job);
    this.setJobStatus(job, status);
    for (const key of job.cache) this.releaseCache(key);
    for (const dependent of job.dependents) {
      dependent.waitingFor--;
      this.toEvaluate.push(dependent);
    }
    // A worklist instead of recursion: a failure at the head of a 10,000-job chain cancels it without deep stacks.
    if (!this.evaluating) {
      this.evaluating = true;
      try {
        for (let next = this.toEvaluate.pop(); next; next = this.toEvaluate.pop()) this.evaluate(next);
      } finally {
        this.evaluating = false;
      }
    }
    if (status === 'failed' && this.failFast) {
      for (const other of this.all) if (!isFinal(other.status)) this.cancel(other, `cancelled: fail-fast after job ${job.id} (${job.name}) failed`);
    }
    this.checkDone();
  }

  /** The last unfinished job declaring `key` ended: free it in every worker (one broadcast). */
  private releaseCache(key: string): void {
    const users = (this.cacheUsers.get(key) ?? 1) - 1;
    if (users > 0) return void this.cacheUsers.set(key, users);
    this.cacheUsers.delete(key);
    this.pendingFrees++;
    (this.pool.methods as unknown as { freePoolCache(keys: string[]): Promise<string[][]> })
      .freePoolCache([key])
      .then(
        () => this.emit({ type: 'cache-freed', keys: [key], pool: this }),
        (error: unknown) => process.emitWarning(`objectproxypool: freeing pool cache key "${key}" failed: ${String(error)}`),
      )
      .finally(() => {
        this.pendingFrees--;
        this.checkDone();
      });
  }

  private pendingFrees = 0;
  /** Jobs close() cancelled (an execute() it cut short reports them). */
  private cutShort = 0;
  private readonly toEvaluate: Job[] = [];
  private evaluating = false;

  /** execute() resolves once every job ended and every cache free it caused is done. */
  private checkDone(): void {
    if (this.unfinished === 0 && this.pendingFrees === 0 && this.finishedAll) {
      const resolve = this.finishedAll;
      this.finishedAll = undefined;
      resolve();
    }
  }

  private setJobStatus(job: Job, status: JobStatus): void {
    const previous = job.status;
    job.status = status;
    this.emit({ type: 'job-status', job, status, previous, pool: this });
  }

  private setStatus(status: PoolStatus): void {
    const previous = this.state;
    this.state = status;
    this.emit({ type: 'pool-status', status, previous, pool: this });
  }

  /** Listeners are called in order; one that throws is reported as a warning and does not stop the pool. */
  private emit(event: JobEvent<JobPool<T>>): void {
    for (const listener of this.listeners) {
      try {
        if (typeof listener === 'function') listener(event);
        else listener.onEvent(event);
      } catch (error) {
        process.emitWarning(`objectproxypool: a job pool listener threw on ${event.type}: ${error instanceof Error ? error.stack : String(error)}`);
      }
    }
  }
}
