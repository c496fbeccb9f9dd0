/**
 * The host side of a pool: its calls in flight, admission (capacity and backpressure) and its life cycle
 * (open → closing → closed). Workers are the Workforce's business; `proxy.ts` puts the typed face on it.
 */
import { Op } from '../protocol/messages.ts';
import { UncloneableValueError } from '../protocol/value-codec.ts';
import { ArgumentError, PoolClosedError, UnknownMethodError } from '../protocol/errors.ts';
import { Admission } from './admission.ts';
import { Job } from './job.ts';
import { broadcastField, dedicated, dynamicMap, synchronized, type DispatchContext } from './dispatch.ts';
import { repeat, zipArgs } from './map-args.ts';
import { checkMilliseconds, type ResolvedOptions } from './options.ts';
import type { CallOptions, CloseOptions, PoolInfo, PoolStats } from './types.ts';
import { Workforce } from './workforce.ts';
import { singleCall } from './single-call.ts';
import { broadcast, JobSink, leanBroadcast } from './broadcast.ts';
import { openStream, type FlatStream, type StreamHost } from './stream.ts';
import type { TaskColumns } from './map-args.ts';
import type { WorkerSlot } from './worker-slot.ts';
import { poolInfo } from './metrics.ts';
import { ExtensionHost } from './extension-host.ts';
import { currentPoolOwner, type PoolOwner } from '../runtime/pool-owner.ts';
import { DrainSignal, poolStats } from './drain.ts';

let poolIds = 0;

/** Names that can never be called remotely: they would confuse promises, prototypes or the proxy itself. */
export const UNCALLABLE = new Set(['then', 'constructor', '__proto__', 'prototype']);

export class PoolCore implements DispatchContext, StreamHost {
  readonly id = ++poolIds;
  /** What layers see of this pool (extension.ts): its up-topics, listeners, watchers and their per-pool state. */
  readonly extension: ExtensionHost = new ExtensionHost(this);
  private idCounter = 0;
  readonly msPerTask = new Map<string, number>();
  private readonly jobs = new Set<Job>();
  private methodNames = new Set<string>();
  state: PoolInfo['state'] = 'open';
  private closing: Promise<void> | undefined;
  private readonly workforce: Workforce;
  private readonly admission: Admission;

  private constructor(readonly options: ResolvedOptions, Class: new (...args: any[]) => object) {
    this.workforce = new Workforce(options, Class, this.nextId);
    this.admission = new Admission(options.capacity, options.backpressure);
    this.drainSignal = new DrainSignal(
      () => this.admission.admitted === 0 && this.singleCalls === 0 && this.admission.waiting === 0,
      options.onDrain,
    );
  }

  /** Let go of the worker that owns this pool (a pool created inside a worker), once closed. */
  private disown: (() => void) | undefined;

  /** `owner`: the worker this pool is created in, if any (read when the call was made: see pool-owner.ts). */
  static async create(Class: new (...args: any[]) => object, options: ResolvedOptions, owner: PoolOwner | undefined = currentPoolOwner()): Promise<PoolCore> {
    const core = new PoolCore(options, Class);
    try {
      core.methodNames = new Set(await core.workforce.start());
      for (const slot of core.slots) core.hook(slot);
      core.extension.opened();
      core.disown = owner?.adopt(core);
    } catch (error) {
      core.state = 'closed';
      throw error;
    }
    return core;
  }

  nextId = (): number => ++this.idCounter;

  private hook(slot: WorkerSlot): void {
    this.extension.attach(slot);
  }

  /** The resize in progress, if any: resizes run one after another. */
  private resizing: Promise<void> = Promise.resolve();

  /**
   * Grow or shrink the live pool to `size` workers (see Workforce.grow and shrink). Calls made after it resolves
   * see exactly the new set of instances; a map in progress carries on over whichever workers are serving.
   */
  resize(size: number): Promise<void> {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
      const got = typeof size === 'string' ? JSON.stringify(size) : String(size);
      return Promise.reject(new ArgumentError(`resize() expects a positive integer number of workers, got ${got}`));
    }
    if (this.state !== 'open') return Promise.reject(new PoolClosedError(`cannot resize to ${size} workers`));
    if (this.options.kind === 'remote') {
      return Promise.reject(new ArgumentError("resize() is not available for kind 'remote': its hosts are reserved when the pool is created"));
    }
    const run = async (): Promise<void> => {
      if (this.state !== 'open') throw new PoolClosedError(`cannot resize to ${size} workers`);
      const current = this.slots.length;
      if (size > current) for (const slot of await this.workforce.grow(size)) this.hook(slot);
      else if (size < current) await this.workforce.shrink(size, this.options.disposeTimeout);
    };
    const done = this.resizing.then(run);
    this.resizing = done.catch(() => {});
    return done;
  }

  /** Call keys of map and stream calls, in submission order (unless pinned with `with({ key })`): see taskContext(). */
  private keyCounter = 0;
  /** The `[pool seed, call key]` of a new map or stream call. */
  taskKeyFor(options: CallOptions): [number, number] {
    return [this.options.seed, options.key ?? this.keyCounter++];
  }

  get slots(): readonly WorkerSlot[] {
    return this.workforce.slots;
  }

  get methods(): ReadonlySet<string> {
    return this.methodNames;
  }

  /** Names that became callable after creation (service functions exposed inside a worker). */
  addMethods(names: readonly string[]): void {
    for (const name of names) if (!UNCALLABLE.has(name)) this.methodNames.add(name);
  }

  terminate(slot: WorkerSlot, cause: unknown): void {
    this.workforce.terminate(slot, cause);
  }

  /** `checkpoint` records map and stream tasks; other calls have nothing to resume. */
  private noCheckpoint(method: string, options: CallOptions, call: string): void {
    if (options.checkpoint !== undefined) {
      throw new ArgumentError(`${method}: option checkpoint applies to map and stream calls, not to ${call}; use pool.with({ checkpoint }).${method}.map(...) or .stream(...)`);
    }
  }

  private check(method: string, what: 'call' | 'field'): void {
    if (this.state !== 'open') throw new PoolClosedError(`cannot ${what === 'call' ? `call ${method}` : `access field ${method}`}`);
    if (what === 'call') {
      if (UNCALLABLE.has(method)) throw new ArgumentError(`"${method}" is reserved and cannot be called on pool workers`);
      if (!this.methodNames.has(method)) throw new UnknownMethodError(method, [...this.methodNames]);
    }
  }

  /** Creates the job and starts it now, later (capacity reached, backpressure 'wait') or never (backlog full). */
  private run(method: string, taskCount: number, options: CallOptions, start: (job: Job) => void): Promise<unknown[]> {
    const job = new Job(method, taskCount, options, this.onJobEnd);
    job.workerCount = this.slots.length;
    if (job.done) return job.promise;
    this.jobs.add(job);
    const guarded = (j: Job) => {
      try {
        start(j);
      } catch (error) {
        // Whatever goes wrong while dispatching (an argument that cannot travel) ends this call, not the pool.
        j.fail(error instanceof UncloneableValueError ? new ArgumentError(`${method}: ${error.message}`, { cause: error }) : error);
      }
    };
    this.admission.offer(job, () => guarded(job), options.backpressure);
    return job.promise;
  }

  private onJobEnd = (job: Job): void => {
    this.jobs.delete(job);
    if (!this.admission.release(job)) return;
    if (this.admission.admitted === 0 && this.singleCalls === 0) this.maybeDrained();
    this.admission.admitNext();
  };

  /**
   * One task on the least busy worker. Without timeout, signal or capacity it takes the lean path; otherwise it
   * is a one-task map, so that every call option behaves exactly as for other calls.
   */
  one(method: string, args: unknown[], options: CallOptions): Promise<unknown> {
    this.check(method, 'call');
    this.noCheckpoint(method, options, 'one()');
    if (!this.isPlain(options)) {
      return this.run(method, 1, { ...options, settle: 'fail-fast' }, (job) =>
        dynamicMap(this, job, method, { count: 1, columns: args.map((arg) => [arg]), constants: [] }, 1, options.retries ?? 0),
      ).then((results) => results[0]);
    }
    this.singleCalls++;
    return singleCall(this, method, args, this.singleCallDone);
  }

  /** One call on worker `index` (instance handles: a particular instance, not any). */
  callOn(index: number, method: string, args: unknown[]): Promise<unknown> {
    this.check(method, 'call');
    const slot = this.slots[index];
    if (!slot) throw new ArgumentError(`this pool has no worker ${index} (it has ${this.slots.length})`);
    this.singleCalls++;
    return singleCall(this, method, args, this.singleCallDone, slot);
  }

  /** Single calls in flight (they are not Jobs); close() waits for them too. */
  private singleCalls = 0;
  private drained: (() => void) | undefined;
  private singleCallDone = (): void => {
    if (--this.singleCalls === 0) {
      this.drained?.();
      if (this.admission.admitted === 0) this.maybeDrained();
    }
  };

  /** Announces the pool's emptyings to `drain()` and `onDrain` (drain.ts). */
  private readonly drainSignal: DrainSignal;

  private maybeDrained(): void {
    this.drainSignal.emptied();
  }

  /** Resolves when no call is in flight or waiting (at once when none is and no emptying is being announced). */
  drain(): Promise<void> {
    return this.drainSignal.wait();
  }

  stats(): PoolStats {
    return poolStats(this.slots, this.admission.waiting);
  }

  /** Every worker, once, with the same arguments. */
  broadcast(method: string, args: unknown[], options: CallOptions): Promise<unknown[]> {
    this.check(method, 'call');
    this.noCheckpoint(method, options, 'a broadcast');
    if (this.isPlain(options)) {
      this.singleCalls++;
      return leanBroadcast(this, method, args, this.singleCallDone);
    }
    return this.run(method, this.slots.length, options, (job) => broadcast(this, method, args, new JobSink(this, job)));
  }

  /** Calls with none of the options that need a Job (deadline, abort, settle-all, termination, admission) take a lean path. */
  private isPlain(options: CallOptions): boolean {
    return (
      options.timeout === undefined &&
      options.signal === undefined &&
      options.settle !== 'all' &&
      options.onProgress === undefined &&
      this.options.capacity === undefined
    );
  }

  /** One task per element of the zipped iterables, distributed according to the pool's and the call's mode. */
  map(method: string, iterables: unknown[], options: CallOptions): Promise<unknown[]> {
    this.check(method, 'call');
    const width = this.slots.length;
    // A dedicated pool reads at most one task more than it has workers: enough to say there are too many.
    const tasks = this.options.dedicated ? zipArgs(iterables, options.strict ?? false, width, width + 1) : zipArgs(iterables, options.strict ?? false);
    if (this.options.dedicated && tasks.count !== width) {
      const got = tasks.truncated ? `more than ${width}` : String(tasks.count);
      throw new ArgumentError(`${method}: a dedicated pool of ${width} workers needs exactly ${width} tasks per map call, got ${got}`);
    }
    const { chunkSize } = options;
    if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1)) {
      throw new ArgumentError(`chunkSize must be a positive integer, got ${chunkSize}`);
    }
    const retries = options.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0) throw new ArgumentError(`retries must be a non-negative integer, got ${retries}`);
    if (options.checkpoint !== undefined) {
      if (this.options.dedicated) throw new ArgumentError(`${method}.map: option checkpoint is for maps and streams of a shared pool; a dedicated pool's tasks are its workers' own state`);
      return this.checkpointedMap(method, tasks, options);
    }
    const taskKey = this.taskKeyFor(options);
    return this.run(method, tasks.count, options, (job) => {
      job.taskKey = taskKey;
      if (this.options.dedicated) dedicated(this, job, method, tasks);
      else if (options.synchronize) synchronized(this, job, method, tasks);
      else dynamicMap(this, job, method, tasks, chunkSize, retries);
    });
  }

  /** A lazily read map answered as it goes (lib/pool/stream.ts); the key is taken now, in submission order. */
  stream(method: string, iterables: unknown[], options: CallOptions): FlatStream {
    this.check(method, 'call');
    if (this.options.dedicated) throw new ArgumentError(`${method}.stream: a dedicated pool maps exactly one task per worker; use map`);
    const taskKey = this.taskKeyFor(options);
    const { checkpoint } = options;
    const recorder = checkpoint === undefined ? undefined : this.recorder(checkpoint, 'stream', method, taskKey, null, options);
    return openStream(this, method, iterables, options, taskKey, recorder);
  }

  private recorder(checkpoint: string | URL, call: 'map' | 'stream', method: string, taskKey: [number, number], count: number | null, options: CallOptions) {
    const fingerprint = { call, method, seed: taskKey[0], key: taskKey[1], count };
    return () => import('./checkpoint.ts').then((m) => m.openCheckpoint(checkpoint, fingerprint, options.settle === 'all'));
  }

  /** A checkpointed map: an ordered stream over the already-read tasks, collected. */
  private async checkpointedMap(method: string, tasks: TaskColumns, options: CallOptions): Promise<unknown[]> {
    if (options.synchronize || options.onProgress) {
      throw new ArgumentError(`${method}.map: option checkpoint cannot be combined with ${options.synchronize ? 'synchronize' : 'onProgress (stream the call and count what it yields)'}`);
    }
    const taskKey = this.taskKeyFor(options);
    const iterables = Array.from(tasks.columns, (column, p) => column ?? repeat(tasks.constants[p]));
    const recorder = this.recorder(options.checkpoint!, 'map', method, taskKey, tasks.count, options);
    const results: unknown[] = [];
    for await (const value of openStream(this, method, iterables, { ...options, ordered: true }, taskKey, recorder)) results.push(value);
    return results;
  }

  get workerCount(): number {
    return this.slots.length;
  }

  /** One chunk of a stream: tasks [base, base + count) of the call whose key is `taskKey`. */
  batch(method: string, tasks: TaskColumns, base: number, taskKey: [number, number], options: CallOptions): Promise<unknown[]> {
    if (this.state !== 'open') return Promise.reject(new PoolClosedError(`cannot call ${method}`));
    return this.run(method, tasks.count, options, (job) => {
      job.taskKey = taskKey;
      job.base = base;
      job.adoptResults = true;
      dynamicMap(this, job, method, tasks, tasks.count, options.retries ?? 0);
    });
  }

  getField(field: string, options: CallOptions): Promise<unknown[]> {
    this.check(field, 'field');
    this.noCheckpoint(field, options, 'a field access');
    return this.run(field, this.slots.length, options, (job) => broadcastField(this, job, Op.Get, field));
  }

  async setField(field: string, value: unknown, options: CallOptions): Promise<void> {
    this.check(field, 'field');
    this.noCheckpoint(field, options, 'a field access');
    await this.run(field, this.slots.length, options, (job) => broadcastField(this, job, Op.Set, field, value));
  }

  async setFieldEach(field: string, values: Iterable<unknown>, options: CallOptions): Promise<void> {
    this.check(field, 'field');
    this.noCheckpoint(field, options, 'a field access');
    if (values === null || values === undefined || typeof (values as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(`fields.setEach("${field}") expects an iterable of values, one per worker; got ${values === null ? 'null' : typeof values} (not iterable)`);
    }
    const tasks = zipArgs([values], true, undefined, this.slots.length + 1);
    if (tasks.count !== this.slots.length) {
      throw new ArgumentError(`fields.setEach("${field}") needs exactly ${this.slots.length} values (one per worker), got ${tasks.count}`);
    }
    await this.run(field, tasks.count, options, (job) => dedicated(this, job, field, tasks, Op.Set));
  }

  info(): PoolInfo {
    const live = { alive: this.workforce.alive, inFlight: this.admission.admitted + this.singleCalls, waiting: this.admission.waiting, state: this.state, needsDrain: this.admission.full };
    return poolInfo(this.slots, this.options, live);
  }

  close(options: CloseOptions = {}): Promise<void> {
    let timeout: number;
    try {
      if (options === null || typeof options !== 'object') throw new ArgumentError(`close() expects an options object, got ${options === null ? 'null' : typeof options}`);
      timeout = checkMilliseconds('close() option timeout', options.timeout, this.options.closeTimeout, true);
    } catch (error) {
      return Promise.reject(error); // the pool stays as it was
    }
    if (this.closing) {
      if (options.force) this.failAll();
      return this.closing;
    }
    this.state = 'closing';
    this.closing = (async () => {
      // Forced: a worker still running a call may be stuck (an endless loop), so it is ended at once, without the
      // dispose handshake it could not answer (that waited disposeTimeout, 5 s by default, for nothing).
      const busy = options.force ? new Set(this.workforce.everySlot.filter((slot) => slot.inFlight > 0)) : undefined;
      if (options.force) this.failAll();
      try {
        const stuck = (await this.settleWithin(timeout)) ?? busy;
        await this.workforce.close(this.options.disposeTimeout, stuck);
      } finally {
        this.state = 'closed';
        this.extension.closed();
        this.disown?.();
      }
    })();
    return this.closing;
  }

  /**
   * Waits for the calls in flight, at most `timeout` ms. Past it, they are cancelled and the workers that were
   * running them are returned: they may be stuck (an endless loop) and are terminated without a dispose handshake.
   */
  private async settleWithin(timeout: number): Promise<Set<WorkerSlot> | undefined> {
    const settled = (async () => {
      await Promise.allSettled([...this.jobs].map((job) => job.promise));
      if (this.singleCalls > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    })();
    if (timeout === Infinity) {
      await settled;
      return undefined;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = await Promise.race([settled.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeout, true)))]);
    clearTimeout(timer);
    if (!expired) return undefined;
    const stuck = new Set(this.workforce.everySlot.filter((slot) => slot.inFlight > 0));
    this.failAll(`was cancelled: close() reached its timeout of ${timeout} ms`);
    return stuck;
  }

  private failAll(reason = 'was cancelled by close({ force: true })'): void {
    for (const job of [...this.jobs]) job.fail(new PoolClosedError(`${job.method} ${reason}`));
    // Lean calls (no Job) are only known to the workers' pending tables.
    for (const slot of this.workforce.everySlot) slot.failPending((method) => new PoolClosedError(`${method} ${reason}`));
  }
}

