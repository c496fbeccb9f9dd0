/**
 * One call in progress: a broadcast, a map or a field operation. It collects per-task outcomes in task order and
 * ends exactly once — on completion, on the first error (fail-fast), on timeout or abort — releasing its timer
 * and abort listener and telling workers to skip the tasks it no longer needs.
 */
import type { CallOptions } from './types.ts';
import { TimeoutError } from '../protocol/errors.ts';

export class Job {
  readonly promise: Promise<unknown[]>;
  private resolve!: (value: unknown[]) => void;
  private reject!: (error: unknown) => void;
  /** Made on the first result, unless the one chunk's results array is adopted whole (`adoptResults`). */
  private values: unknown[] | undefined;
  private readonly errors: Array<unknown> | undefined;
  private remaining: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private abortListener: (() => void) | undefined;
  done = false;
  readonly startedAt = performance.now();
  /** Hears answers that arrive after the job ended (tasks it left running). */
  onLateAnswer: ((id: number) => void) | undefined;
  /** When the call's `timeout` expires (performance.now() scale), if it has one (and, timed from the start, has started). */
  deadline: number | undefined;
  /** `timeoutFrom: 'start'`: the timer starts when the first task leaves for a worker with nothing else to do. */
  readonly fromStart: boolean;
  /** Counted against the pool's capacity (set by the pool when the job starts). */
  admitted = false;
  /** Map and stream tasks: `[pool seed, call key]`, from which each task's taskContext() stream is derived. */
  taskKey: [number, number] | undefined;
  /**
   * A stream's batch: when one answer carries every result, the job resolves to that array as it arrived (a
   * Float64Array when all are numbers) instead of copying it into a new one — one allocation less per batch, what
   * held a stream of 10^7 tiny tasks' peak RSS under 150 MB with larger batches (bench S7).
   */
  adoptResults = false;
  /** Index of this job's task 0 in its call (a stream's batch starts where the previous one ended). */
  base = 0;
  /** Run when the job ends early, to cancel work already sent; `interrupted` for timeout and abort. */
  onEarlyEnd: ((interrupted: boolean, reason: unknown) => void) | undefined;

  constructor(
    readonly method: string,
    readonly taskCount: number,
    private readonly options: CallOptions,
    private readonly onEnd: (job: Job) => void,
  ) {
    this.errors = options.settle === 'all' ? new Array(taskCount) : undefined;
    this.remaining = taskCount;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const { timeout, signal } = options;
    this.fromStart = timeout !== undefined && options.timeoutFrom === 'start';
    if (signal?.aborted) {
      this.fail(signal.reason, true);
      return;
    }
    if (timeout !== undefined && !this.fromStart) this.startTimer(timeout);
    if (signal) {
      this.abortListener = () => this.fail(signal.reason, true);
      listen(signal, this.abortListener);
    }
    if (taskCount === 0) this.finish();
  }

  private startTimer(timeout: number): void {
    this.deadline = performance.now() + timeout;
    this.timer = setTimeout(() => this.fail(new TimeoutError(this.method, timeout), true), timeout);
  }

  /** A task of this job left for a worker: a timeout counted from the start begins now (once). */
  readonly started = (): void => {
    if (this.fromStart && this.deadline === undefined && !this.done) this.startTimer(this.options.timeout!);
  };

  /** The call's `timeout` option, if any. */
  get timeout(): number | undefined {
    return this.options.timeout;
  }

  /** What to do with tasks still running when the job is interrupted. */
  get onCancel(): 'abandon' | 'terminate' {
    return this.options.onCancel ?? 'abandon';
  }

  get settleAll(): boolean {
    return this.errors !== undefined;
  }

  taskOk(index: number, value: unknown, workerIndex?: number): void {
    if (this.done) return;
    (this.values ??= new Array(this.taskCount))[index] = value;
    this.count(workerIndex);
    if (--this.remaining === 0) this.finish();
  }

  /** `results` of the consecutive tasks from `start` (a map chunk in which none failed): one call, not one per task. */
  tasksOk(start: number, results: ArrayLike<unknown>, workerIndex?: number): void {
    if (this.done) return;
    const n = results.length;
    if (this.values === undefined && this.adoptResults && start === 0 && n === this.taskCount) {
      this.values = results as unknown[];
      this.count(workerIndex, n);
      this.remaining = 0;
      this.finish();
      return;
    }
    const values = (this.values ??= new Array(this.taskCount));
    for (let i = 0; i < n; i++) values[start + i] = results[i];
    this.count(workerIndex, n);
    if ((this.remaining -= n) === 0) this.finish();
  }

  taskFailed(index: number, error: unknown, workerIndex?: number): void {
    if (this.done) return;
    if (this.errors) this.count(workerIndex);
    if (!this.errors) {
      this.fail(error);
      return;
    }
    this.errors[index] = error;
    (this.values ??= new Array(this.taskCount))[index] = FAILED;
    if (--this.remaining === 0) this.finish();
  }

  /** End the whole job with an error (fail-fast, timeout, abort, worker loss, close). */
  fail(error: unknown, interrupted = false): void {
    if (this.done) return;
    this.end();
    this.onEarlyEnd?.(interrupted, error);
    this.reject(error);
  }

  private byWorker: number[] | undefined;
  private reported = 0;
  private reportScheduled = false;

  /** Counts a finished task for onProgress; reports once per batch of answers (a microtask later). */
  private count(workerIndex: number | undefined, tasks = 1): void {
    const { onProgress } = this.options;
    if (!onProgress) return;
    this.byWorker ??= [];
    if (workerIndex !== undefined) this.byWorker[workerIndex] = (this.byWorker[workerIndex] ?? 0) + tasks;
    if (!this.reportScheduled) {
      this.reportScheduled = true;
      queueMicrotask(() => {
        this.reportScheduled = false;
        this.report();
      });
    }
  }

  private report(): void {
    const done = this.taskCount - this.remaining;
    if (!this.options.onProgress || done <= this.reported) return;
    this.reported = done;
    const byWorker = Array.from({ length: this.workerCount }, (_, i) => this.byWorker?.[i] ?? 0);
    try {
      this.options.onProgress({ done, total: this.taskCount, byWorker });
    } catch (error) {
      // A broken progress callback must neither break the call nor pass unnoticed.
      const message = `onProgress of ${this.method} threw: ${(error as Error)?.stack ?? error}`;
      if (typeof process !== 'undefined' && process.emitWarning) process.emitWarning(message, { code: 'OBJECTPROXYPOOL_PROGRESS_CALLBACK' });
      else console.error(message);
    }
  }

  /** Workers in the pool, for `byWorker`. */
  workerCount = 0;

  private finish(): void {
    this.report(); // the last report (done === total) comes before the result
    this.end();
    if (!this.errors) {
      this.resolve(this.values ?? new Array(this.taskCount));
      return;
    }
    this.resolve(
      Array.from(this.values ?? new Array(this.taskCount), (value, i) =>
        value === FAILED ? { status: 'rejected', reason: this.errors![i] } : { status: 'fulfilled', value },
      ),
    );
  }

  private end(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.abortListener) unlisten(this.options.signal!, this.abortListener);
    this.onEnd(this);
  }
}

const FAILED = Symbol('failed');

/**
 * One 'abort' listener per signal, however many calls share it (issue 17): Node warns past 10 listeners on one
 * signal (MaxListenersExceededWarning), and a signal shared by a whole batch of calls is the common case.
 */
const listeners = new WeakMap<AbortSignal, { calls: Set<() => void>; onAbort: () => void }>();

function listen(signal: AbortSignal, listener: () => void): void {
  let entry = listeners.get(signal);
  if (!entry) {
    const calls = new Set<() => void>();
    const onAbort = () => {
      listeners.delete(signal);
      for (const call of [...calls]) call();
    };
    entry = { calls, onAbort };
    listeners.set(signal, entry);
    signal.addEventListener('abort', onAbort, { once: true });
  }
  entry.calls.add(listener);
}

function unlisten(signal: AbortSignal, listener: () => void): void {
  const entry = listeners.get(signal);
  if (!entry) return;
  entry.calls.delete(listener);
  // No call left on this signal: nothing of ours stays on it (a long-lived signal must not hold the pool).
  if (entry.calls.size === 0) {
    listeners.delete(signal);
    signal.removeEventListener('abort', entry.onAbort);
  }
}
