/**
 * Entry of a `thread` worker started by the pool: serve the class named in the init message over the port the pool
 * sent in workerData (its own MessageChannel; see workers/thread.ts), or parentPort.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { serve } from './runtime.ts';
import { importClass } from './load-class.ts';

const port: MessagePort = (workerData as { port?: MessagePort } | null)?.port ?? parentPort!;
serve(
  {
    post: (batch) => port.postMessage(batch),
    onMessage: (handler) => port.on('message', handler),
    close: () => port.close(),
  },
  importClass,
);
