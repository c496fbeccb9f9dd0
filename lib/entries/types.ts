/**
 * `objectproxypool/types`: the proxy's type algebra and the shapes of results and events, for code that wraps or
 * extends a pool (the root entry has the types most programs name: PoolOptions, PoolProxy, CallOptions…).
 * Types only: this module has no run-time exports.
 * @module
 */
export type {
  AnyFunction,
  CallResult,
  FieldNames,
  HostArgs,
  MapArgs,
  MethodNames,
  PoolApi,
  PoolInfo,
  PoolStats,
  RemoteFields,
  RemoteMethod,
  RemoteMethods,
  ReservedName,
  StandsFor,
  StreamArgs,
  ResultStream,
} from '../pool/types.ts';
export type { Repeat } from '../pool/map-args.ts';
export type { PoolMetrics, TimeSummary } from '../pool/metrics.ts';
export type { WorkerExitEvent } from '../pool/workforce.ts';
export type { ProgressBarLike } from '../progress/bar.ts';
export type { CheckpointProblem } from '../pool/checkpoint-error.ts';
export type { ErrorClass } from '../protocol/error-codec.ts';
