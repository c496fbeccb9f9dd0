/**
 * What an instance knows about its place in the pool: its index, the pool size, and its own seed.
 *
 * The context lives on `globalThis` under a registered symbol rather than in a module variable, so user code that
 * imports the built package and a runtime loaded from source (or two copies of the package) still agree.
 */
import type { WorkerContextData } from '../protocol/messages.ts';
import { Rng } from './rng.ts';

/** Where this instance runs and how to draw its random numbers. */
export interface WorkerContext {
  /** 0-based position of this worker in the pool; also its slot in a dedicated pool. */
  readonly index: number;
  /** Number of workers in the pool. */
  readonly count: number;
  /** This worker's seed, derived from the pool's `seed` option and the index: independent, reproducible streams. */
  readonly seed: number;
  /** The worker kind: 'thread', 'inline', ... */
  readonly kind: string;
  /** A generator seeded with `seed` (xoshiro128**); use it instead of Math.random for reproducible ensembles. */
  readonly rng: Rng;
}

const CURRENT = Symbol.for('objectproxypool.currentContext');
const OF_INSTANCE = Symbol.for('objectproxypool.instanceContext');

type Holder = { [CURRENT]?: WorkerContext };

/** `hidden`: symbol-keyed, non-enumerable extras the runtime attaches before the context is frozen (its uplink). */
export function makeContext(data: WorkerContextData, hidden?: Record<symbol, unknown>): WorkerContext {
  const context = { ...data, rng: new Rng(data.seed) };
  for (const key of Object.getOwnPropertySymbols(hidden ?? {})) Object.defineProperty(context, key, { value: hidden![key], enumerable: false });
  return Object.freeze(context);
}

/** Runs `fn` with `globalThis[key]` set to `value`, then restores what was there (nested runs unwind in order). */
export function withGlobal<R>(key: symbol, value: unknown, fn: () => R): R {
  const holder = globalThis as Record<symbol, unknown>;
  const previous = holder[key];
  holder[key] = value;
  try {
    return fn();
  } finally {
    holder[key] = previous;
  }
}

/** Runs `fn` with `context` as the current one; nested calls restore the previous (several inline instances share a thread). */
export function withContext<R>(context: WorkerContext, fn: () => R): R {
  return withGlobal(CURRENT, context, fn);
}

/** `fn.apply(self, args)` with `context` current: withContext without a closure per call (the hot path). */
export function callIn(context: WorkerContext, fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  const holder = globalThis as Holder;
  const previous = holder[CURRENT];
  holder[CURRENT] = context;
  try {
    return fn.apply(self, args);
  } finally {
    holder[CURRENT] = previous;
  }
}

export function attachContext(instance: object, context: WorkerContext): void {
  Object.defineProperty(instance, OF_INSTANCE, { value: context, enumerable: false, configurable: true });
}

/**
 * The context of the instance being constructed or called. Call it in the constructor and keep the result:
 * with the `inline` kind several instances share one thread, and after an `await` another may be current.
 * Pass the instance (`workerContext(this)`) to read it reliably at any time.
 *
 * @example
 * class Walker {
 *   ctx = workerContext();
 *   step() { return this.ctx.rng.normal(); }
 * }
 */
export function workerContext(instance?: object): WorkerContext {
  const fromInstance = instance && (instance as Record<symbol, WorkerContext>)[OF_INSTANCE];
  const context = fromInstance ?? (globalThis as Holder)[CURRENT];
  if (!context) {
    throw new Error('workerContext() is only available inside a pool worker, while an instance is constructed or called');
  }
  return context;
}

/** True inside a pool worker (any kind) while an instance is constructed or called. */
export function inWorker(): boolean {
  return (globalThis as Holder)[CURRENT] !== undefined;
}

/** Mixes a pool seed and a worker index into a well-spread 32-bit seed (murmur3's finalizer over a Weyl step). */
export function deriveSeed(poolSeed: number, index: number): number {
  let h = (poolSeed >>> 0) ^ Math.imul(index + 1, 0x9e3779b9);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
