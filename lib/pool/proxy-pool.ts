/** `ProxyPool.create`: start the workers, construct the instances, hand back the typed proxy. */
import { registerErrorClass } from '../protocol/error-codec.ts';
import { resolveOptions, type PoolOptions } from './options.ts';
import { PoolCore } from './pool-core.ts';
import { currentPoolOwner } from '../runtime/pool-owner.ts';
import { handedToLoadingWorker } from '../runtime/self-import.ts';
import { makePoolProxy, reservedNames } from './proxy.ts';
import type { AnyClass, CallOptions, PoolProxy } from './types.ts';

/** A pool of instances of T driven through one proxy. The same name is the factory: `ProxyPool.create(...)`. */
export type ProxyPool<T, O extends CallOptions = {}> = PoolProxy<T, O>;

const warnedClasses = new WeakSet<object>();
/** Live pools created with the option `name`: a new pool of the same name closes the one before (a re-run notebook cell). */
const named = new Map<string, { close(): Promise<void> }>();

export const ProxyPool = {
  /**
   * Starts `options.workers` workers, each constructing `new Class(...args)`, and resolves once all are ready.
   * If any constructor throws, rejects with that error and leaves no worker running.
   *
   * @example
   * const pool = await ProxyPool.create(Walker, { workers: 4, module: import.meta.url, seed: 42 });
   * const positions = await pool.walk(1000);       // every walker, results in worker order
   * const sums = await pool.add.map(range(20), range(20)); // task i gets (i, i), results in input order
   * await pool.close();
   */
  async create<C extends AnyClass>(
    Class: C,
    options: PoolOptions<[...ConstructorParameters<C>]> = {},
  ): Promise<ProxyPool<InstanceType<C>>> {
    // A worker importing this script for its class runs the script's top level, and so this call: hand the class
    // over and never settle, so the script's own use of the pool does not run in the worker (runtime/self-import.ts).
    if (handedToLoadingWorker(Class as unknown as new (...args: any[]) => object, options?.module)) return new Promise<never>(() => {});
    // Read before the first await: inside an inline worker's call, the call's context is current only until then.
    const owner = currentPoolOwner();
    const resolved = resolveOptions(Class, options);
    // The parser is loaded only by pools that ship source; a captured variable fails here, before any worker starts.
    if (options.shipSource) resolved.source = (await import('../class-source/analyze.ts')).shipClass(Class, resolved.exportName);
    for (const cls of options.errorClasses ?? []) registerErrorClass(cls);
    if (options.name !== undefined) await named.get(options.name)?.close();
    const core = await PoolCore.create(Class as unknown as new (...args: any[]) => object, resolved, owner);
    const shadowed = [...core.methods].filter((name) => reservedNames.has(name));
    if (shadowed.length > 0 && !warnedClasses.has(Class)) {
      warnedClasses.add(Class);
      const message =
        `${resolved.exportName} has methods named like the pool's own API (${shadowed.join(', ')}); ` +
        `call them as pool.methods.${shadowed[0]}(...)`;
      // process.emitWarning on Node; a console warning in browsers.
      if (typeof process !== 'undefined' && process.emitWarning) process.emitWarning(message, { code: 'OBJECTPROXYPOOL_SHADOWED_METHOD' });
      else console.warn(message);
    }
    const pool = makePoolProxy<InstanceType<C>>(core);
    if (options.name !== undefined) {
      // Another pool of this name may have been created while this one started: the newest wins.
      const before = named.get(options.name);
      named.set(options.name, pool);
      await before?.close();
    }
    return pool;
  },
};
