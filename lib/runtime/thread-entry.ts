/**
 * Entry of a `thread` worker started by the pool: serve the class named in the init message over the port the pool
 * sent in workerData (its own MessageChannel; see kinds/thread.ts), or parentPort.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { WorkerRuntime } from './worker-runtime.ts';
import { addWorkerExtensions } from './worker-extensions.ts';
import { importClass } from './load-class.ts';
import { requireModuleLoader } from './require-module.ts';
import type { LoadGate } from './load-gate.ts';

const data = workerData as { tsx?: string; loadGate?: LoadGate; port?: MessagePort } | null;
// A worker made by the user's own factory has no gate from the pool: it loads with import() (load-gate.ts).
const requireModule = requireModuleLoader(Boolean(data?.tsx), data?.loadGate ? { gate: data.loadGate } : undefined);
const port: MessagePort = data?.port ?? parentPort!;
// This entry is the worker's composition root: it names the layers whose revivers a handle may need.
addWorkerExtensions(() => import('../revivers.ts'));
new WorkerRuntime(
  {
    post: (batch, transfer) => port.postMessage(batch, transfer as never),
    onMessage: (handler) => {
      port.on('message', handler);
      // The pool posts Init right behind the worker's creation, so it is already queued: taking it now rather than
      // on the next turn of the event loop saves ~1.7 ms of start-up. Order is kept: these leave the queue first.
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) handler(m.message);
    },
    // Everything the host has posted so far is in the port's queue: a worker back from a long task takes it
    // (cancels included) instead of asking the host for a barrier (inbox.ts).
    drain: (take) => {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) take(m.message);
    },
    close: () => port.close(),
  },
  (init) => importClass(init, requireModule),
);
