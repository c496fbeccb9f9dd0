/**
 * Kind `web`: one module Web Worker per instance, for browsers (and other runtimes with Web Workers). Same
 * protocol as threads: batches of tuples over postMessage, SharedArrayBuffers shared rather than copied.
 *
 * Two ways to start a worker:
 * - the factory form (`worker: () => new Worker(new URL('../workers/model.worker.js', import.meta.url), { type: 'module' })`,
 *   the script calling `expose(Model)`), which bundlers (esbuild, Vite, webpack) can follow; and
 * - the module form (`module: 'https://…/model.js'`): a module worker running `runtime/web-entry.js`, which
 *   imports the class's module by URL — for pages that load objectproxypool as plain ES modules, unbundled.
 *
 * Browsers do not end a worker on an uncaught error; the pool does, so that a worker that threw outside a call
 * behaves as a crashed thread does (every call in flight fails with WorkerExitedError, respawn applies).
 */
import type { Response } from '../protocol/messages.ts';
import { SharedMemoryUnavailableError } from '../shared/dtypes.ts';
import type { ExitInfo, SpawnSpec, WorkerChannel, WorkerKind } from './worker-kind.ts';

export const webKind: WorkerKind = {
  name: 'web',
  endsCleanly: true,
  spawn(spec: SpawnSpec): WorkerChannel {
    const WebWorker = (globalThis as { Worker?: typeof Worker }).Worker;
    if (typeof WebWorker !== 'function') {
      throw new TypeError("kind 'web' needs Web Workers (globalThis.Worker), as in browsers; on Node use kind 'thread'");
    }
    if (spec.factory) {
      const worker = spec.factory();
      if (!(worker instanceof WebWorker)) {
        throw new TypeError(
          "the worker factory must return a Web Worker for kind 'web', e.g. () => new Worker(new URL('../workers/model.worker.js', import.meta.url), { type: 'module' })",
        );
      }
      return channelOf(worker);
    }
    return channelOf(new WebWorker(webEntryUrl(), { type: 'module', name: `objectproxypool-${spec.index}` }));
  },
};

/** The module worker entry next to this file, in the same flavour (`.js` when built, `.ts` in source trees). */
function webEntryUrl(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../runtime/web-entry${ext}`, import.meta.url).href;
}

const crossOriginIsolated = (): boolean => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;

function channelOf(worker: Worker): WorkerChannel {
  let exitHandler: ((info: ExitInfo) => void) | undefined;
  let ended = false;
  const end = (info: ExitInfo) => {
    if (ended) return;
    ended = true;
    worker.terminate();
    exitHandler?.(info);
  };
  // A script that fails to load or evaluate, an uncaught error, an unhandled rejection (the entry rethrows it):
  // the browser reports each as an 'error' event on the Worker, and the worker is ended like a crashed thread.
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    const message = event.message || 'the web worker failed to start: its script could not be loaded or evaluated (see the browser console)';
    end({ error: event.error instanceof Error ? event.error : new Error(message) });
  });
  // A message that cannot be deserialized here has lost its answer: the calls waiting for it cannot complete.
  worker.addEventListener('messageerror', () => end({ error: new Error('a message from the web worker could not be deserialized') }));
  return {
    post: (batch, transfer) => {
      try {
        if (transfer) worker.postMessage(batch, transfer);
        else worker.postMessage(batch);
      } catch (error) {
        // A page that is not cross-origin isolated cannot post a SharedArrayBuffer: say which headers fix it.
        if (!crossOriginIsolated() && /SharedArrayBuffer/i.test(String((error as Error)?.message))) throw new SharedMemoryUnavailableError();
        throw error;
      }
    },
    onMessage: (handler) => worker.addEventListener('message', (event: MessageEvent) => handler(event.data as Response | Response[])),
    onExit: (handler) => {
      exitHandler = handler;
    },
    terminate: async () => {
      ended = true;
      worker.terminate(); // immediate and synchronous in browsers: there is no exit event to wait for
    },
    // A page stays alive regardless of its workers; nothing to keep alive.
    setKeepAlive: () => {},
  };
}
