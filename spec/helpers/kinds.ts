/**
 * The core suite runs once per worker kind: every spec that takes `kinds` from here is parametrized, so a new kind
 * is tested by adding its name. OPP_KINDS=thread narrows a run while debugging.
 */
import { ProxyPool, fixtureUrl, type PoolOptions } from './lib.ts';
import { Counter } from '../../.test-build/spec/fixtures/counter.js';

export type Kind = 'thread' | 'process' | 'inline';
export const kinds = (process.env.OPP_KINDS?.split(',') ?? ['thread', 'process', 'inline']) as Kind[];

export const counterModule = fixtureUrl('counter');

export function counterPool(kind: Kind, options: PoolOptions<ConstructorParameters<typeof Counter>> = {}) {
  return ProxyPool.create(Counter, { workers: 4, kind, module: counterModule, ...options });
}

/** A test's own per-test timeout: nothing may hang. */
export const T = { timeout: 30_000 };
