/**
 * The core suite runs once per worker kind: every spec that takes `kinds` from here is parametrized, so a new kind
 * is tested by adding its name. OPP_KINDS=thread narrows a run while debugging.
 *
 * Kind 'remote' is not in the default list: it needs a nats-server and host processes, which
 * spec/remote-core.spec.ts starts before running the core specs again with OPP_KINDS=remote and the server's URL
 * in OPP_REMOTE_SERVERS.
 */
import { ProxyPool, fixtureUrl, type PoolOptions } from './lib.ts';
import { Counter } from '../../.test-build/spec/fixtures/counter.js';

export type Kind = 'thread' | 'process' | 'inline' | 'remote';
export const kinds = (process.env.OPP_KINDS?.split(',') ?? ['thread', 'process', 'inline']) as Kind[];

export const counterModule = fixtureUrl('counter');

/** Options that make a pool of `kind`: for 'remote', the NATS server the suite's hosts listen on. */
export function kindOptions(kind: Kind): PoolOptions<any> {
  if (kind !== 'remote') return { kind };
  const servers = process.env.OPP_REMOTE_SERVERS;
  if (!servers) throw new Error('OPP_KINDS=remote needs OPP_REMOTE_SERVERS (run spec/remote-core.spec.ts, which starts nats-server and hosts)');
  return { kind, remote: { servers, hostTimeout: 2000 } };
}

export function counterPool(kind: Kind, options: PoolOptions<ConstructorParameters<typeof Counter>> = {}) {
  return ProxyPool.create(Counter, { workers: 4, ...kindOptions(kind), module: counterModule, ...options });
}

/** A test's own per-test timeout: nothing may hang. */
export const T = { timeout: 30_000 };
