/**
 * The typed face of a pool: an ES Proxy on which any name is a remote method, except the pool's own few names.
 * Method objects are cached per view, so `pool.step` is the same function every time you read it.
 */
import type { PoolCore } from './pool-core.ts';
import type { CallOptions, CloseOptions, PoolProxy, RemoteFields } from './types.ts';
import { checkCallOptions } from './options.ts';
import { POOL_EXTENSION } from './extension.ts';
import { withCallbacks } from './callbacks.ts';

/** Node's `util.inspect.custom`, by its registered name: no node:util import, so the pool loads in browsers. */
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

const RESERVED = ['close', 'with', 'methods', 'fields', 'info', 'toString', 'toJSON', 'drain', 'stats', 'resize'] as const;
export const reservedNames: ReadonlySet<string> = new Set(RESERVED);

function remoteMethod(core: PoolCore, name: string, options: CallOptions) {
  // withCallbacks: proxy() callbacks among the arguments live as long as the call (callbacks.ts).
  const call = (...args: unknown[]) => withCallbacks(args, () => core.broadcast(name, args, options));
  call.map = (...iterables: unknown[]) => {
    try {
      return withCallbacks(iterables, () => core.map(name, iterables, options));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  call.one = (...args: unknown[]) => {
    try {
      return withCallbacks(args, () => core.one(name, args, options));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  call.stream = (...iterables: unknown[]) => {
    try {
      return core.stream(name, iterables, options);
    } catch (error) {
      return failedStream(error);
    }
  };
  Object.defineProperty(call, 'name', { value: name });
  return call;
}

/** A stream whose call was refused: its first `next()` (or its batches' first) rejects with why (a stream never throws when made). */
function failedStream(error: unknown): AsyncGenerator<never, void, undefined> & { batches(): AsyncGenerator<never, void, undefined> } {
  async function* failed(): AsyncGenerator<never, void, undefined> {
    throw error;
  }
  return Object.assign(failed(), { batches: failed });
}

/** A call's errors must reach the caller as rejections, never as synchronous throws. */
function rejecting<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => {
    try {
      return fn(...args);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function methodsView(core: PoolCore, options: CallOptions): object {
  const cache = new Map<string, unknown>();
  return new Proxy(Object.create(null), {
    get(_target, property) {
      if (typeof property === 'symbol' || property === 'then') return undefined;
      let method = cache.get(property);
      if (!method) {
        const raw = remoteMethod(core, property, options);
        const safe = rejecting(raw);
        method = Object.assign(safe, { map: raw.map, one: raw.one, stream: raw.stream });
        Object.defineProperty(method, 'name', { value: property });
        cache.set(property, method);
      }
      return method;
    },
    set() {
      throw new TypeError('pool methods cannot be assigned; to set a field on every instance use pool.fields.set(name, value)');
    },
    has: (_target, property) => typeof property === 'string' && core.methods.has(property),
    ownKeys: () => [...core.methods],
    getOwnPropertyDescriptor: (_target, property) =>
      typeof property === 'string' && core.methods.has(property) ? { configurable: true, enumerable: true, writable: false, value: undefined } : undefined,
  });
}

function describePool(core: PoolCore): string {
  return `ProxyPool { kind: '${core.options.kind}', size: ${core.slots.length}, state: '${core.state}' }`;
}

export function makePoolProxy<T>(core: PoolCore, options: CallOptions = {}): PoolProxy<T> {
  const methods = methodsView(core, options) as Record<string, unknown>;
  const fields: RemoteFields<any> = {
    get: rejecting((field: string) => core.getField(field, options)),
    set: rejecting((field: string, value: unknown) => core.setField(field, value, options)),
    setEach: rejecting((field: string, values: Iterable<unknown>) => core.setFieldEach(field, values, options)),
  };
  const close = (closeOptions?: CloseOptions) => core.close(closeOptions);
  const api: Record<string | symbol, unknown> = {
    close,
    with: (more: CallOptions) => {
      checkCallOptions(more);
      return makePoolProxy<T>(core, { ...options, ...more });
    },
    drain: () => core.drain(),
    stats: () => core.stats(),
    resize: (workers: number) => core.resize(workers),
    // Coercions (`${pool}`, String(pool), JSON.stringify(pool)) describe the pool; they are never remote calls.
    toString: () => describePool(core),
    toJSON: () => core.info(),
    [Symbol.toPrimitive]: () => describePool(core),
    methods,
    fields,
    [Symbol.asyncDispose]: close,
    [inspectCustom]: () => describePool(core),
    // Layers built on the pool (collectives, services) reach it through its extension handle (extension.ts).
    [POOL_EXTENSION]: core.extension,
  };
  Object.defineProperty(api, 'info', { get: () => core.info(), enumerable: true });
  return new Proxy(api, {
    get(target, property) {
      if (Object.hasOwn(target, property)) return target[property];
      if (typeof property === 'symbol') return undefined;
      return methods[property];
    },
    set() {
      throw new TypeError('pool methods cannot be assigned; to set a field on every instance use pool.fields.set(name, value)');
    },
  }) as unknown as PoolProxy<T>;
}
