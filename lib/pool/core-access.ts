/**
 * How layers above the pool (collectives, partitions, services) reach a pool's core from its proxy: a registered
 * symbol on the proxy's own API object. Kept out of the public types; `coreOf` fails clearly on anything else.
 */
import { ArgumentError } from '../protocol/errors.ts';
import type { PoolCore } from './pool-core.ts';

export const POOL_CORE: unique symbol = Symbol.for('objectproxypool.core') as any;

export function coreOf(pool: unknown, what = 'this function'): PoolCore {
  const core = pool !== null && (typeof pool === 'object' || typeof pool === 'function') ? (pool as Record<symbol, PoolCore>)[POOL_CORE] : undefined;
  if (!core) throw new ArgumentError(`${what} expects a pool created by ProxyPool.create, got ${pool === null ? 'null' : typeof pool}`);
  return core;
}
