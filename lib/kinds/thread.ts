/** Kind `thread`: one worker_threads Worker per instance. */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Response } from '../protocol/messages.ts';
import type { ExitInfo, SpawnSpec, WorkerChannel, WorkerKind } from './worker-kind.ts';
import { bootstrapSource, bundledThreadRuntime, runtimeEntryUrl, tsxLoaderUrl, workerExecArgv } from './bootstrap.ts';
import { nodeBuiltin } from '../platform/platform.ts';
import { closeLoadGate, newLoadGate, type LoadGate } from '../runtime/load-gate.ts';

// node:worker_threads is fetched when a worker starts, not imported: this file is loaded in browsers too.
const threads = () => nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');

export const threadKind: WorkerKind = {
  name: 'thread',
  endsCleanly: true,
  spawn(spec: SpawnSpec): WorkerChannel {
    if (spec.factory) return channelOf(asWorker(spec.factory()));
    const { worker, port, loadGate } = startBootstrap(spec);
    return channelOf(worker, port, loadGate);
  },
};

/**
 * How long terminate() waits for a worker's require() of its class module to end (load-gate.ts). Loading a module
 * graph takes milliseconds; past this, the worker is running the module's own top-level code, where terminating
 * is safe.
 */
const LOAD_PATIENCE_MS = 1000;

/** Exported for spec/module-loading.spec.ts, which watches the load gate to terminate workers inside their require(). */
export function startBootstrap(spec: SpawnSpec): { worker: Worker; port: MessagePort; loadGate: LoadGate } {
  const entry = runtimeEntryUrl('thread-entry');
  const needsTsx = /\.[cm]?tsx?$/.test(entry) || /\.[cm]?tsx?$/.test(spec.module ?? '');
  // The pool talks to its own workers over a dedicated MessageChannel rather than the Worker object: a Worker
  // re-emits every message of its internal port as an event of its own, one more dispatch per answer.
  const { port1, port2 } = new (threads().MessageChannel)();
  const loadGate = newLoadGate();
  const worker = new (threads().Worker)(bootstrapSource, {
    eval: true,
    workerData: { entry, bundle: bundledThreadRuntime(), tsx: needsTsx ? tsxLoaderUrl() : undefined, port: port2, loadGate },
    transferList: [port2],
    resourceLimits: spec.resourceLimits,
    execArgv: [...workerExecArgv(false, true), ...(spec.execArgv ?? [])], // the bootstrap registers tsx itself when needed, once
    ...(spec.env ? { env: spec.env } : {}),
    ...(spec.argv ? { argv: spec.argv } : {}),
  });
  return { worker, port: port1, loadGate };
}

function asWorker(value: unknown): Worker {
  if (!(value instanceof threads().Worker)) {
    throw new TypeError('the worker factory must return a node:worker_threads Worker for kind "thread" (use kind "web" for browser Workers)');
  }
  return value;
}

/**
 * `port`: the pool's own channel to the worker (see startBootstrap); without it, the Worker's own messages.
 * `loadGate`: shared with the worker's runtime, closed before terminating it (load-gate.ts).
 */
export function channelOf(worker: Worker, port?: MessagePort, loadGate?: LoadGate): WorkerChannel {
  let exitHandler: ((info: ExitInfo) => void) | undefined;
  let messageHandler: ((batch: Response[]) => void) | undefined;
  let lastError: unknown;
  let terminating = false;
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      if (port) {
        // Node promises that what a worker posted to its parent arrives before 'exit', but promises nothing for
        // other ports: take what is left now, so that a result sent just before an exit is never reported lost.
        for (let m = threads().receiveMessageOnPort(port); m; m = threads().receiveMessageOnPort(port)) messageHandler?.(m.message);
        port.close();
      }
      resolve();
      if (!terminating) exitHandler?.({ code, error: lastError });
    });
  });
  worker.on('error', (error) => {
    lastError = error;
  });
  return {
    post: (batch, transfer) => (port ?? worker).postMessage(batch, transfer as never),
    onMessage: (handler) => {
      messageHandler = handler as (batch: Response[]) => void;
      if (!port) return void worker.on('message', messageHandler);
      port.on('message', messageHandler);
      port.unref(); // only the Worker's own ref decides whether it keeps the process alive (setKeepAlive)
    },
    onExit: (handler) => {
      exitHandler = handler;
    },
    terminate: async () => {
      terminating = true;
      worker.ref(); // keep the event loop alive until the exit is seen
      if (loadGate) await closeLoadGate(loadGate, LOAD_PATIENCE_MS);
      await worker.terminate();
      await exited;
    },
    setKeepAlive: (on) => {
      if (!terminating) on ? worker.ref() : worker.unref(); // terminate() holds a ref until the exit is seen
    },
  };
}
