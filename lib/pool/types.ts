/**
 * The proxy's types, derived from the user's class (in the spirit of comlink's `Remote<T>`):
 * `pool.m(...args)` broadcasts and resolves to `Awaited<R>[]`; `pool.m.map(...iterables)` takes one iterable per
 * parameter. The pool's own names (`close`, `with`, `methods`, `fields`, `info`, `toString`, `toJSON`) win over user methods of the same
 * name, and `pool.methods.x` always reaches the user's method — the documented escape hatch.
 */
import type { Repeat } from './map-args.ts';
import type { PoolMetrics } from './metrics.ts';

/** Options of one call; set them with `pool.with(options)`. They never mix with the method's own arguments. */
export interface CallOptions {
  /** Map calls: every worker takes exactly one task of a round before any takes another (no timeouts involved). */
  synchronize?: boolean;
  /** Reject with a TimeoutError after this many milliseconds. Running tasks finish in their worker; queued ones are dropped. */
  timeout?: number;
  /**
   * When `timeout` starts counting: 'call' (default) — from the call, so time spent queued behind other work
   * counts; 'start' — as workerpool's `.timeout()`, from when the call's first task starts on a worker: each of
   * its tasks then waits on the host until its worker has nothing else in flight, so a queued call runs to its
   * own limit.
   */
  timeoutFrom?: 'call' | 'start';
  /** Reject with the signal's reason when it aborts; queued tasks are dropped. */
  signal?: AbortSignal;
  /** 'fail-fast' (default): reject on the first error. 'all': resolve to one PromiseSettledResult per task. */
  settle?: 'fail-fast' | 'all';
  /**
   * Map calls: tasks per message. Default: guided — each chunk is 1/(2 × workers) of the tasks not yet sent, so
   * few messages carry most tasks and the last chunks are small enough to keep every worker busy to the end.
   */
  chunkSize?: number;
  /** Map calls: iterables of different lengths are an error instead of shortest-wins. */
  strict?: boolean;
  /**
   * Map calls: how many times a task whose worker died (exit, crash, termination) is re-run on another worker.
   * Errors thrown by the method itself are never retried. Default 0.
   */
  retries?: number;
  /**
   * After a timeout or abort, tasks of this call still running in a worker are abandoned (default: they finish
   * and their results are dropped) or their workers are terminated (`'terminate'`; with `respawn` they restart).
   * Use 'terminate' against infinite loops: an abandoned loop keeps its worker busy forever.
   */
  onCancel?: 'abandon' | 'terminate';
  /** When the pool's `capacity` is reached: wait for room (default) or reject at once with BacklogFullError. */
  backpressure?: 'wait' | 'reject';
  /**
   * Hears the call's progress as answers arrive (at most once per batch of answers, and once more at the end):
   * tasks done (including failed ones) out of the total, and per worker. `done` only grows and ends at `total`.
   */
  onProgress?: (progress: Progress) => void;
  /**
   * Map and stream calls: the call key from which, with the pool seed and each task's index, taskContext()
   * derives the task's seed and random stream. Default: assigned in submission order (0, 1, 2, ... per pool).
   * Pin it to reproduce one call on its own, or to resume a checkpoint from another program. A uint32.
   */
  key?: number;
  /** Streams: at most this many tasks in flight or waiting to be yielded (the memory bound). Default 8192. */
  window?: number;
  /** Streams: yield values in input order (default), or `{ index, value }` as tasks complete (`false`). */
  ordered?: boolean;
  /**
   * Map and stream calls: a file recording each completed task (append-only, checksummed). Running the same call
   * again with the same path skips the tasks it holds and yields the identical full result; a checkpoint of
   * another call (seed, key, method, input length) is refused with a CheckpointError. Node only.
   */
  checkpoint?: string | URL;
}

/** What `onProgress` hears. */
export interface Progress {
  done: number;
  total: number;
  /** Tasks done by each worker, in worker order. */
  byWorker: readonly number[];
}

/** Any function; methods are the function-valued members of a class. */
export type AnyFunction = (...args: any[]) => any;

/** Any class (constructor) whose instances a pool can hold. */
export type AnyClass = abstract new (...args: any[]) => any;

/** Names of T's methods (function-valued members). */
export type MethodNames<T> = { [K in keyof T]-?: T[K] extends AnyFunction ? K : never }[keyof T] & string;
/** Names of T's data fields. */
export type FieldNames<T> = { [K in keyof T]-?: T[K] extends AnyFunction ? never : K }[keyof T] & string;

/** What a call resolves to: one entry per task (per worker for a broadcast), plain or settled. */
export type CallResult<R, O extends CallOptions> = O extends { settle: 'all' }
  ? PromiseSettledResult<Awaited<R>>[]
  : Awaited<R>[];

/**
 * A host-side value that a worker receives as a `T`: a layer's stand-in, such as a collective group, which each
 * participant's method gets as its Communicator. The property exists only in the type.
 *
 * @example
 * class Model { async simulate(comm: Communicator, steps: number) { await comm.barrier(); return comm.rank; } }
 * await pool.simulate(collective(pool), 100); // CollectiveGroup is a StandsFor<Communicator>
 */
export interface StandsFor<T> {
  readonly __objectproxypool_stands_for__: T;
}

/**
 * A method's parameters as the host passes them: each one, or a stand-in for it.
 *
 * @example
 * type Args = HostArgs<[comm: Communicator, steps: number]>; // [Communicator | StandsFor<Communicator>, number | StandsFor<number>]
 */
export type HostArgs<P extends readonly unknown[]> = { [I in keyof P]: P[I] | StandsFor<P[I]> };

/** One iterable per parameter of the method; `repeat(x)` for a constant. */
export type MapArgs<P extends readonly unknown[]> = {
  [I in keyof P]: Iterable<P[I] | StandsFor<P[I]>> | Repeat<P[I] | StandsFor<P[I]>>;
};

/** One argument of a stream: a sync or async iterable, or `repeat()` for a constant. */
export type StreamArgs<P extends readonly unknown[]> = {
  [I in keyof P]: Iterable<P[I] | StandsFor<P[I]>> | AsyncIterable<P[I] | StandsFor<P[I]>> | Repeat<P[I] | StandsFor<P[I]>>;
};

/** What a stream yields: each result (settled with `settle: 'all'`), in order, or `{ index, value }` with `ordered: false`. */
export type StreamItem<R, O extends CallOptions> = O extends { ordered: false }
  ? { index: number; value: StreamValueOf<R, O> }
  : StreamValueOf<R, O>;
type StreamValueOf<R, O extends CallOptions> = O extends { settle: 'all' } ? PromiseSettledResult<Awaited<R>> : Awaited<R>;

/**
 * What `stream()` returns: the results one by one (`for await`), or a batch at a time with `batches()` —
 * `{ index, values }`, values[i] being task index + i's result (an array, or a Float64Array when all are numbers)
 * — which spares a `for await` step per value when the tasks are tiny and many.
 */
export interface ResultStream<R, O extends CallOptions = {}> extends AsyncIterableIterator<StreamItem<R, O>> {
  batches(): AsyncIterableIterator<{ index: number; values: ArrayLike<StreamValueOf<R, O>> & Iterable<StreamValueOf<R, O>> }>;
}

/** A method of the class as seen through the pool. */
export interface RemoteMethod<F extends AnyFunction, O extends CallOptions = {}> {
  /** Broadcast: run on every instance exactly once; results in worker order. */
  (...args: HostArgs<Parameters<F>>): Promise<CallResult<ReturnType<F>, O>>;
  /** map_args: task i receives the i-th element of each iterable; results in input order. */
  map(...args: MapArgs<Parameters<F>>): Promise<CallResult<ReturnType<F>, O>>;
  /**
   * Run once, on one worker — the least busy one — and resolve to that single result: the task-pool call.
   * Calls issued together are spread over the workers and sent in batches, which is what makes many small
   * independent calls fast. Per-call options apply; `settle` does not (there is one result).
   */
  one(...args: HostArgs<Parameters<F>>): Promise<Awaited<ReturnType<F>>>;
  /**
   * A map read lazily and answered as it goes: task i receives the i-th element of each (sync or async)
   * iterable; at most `window` tasks are in flight or buffered; leaving the loop cancels the rest.
   */
  stream(...args: StreamArgs<Parameters<F>>): ResultStream<ReturnType<F>, O>;
}

/** All of T's methods as remote methods, with nothing of the pool's own API mixed in. */
export type RemoteMethods<T, O extends CallOptions = {}> = { readonly [K in MethodNames<T>]: T[K] extends AnyFunction ? RemoteMethod<T[K], O> : never };

/** Reading and writing instance fields on every worker. */
export interface RemoteFields<T> {
  /** The field's value on every instance, in worker order. */
  get<K extends FieldNames<T>>(field: K): Promise<Awaited<T[K]>[]>;
  /** Sets the field to the same value on every instance. */
  set<K extends FieldNames<T>>(field: K, value: T[K]): Promise<void>;
  /** Sets the field on each instance from an iterable: worker i gets the i-th value (exactly `size` values). */
  setEach<K extends FieldNames<T>>(field: K, values: Iterable<T[K]>): Promise<void>;
}

export interface PoolInfo {
  /** Number of workers. */
  readonly size: number;
  readonly kind: string;
  /** The pool seed each worker's seed is derived from; pass it back as `seed` to reproduce a run. */
  readonly seed: number;
  readonly dedicated: boolean;
  /** Workers still running. */
  readonly alive: number;
  /** Tasks completed per worker, in worker order. */
  readonly tasksDone: readonly number[];
  /** How many times each worker was replaced after dying (option `respawn`). */
  readonly respawns: readonly number[];
  /** Calls admitted and not yet settled. */
  readonly inFlight: number;
  /** Calls waiting for capacity. */
  readonly waiting: number;
  readonly state: 'open' | 'closing' | 'closed';
  /**
   * piscina's `needsDrain`: the pool is at its `capacity` (further calls wait or are rejected) — a producer should
   * stop feeding it until `drain()` resolves. Always false without a capacity.
   */
  readonly needsDrain: boolean;
  /** Tasks per worker and, with the pool option `metrics: true`, run and wait time percentiles. */
  readonly metrics: PoolMetrics;
}

/** What `pool.stats()` returns: workerpool's `stats()` fields, plus piscina's utilisation per worker. */
export interface PoolStats {
  readonly totalWorkers: number;
  /** Workers with at least one request in flight. */
  readonly busyWorkers: number;
  readonly idleWorkers: number;
  /** Calls waiting for capacity, plus requests held on the host for a busy worker (concurrentTasksPerWorker, timeoutFrom 'start'). */
  readonly pendingTasks: number;
  /** Requests (calls, map chunks, field accesses) a worker is running or has queued. */
  readonly activeTasks: number;
  /** Share of the pool's life its workers have been busy, averaged over workers (0–1). */
  readonly utilization: number;
  /** Per worker, in worker order. */
  readonly workers: ReadonlyArray<{ readonly index: number; readonly busy: boolean; readonly active: number; readonly tasksDone: number; readonly utilization: number }>;
}

export interface CloseOptions {
  /** Reject in-flight calls at once and end the workers instead of letting the calls finish. */
  force?: boolean;
  /**
   * Milliseconds to wait for calls in flight; then they are rejected with PoolClosedError and the workers still
   * running them are terminated (piscina's `closeTimeout`; default: the pool option `closeTimeout`, no limit).
   */
  timeout?: number;
}

/** The pool's own API. These names take precedence over user methods; use `methods` to reach shadowed ones. */
export interface PoolApi<T, O extends CallOptions = {}> extends AsyncDisposable {
  /** Waits for in-flight calls, disposes every instance, ends every worker. Later calls reject. Idempotent. */
  close(options?: CloseOptions): Promise<void>;
  /**
   * Resolves when no call is in flight or waiting (at once if none is): piscina's `drain` event as a promise. The
   * pool option `onDrain` hears the same moment, once each time the pool empties.
   */
  drain(): Promise<void>;
  /** Workers busy and idle, tasks active and pending, utilisation per worker (workerpool's `stats()`). */
  stats(): PoolStats;
  /**
   * Grow or shrink the live pool to `workers` instances. New instances are built with `args(i)` and seeded by
   * their index i, as in a pool created that large; when shrinking, the highest workers stop taking work at once,
   * finish their calls, dispose and end. Resolves when the new instances serve or the leaving ones are gone; calls
   * made after that see exactly the new set. Resizes run one after another. See docs/design.md, "Resize".
   */
  resize(workers: number): Promise<void>;
  /** The same pool, with these options applied to every call made through the returned view. */
  with<const O2 extends CallOptions>(options: O2): PoolProxy<T, Omit<O, keyof O2> & O2>;
  /** Every user method, including those whose names the pool's own API shadows. */
  readonly methods: RemoteMethods<T, O>;
  readonly fields: RemoteFields<T>;
  readonly info: PoolInfo;
  /** A short description, so that `${pool}` never calls a remote method. */
  toString(): string;
  /** `pool.info`, so that JSON.stringify(pool) describes the pool. */
  toJSON(): PoolInfo;
}

/** Names the pool reserves for itself. */
export type ReservedName = keyof PoolApi<unknown>;

/** What `ProxyPool.create` resolves to. */
export type PoolProxy<T, O extends CallOptions = {}> = PoolApi<T, O> & Omit<RemoteMethods<T, O>, ReservedName>;
