/** The pool's options, validated up front so that a mistake fails before any worker starts. */
import { availableParallelism, defaultKind, moduleUrlOf } from '../platform/platform.ts';
import { ArgumentError } from '../protocol/errors.ts';
import type { WorkerExitEvent } from './workforce.ts';
import type { RemotePoolOptions } from '../remote/options.ts';
import { isErrorClass } from '../protocol/error-codec.ts';

export type KindName = 'thread' | 'process' | 'inline' | 'web' | 'remote';

export interface PoolOptions<Args extends readonly unknown[] = unknown[]> {
  /** Number of workers (instances). Default: the machine's available parallelism. */
  workers?: number;
  /** Constructor arguments: the same for all, or a function of the worker index for per-worker arguments. */
  args?: Args | ((workerIndex: number) => Args);
  /**
   * Where instances run. Default 'thread' on Node, 'web' (module Web Workers) in a browser. 'process': child
   * processes; 'inline' runs them in this thread (debugging, notebooks).
   */
  kind?: KindName;
  /**
   * The module that exports the class: `import.meta.url` of that module, a URL such as
   * `new URL('./model.js', import.meta.url)`, or an absolute path. A relative path string is rejected (it would
   * resolve against the current directory, not your module) with an ArgumentError showing the `new URL` form.
   */
  module?: string | URL;
  /** The export's name when it differs from the class's own name. */
  exportName?: string;
  /**
   * Bundler form: a function creating the worker, e.g. `() => new Worker(new URL('./model.worker.js', import.meta.url))`.
   * The worker script calls `expose(Class)` from 'objectproxypool/worker'.
   */
  worker?: () => unknown;
  /** Argument slot i of every map call goes to worker i; map calls need exactly `workers` tasks. */
  dedicated?: boolean;
  /** Seed from which each worker's `workerContext().seed` is derived. Default: random, readable in `pool.info.seed`. */
  seed?: number;
  /** Error classes to rebuild when workers throw them (in addition to those registered with registerErrorClass). */
  errorClasses?: Array<new (...args: any[]) => Error>;
  /** V8 heap limits per worker (thread kind; process kind honours maxOldGenerationSizeMb). */
  resourceLimits?: import('node:worker_threads').ResourceLimits;
  /** Replace a worker that dies by a new one constructed with the same arguments. Its state is lost. Default false. */
  respawn?: boolean;
  /** Maximum calls in flight; further calls wait or are rejected (see `backpressure`). Default: unbounded. */
  capacity?: number;
  /** Default for calls beyond `capacity`: 'wait' (default) or 'reject' with BacklogFullError. */
  backpressure?: 'wait' | 'reject';
  /** Hears every worker that ends other than by close(): exits, crashes, kills, terminations. */
  onWorkerExit?: (event: WorkerExitEvent) => void;
  /**
   * Notebook-style use: send the class's source text to the workers, where it is evaluated, instead of importing
   * a module — for a class defined inline in a script, a REPL or a notebook cell. The class must be
   * self-contained: a class using variables from outside itself (other than globals and the names objectproxypool
   * provides, such as `workerContext`) is rejected with a CapturedVariableError naming them. See docs/notebooks.md.
   */
  shipSource?: boolean;
  /**
   * Record each task's run time (in the worker) and wait time (from the call until a worker starts it); read
   * their percentiles in `pool.info.metrics`. Per-worker task counts are always there. Default false: timing costs
   * two clock reads per task.
   */
  metrics?: boolean;
  /** With `kind: 'remote'`: the NATS servers, credentials and timeouts (see docs/remote.md). */
  remote?: RemotePoolOptions;
  /**
   * Names the pool in this process: creating a pool with the name of a live one first closes that one. A notebook
   * cell that creates its pool with a name can be run again without leaving the previous pool's workers running.
   */
  name?: string;
  /**
   * The workers' `process.env` (as piscina's `env`: it replaces the inherited environment; spread `process.env`
   * into it to extend instead). Thread and process kinds only.
   */
  env?: Record<string, string>;
  /** Appended to the workers' `process.argv` (piscina's `argv`). Thread and process kinds only. */
  argv?: string[];
  /**
   * Node flags for the workers (piscina's `execArgv`), after those inherited from this process: `--expose-gc`,
   * `--cpu-prof`, `--max-old-space-size=…` (process kind; threads take heap limits as `resourceLimits`). A flag
   * Node refuses fails create() with an ArgumentError. Thread and process kinds only.
   */
  execArgv?: string[];
  /**
   * Milliseconds close() waits for calls in flight before it cancels them (PoolClosedError) and terminates the
   * workers still running them — piscina's `closeTimeout`. Default: no limit (calls run to their end). A
   * `close({ timeout })` overrides it.
   */
  closeTimeout?: number;
  /** Milliseconds close() gives each instance's dispose method before ending its worker anyway. Default 5000. */
  disposeTimeout?: number;
  /** Hears the pool empty: called once each time the last call in flight settles with none waiting (piscina's 'drain'). */
  onDrain?: () => void;
  /**
   * Requests (calls, map chunks, field accesses) each instance runs at once, as piscina's option of this name.
   * 1 serializes an instance's async methods: a call that awaits mid-update never interleaves with another.
   * Further requests wait on the host. Default: no limit (async methods interleave at their awaits).
   */
  concurrentTasksPerWorker?: number;
}

const callOptionKeys = new Set([
  'synchronize', 'timeout', 'signal', 'settle', 'chunkSize', 'strict', 'retries', 'onCancel', 'backpressure', 'onProgress',
  'timeoutFrom', 'key', 'window', 'ordered', 'checkpoint',
]);

/** Per-call options are checked when given to `with()`, so a typo fails at once and names itself. */
export function checkCallOptions(options: unknown): void {
  if (options === null || typeof options !== 'object') throw new ArgumentError(`with() expects an options object, got ${options === null ? 'null' : typeof options}`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!callOptionKeys.has(key)) throw new ArgumentError(`unknown call option "${key}"; known options: ${[...callOptionKeys].join(', ')}`);
  }
  const { timeout, signal, settle, chunkSize, retries, onCancel, backpressure } = o;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0) || timeout === Infinity)) {
    throw new ArgumentError(`call option timeout must be a finite number of milliseconds >= 0, got ${describe(timeout)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ArgumentError(`call option signal must be an AbortSignal, got ${describe(signal)}`);
  if (settle !== undefined && settle !== 'fail-fast' && settle !== 'all') throw new ArgumentError(`call option settle must be 'fail-fast' or 'all', got ${describe(settle)}`);
  if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || (chunkSize as number) < 1)) throw new ArgumentError(`call option chunkSize must be a positive integer, got ${describe(chunkSize)}`);
  if (retries !== undefined && (!Number.isInteger(retries) || (retries as number) < 0)) throw new ArgumentError(`call option retries must be a non-negative integer, got ${describe(retries)}`);
  if (onCancel !== undefined && onCancel !== 'abandon' && onCancel !== 'terminate') throw new ArgumentError(`call option onCancel must be 'abandon' or 'terminate', got ${describe(onCancel)}`);
  if (backpressure !== undefined && backpressure !== 'wait' && backpressure !== 'reject') throw new ArgumentError(`call option backpressure must be 'wait' or 'reject', got ${describe(backpressure)}`);
  if (o.timeoutFrom !== undefined && o.timeoutFrom !== 'call' && o.timeoutFrom !== 'start') throw new ArgumentError(`call option timeoutFrom must be 'call' or 'start', got ${describe(o.timeoutFrom)}`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new ArgumentError(`call option onProgress must be a function, got ${describe(o.onProgress)}`);
  if (o.key !== undefined && (!Number.isInteger(o.key) || (o.key as number) < 0 || (o.key as number) > 0xffffffff)) {
    throw new ArgumentError(`call option key must be an integer from 0 to 4294967295 (a uint32), got ${describe(o.key)}`);
  }
  if (o.window !== undefined && (!Number.isInteger(o.window) || (o.window as number) < 1)) {
    throw new ArgumentError(`call option window must be a positive integer (tasks in flight or buffered), got ${describe(o.window)}`);
  }
  if (o.checkpoint !== undefined && !(o.checkpoint instanceof URL) && (typeof o.checkpoint !== 'string' || o.checkpoint === '')) {
    throw new ArgumentError(`call option checkpoint must be a file path or file URL, got ${describe(o.checkpoint)}`);
  }
  for (const flag of ['synchronize', 'strict', 'ordered'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') throw new ArgumentError(`call option ${flag} must be a boolean, got ${describe(o[flag])}`);
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : String(value);
}

export interface ResolvedOptions {
  workers: number;
  argsFor: (index: number) => unknown[];
  kind: KindName;
  module?: string;
  exportName: string;
  worker?: () => unknown;
  dedicated: boolean;
  seed: number;
  resourceLimits?: import('node:worker_threads').ResourceLimits;
  respawn: boolean;
  capacity?: number;
  backpressure: 'wait' | 'reject';
  onWorkerExit?: (event: WorkerExitEvent) => void;
  /** Option `shipSource`: the class's checked source (set by ProxyPool.create). */
  source?: import('../class-source/names.ts').ShippedSource;
  metrics: boolean;
  remote?: RemotePoolOptions;
  env?: Record<string, string>;
  argv?: string[];
  execArgv?: string[];
  closeTimeout: number;
  disposeTimeout: number;
  onDrain?: () => void;
  concurrentTasksPerWorker: number;
}

const kindNames: readonly KindName[] = ['thread', 'process', 'inline', 'web', 'remote'];
const known = new Set([
  'workers', 'args', 'kind', 'module', 'exportName', 'worker', 'dedicated', 'seed', 'errorClasses', 'resourceLimits',
  'respawn', 'capacity', 'backpressure', 'onWorkerExit', 'shipSource', 'metrics', 'remote',
  'name', 'env', 'argv', 'execArgv', 'closeTimeout', 'disposeTimeout', 'onDrain', 'concurrentTasksPerWorker',
]);

/**
 * Checks `options` and fills in the defaults. One concern per step, in the order their errors are reported:
 * the options' shape, the workers (how many, which kind, constructor arguments, seed), where the class comes from,
 * admission, the worker processes' environment, timeouts and concurrency, error classes.
 */
export function resolveOptions(Class: unknown, options: PoolOptions<any> = {}): ResolvedOptions {
  checkShape(Class, options);
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new ArgumentError(`option workers must be a positive integer, got ${describe(workers)}`);
  }
  const kind = options.kind ?? defaultKind();
  if (!kindNames.includes(kind)) {
    throw new ArgumentError(`option kind must be one of ${kindNames.map((k) => `'${k}'`).join(', ')}; got ${JSON.stringify(kind)}`);
  }
  const argsFor = constructorArgs(options.args ?? []);
  const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
  if (!Number.isFinite(seed)) throw new ArgumentError(`option seed must be a finite number, got ${String(seed)}`);
  const { module, exportName } = classPlacement(Class, options, kind);
  const admission = admissionOf(options);
  checkWorkerEnvironment(options, kind);
  const lifetime = lifetimeOf(options);
  checkErrorClasses(options.errorClasses);
  return {
    workers,
    argsFor,
    kind,
    module,
    exportName,
    worker: options.worker,
    dedicated: options.dedicated ?? false,
    seed: seed >>> 0,
    resourceLimits: options.resourceLimits,
    respawn: options.respawn ?? false,
    ...admission,
    metrics: options.metrics ?? false,
    remote: options.remote,
    env: options.env === undefined ? undefined : { ...options.env },
    argv: options.argv?.slice(),
    execArgv: options.execArgv?.slice(),
    ...lifetime,
  };
}

/** An options object of known keys, its flags booleans, its name non-empty; the class a class. */
function checkShape(Class: unknown, options: PoolOptions<any>): void {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError(`ProxyPool.create expects an options object as second argument, got ${describe(options)}`);
  }
  for (const flag of ['dedicated', 'respawn', 'shipSource', 'metrics'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') throw new ArgumentError(`option ${flag} must be a boolean, got ${describe(options[flag])}`);
  }
  if (typeof Class !== 'function' || typeof (Class as { prototype?: unknown }).prototype !== 'object') {
    throw new ArgumentError(`ProxyPool.create expects a class as first argument, got ${Class === null ? 'null' : typeof Class}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new ArgumentError(`unknown pool option "${key}"; known options: ${[...known].join(', ')}`);
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new ArgumentError(`option name must be a non-empty string, got ${describe(options.name)}`);
  }
}

/** Option args: the same array for every worker, or a function of the worker's index (checked per call). */
function constructorArgs(args: NonNullable<PoolOptions<any>['args']>): (index: number) => unknown[] {
  if (typeof args !== 'function' && !Array.isArray(args)) {
    throw new ArgumentError('option args must be an array of constructor arguments or a function (workerIndex) => array');
  }
  return (index: number): unknown[] => {
    const value = typeof args === 'function' ? args(index) : args;
    if (!Array.isArray(value)) throw new ArgumentError(`option args(${index}) must return an array, got ${typeof value}`);
    return value;
  };
}

/** Where workers get the class: a module, a worker factory, its shipped source, or (remote) the host's own module. */
function classPlacement(Class: unknown, options: PoolOptions<any>, kind: KindName): { module?: string; exportName: string } {
  const module = options.module === undefined ? undefined : toModuleUrl(options.module);
  const exportName = options.exportName ?? (Class as { name: string }).name;
  if (options.shipSource && (module || options.worker)) {
    throw new ArgumentError(`option shipSource sends the class's source to the workers: give it alone, without option ${module ? 'module' : 'worker'}`);
  }
  if (kind === 'remote' && (options.remote === null || typeof options.remote !== 'object')) {
    throw new ArgumentError("kind 'remote' needs the option remote: { servers: 'nats://HOST:PORT', ... } (see docs/remote.md)");
  }
  if (kind === 'remote' && options.shipSource) {
    throw new ArgumentError("option shipSource cannot be used with kind 'remote': a host runs only the module it was started with, never code from the wire");
  }
  if (kind !== 'remote' && options.remote !== undefined) throw new ArgumentError(`option remote is for kind 'remote'; this pool's kind is '${kind}'`);
  // Remote hosts serve the module they were started with: the pool only names the class.
  if (kind !== 'inline' && kind !== 'remote' && !module && !options.worker && !options.shipSource) {
    throw new ArgumentError(
      `ProxyPool needs to know where ${exportName || 'the class'} lives: pass { module: import.meta.url } from the module ` +
        `that exports it (or a URL/path to it), { worker: () => new Worker(...) } whose script calls expose(), ` +
        `or { shipSource: true } for a self-contained class defined inline (a script or notebook)`,
    );
  }
  if (options.worker !== undefined && typeof options.worker !== 'function') {
    throw new ArgumentError('option worker must be a function returning a new Worker');
  }
  return { module, exportName };
}

/** How many calls may be admitted at once, what happens beyond, and who hears a worker exit. */
function admissionOf(options: PoolOptions<any>): Pick<ResolvedOptions, 'capacity' | 'backpressure' | 'onWorkerExit'> {
  const { capacity, backpressure = 'wait', onWorkerExit } = options;
  if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 1)) {
    throw new ArgumentError(`option capacity must be a positive integer, got ${String(capacity)}`);
  }
  if (backpressure !== 'wait' && backpressure !== 'reject') {
    throw new ArgumentError(`option backpressure must be 'wait' or 'reject', got ${JSON.stringify(backpressure)}`);
  }
  if (onWorkerExit !== undefined && typeof onWorkerExit !== 'function') throw new ArgumentError('option onWorkerExit must be a function');
  return { capacity, backpressure, onWorkerExit };
}

/** Close and dispose timeouts, tasks in flight per worker, and who hears the pool drain. */
function lifetimeOf(options: PoolOptions<any>): Pick<ResolvedOptions, 'closeTimeout' | 'disposeTimeout' | 'concurrentTasksPerWorker' | 'onDrain'> {
  const closeTimeout = checkMilliseconds('option closeTimeout', options.closeTimeout, Infinity, true);
  const disposeTimeout = checkMilliseconds('option disposeTimeout', options.disposeTimeout, 5000, false);
  const concurrency = options.concurrentTasksPerWorker ?? Infinity;
  if (concurrency !== Infinity && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new ArgumentError(`option concurrentTasksPerWorker must be a positive integer (or Infinity), got ${describe(concurrency)}`);
  }
  if (options.onDrain !== undefined && typeof options.onDrain !== 'function') throw new ArgumentError(`option onDrain must be a function, got ${describe(options.onDrain)}`);
  return { closeTimeout, disposeTimeout, onDrain: options.onDrain, concurrentTasksPerWorker: concurrency };
}

/** A duration in milliseconds: a number >= 0 (Infinity where `unbounded` allows it), else an ArgumentError naming `what`. */
export function checkMilliseconds(what: string, value: unknown, fallback: number, unbounded: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || (!unbounded && value === Infinity)) {
    throw new ArgumentError(`${what} must be a number of milliseconds >= 0${unbounded ? ' (or Infinity)' : ''}, got ${describe(value)}`);
  }
  return value;
}

/** `env`, `argv`, `execArgv`: well-formed, and only for kinds that start a Node worker of their own. */
function checkWorkerEnvironment(options: PoolOptions<any>, kind: KindName): void {
  for (const name of ['argv', 'execArgv'] as const) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw new ArgumentError(`option ${name} must be an array of strings, got ${describe(value)}`);
    }
  }
  const { env } = options;
  if (env !== undefined) {
    if (env === null || typeof env !== 'object' || Array.isArray(env)) throw new ArgumentError(`option env must be an object of strings, got ${describe(env)}`);
    for (const [key, value] of Object.entries(env)) {
      if (typeof value !== 'string') throw new ArgumentError(`option env.${key} must be a string, got ${describe(value)}`);
    }
  }
  const given = (['env', 'argv', 'execArgv'] as const).filter((name) => options[name] !== undefined);
  if (given.length > 0 && kind !== 'thread' && kind !== 'process') {
    const why =
      kind === 'inline'
        ? 'inline instances share this thread, its process.env and its flags'
        : kind === 'web'
          ? 'Web Workers have no process environment or Node flags'
          : 'remote hosts are started with their own environment and flags';
    throw new ArgumentError(`option ${given.join(', ')} is for kinds 'thread' and 'process'; kind '${kind}' cannot honour it: ${why}`);
  }
  if (given.length > 0 && options.worker !== undefined) {
    throw new ArgumentError(`option ${given.join(', ')} cannot be used with option worker: your factory creates the worker, pass them to its constructor`);
  }
}

function toModuleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') throw new ArgumentError('option module must be a URL or a path');
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  // A relative path would resolve against the current directory (or the page), not against the module that wrote
  // it, so it works or not depending on where the program is started: refuse it and show the form that is exact.
  if (!/^([\\/]|[a-z]:[\\/])/i.test(module)) {
    const relative = /^\.\.?[\\/]/.test(module) ? module : `./${module}`;
    throw new ArgumentError(
      `option module got the relative path ${JSON.stringify(module)}, which would resolve against the current directory, ` +
        `not against your module: write module: new URL('${relative}', import.meta.url) ` +
        `(or module: import.meta.url in the module that exports the class, or an absolute path)`,
    );
  }
  return moduleUrlOf(module);
}

/** Option errorClasses: an array of classes extending Error (DOMException included), each with a name. */
function checkErrorClasses(classes: unknown): void {
  if (classes === undefined) return;
  if (!Array.isArray(classes)) throw new ArgumentError(`option errorClasses must be an array of error classes, got ${describe(classes)}`);
  classes.forEach((cls, i) => {
    if (!isErrorClass(cls)) {
      throw new ArgumentError(`option errorClasses[${i}] must be a class extending Error (e.g. class MyError extends Error {}), got ${typeof cls === 'function' ? `function ${cls.name || '(anonymous)'}, which does not extend Error` : describe(cls)}`);
    }
    if (!cls.name) throw new ArgumentError(`option errorClasses[${i}] is an anonymous class: errors are matched by class name; give it one, or use registerErrorClass(cls, name)`);
  });
}
