/**
 * Service functions (SimService's `service_function`): functions that code inside a worker exposes at run time,
 * callable on the pool's proxy like methods of the class.
 *
 * A function exposed while no instance is current (module top level, as in the seed's RandomWalker.py) belongs to
 * the whole worker; one exposed during the constructor or a call belongs to that instance only (with the inline
 * kind several instances share a thread). The registry lives on `globalThis` under a registered symbol so that
 * two copies of the package (built and source) agree, as the worker context does.
 */
import { inWorker, workerContext, type WorkerContext } from './context.ts';

/** A function exposed as a service function. */
export type ServiceFunction = (...args: any[]) => unknown;
type Fn = ServiceFunction;

interface Registry {
  global: Map<string, Fn>;
  perInstance: WeakMap<WorkerContext, Map<string, Fn>>;
  /** Hear every new exposure: the runtime tells the host, so the proxy accepts the new name. */
  listeners: Set<(names: string[], context: WorkerContext | undefined) => void>;
}

const KEY = Symbol.for('objectproxypool.serviceFunctions');

function registry(): Registry {
  const holder = globalThis as { [KEY]?: Registry };
  return (holder[KEY] ??= { global: new Map(), perInstance: new WeakMap(), listeners: new Set() });
}

/**
 * Exposes `fn` under `name` (default: the function's own name) on the pool's proxy: after this, `pool.name(...)`
 * calls it in this worker with the same arguments. Returns `fn`, so it can wrap a declaration.
 *
 * @example
 * // random-walker.ts (the class's module, loaded in every worker)
 * let pos = 0;
 * export const getPos = serviceFunction(function getPos() { return pos; });
 * serviceFunction((value: number) => { pos = value; }, 'setPos');
 */
export function serviceFunction<F extends Fn>(fn: F, name: string = fn.name): F {
  if (typeof fn !== 'function') throw new TypeError(`serviceFunction expects a function, got ${fn === null ? 'null' : typeof fn}`);
  if (typeof name !== 'string' || name === '') throw new TypeError('serviceFunction needs a name: pass one for anonymous functions, e.g. serviceFunction(fn, "getPos")');
  if (['then', 'constructor', '__proto__', 'prototype'].includes(name)) throw new TypeError(`"${name}" cannot be a service function name`);
  const reg = registry();
  const context = inWorker() ? workerContext() : undefined;
  if (context) {
    let own = reg.perInstance.get(context);
    if (!own) reg.perInstance.set(context, (own = new Map()));
    own.set(name, fn);
  } else {
    reg.global.set(name, fn);
  }
  for (const listener of reg.listeners) listener([name], context);
  return fn;
}

/**
 * Exposes `fn` under `name`: `serviceFunction(fn, name)` with the name first.
 *
 * @example
 * exposeFunction('getPos', () => pos);
 */
export function exposeFunction<F extends Fn>(name: string, fn: F): F {
  return serviceFunction(fn, name);
}

/** The service function `name` as seen by the instance with `context`: its own first, then the worker's. */
export function findServiceFunction(context: WorkerContext | undefined, name: string): Fn | undefined {
  const reg = registry();
  return (context && reg.perInstance.get(context)?.get(name)) ?? reg.global.get(name);
}

/** Names of the service functions visible to the instance with `context`. */
export function serviceFunctionNames(context: WorkerContext | undefined): string[] {
  const reg = registry();
  const own = context ? reg.perInstance.get(context) : undefined;
  return [...new Set([...reg.global.keys(), ...(own?.keys() ?? [])])];
}

/** Subscribe to new exposures; returns the unsubscribe function. */
export function onServiceFunction(listener: (names: string[], context: WorkerContext | undefined) => void): () => void {
  const reg = registry();
  reg.listeners.add(listener);
  return () => reg.listeners.delete(listener);
}
