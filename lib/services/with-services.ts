import type { CallOptions, PoolProxy } from '../pool/types.ts';

/**
 * Types a pool with service functions exposed inside its workers: a type-only cast, nothing changes at run time
 * (the proxy already accepts any exposed name). Give the class's type too to keep its methods typed.
 *
 * @example
 * const walkers = withServices<Walker & { getPos(): number; setPos(x: number): void }>(pool);
 * const positions = await walkers.getPos(); // number[]
 */
export function withServices<S, O extends CallOptions = {}>(pool: PoolProxy<any, O>): PoolProxy<S, O> {
  return pool as PoolProxy<S, O>;
}
