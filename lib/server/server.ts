/**
 * A server over a flow (mpservice's Server): at most `capacity` items of work at a time, single calls with a
 * timeout and backpressure, and streams with bounded in-flight items. Capacity accounting is exact: an item holds
 * its slot until its work has really finished — a call that timed out returns TimeoutError at once, later stages
 * of its flow are skipped, and its slot is freed when the stage it was in finishes (docs/flows.md).
 */
import { ArgumentError, TimeoutError } from '../protocol/errors.ts';
import { toFlow } from '../flows/compose.ts';
import type { Flow, FlowDescription, Member } from '../flows/types.ts';
import { ServerBacklogFullError, ServerStoppedError } from './errors.ts';
import { streamThrough, type StreamOptions, type StreamItem } from './stream.ts';

/**
 * Options of `Server.start`.
 *
 * @example
 * const server = await Server.start(flow, { capacity: 8, backpressure: 'wait', timeout: 1000 });
 */
export interface ServerOptions {
  /** Items in flight at most (calls and stream items together). Default 256. */
  capacity?: number;
  /** Default for calls beyond capacity: 'reject' (default, mpservice's `backpressure=True`) or 'wait'. */
  backpressure?: 'wait' | 'reject';
  /** Default timeout of `call`, in ms. Default 60 000 (mpservice's default). */
  timeout?: number;
}

/**
 * Options of one `server.call`.
 *
 * @example
 * await server.call(x, { timeout: 200, backpressure: 'reject' });
 */
export interface ServerCallOptions {
  /** Milliseconds until the call rejects with TimeoutError (waiting for capacity included). */
  timeout?: number;
  /** 'reject': fail at once with ServerBacklogFullError when the server is at capacity; 'wait': queue for a slot. */
  backpressure?: 'wait' | 'reject';
}

/**
 * The debug view: capacity, load, lifetime counters and the flow's own counters.
 *
 * @example
 * const { inFlight, waiting, abandonedRunning, flow } = server.debugInfo();
 */
export interface ServerDebugInfo {
  capacity: number;
  inFlight: number;
  waiting: number;
  /** Calls completed, failed (errors from the flow), timed out, and rejected for a full backlog. */
  done: number;
  failed: number;
  timedOut: number;
  rejected: number;
  /** Items whose caller gave up (timeout) and whose work is still running: they still hold capacity. */
  abandonedRunning: number;
  flow: FlowDescription;
}

/**
 * Drives a flow: `await using server = await Server.start(flow, { capacity: 8 })`.
 *
 * @example
 * await using server = await Server.start(sequential(ensemble([head, tail, len]), combine, solute));
 * console.log(await server.call('world'));   // 'Hello, wdwdwdwdwd!'
 * for await (const y of server.stream(inputs)) console.log(y);
 */
export class Server<I = any, O = any> implements AsyncDisposable {
  readonly capacity: number;
  private readonly flow: Flow<I, O>;
  private readonly backpressure: 'wait' | 'reject';
  private readonly timeout: number;
  private inFlightCount = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private state: 'running' | 'stopping' | 'stopped' = 'running';
  private readonly stats = { done: 0, failed: 0, timedOut: 0, rejected: 0, abandonedRunning: 0 };

  private constructor(flow: Flow<I, O>, options: ServerOptions) {
    this.flow = flow;
    this.capacity = options.capacity ?? 256;
    this.backpressure = options.backpressure ?? 'reject';
    this.timeout = options.timeout ?? 60_000;
  }

  /**
   * Checks the options, starts the flow (creating its worker pools) and resolves to the running server.
   *
   * @example
   * const server = await Server.start(workerStage(Model, { module, workers: 2 }), { capacity: 32 });
   */
  static async start<I = any, O = any>(flow: Member<I, O>, options: ServerOptions = {}): Promise<Server<I, O>> {
    const { capacity, backpressure, timeout } = options;
    if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 1)) throw new ArgumentError(`server option capacity must be a positive integer, got ${String(capacity)}`);
    checkBackpressure(backpressure, 'server option backpressure');
    checkTimeout(timeout);
    const f = toFlow(flow);
    await f.start();
    return new Server(f, options);
  }

  /** Items in flight (holding capacity). */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Items in flight plus calls waiting for capacity (mpservice's backlog). */
  get backlog(): number {
    return this.inFlightCount + this.waiters.length;
  }

  /**
   * One input through the flow. Rejects with ServerBacklogFullError (backpressure 'reject', at capacity),
   * TimeoutError (past `timeout`), or the flow's own error (e.g. a TypeError from a worker, with its class).
   *
   * @example
   * const y = await server.call(x, { timeout: 500, backpressure: 'wait' });
   */
  async call(input: I, options: ServerCallOptions = {}): Promise<O> {
    if (options === null || typeof options !== 'object') throw new ArgumentError(`server.call: options must be an object, got ${options === null ? 'null' : typeof options}`);
    const timeout = options.timeout ?? this.timeout;
    checkTimeout(timeout);
    checkBackpressure(options.backpressure, 'server.call option backpressure');
    const backpressure = options.backpressure ?? this.backpressure;
    if (this.state !== 'running') throw new ServerStoppedError('server.call');
    const controller = new AbortController();
    const timeoutError = new TimeoutError('server.call', timeout);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let holding = false;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.stats.timedOut++;
        if (holding) this.stats.abandonedRunning++;
        controller.abort(timeoutError);
        reject(timeoutError);
      }, timeout);
    });
    try {
      if (this.inFlightCount >= this.capacity) {
        if (backpressure === 'reject') {
          this.stats.rejected++;
          throw new ServerBacklogFullError(this.capacity);
        }
        await Promise.race([this.acquire(controller.signal), expired]);
      } else this.inFlightCount++;
      holding = true;
      const work = this.runHoldingSlot(input, controller.signal);
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Inputs (any iterable or async iterable) through the flow with at most `capacity` items in flight. Results
   * in input order (`ordered`, default) or as they finish; stopping the loop early stops pulling inputs.
   *
   * @example
   * for await (const { input, value, error } of server.stream(range(100), { returnInputs: true, returnErrors: true })) { ... }
   */
  stream<const S extends StreamOptions = {}>(inputs: Iterable<I> | AsyncIterable<I>, options?: S): AsyncGenerator<StreamItem<I, O, S>, void, undefined> {
    if (this.state !== 'running') throw new ServerStoppedError('server.stream');
    if (inputs === null || inputs === undefined || (typeof (inputs as Iterable<I>)[Symbol.iterator] !== 'function' && typeof (inputs as AsyncIterable<I>)[Symbol.asyncIterator] !== 'function')) {
      throw new ArgumentError(`server.stream expects an iterable or async iterable of inputs, got ${inputs === null ? 'null' : typeof inputs}`);
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new ArgumentError(`server.stream: options must be an object, got ${options === null ? 'null' : typeof options}`);
    // A stream open when stop() is called stops pulling inputs: what it already submitted is delivered (stop()
    // waits for it, since it holds capacity), the rest ends the stream with ServerStoppedError.
    const stopped = () => (this.state === 'running' ? undefined : new ServerStoppedError('server.stream (stopped while the stream was open; its remaining inputs were not run)'));
    return streamThrough(inputs, options ?? ({} as S), this.capacity, stopped, async (input) => {
      if (this.inFlightCount >= this.capacity) await this.acquire();
      else this.inFlightCount++;
      return this.runHoldingSlot(input);
    }) as AsyncGenerator<StreamItem<I, O, S>, void, undefined>;
  }

  /** Capacity, load, counters and the flow's per-member counters. */
  debugInfo(): ServerDebugInfo {
    return { capacity: this.capacity, inFlight: this.inFlightCount, waiting: this.waiters.length, ...this.stats, flow: this.flow.describe() };
  }

  /** Waits for the items in flight, then stops the flow (closing the pools it started). Idempotent. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    while (this.backlog > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.flow.stop();
    this.state = 'stopped';
  }

  /** `await using server = ...` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Runs the item; the slot is released only when the flow's work has settled, whatever the caller saw. */
  private async runHoldingSlot(input: I, signal?: AbortSignal): Promise<O> {
    try {
      const value = await this.flow.run(input, { signal });
      this.stats.done++;
      return value;
    } catch (error) {
      if (!signal?.aborted) this.stats.failed++;
      throw error;
    } finally {
      if (signal?.aborted) this.stats.abandonedRunning--;
      this.release();
    }
  }

  /** Waits for a slot; the slot is handed over directly by `release`, so nothing can overtake a waiter. */
  private acquire(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    // The slot passes to the next waiter as is (in-flight count unchanged), or is freed.
    if (next) return next();
    this.inFlightCount--;
    if (this.inFlightCount === 0) for (const idle of this.idleWaiters.splice(0)) idle();
  }
}

function checkBackpressure(backpressure: unknown, what: string): void {
  if (backpressure !== undefined && backpressure !== 'wait' && backpressure !== 'reject') throw new ArgumentError(`${what} must be 'wait' or 'reject', got ${String(backpressure)}`);
}

function checkTimeout(timeout: unknown): void {
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0) || timeout === Infinity)) {
    throw new ArgumentError(`server timeout must be a finite number of milliseconds > 0, got ${String(timeout)}`);
  }
}
