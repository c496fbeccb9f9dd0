/**
 * Entry point for worker scripts written for bundlers (the pool's `worker` option):
 *
 * @example
 * // model.worker.ts
 * import { expose } from 'objectproxypool/worker';
 * import { Model } from './model.ts';
 * expose(Model);
 *
 * // main.ts
 * const pool = await ProxyPool.create(Model, { worker: () => new Worker(new URL('./model.worker.ts', import.meta.url)) });
 * @packageDocumentation
 */
import { parentPort } from 'node:worker_threads';
import { serve } from './runtime/runtime.ts';
import { pickExport } from './runtime/load-class.ts';
import type { AnyClass } from './pool/types.ts';

/**
 * Serves the given class (or one of several, chosen by the pool's export name) to the pool that started this worker.
 *
 * @example
 * expose({ Model, OtherModel });
 */
export function expose(classes: AnyClass | Record<string, AnyClass>): void {
  const port = parentPort;
  if (!port) throw new Error('expose() must be called inside a worker started by a pool');
  const table: Record<string, unknown> = typeof classes === 'function' ? { [classes.name]: classes } : classes;
  serve(
    {
      post: (batch) => port.postMessage(batch),
      onMessage: (handler) => port.on('message', handler),
      close: () => port.close(),
    },
    async (init) => {
      // A single exposed class answers to any name: the bundler may have renamed it.
      const single = typeof classes === 'function' ? classes : undefined;
      return (single ?? pickExport(table, init.exportName, "the exposed classes")) as new (...args: any[]) => object;
    },
  );
}

export { workerContext, inWorker, type WorkerContext } from './runtime/context.ts';
export type { AnyClass } from './pool/types.ts';
// Worker-side APIs of the service, partition and collective layers.
export { serviceFunction, exposeFunction } from './runtime/service-functions.ts';
export { SimService, type ServiceStatus } from './services/sim-service.ts';
export { PartitionProcess } from './partition/process.ts';
export { Communicator, soloCommunicator } from './collectives/comm.ts';
export { CollectiveAbortedError } from './collectives/errors.ts';
