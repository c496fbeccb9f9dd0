/**
 * The runtime's endpoint inside a module Web Worker: the worker's global scope. Unhandled rejections are
 * rethrown so that the page sees them as the worker's 'error' event, as a thread's host sees them as an exit.
 */
import type { Transferable } from '../protocol/transfer.ts';
import type { RuntimeEndpoint } from './worker-runtime.ts';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  close(): void;
}

/** The global scope of the current Web Worker, or undefined outside one (on Node, in a page). */
export function webWorkerScope(): WorkerScope | undefined {
  const scope = globalThis as { WorkerGlobalScope?: Function; Bun?: { isMainThread?: boolean } };
  if (typeof scope.WorkerGlobalScope === 'function' && globalThis instanceof (scope.WorkerGlobalScope as any)) return globalThis as unknown as WorkerScope;
  // Bun's Web Workers have the worker scope's methods on globalThis but no WorkerGlobalScope class.
  if (scope.Bun?.isMainThread === false && typeof (globalThis as { postMessage?: unknown }).postMessage === 'function') return globalThis as unknown as WorkerScope;
  return undefined;
}

export function webEndpoint(scope: WorkerScope): RuntimeEndpoint {
  scope.addEventListener('unhandledrejection', (event: { reason: unknown; preventDefault(): void }) => {
    event.preventDefault();
    setTimeout(() => {
      throw event.reason;
    });
  });
  return {
    post: (batch, transfer) => (transfer ? scope.postMessage(batch, transfer) : scope.postMessage(batch)),
    onMessage: (handler) => scope.addEventListener('message', (event: { data: any }) => handler(event.data)),
    close: () => scope.close(),
  };
}
