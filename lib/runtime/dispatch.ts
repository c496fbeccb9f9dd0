/**
 * The worker's "dispatch" responsibility: run the host's requests on the instance — one call, a chunk of a map's
 * tasks, a field read or write — and hand each answer to the replies. Cancels arrive through the inbox (inbox.ts):
 * a request withdrawn before it started is answered empty, a running chunk stops between tasks, and the
 * taskContext().signal of a running task aborts.
 */
import type { Transferable } from '../protocol/transfer.ts';
import { Op, Status, type Request } from '../protocol/messages.ts';
import { decodeError, encodeError } from '../protocol/error-codec.ts';
import { decodeValue, encodeValue, packNumbers, type EncodeState } from '../protocol/value-codec.ts';
import { callIn } from './context.ts';
import { clock } from './clock.ts';
import type { DecodeScope, Uplink } from './uplink.ts';
import { swapTask, type TaskSlot } from './task-context.ts';
import type { Inbox } from './inbox.ts';
import { decodeScoped, endCall, endCallWhenSettled } from './call-scope.ts';
import { isThenable, resultTransfer, type Replies } from './replies.ts';
import type { LoadedInstance } from './loaded-instance.ts';

type ChunkRequest = Extract<Request, [Op.Chunk, ...unknown[]]>;

export class Dispatcher {
  private readonly runningChunks = new Set<number>();
  /** taskContext().signal of running chunks and calls, made only when a task reads it; Op.Cancel aborts it. */
  private readonly aborts = new Map<number, AbortController>();
  /** Set once the inbox exists (it needs `isRunning` and `cancel` from here). */
  inbox!: Inbox;

  constructor(
    private readonly loaded: LoadedInstance,
    private readonly replies: Replies,
    private readonly uplink: Uplink,
  ) {}

  isRunning = (id: number): boolean => this.runningChunks.has(id);

  /** A cancel arrived: a running chunk's or call's taskContext().signal aborts, so cooperative tasks stop at once. */
  cancel = (request: Request): void => {
    this.aborts.get(request[1] as number)?.abort(cancelReason(request[2] as string | undefined));
  };

  private signal(id: number): AbortSignal {
    let controller = this.aborts.get(id);
    if (!controller) {
      this.aborts.set(id, (controller = new AbortController()));
      if (this.inbox.cancelled.has(id)) controller.abort(cancelReason());
    }
    return controller.signal;
  }

  call(request: Extract<Request, [Op.Call, ...unknown[]]>): void {
    const [, id, method, args, hasHandles, task] = request;
    // Cancelled before it started: not run. The host has let go of the call; the answer is only for its table.
    if (this.inbox.withdrawn(id)) return void this.replies.send([id, Status.Ok, undefined, false]);
    const { loaded } = this;
    let scope: DecodeScope | undefined;
    try {
      const fn = loaded.methodOf(method);
      let decoded = args;
      if (hasHandles) ({ scope, decoded } = decodeScoped(this.uplink, loaded.context!, args));
      const startedAt = loaded.timing ? clock() : undefined;
      let result: unknown;
      if (task) {
        // A synchronized or dedicated map's task: its taskContext(), whose signal Op.Cancel aborts until it settles.
        const previous = swapTask({ poolSeed: task[0], key: task[1], index: task[2], signal: () => this.signal(id), context: undefined });
        try {
          result = callIn(loaded.context!, fn, loaded.instance, decoded);
        } finally {
          swapTask(previous);
        }
        const release = () => void this.aborts.delete(id);
        if (isThenable(result)) Promise.resolve(result).then(release, release);
        else release();
      } else result = callIn(loaded.context!, fn, loaded.instance, decoded);
      this.replies.reply(id, scope ? endCallWhenSettled(scope, result) : result, startedAt);
    } catch (error) {
      endCall(scope, error);
      this.replies.fail(id, error);
    }
  }

  chunk(request: ChunkRequest): void {
    // A chunk cancelled before it started runs no task; its (empty) answer is dropped by the host.
    if (this.inbox.withdrawn(request[1])) this.inbox.cancelled.add(request[1]);
    void this.runChunk(request);
  }

  get(id: number, field: string): void {
    if (this.inbox.withdrawn(id)) return void this.replies.send([id, Status.Ok, undefined, false]);
    try {
      const { instance } = this.loaded;
      if (!instance || !(field in instance)) throw new TypeError(`instance has no field "${field}"`);
      this.replies.reply(id, instance[field]);
    } catch (error) {
      this.replies.fail(id, error);
    }
  }

  set(id: number, field: string, value: unknown, hasHandles: boolean): void {
    if (this.inbox.withdrawn(id)) return void this.replies.send([id, Status.Ok, undefined, false]);
    try {
      this.loaded.instance![field] = hasHandles ? decodeValue(value) : value;
      this.replies.send([id, Status.Ok, undefined, false]);
    } catch (error) {
      this.replies.fail(id, error);
    }
  }

  /** Runs a chunk's tasks in order, each with its arguments column by column; answers once with every result. */
  private async runChunk(request: ChunkRequest): Promise<void> {
    const [, id, method, columns, constants, count, failFast, hasHandles, start = 0, taskKey] = request;
    const { loaded, inbox } = this;
    const scope = hasHandles ? decodeScoped(this.uplink, loaded.context!, [columns, constants]).scope : undefined;
    const out: ChunkOutput = { results: new Array(count), errors: 0, foundHandles: false, transfer: undefined };
    this.runningChunks.add(id);
    const params = columns.length;
    let fn: ((...args: unknown[]) => unknown) | undefined;
    // One argument list, refilled per task: apply() copies it into the call, so reuse is safe and saves
    // an allocation per task (a chunk can hold 100,000 tiny tasks).
    const args = new Array(params);
    const runMs = loaded.timing ? new Float64Array(count) : undefined;
    const startedAt = runMs ? clock() : 0;
    let mark = startedAt;
    let timed = 0;
    // The running task, for taskContext(): one record per chunk, refilled per task (no allocation per task).
    const task: TaskSlot | undefined = taskKey && { poolSeed: taskKey[0], key: taskKey[1], index: 0, signal: () => this.signal(id), context: undefined };
    for (let i = 0; i < count; i++) {
      // After a long synchronous stretch, let pending cancels (and the host's timers, inline) in first.
      if (i > 0) {
        const breather = inbox.breather();
        if (breather) await breather;
      }
      if (inbox.cancelled.size > 0 && inbox.cancelled.has(id)) break;
      try {
        fn ??= loaded.methodOf(method);
        for (let p = 0; p < params; p++) args[p] = columns[p] ? columns[p]![i] : constants[p];
        if (task) task.index = start + i;
        let result = this.runTask(fn, args, task);
        if (isThenable(result)) result = await result;
        out.results[i] = result !== null && typeof result === 'object' ? encodeResult(result, out) : result;
      } catch (error) {
        (out.errors ||= []).push([i, encodeError(error)]);
        if (failFast) {
          if (runMs) runMs[timed++] = clock() - mark;
          break;
        }
      }
      if (runMs) {
        const now = clock();
        runMs[timed++] = now - mark;
        mark = now;
      }
    }
    inbox.cancelled.delete(id);
    this.runningChunks.delete(id);
    this.aborts.delete(id);
    const { results, errors, foundHandles, transfer } = out;
    if (scope) endCall(scope, errors ? (decodeError(errors[0]![1]) ?? new Error('failed')) : undefined);
    const packed = errors || foundHandles ? results : packNumbers(results);
    if (runMs) this.replies.send([id, Status.Chunk, packed, errors, foundHandles, startedAt, runMs.slice(0, timed)], transfer);
    else this.replies.send([id, Status.Chunk, packed, errors, foundHandles], transfer);
  }

  /** One task of a chunk, with its taskContext() when the chunk has one. */
  private runTask(fn: (...args: unknown[]) => unknown, args: unknown[], task: TaskSlot | undefined): unknown {
    const { context, instance } = this.loaded;
    if (!task) return callIn(context!, fn, instance, args);
    task.context = undefined;
    const previous = swapTask(task);
    try {
      return callIn(context!, fn, instance, args);
    } finally {
      swapTask(previous);
    }
  }
}

interface ChunkOutput {
  results: unknown[];
  errors: Array<[number, ReturnType<typeof encodeError>]> | 0;
  foundHandles: boolean;
  transfer: Transferable[] | undefined;
}

function encodeResult(result: object, out: ChunkOutput): unknown {
  const state: EncodeState = { found: false };
  const encoded = encodeValue(result, state);
  out.foundHandles ||= state.found;
  if (state.transfer || state.ports) out.transfer = resultTransfer(state, out.transfer);
  return encoded;
}

/** Why a task's signal aborted: the host's reason (a timeout, an abort, an abandoned stream) as an AbortError. */
function cancelReason(message?: string): Error {
  const error = new Error(message ?? 'the call was cancelled: it timed out, was aborted, or its stream was abandoned');
  error.name = 'AbortError';
  return error;
}
