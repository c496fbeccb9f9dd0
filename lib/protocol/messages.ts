/**
 * The wire protocol between a pool and its workers.
 *
 * Every postMessage carries a *batch*: an array of requests (host → worker) or responses (worker → host).
 * Calls issued in the same tick are coalesced into one batch per worker, which is where most of our speed
 * over other pools comes from (see docs/design.md, "Protocol"). Messages are tuples rather than objects
 * because the structured-clone serializer writes every object key on every message.
 */
import type { EncodedError } from './error-codec.ts';


/** A class sent as source text (pool option `shipSource`); built by class-source/analyze.ts. */
export interface ShippedSource {
  /** `Function.prototype.toString` of the class: a class expression. */
  code: string;
  /** Names the worker must bind (from PROVIDED_NAMES). */
  provided: string[];
  /** Globals the class uses; the worker checks it has them too (a notebook's own globals exist only in its kernel). */
  globals: string[];
}

export enum Op {
  /** First message: what to construct and with which context. */
  Init = 1,
  /** Call one method once: `[Op.Call, id, method, args, hasHandles, task?]`; `task` (a synchronized or dedicated map's task: `[poolSeed, key, index]`) gives it a taskContext(). */
  Call = 2,
  /**
   * Call one method for each of `count` tasks, in order, arguments given column by column:
   * `[Op.Chunk, id, method, columns, constants, count, failFast, hasHandles, start]` — task i's parameter p
   * is `columns[p][i]`, or `constants[p]` where `columns[p]` is null; `start` is task 0's index in the call.
   * An optional last element `[poolSeed, callKey]` gives the tasks their taskContext() (random stream, seed).
   */
  Chunk = 3,
  /** Read an instance field: `[Op.Get, id, field]`. */
  Get = 4,
  /** Write an instance field: `[Op.Set, id, field, value, hasHandles]`. */
  Set = 5,
  /** Skip the not-yet-started tasks of a chunk and abort its taskContext().signal: `[Op.Cancel, id, reason?]`. */
  Cancel = 6,
  /** Dispose the instance and acknowledge: `[Op.Close, id]`. */
  Close = 7,
  /** The host's answer to a worker's request (Status.Up): `[Op.Reply, upId, ok, value | EncodedError, hasHandles]`. */
  Reply = 8,
}

export enum Status {
  Ok = 1,
  Err = 2,
  /** `[id, Status.Chunk, results, errors: [taskIndex, EncodedError][] | 0, hasHandles]`. */
  Chunk = 3,
  /** `[0, Status.Ready, methodNames, disposable]`: the instance is constructed (and has a dispose method or not). */
  Ready = 4,
  /** `[id, Status.Closed]`: the instance is disposed; the worker may now be ended. */
  Closed = 5,
  /**
   * A message the worker starts (collectives, progress, service functions, instance handles):
   * `[upId, Status.Up, topic, payload, wantsReply]`. `upId` is negative, so it never matches a host request id and
   * costs the host's answer path nothing; the host answers with Op.Reply when `wantsReply`.
   */
  Up = 6,
}

export interface WorkerContextData {
  index: number;
  count: number;
  seed: number;
  kind: string;
}

export interface InitPayload {
  /** URL of the module exporting the class; absent when the worker was created with `expose(Class)`. */
  module?: string;
  exportName: string;
  args: unknown[];
  argsHaveHandles: boolean;
  /** Workers time each task and append the times to their answers (pool option `metrics`). */
  timing?: boolean;
  /** The class as source text (pool option `shipSource`), evaluated in the worker instead of importing a module. */
  source?: ShippedSource;
  context: WorkerContextData;
}

export type Request =
  | [Op.Init, InitPayload]
  | [Op.Call, number, string, unknown[], boolean, task?: [poolSeed: number, key: number, index: number]]
  | [Op.Chunk, number, string, Array<unknown[] | null>, unknown[], number, boolean, boolean, number, taskKey?: [number, number]]
  | [Op.Get, number, string]
  | [Op.Set, number, string, unknown, boolean]
  | [Op.Cancel, number, reason?: string]
  | [Op.Close, number]
  | [Op.Reply, number, boolean, unknown, boolean];

export type Response =
  // With timing on (pool option `metrics`), answers end with when the task started (clock.ts) and its run time in ms.
  | [number, Status.Ok, unknown, boolean, startedAt?: number, runMs?: number]
  | [number, Status.Err, EncodedError]
  | [number, Status.Chunk, unknown[] | Float64Array, Array<[number, EncodedError]> | 0, boolean, startedAt?: number, runMs?: Float64Array]
  | [0, Status.Ready, string[], disposable?: boolean]
  | [number, Status.Closed]
  | [number, Status.Up, string, unknown, boolean];
