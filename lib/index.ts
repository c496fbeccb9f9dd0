/**
 * objectproxypool: a pool of workers, each holding its own instance of your class, driven from one typed proxy.
 *
 * The root entry holds what most programs import: the pool, its options and call types, map-argument helpers, what
 * a worker asks for its place (`workerContext`, `taskContext`), shared arrays and locks, moving buffers and host
 * callbacks, progress, and the errors a call can reject with. Everything else has one subpath of its own
 * (docs/design.md, "Entry points and the import graph"):
 * `objectproxypool/worker` (bundled worker scripts: `expose`, per-task random streams), `/shared` (dtypes, atomics,
 * cross-process memory, custom handles), `/types` (the proxy's type algebra, result shapes), `/remote`, and the
 * layers `/flows`, `/server`, `/jobs`, `/services`, `/collectives`, `/partition`. This entry imports none of the
 * layers: each can be removed and the core still compiles (scripts/check-layer-removal.mjs). At most 40 names
 * (spec/entries.spec.ts).
 * @packageDocumentation
 */
// The pool and what its calls take and give.
export { ProxyPool } from './pool/proxy-pool.ts';
export type { PoolOptions, KindName } from './pool/options.ts';
export type { AnyClass, CallOptions, CloseOptions, PoolProxy, Progress, StreamItem } from './pool/types.ts';
export { repeat, range } from './pool/map-args.ts';
export { progressBar } from './progress/bar.ts';
// Inside a worker: where am I, which task is this.
export { workerContext, inWorker, type WorkerContext } from './runtime/context.ts';
export { taskContext, type TaskContext } from './runtime/task-context.ts';
export { Rng } from './runtime/rng.ts';
// Shared memory (the rest of it: objectproxypool/shared). Importing the barrel registers the handle revivers.
export { SharedArrayWrapper, SharedLock, SharedCounter } from './shared/index.ts';
// Moving buffers and passing host functions.
export { transfer, TransferError } from './protocol/transfer.ts';
export { proxy, CallbackReleasedError, type HostCallback } from './pool/callbacks.ts';
// What a call can reject with.
export {
  ArgumentError,
  BacklogFullError,
  PoolClosedError,
  TimeoutError,
  UnknownMethodError,
  WorkerExitedError,
  remoteInfo,
  type RemoteInfo,
} from './protocol/errors.ts';
export { CheckpointError } from './pool/checkpoint-error.ts';
export { CapturedVariableError } from './class-source/names.ts';
export { registerErrorClass } from './protocol/error-codec.ts';

// Inline workers run in this realm: the first handle they meet loads the layers' revivers (worker-extensions.ts).
import { addWorkerExtensions } from './runtime/worker-extensions.ts';
addWorkerExtensions(() => import('./revivers.ts'));
