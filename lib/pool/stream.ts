/**
 * `pool.m.stream(...iterables)`: a map whose input is read lazily and whose results are yielded as they come,
 * with at most `window` tasks in flight or waiting to be yielded. The consumer's pace is the back-pressure: while
 * it does not ask for the next value, nothing more is read or submitted. Leaving the loop cancels what is in
 * flight (their tasks' taskContext().signal aborts).
 *
 * Tasks go out in batches, each a one-chunk map Job whose tasks keep their stream index (job.base), so every
 * call option (timeout, signal, retries, onCancel, settle) behaves as for a map. Batches start at one task and
 * grow to about TARGET_MS of work, capped so that two batches per worker fit in the window.
 */
import { ArgumentError, TimeoutError } from '../protocol/errors.ts';
import type { TaskColumns } from './map-args.ts';
import { StreamInput } from './stream-input.ts';
import type { CallOptions } from './types.ts';

/** Default for the `window` option: enough for two 2,048-task batches per worker on a 2-core machine. */
export const DEFAULT_WINDOW = 8192;
/** Work per batch the sizing aims at: long enough that messages cost little, short enough to spread the load. */
const TARGET_MS = 4;

/** What the stream needs of the pool. */
export interface StreamHost {
  readonly workerCount: number;
  /** Runs `tasks` as one chunk whose task 0 has index `base`; resolves to their results (settled with settle: 'all'). */
  batch(method: string, tasks: TaskColumns, base: number, taskKey: [number, number], options: CallOptions): Promise<BatchResults>;
}

/** Checkpointing's hooks (lib/pool/checkpoint.ts): what is already done, and recording what gets done. */
export interface StreamRecorder {
  /** The stored result of task `index`, if it completed in an earlier run. */
  has(index: number): boolean;
  get(index: number): unknown;
  /** Record results of consecutive tasks from `base` (settled results with settle: 'all'; failures are not stored). */
  record(base: number, results: BatchResults): void;
  /** The input ended after `count` tasks; checks it against an earlier run's count. */
  end(count: number): void;
  close(): Promise<void>;
}

/** A batch's results: an array, or the Float64Array the worker's numbers arrived in (adopted, not copied). */
export type BatchResults = unknown[] | Float64Array;

interface Batch {
  base: number;
  count: number;
  /** An array, or the Float64Array the worker's numbers arrived in (pool-core's batch adopts it as it is). */
  results?: BatchResults;
}

export interface StreamValue<R> {
  index: number;
  value: R;
}

/**
 * What `stream(...).batches()` yields: the results of tasks `index`, `index + 1`, ... as they arrived together —
 * an array, or a Float64Array when they are all numbers (as the worker sent them: nothing copies them).
 */
export interface StreamBatch<R> {
  index: number;
  values: ArrayLike<R> & Iterable<R>;
}

export function openStream(
  host: StreamHost,
  method: string,
  iterables: readonly unknown[],
  options: CallOptions,
  taskKey: [number, number],
  recorder?: () => Promise<StreamRecorder>,
): FlatStream {
  const what = `${method}.stream`;
  const input = new StreamInput(iterables, options.strict ?? false, what);
  if (options.synchronize) throw new ArgumentError(`${what}: option synchronize is for map calls, not streams`);
  if (options.onProgress) throw new ArgumentError(`${what}: option onProgress is for map calls; a stream's progress is what it has yielded`);
  return new FlatStream(batches(host, method, input, options, taskKey, recorder), options.ordered ?? true);
}

/**
 * The values of the batches, one `next()` each. An async generator yielding every value costs ~210 ns per value
 * here (each `yield` also awaits); handing over whole batches and answering `next()` from the current one with a
 * resolved promise leaves only for-await's own cost (bench S7; docs/design.md, "Streams and checkpoints").
 */
export class FlatStream implements AsyncIterableIterator<unknown> {
  private batch: Batch | undefined;
  /** Values were asked for one by one (next()): batches() can no longer take over. */
  private started = false;
  private position = 0;
  private finished = false;
  /** Calls waiting for a batch: while any waits, later calls queue behind it so values keep their order. */
  private waiting = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly inner: AsyncGenerator<Batch, void, undefined>,
    private readonly ordered: boolean,
  ) {}

  next(): Promise<IteratorResult<unknown>> {
    this.started = true;
    const batch = this.batch;
    if (this.waiting === 0 && batch && this.position < batch.count) return Promise.resolve({ value: this.item(batch, this.position++), done: false });
    this.waiting++;
    const result = this.chain.then(() => this.pull());
    this.chain = result.then(
      () => this.waiting--,
      () => this.waiting--,
    );
    return result;
  }

  private async pull(): Promise<IteratorResult<unknown>> {
    const current = this.batch;
    if (current && this.position < current.count) return { value: this.item(current, this.position++), done: false };
    if (this.finished) return { value: undefined, done: true };
    try {
      const step = await this.inner.next();
      if (step.done) {
        this.finished = true;
        this.batch = undefined;
        return { value: undefined, done: true };
      }
      this.batch = step.value;
      this.position = 1;
      return { value: this.item(step.value, 0), done: false };
    } catch (error) {
      this.finished = true;
      this.batch = undefined;
      throw error;
    }
  }

  private item(batch: Batch, i: number): unknown {
    const value = batch.results![i];
    return this.ordered ? value : ({ index: batch.base + i, value } satisfies StreamValue<unknown>);
  }

  /**
   * The same results a batch at a time, `{ index, values }` (values[i] is task index + i's result), in input order
   * or, unordered, as batches complete. A `for await` step costs ~60 ns however little it carries (bench S7): for
   * millions of tiny tasks, one step per batch leaves the consumer's loop a plain `for` over `values`. Leaving the
   * loop cancels what is in flight, as with values. Call it instead of iterating the values, not after.
   */
  batches(): AsyncIterableIterator<StreamBatch<unknown>> {
    if (this.started || this.finished) throw new ArgumentError('stream.batches(): the stream is already being read value by value (or has ended); call batches() on a fresh stream');
    this.started = true;
    return batchView(this.inner);
  }

  /** Leaving the loop (break, throw, return): the batches' generator runs its `finally`, cancelling what is in flight. */
  async return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.finished = true;
    this.batch = undefined;
    await this.inner.return(undefined);
    return { value, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<unknown>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

async function* batchView(inner: AsyncGenerator<Batch, void, undefined>): AsyncGenerator<StreamBatch<unknown>, void, undefined> {
  // Leaving this loop early returns `inner`, whose `finally` cancels what is in flight.
  for await (const batch of { [Symbol.asyncIterator]: () => inner }) yield { index: batch.base, values: batch.results! };
}

async function* batches(
  host: StreamHost,
  method: string,
  input: StreamInput,
  options: CallOptions,
  taskKey: [number, number],
  openRecorder: (() => Promise<StreamRecorder>) | undefined,
): AsyncGenerator<Batch, void, undefined> {
  const window = options.window ?? DEFAULT_WINDOW;
  const ordered = options.ordered ?? true;
  // Values of a batch handed over stay counted in `held` until the consumer asks for the next batch.
  const maxInFlight = 2 * host.workerCount;
  const maxBatch = options.chunkSize ?? Math.max(1, Math.floor(window / maxInFlight));
  let batchSize = options.chunkSize ?? 1;
  // One controller ends every batch: the caller's signal, the stream's own timeout, or the consumer leaving.
  const cancel = new AbortController();
  const onAbort = () => cancel.abort(options.signal!.reason);
  if (options.signal?.aborted) throw options.signal.reason;
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeout === undefined ? undefined : setTimeout(() => cancel.abort(new TimeoutError(method, options.timeout!)), options.timeout);
  const batchOptions: CallOptions = { ...options, signal: cancel.signal, timeout: undefined, window: undefined, ordered: undefined, checkpoint: undefined };

  const queue: Batch[] = []; // ordered: every batch in index order; unordered: completed batches as they complete
  let inFlight = 0;
  let held = 0; // tasks submitted or restored and not yet yielded: bounded by the window
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let recorder: StreamRecorder | undefined;
  // A closure, not an inline test: the failure is set by callbacks, which TypeScript's narrowing does not see.
  const rethrow = () => {
    if (failure) throw failure.error;
  };

  const submit = (tasks: TaskColumns, base: number) => {
    const batch: Batch = { base, count: tasks.count };
    if (ordered) queue.push(batch);
    inFlight++;
    held += tasks.count;
    const sentAt = performance.now();
    host.batch(method, tasks, base, taskKey, batchOptions).then(
      (results) => {
        inFlight--;
        if (options.chunkSize === undefined) {
          const msPerTask = (performance.now() - sentAt) / tasks.count;
          batchSize = Math.max(1, Math.min(maxBatch, Math.ceil(TARGET_MS / Math.max(msPerTask, 1e-6)), batchSize * 8));
        }
        try {
          recorder?.record(base, results);
        } catch (error) {
          failure ??= { error };
        }
        batch.results = results;
        if (!ordered) queue.push(batch);
        notify();
      },
      (error) => {
        inFlight--;
        failure ??= { error };
        notify();
      },
    );
  };

  /** Splits pulled tasks into runs: those done in an earlier run are restored, the others submitted. */
  const dispatch = (tasks: TaskColumns, first: number) => {
    if (!recorder) return submit(tasks, first);
    let start = 0;
    while (start < tasks.count) {
      const restored = recorder.has(first + start);
      let end = start + 1;
      while (end < tasks.count && recorder.has(first + end) === restored) end++;
      if (restored) {
        const results = Array.from({ length: end - start }, (_, i) => recorder!.get(first + start + i));
        queue.push({ base: first + start, count: end - start, results });
        held += end - start;
      } else {
        const slice = (column: unknown[] | Float64Array | undefined) => column?.slice(start, end);
        submit({ count: end - start, columns: tasks.columns.map(slice), constants: tasks.constants }, first + start);
      }
      start = end;
    }
  };

  try {
    recorder = await openRecorder?.();
    for (;;) {
      // Top up: read and submit while the window and the per-worker batch limit allow.
      // A batch goes out whole or not at all (unless nothing is in flight): partial batches would multiply messages.
      while (!input.done && !failure && inFlight < maxInFlight && (held + batchSize <= window || (inFlight === 0 && held < window))) {
        const first = input.read;
        const n = Math.min(batchSize, window - held);
        const tasks = input.isAsync ? await input.pull(n) : input.pullSync(n);
        if (tasks.count > 0) dispatch(tasks, first);
      }
      rethrow();
      // Hand over what is ready, a batch at a time (FlatStream yields its values): in order, or as completed.
      while (queue.length > 0 && queue[0]!.results) {
        const batch = queue.shift()!;
        yield batch;
        held -= batch.count; // the consumer asked for more: it has taken every value of the batch
        rethrow();
        // Top up between batches too, so workers are fed while a long batch is being consumed.
        if (!input.done && inFlight < maxInFlight && held + batchSize <= window) break;
      }
      if (input.done && inFlight === 0 && queue.length === 0) {
        recorder?.end(input.read);
        return;
      }
      if (queue.length === 0 || !queue[0]!.results) {
        if (input.done || inFlight >= maxInFlight || held + batchSize > window) await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (!cancel.signal.aborted && (inFlight > 0 || !input.done)) {
      const reason = new Error(`${method}.stream was abandoned: the consumer left the loop`);
      reason.name = 'AbortError';
      cancel.abort(reason);
    }
    await input.close();
    await recorder?.close();
  }
}
