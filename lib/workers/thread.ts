/** Kind `thread`: one worker_threads Worker per instance. */
import type { Worker } from 'node:worker_threads';
import type { Response } from '../protocol/messages.ts';
import type { ExitInfo, SpawnSpec, WorkerChannel, WorkerKind } from './worker-kind.ts';
import { bootstrapSource, bundledThreadRuntime, runtimeEntryUrl, tsxLoaderUrl, workerExecArgv } from './bootstrap.ts';
import { nodeBuiltin } from './platform.ts';

// node:worker_threads is fetched when a worker starts, not imported: this file is loaded in browsers too.
const threads = () => nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');

export const threadKind: WorkerKind = {
  name: 'thread',
  endsCleanly: true,
  spawn(spec: SpawnSpec): WorkerChannel {
    const worker = spec.factory ? asWorker(spec.factory()) : startBootstrap(spec);
    return channelOf(worker);
  },
};

function startBootstrap(spec: SpawnSpec): Worker {
  const entry = runtimeEntryUrl('thread-entry');
  const needsTsx = /\.[cm]?tsx?$/.test(entry) || /\.[cm]?tsx?$/.test(spec.module ?? '');
  return new (threads().Worker)(bootstrapSource, {
    eval: true,
    workerData: { entry, bundle: bundledThreadRuntime(), tsx: needsTsx ? tsxLoaderUrl() : undefined },
    resourceLimits: spec.resourceLimits,
    execArgv: workerExecArgv(false, true), // the bootstrap registers tsx itself when needed, once
  });
}

function asWorker(value: unknown): Worker {
  if (!(value instanceof threads().Worker)) {
    throw new TypeError('the worker factory must return a node:worker_threads Worker for kind "thread" (use kind "web" for browser Workers)');
  }
  return value;
}

export function channelOf(worker: Worker): WorkerChannel {
  let exitHandler: ((info: ExitInfo) => void) | undefined;
  let lastError: unknown;
  let terminating = false;
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      resolve();
      if (!terminating) exitHandler?.({ code, error: lastError });
    });
  });
  worker.on('error', (error) => {
    lastError = error;
  });
  return {
    post: (batch) => worker.postMessage(batch),
    onMessage: (handler) => worker.on('message', handler as (batch: Response[]) => void),
    onExit: (handler) => {
      exitHandler = handler;
    },
    terminate: async () => {
      terminating = true;
      worker.ref(); // keep the event loop alive until the exit is seen
      await worker.terminate();
      await exited;
    },
    setKeepAlive: (on) => (on ? worker.ref() : worker.unref()),
  };
}
