/**
 * Kind `inline`: the instance lives in the calling thread, behind a MessageChannel. Calls still go through the
 * same protocol — arguments are cloned, errors encoded — so code that works inline works on threads, while a
 * debugger can step straight into the instance. Meant for debugging and notebooks; it gives no parallelism.
 */
import type { Transferable } from '../protocol/transfer.ts';
import type { Request, Response } from '../protocol/messages.ts';
import { WorkerRuntime } from '../runtime/worker-runtime.ts';
import { importClass } from '../runtime/load-class.ts';
import type { ExitInfo, SpawnSpec, WorkerChannel, WorkerKind } from './worker-kind.ts';
import { nodeBuiltin } from '../platform/platform.ts';

export const inlineKind: WorkerKind = {
  name: 'inline',
  spawn(spec: SpawnSpec): WorkerChannel {
    // Node's MessageChannel (ports with on/ref/unref), fetched here: this file is loaded in browsers too.
    const { MessageChannel } = nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
    const { port1: host, port2: inner } = new MessageChannel();
    new WorkerRuntime(
      {
        post: (batch, transfer?: Transferable[]) => inner.postMessage(batch, transfer as never),
        onMessage: (handler) => inner.on('message', handler as (batch: Request[]) => void),
        close: () => inner.close(),
        sharedRealm: true,
      },
      // With a module given, load the class from it as other kinds do (same errors for a wrong module or export) —
      // except from the main script, which may be the one creating this pool at its top level: its import would
      // wait for that top level, which waits for this pool (a deadlock). Its class is the one we were given.
      async (init) => (init.module && !(spec.Class && isMainScript(init.module)) ? importClass(init) : spec.Class ?? importClass(init)),
    );
    let closed = false;
    return {
      post: (batch, transfer) => host.postMessage(batch, transfer as never),
      onMessage: (handler) => host.on('message', handler as (batch: Response[]) => void),
      onExit: (_handler: (info: ExitInfo) => void) => {
        // An inline instance cannot exit on its own: it shares our thread.
      },
      terminate: async () => {
        if (closed) return;
        closed = true;
        host.close();
        inner.close();
      },
      setKeepAlive: (on) => {
        for (const port of [host, inner]) on ? port.ref() : port.unref();
      },
    };
  },
};

/** Whether `moduleUrl` is the script Node was started with (`node script.mjs`). */
function isMainScript(moduleUrl: string): boolean {
  const main = typeof process === 'undefined' ? undefined : process.argv?.[1];
  if (!main) return false;
  const { pathToFileURL } = nodeBuiltin<typeof import('node:url')>('node:url');
  return pathToFileURL(main).href === moduleUrl;
}
