/**
 * Entry point for worker scripts written for bundlers (the pool's `worker` option):
 *
 * @example
 * // model.worker.ts
 * import { expose } from 'objectproxypool/worker';
 * import { Model } from './model.ts';
 * expose(Model);
 *
 * // main.ts (Node: a worker_threads Worker; in a browser: a module Web Worker)
 * const pool = await ProxyPool.create(Model, { worker: () => new Worker(new URL('./model.worker.ts', import.meta.url)) });
 * const web = await ProxyPool.create(Model, { worker: () => new Worker(new URL('./model.worker.js', import.meta.url), { type: 'module' }) });
 * @packageDocumentation
 */
import { WorkerRuntime, type RuntimeEndpoint } from './runtime/worker-runtime.ts';
import { addWorkerExtensions } from './runtime/worker-extensions.ts';
import { webEndpoint, webWorkerScope } from './runtime/web-endpoint.ts';
import { isNode, nodeBuiltin } from './platform/platform.ts';
import { pickExport } from './runtime/load-class.ts';
import type { AnyClass } from './pool/types.ts';

/**
 * Serves the given class (or one of several, chosen by the pool's export name) to the pool that started this worker.
 *
 * @example
 * expose({ Model, OtherModel });
 */
export function expose(classes: AnyClass | Record<string, AnyClass>): void {
  const table: Record<string, unknown> = typeof classes === 'function' ? { [classes.name]: classes } : classes;
  addWorkerExtensions(() => import('./revivers.ts'));
  new WorkerRuntime(
    hostEndpoint(),
    async (init) => {
      // A single exposed class answers to any name: the bundler may have renamed it.
      const single = typeof classes === 'function' ? classes : undefined;
      return (single ?? pickExport(table, init.exportName, EXPOSED)) as new (...args: any[]) => object;
    },
  );
}

// Minifiers rename classes, and the pool asks for the class by its name as the page sees it: say what fixes that.
const EXPOSED =
  'the classes given to expose() (if a minifier renamed the class, pass the pool option exportName with the key used in expose(), or build with keepNames)';

/** The channel to the pool: the Web Worker's scope in a browser, `parentPort` in a Node worker thread. */
function hostEndpoint(): RuntimeEndpoint {
  const scope = webWorkerScope();
  if (scope) return webEndpoint(scope);
  // Fetched rather than imported: this module is bundled into browser workers, which cannot resolve node: modules.
  const port = isNode ? nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads').parentPort : null;
  if (!port) throw new Error('expose() must be called inside a worker started by a pool (a worker thread or a module Web Worker)');
  return {
    post: (batch, transfer) => port.postMessage(batch, transfer as never),
    onMessage: (handler) => port.on('message', handler),
    close: () => port.close(),
  };
}

// What code inside a worker asks for (also in the root entry: a bundled worker script imports them from here so
// that its bundle holds no pool).
export { workerContext, inWorker, type WorkerContext } from './runtime/context.ts';
export { taskContext, type TaskContext } from './runtime/task-context.ts';
export type { AnyClass } from './pool/types.ts';
// Return values that move rather than copy: `return transfer(result, [result.buffer])`.
export { transfer, TransferError } from './protocol/transfer.ts';
export { CallbackReleasedError } from './runtime/callbacks.ts';
// Only here: reproducible random streams per task (counter-based Philox), independent of which worker runs it.
export { TaskRng, taskSeed, philox4x32 } from './runtime/philox.ts';
// The worker-side APIs of the layers live in their own entries (no layer is loaded by this one):
// SimService, serviceFunction, exposeFunction from 'objectproxypool/services'; PartitionProcess from
// 'objectproxypool/partition'; Communicator, soloCommunicator, CollectiveAbortedError from 'objectproxypool/collectives'.
