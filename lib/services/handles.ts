/**
 * Handles to one worker's instance that can be passed to another worker (of any pool of the same host) and used
 * there like a service proxy: `await handle.step()`. A call through a handle goes to the host (worker message
 * 'instance.call'), which sends it to the instance's worker as an ordinary call and answers with the result.
 *
 * Host-mediated rather than a MessagePort between the two workers: it works the same for thread, process and
 * inline workers (a port cannot reach a child process), and the host, which sees every worker die, answers a
 * call to a dead or closed instance with a clear error instead of leaving the caller waiting. The cost is one more
 * hop per call (two messages through the host instead of one between workers).
 */
import { toHandle, decodeValue, type Shareable } from '../protocol/value-codec.ts';
import { extendEveryPool, poolExtension, poolExtensionById, type UpMessage } from '../pool/extension.ts';
import { ArgumentError, PoolClosedError } from '../protocol/errors.ts';
import { INSTANCE_TAG, type InstanceHandleData } from './instance-ref.ts';

/**
 * This realm's identity as the host of instance handles. Pool ids count from 1 in every realm, so a handle passed
 * on to a pool nested inside a worker would name a pool of that worker with the same id — a different instance.
 * Handles carry their host's id and a host answers only its own.
 */
const HOST_ID = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * A handle on the host: pass it as an argument of any pool call; the worker receives an {@link InstanceRef}.
 *
 * @example
 * await drivers.drive.map([instanceHandle(walker)], [100]);
 */
export class InstanceHandle<T = unknown> implements Shareable {
  /** @internal */
  constructor(
    readonly poolId: number,
    readonly workerIndex: number,
  ) {}

  /** @internal */
  [toHandle](): InstanceHandleData {
    return { __objectproxypool_handle__: INSTANCE_TAG, pool: this.poolId, worker: this.workerIndex, host: HOST_ID };
  }

  /** Type marker only. */
  declare readonly __instance?: T;
}

/**
 * A handle to worker `workerIndex`'s instance of `pool` (or to a service proxy's instance), to pass to other
 * workers. Works from thread, process and inline workers of pools created by this same host (not from pools
 * nested inside workers: their host is that worker).
 *
 * @example
 * const walker = await serviceRandomWalker();
 * await drivers.drive.map([instanceHandle(walker)], [100]); // a driver worker steps the walker
 */
export function instanceHandle<T>(target: { pool: object } | object, workerIndex = 0): InstanceHandle<T> {
  // A pool proxy carries its core; a service proxy carries its one-worker pool.
  const ext = poolExtension(target, 'instanceHandle()');
  if (!Number.isInteger(workerIndex) || workerIndex < 0 || workerIndex >= ext.workerCount) {
    throw new ArgumentError(`instanceHandle(): the pool has workers 0..${ext.workerCount - 1}, got ${workerIndex}`);
  }
  return new InstanceHandle<T>(ext.poolId, workerIndex);
}

/**
 * A call through an instance handle, from a worker of ANY pool of this host (the handle is made from one pool and
 * passed to another's workers): every pool answers 'instance.call', which is why this layer extends every pool
 * rather than the one the user handed it.
 */
function callThroughHandle({ payload, reply }: UpMessage): void {
  const [poolId, worker, method, args, found, host] = payload as [number, number, string, unknown[], boolean, string | undefined];
  if (host !== HOST_ID) {
    reply(
      false,
      new ArgumentError(
        `cannot call ${method} through this instance handle: it belongs to pools of another host (pool ${poolId}, worker ${worker}); ` +
          'instance handles work only in workers of pools created by the host that made the handle, not in pools nested inside a worker',
      ),
    );
    return;
  }
  const target = poolExtensionById(poolId);
  if (!target) {
    reply(false, new PoolClosedError(`cannot call ${method} through an instance handle (pool ${poolId}, worker ${worker})`));
    return;
  }
  target.callOn(worker, method, found ? (decodeValue(args) as unknown[]) : args).then(
    (value) => reply(true, value),
    (error) => reply(false, error),
  );
}

extendEveryPool((pool) => pool.handleUp('instance.call', callThroughHandle));
