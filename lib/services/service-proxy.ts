/**
 * The host's face of one simulation service (SimService's proxy): a pool of one worker whose methods, and the
 * service functions exposed inside it, are called as plain async methods resolving to one value. Factories make
 * them (`serviceRandomWalker()`), a registry finds factories by name, and `serviceContext` runs the life cycle.
 */
import { ProxyPool } from '../pool/proxy-pool.ts';
import type { KindName, PoolOptions } from '../pool/options.ts';
import type { AnyClass, AnyFunction, MethodNames, PoolProxy } from '../pool/types.ts';
import { ArgumentError } from '../protocol/errors.ts';
import { refOf, type FunctionRef } from '../partition/function-ref.ts';

/** T's methods as single-value async calls. */
export type ServiceMethods<T> = { readonly [K in MethodNames<T>]: T[K] extends AnyFunction ? (...args: Parameters<T[K]>) => Promise<Awaited<ReturnType<T[K]>>> : never };

/** The service's own API; these names win over the instance's. */
export interface ServiceApi<T> extends AsyncDisposable {
  /** Ends the service's worker (SimService's close_service). Idempotent. */
  close(): Promise<void>;
  /** The underlying one-worker pool (fields, call options). */
  readonly pool: PoolProxy<T>;
  /** The same proxy, typed with service functions `S` as methods (a type-only cast). */
  services<S>(): ServiceProxy<T & S>;
  /** Calls any method or service function by name (untyped escape hatch). */
  call(name: string, ...args: unknown[]): Promise<unknown>;
}

/** A running service: its methods and service functions as async calls, plus close/pool/services/call. */
export type ServiceProxy<T> = ServiceApi<T> & Omit<ServiceMethods<T>, keyof ServiceApi<T>>;

const OWN = new Set(['close', 'pool', 'services', 'call', 'then']);

/**
 * Wraps a one-worker pool as a service proxy.
 *
 * @example
 * const pool = await ProxyPool.create(Walker, { workers: 1, module: import.meta.url });
 * const walker = serviceProxy(pool);
 * await walker.step();          // one value, not an array
 */
export function serviceProxy<T>(pool: PoolProxy<T>): ServiceProxy<T> {
  if (pool.info.size !== 1) throw new ArgumentError(`serviceProxy() needs a pool of exactly one worker, got ${pool.info.size}`);
  const methods = pool.methods as unknown as Record<string, { one(...args: unknown[]): Promise<unknown> }>;
  const call = (name: string, ...args: unknown[]) => {
    try {
      return methods[name]!.one(...args);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const api: Record<string | symbol, unknown> = {
    close: () => pool.close(),
    pool,
    call,
    // JSON.stringify must not call the worker (a rejected call nobody awaits would crash the process): the
    // service serializes as its pool's info, as the pool proxy does.
    toJSON: () => pool.toJSON(),
    [Symbol.asyncDispose]: () => pool.close(),
  };
  const proxy: object = new Proxy(api, {
    get(target, property) {
      if (property === 'services') return () => proxy;
      if (Object.hasOwn(target, property)) return target[property];
      if (typeof property === 'symbol' || OWN.has(property)) return undefined;
      return (...args: unknown[]) => call(property, ...args);
    },
  });
  return proxy as ServiceProxy<T>;
}

/** How a factory starts its service. */
export interface ServiceOptions<C extends AnyClass> {
  /** The module exporting the class (usually `import.meta.url` of that module). */
  module: string | URL;
  kind?: KindName;
  exportName?: string;
  seed?: number;
  args?: PoolOptions<[...ConstructorParameters<C>]>['args'];
}

/**
 * A service factory (SimService's `service_random_walker()` style): each call starts one worker holding a new
 * instance and resolves to its service proxy.
 *
 * @example
 * export const serviceRandomWalker = serviceFactory(RandomWalkerService, { module: import.meta.url });
 * const walker = await serviceRandomWalker();
 */
export function serviceFactory<C extends AnyClass>(Class: C, options: ServiceOptions<C>): (...args: ConstructorParameters<C>) => Promise<ServiceProxy<InstanceType<C>>> {
  return async (...args) => {
    const pool = await ProxyPool.create(Class, { ...options, workers: 1, args: args.length > 0 ? (args as never) : options.args });
    return serviceProxy(pool as PoolProxy<InstanceType<C>>);
  };
}

/** What `registerService` keeps: anything that starts a service and resolves to its proxy. */
export type ServiceFactory = (...args: any[]) => Promise<ServiceProxy<any>>;
type Factory = ServiceFactory;
const registry = new Map<string, Factory>();

/**
 * Registers a factory under a name, for `createService(name)` (SimService's service registry).
 *
 * @example
 * registerService('RandomWalker', serviceRandomWalker);
 * const walker = await createService('RandomWalker');
 */
export function registerService(name: string, factory: Factory): void {
  if (typeof name !== 'string' || name === '') throw new ArgumentError('registerService: the name must be a non-empty string');
  if (typeof factory !== 'function') throw new ArgumentError(`registerService("${name}"): the factory must be a function`);
  registry.set(name, factory);
}

/**
 * Starts a service by its registered name.
 *
 * @example
 * const walker = await createService('RandomWalker');
 */
export function createService<T = any>(name: string, ...args: unknown[]): Promise<ServiceProxy<T>> {
  const factory = registry.get(name);
  if (!factory) return Promise.reject(new ArgumentError(`no service registered as "${name}"; registered: ${[...registry.keys()].join(', ') || '(none)'}`));
  return factory(...args);
}

/**
 * Names of the registered services.
 *
 * @example
 * registeredServices(); // ['RandomWalker']
 */
export function registeredServices(): string[] {
  return [...registry.keys()];
}

/**
 * Removes a registration; true if there was one.
 *
 * @example
 * unregisterService('RandomWalker');
 */
export function unregisterService(name: string): boolean {
  return registry.delete(name);
}

/**
 * Ends services and frees their workers (SimService's close_service); accepts many at once.
 *
 * @example
 * await closeService(...walkers);
 */
export async function closeService(...services: Array<{ close(): Promise<void> }>): Promise<void> {
  await Promise.all(services.map((s) => s.close()));
}

/**
 * A checked reference to an insideRun function: the module must export `fn` under its name.
 *
 * @example
 * // walker-loop.ts: export async function walk(w: RandomWalkerService) { ... }
 * await walker.setInsideRun(await insideRun(walk, { module: import.meta.url }));
 * const result = await walker.run();
 */
export function insideRun(fn: AnyFunction | FunctionRef, options: { module?: string | URL } = {}): Promise<FunctionRef> {
  try {
    return refOf(fn, options.module, 'insideRun');
  } catch (error) {
    return Promise.reject(error);
  }
}
