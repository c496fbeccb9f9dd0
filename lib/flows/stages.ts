/**
 * The leaves of a flow: worker stages (a ProxyPool of a class with a `call(x)` method, like mpservice's
 * ProcessServlet), in-thread function stages (ThreadServlet), `makeWorker(fn)` and the pass-through member.
 * They use only the pool's public API.
 */
import { ProxyPool } from '../pool/proxy-pool.ts';
import { ArgumentError } from '../protocol/errors.ts';
import type { PoolOptions } from '../pool/options.ts';
import type { AnyClass } from '../pool/types.ts';
import { Batcher } from './batcher.ts';
import { Counters, throwIfAborted, type Flow, type FlowDescription, type RunContext } from './types.ts';

/**
 * Options of a worker stage: the pool's options plus which method to call and how to batch.
 *
 * @example
 * const options: WorkerStageOptions = { module, kind: 'process', workers: 2, method: 'predict', batchSize: 16, batchWaitMs: 5 };
 */
export interface WorkerStageOptions extends PoolOptions<any> {
  /** The method each input is passed to. Default 'call' (mpservice's `Worker.call`). */
  method?: string;
  /**
   * Micro-batching: send up to this many inputs as one array call; the method then takes an array and returns an
   * array of the same length. Default 1 (no batching).
   */
  batchSize?: number;
  /** How long the first input of a batch waits for the batch to fill. Default 10 ms. */
  batchWaitMs?: number;
  /** Name in the debug view. Default: the class's name. */
  name?: string;
}

type CallFn = (value: unknown) => Promise<unknown>;

/** Shared by workerStage and poolStage: one pool, one method, optional batching. */
abstract class PoolBackedStage implements Flow {
  /** @internal */
  protected readonly counters = new Counters();
  private batcher: Batcher | undefined;
  private call: CallFn | undefined;

  constructor(
    readonly name: string,
    private readonly method: string,
    private readonly batchSize: number,
    private readonly batchWaitMs: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`${name}: batchSize must be a positive integer, got ${String(batchSize)}`);
    if (typeof batchWaitMs !== 'number' || !(batchWaitMs >= 0) || batchWaitMs === Infinity) throw new ArgumentError(`${name}: batchWaitMs must be a finite number >= 0, got ${String(batchWaitMs)}`);
  }

  /** The pool behind the stage (undefined before start for a worker stage). */
  abstract get pool(): ProxyPool<any> | undefined;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  protected attach(pool: ProxyPool<any>): void {
    const remote = (pool.methods as Record<string, { one: CallFn }>)[this.method]!;
    this.call = (value) => remote.one(value);
    if (this.batchSize > 1) this.batcher = new Batcher(this.name, (values) => remote.one(values), this.batchSize, this.batchWaitMs);
  }

  protected detach(): void {
    this.batcher?.flush();
    this.call = undefined;
    this.batcher = undefined;
  }

  run(input: any, context?: RunContext): Promise<any> {
    return this.counters.track(async () => {
      throwIfAborted(context);
      if (!this.call) throw new Error(`${this.name}: the stage is not started (start the flow, or use it through a Server)`);
      // The signal is deliberately not passed to the pool: work that reached a worker runs to its end, so a
      // Server's capacity slot is held exactly as long as the work really lasts (docs/flows.md).
      return this.batcher ? this.batcher.add(input, context) : this.call(input);
    });
  }

  describe(): FlowDescription {
    const { inFlight, done, failed } = this.counters;
    return { type: this.type, name: this.name, inFlight, done, failed, ...(this.batcher ? { batching: this.batcher.waiting } : {}) };
  }

  /** Sizes of the last (up to 100) array calls of a batching stage. */
  get batchSizes(): readonly number[] {
    return this.batcher?.sent ?? [];
  }

  protected abstract readonly type: string;
}

/**
 * A worker stage: on `start()` it creates a ProxyPool of `Class` (thread, process or inline kind) and sends each
 * input to `method` (default `call`) on the least busy worker; `stop()` closes the pool. mpservice's
 * `ProcessServlet(GetHead)` is `workerStage(GetHead, { kind: 'process', module })`.
 *
 * @example
 * const head = workerStage(GetHead, { module: new URL('./models.ts', import.meta.url), kind: 'process', workers: 1 });
 * await head.start();
 * console.log(await head.run('world')); // 'w'
 * await head.stop();
 */
export function workerStage<C extends AnyClass>(Class: C, options: WorkerStageOptions = {}): WorkerStage {
  return new WorkerStage(Class, options);
}

/**
 * What `workerStage` returns: a Flow whose `pool` exists between start and stop.
 *
 * @example
 * const stage: WorkerStage = workerStage(Model, { module });
 * await stage.start();
 * console.log(stage.pool!.info.size, stage.batchSizes);
 */
export class WorkerStage extends PoolBackedStage {
  protected readonly type = 'worker';
  private created: ProxyPool<any> | undefined;
  private starting: Promise<void> | undefined;
  private readonly poolOptions: PoolOptions<any>;

  /** Use `workerStage(Class, options)`. */
  constructor(private readonly Class: AnyClass, options: WorkerStageOptions) {
    const { method = 'call', batchSize = 1, batchWaitMs = 10, name, ...poolOptions } = options;
    super(name ?? Class.name, method, batchSize, batchWaitMs);
    this.poolOptions = { workers: 1, ...poolOptions };
  }

  get pool(): ProxyPool<any> | undefined {
    return this.created;
  }

  start(): Promise<void> {
    this.starting ??= ProxyPool.create(this.Class, this.poolOptions).then((pool) => {
      this.created = pool;
      this.attach(pool);
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    const starting = this.starting;
    if (!starting) return;
    await starting.catch(() => undefined);
    this.detach();
    const pool = this.created;
    this.created = undefined;
    this.starting = undefined;
    await pool?.close();
  }
}

/**
 * A stage over a pool you created and own: inputs go to `method` (default `call`); the flow never closes it.
 *
 * @example
 * const pool = await ProxyPool.create(Model, { module: new URL('./model.ts', import.meta.url), workers: 2 });
 * const stage = poolStage(pool, { method: 'predict', batchSize: 16 });
 */
export function poolStage(pool: ProxyPool<any>, options: { method?: string; batchSize?: number; batchWaitMs?: number; name?: string } = {}): PoolStage {
  return new PoolStage(pool, options);
}

/**
 * What `poolStage` returns: a Flow over a pool the caller owns.
 *
 * @example
 * const stage: PoolStage = poolStage(pool, { method: 'predict' });
 */
export class PoolStage extends PoolBackedStage {
  protected readonly type = 'pool';

  /** Use `poolStage(pool, options)`. */
  constructor(private readonly owned: ProxyPool<any>, options: { method?: string; batchSize?: number; batchWaitMs?: number; name?: string }) {
    super(options.name ?? `pool.${options.method ?? 'call'}`, options.method ?? 'call', options.batchSize ?? 1, options.batchWaitMs ?? 10);
  }

  get pool(): ProxyPool<any> {
    return this.owned;
  }

  async start(): Promise<void> {
    this.attach(this.owned);
  }

  async stop(): Promise<void> {
    this.detach();
  }
}

/**
 * An in-thread stage: `fn` runs in the calling thread (mpservice's ThreadServlet). Use it for light steps; a
 * plain function given as a member is wrapped with it.
 *
 * @example
 * const combine = functionStage(([head, tail, len]: [string, string, number]) => (head + tail).repeat(len));
 */
export function functionStage<I, O>(fn: (input: I) => O | Promise<O>, name = nameOf(fn, 'function')): Flow<I, Awaited<O>> {
  return inThread(fn, name, 'function');
}

function inThread<I, O>(fn: (input: I) => O | Promise<O>, name: string, type: string): Flow<I, Awaited<O>> {
  if (typeof fn !== 'function') throw new ArgumentError(`functionStage expects a function, got ${typeof fn}`);
  const counters = new Counters();
  return {
    name,
    start: async () => undefined,
    stop: async () => undefined,
    run: (input, context) =>
      counters.track(async (): Promise<Awaited<O>> => {
        throwIfAborted(context);
        return (await fn(input)) as Awaited<O>;
      }),
    describe: () => ({ type, name, inFlight: counters.inFlight, done: counters.done, failed: counters.failed }),
  };
}

/**
 * A class whose `call(x)` is `fn(x)`, as mpservice's `make_worker`. Functions cannot travel to another thread, so
 * such a class runs in an inline pool (`workerStage(makeWorker(fn), { kind: 'inline' })`) or, simpler, give `fn`
 * itself as a member.
 *
 * @example
 * const Combine = makeWorker((x: [string, string, number]) => (x[0] + x[1]).repeat(x[2]));
 * const stage = workerStage(Combine, { kind: 'inline' });
 */
export function makeWorker<I, O>(fn: (input: I) => O | Promise<O>, name = nameOf(fn, 'MadeWorker')): new () => { call(input: I): O | Promise<O> } {
  if (typeof fn !== 'function') throw new ArgumentError(`makeWorker expects a function, got ${typeof fn}`);
  const made = class {
    call(input: I): O | Promise<O> {
      return fn(input);
    }
  };
  Object.defineProperty(made, 'name', { value: name });
  return made;
}

/**
 * The member that returns its input unchanged (mpservice's `PassThrough`): e.g. keep the original input next to
 * computed ones in an ensemble.
 *
 * @example
 * const withInput = ensemble([passThrough, workerStage(GetLen, { module })]); // x → [x, len(x)]
 */
export const passThrough: Flow = inThread((x: unknown) => x, 'pass-through', 'pass-through');

/** A default name that does not fail on a non-function (the stage's own check then names the mistake). */
function nameOf(fn: unknown, fallback: string): string {
  return (typeof fn === 'function' && fn.name) || fallback;
}
