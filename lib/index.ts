/**
 * objectproxypool: a pool of workers, each holding its own instance of your class, driven from one typed proxy.
 * @packageDocumentation
 */
export { ProxyPool } from './pool/proxy-pool.ts';
export type { PoolOptions, KindName } from './pool/options.ts';
export type { WorkerExitEvent } from './pool/workforce.ts';
export type {
  AnyClass,
  AnyFunction,
  ReservedName,
  CallOptions,
  CallResult,
  CloseOptions,
  FieldNames,
  MapArgs,
  HostArgs,
  StandsFor,
  MethodNames,
  PoolApi,
  PoolInfo,
  PoolStats,
  Progress,
  PoolProxy,
  RemoteFields,
  RemoteMethod,
  RemoteMethods,
  StreamArgs,
  StreamItem,
  ResultStream,
} from './pool/types.ts';
export { repeat, range, type Repeat } from './pool/map-args.ts';
export type { PoolMetrics, TimeSummary } from './pool/metrics.ts';
export { progressBar, type ProgressBarLike } from './progress/bar.ts';
export {
  ArgumentError,
  BacklogFullError,
  PoolClosedError,
  TimeoutError,
  UnknownMethodError,
  WorkerExitedError,
  remoteInfo,
  type RemoteInfo,
} from './pool/errors.ts';
export { CheckpointError, type CheckpointProblem } from './pool/checkpoint-error.ts';
export { registerErrorClass, type ErrorClass } from './protocol/error-codec.ts';
export { toHandle, registerHandleReviver, type Handle, type Shareable } from './protocol/value-codec.ts';
export { workerContext, inWorker, type WorkerContext } from './runtime/context.ts';
export { Rng } from './runtime/rng.ts';
export { taskContext, type TaskContext } from './runtime/task-context.ts';
export { TaskRng, taskSeed, philox4x32 } from './runtime/philox.ts';
export { CapturedVariableError } from './ship/names.ts';
export * from './shared/index.ts';
export { serveHost } from './remote/serve-host.ts';
export type { Host, HostOptions } from './remote/host.ts';
export type { RemoteConnection, RemotePoolOptions, RemoteTlsOptions } from './remote/options.ts';
export { NotEnoughHostsError, PayloadTooLargeError, RemoteConnectionError } from './remote/errors.ts';
export * from './collectives/index.ts';
export * from './partition/index.ts';
export * from './services/index.ts';

export * from './flows/index.ts';
export * from './server/index.ts';
export * from './jobs/index.ts';
export { transfer, TransferError } from './protocol/transfer.ts';
export { proxy, CallbackReleasedError, type HostCallback } from './pool/callbacks.ts';

// Inline workers run in this realm: the first handle they meet loads the layers' revivers (worker-extensions.ts).
import { addWorkerExtensions } from './runtime/worker-extensions.ts';
addWorkerExtensions(() => import('./revivers.ts'));
