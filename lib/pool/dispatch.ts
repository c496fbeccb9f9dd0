/**
 * How a call's tasks reach workers: dynamic map (chunks to whichever worker frees up first), synchronized map
 * (rounds of one task per worker), dedicated map (task i to worker i) and field broadcasts. Method broadcasts
 * (one call per worker): broadcast.ts.
 */
import type { Transferable } from '../protocol/transfer.ts';
import { Op, Status, type Request, type Response } from '../protocol/messages.ts';
import { decodeError, type EncodedError } from '../protocol/error-codec.ts';
import { decodeValue, encodeArgs, packNumbers, UncloneableValueError } from '../protocol/value-codec.ts';
import { TimeoutError, WorkerExitedError, tagRemote } from '../protocol/errors.ts';
import type { Job } from './job.ts';
import { taskArgs, type TaskColumns } from './map-args.ts';
import type { WorkerSlot } from './worker-slot.ts';
import { markTransfer, mergeLists, oneWorkerOnly, TransferError } from '../protocol/transfer.ts';

/** Remaining work per worker (ms) below which a map's remaining tasks go out in one chunk per worker. */
const TINY_REMAINDER_MS = 1;

/** Tasks a worker may have queued beyond the one it runs, so it never waits for the host between chunks. */
const PREFETCH = 2;

export interface DispatchContext {
  readonly slots: readonly WorkerSlot[];
  nextId(): number;
  /**
   * Milliseconds per task each method took in its last map (answer time over tasks, so an over-estimate): a map
   * of a method known to be tiny goes out as one chunk per worker at once.
   */
  readonly msPerTask: Map<string, number>;
  /** End a worker stuck in work nobody waits for any more. */
  terminate(slot: WorkerSlot, cause: unknown): void;
}

export function remoteError(encoded: EncodedError, workerIndex: number, method: string): Error {
  return tagRemote(decodeError(encoded), { workerIndex, method, remoteStack: encoded.stack });
}

/**
 * Tracks what a job has outstanding on each worker, so that an early end can tell those workers to skip the rest
 * — or, for an interrupted job with `onCancel: 'terminate'`, end the workers still running its tasks.
 */
export interface Outstanding {
  add(slot: WorkerSlot, id: number): void;
  remove(id: number): void;
}

export function trackOutstanding(ctx: DispatchContext, job: Job): Outstanding {
  const outstanding = new Map<number, WorkerSlot>();
  job.onEarlyEnd = (interrupted, reason) => {
    const slots = new Set(outstanding.values());
    const ids = [...outstanding];
    outstanding.clear();
    if (interrupted && job.onCancel === 'terminate') {
      for (const slot of slots) ctx.terminate(slot, reason);
      return;
    }
    const why = reason instanceof Error ? `${reason.name}: ${reason.message}` : undefined;
    for (const [id, slot] of ids) slot.notify(why === undefined ? [Op.Cancel, id] : [Op.Cancel, id, why]);
    const watchDeadline = job.onCancel === 'terminate' && job.deadline !== undefined && ids.length > 0;
    // Released from the worker's table at once: its late answer, if any, is dropped, and a worker that never
    // answers holds nothing of this call (issue 17). Only tasks still bound by a deadline are watched until it.
    if (!watchDeadline) for (const [id, slot] of ids) slot.delete(id);
    if (watchDeadline) {
      // The call ended early (an error elsewhere), but the tasks it left running stay bound by its deadline:
      // whatever still runs then is ended, as it would have been had the call waited for it.
      const stillRunning = new Map(ids);
      const watch = (id: number) => stillRunning.delete(id);
      job.onLateAnswer = watch;
      const timer = setTimeout(() => {
        for (const slot of new Set(stillRunning.values())) {
          ctx.terminate(slot, new TimeoutError(job.method, job.timeout ?? job.deadline! - job.startedAt));
        }
      }, Math.max(0, job.deadline! - performance.now()));
      timer.unref?.();
    }
  };
  return {
    add: (slot, id) => outstanding.set(id, slot),
    remove: (id) => {
      outstanding.delete(id);
      job.onLateAnswer?.(id);
    },
  };
}

/** Send one task as a plain call to `slot`; its answer settles task `taskIndex` of the job. */
function sendTask(
  ctx: DispatchContext,
  job: Job,
  outstanding: Outstanding,
  slot: WorkerSlot,
  taskIndex: number,
  op: Op.Call | Op.Get | Op.Set,
  payload: { method: string; args?: unknown[]; value?: unknown; found: boolean; transfer?: Transferable[] },
  after?: () => void,
): void {
  // An earlier task of the same call may already have ended it (a dead worker fails at once): send nothing more.
  if (job.done) return;
  const id = ctx.nextId();
  const request =
    op === Op.Call
      ? job.taskKey
        ? ([Op.Call, id, payload.method, payload.args!, payload.found, [job.taskKey[0], job.taskKey[1], job.base + taskIndex]] as const)
        : ([Op.Call, id, payload.method, payload.args!, payload.found] as const)
      : op === Op.Get
        ? ([Op.Get, id, payload.method] as const)
        : ([Op.Set, id, payload.method, payload.value, payload.found] as const);
  outstanding.add(slot, id);
  markTransfer(request, payload.transfer);
  slot.send(request as never, id, {
    method: job.method,
    submittedAt: job.startedAt,
    exclusive: job.fromStart,
    onStart: job.fromStart ? job.started : undefined,
    settle(response: Response) {
      outstanding.remove(id);
      if (response[1] === Status.Ok) job.taskOk(taskIndex, response[3] ? decodeValue(response[2]) : response[2], slot.index);
      else if (response[1] === Status.Err) job.taskFailed(taskIndex, remoteError(response[2], slot.index, job.method), slot.index);
      after?.();
    },
    fail(error) {
      outstanding.remove(id);
      job.taskFailed(taskIndex, error);
      after?.();
    },
  });
}

export function broadcastField(ctx: DispatchContext, job: Job, op: Op.Get | Op.Set, field: string, value?: unknown): void {
  const encoded = encodeArgs([value]);
  oneWorkerOnly(encoded.transfer, ctx.slots.length, `fields.set("${field}")`);
  const outstanding = trackOutstanding(ctx, job);
  ctx.slots.forEach((slot, i) => sendTask(ctx, job, outstanding, slot, i, op, { method: field, value: encoded.args[0], found: encoded.found, transfer: encoded.transfer }));
}

/** Task i to worker i, all at once (a dedicated pool, or `fields.setEach`). */
export function dedicated(ctx: DispatchContext, job: Job, method: string, tasks: TaskColumns, op: Op.Call | Op.Set = Op.Call): void {
  const outstanding = trackOutstanding(ctx, job);
  for (let i = 0; i < tasks.count; i++) {
    const encoded = encodeArgs(taskArgs(tasks, i));
    sendTask(ctx, job, outstanding, ctx.slots[i]!, i, op, { method, args: encoded.args, value: encoded.args[0], found: encoded.found, transfer: encoded.transfer });
  }
}

/** Rounds of one task per worker; a round starts only when the previous one has fully answered. */
export function synchronized(ctx: DispatchContext, job: Job, method: string, tasks: TaskColumns): void {
  const outstanding = trackOutstanding(ctx, job);
  const runRound = (start: number) => {
    if (job.done || start >= tasks.count) return;
    // Read per round: after a resize, the next round spans exactly the workers then serving.
    const width = ctx.slots.length;
    const end = Math.min(tasks.count, start + width);
    let waiting = end - start;
    const roundDone = () => {
      if (--waiting === 0) runRound(end);
    };
    for (let t = start; t < end; t++) {
      const encoded = encodeArgs(taskArgs(tasks, t));
      sendTask(ctx, job, outstanding, ctx.slots[t - start]!, t, Op.Call, { method, args: encoded.args, found: encoded.found, transfer: encoded.transfer }, roundDone);
    }
  };
  runRound(0);
}

/** Tasks [start, end) as the columns of one Chunk message, shareables replaced by handles. */
function chunkColumns(
  tasks: TaskColumns,
  start: number,
  end: number,
): { columns: Array<unknown[] | null>; constants: unknown[]; found: boolean; transfer?: Transferable[] } {
  let found = false;
  let transfer: Transferable[] | undefined;
  const columns = tasks.columns.map((column, p) => {
    if (!column) return null;
    // A stream's numeric column is a Float64Array already: posted as it is when the chunk is all of it.
    if (column instanceof Float64Array) return (start === 0 && end === column.length ? column : column.slice(start, end)) as unknown as unknown[];
    const slice = packNumbers(column.slice(start, end));
    if (slice instanceof Float64Array) return slice as unknown as unknown[];
    let encoded: ReturnType<typeof encodeArgs>;
    try {
      encoded = encodeArgs(slice);
    } catch (error) {
      if (!(error instanceof UncloneableValueError)) throw error;
      const [, offset, rest] = /^argument (\d+) (.*)$/s.exec(error.message) ?? [];
      throw new UncloneableValueError(`argument ${p} of task ${start + Number(offset)} ${rest}`);
    }
    found ||= encoded.found;
    // Each task's marks move its own buffers; one buffer listed by two tasks of a chunk is refused.
    if (encoded.transfer) mergeLists((transfer ??= []), encoded.transfer, `argument ${p}`);
    return encoded.args;
  });
  const constants = encodeArgs(tasks.constants);
  if (constants.transfer) {
    throw new TransferError(`a repeat() constant cannot be transferred: it goes to every chunk of the map, and a buffer can move only once; share it with a SharedArrayWrapper`);
  }
  return { columns, constants: constants.args, found: found || constants.found, transfer };
}

/** Which tasks the next chunk of a dynamic map holds. */
class ChunkPlan {
  private next = 0;
  /** Chunks whose worker died, to send again (up to the map's `retries`). */
  readonly requeued: Array<{ start: number; end: number; attempt: number }> = [];
  /**
   * Chunk size once all remaining work is known to be a matter of a millisecond or so: the rest goes out evenly,
   * one chunk per worker, since more messages would cost more than any imbalance could. Known either from an
   * answered chunk of this map, or at once from the method's last map (two messages instead of a dozen nearly
   * halve a 1,000-task map of a trivial method; see docs/design.md, "Tiny maps").
   */
  private tinySize: number;

  constructor(
    private readonly count: number,
    /** Read when needed: a resize during the map changes it. */
    private readonly workers: () => number,
    private readonly chunkSize: number | undefined,
    known: number | undefined,
  ) {
    this.tinySize = known !== undefined && this.isTiny(known, count) ? this.evenSize(count) : 0;
  }

  private isTiny(msPerTask: number, taskCount: number): boolean {
    return msPerTask * taskCount < TINY_REMAINDER_MS * this.workers();
  }

  private evenSize(taskCount: number): number {
    return Math.ceil(taskCount / this.workers());
  }

  get hasMore(): boolean {
    return this.requeued.length > 0 || this.next < this.count;
  }

  /** An answered chunk took `msPerTask` per task. */
  measured(msPerTask: number): void {
    if (!this.tinySize && this.isTiny(msPerTask, this.count - this.next)) this.tinySize = this.evenSize(this.count - this.next);
  }

  take(): { start: number; end: number; attempt: number } | undefined {
    if (this.requeued.length > 0) return this.requeued.shift();
    if (this.next >= this.count) return undefined;
    const start = this.next;
    // Guided scheduling unless a chunk size is given: each chunk is 1/(2 × workers) of what remains, so chunks
    // start large (few messages) and end small (no worker is left with a long last chunk while others idle).
    const remaining = this.count - start;
    const size = this.chunkSize ?? (this.tinySize || Math.ceil(remaining / (2 * this.workers())));
    this.next = Math.min(this.count, start + Math.max(1, size));
    return { start, end: this.next, attempt: 0 };
  }
}

/**
 * Chunks of consecutive tasks to whichever live worker has room (guided sizes by default); results land at their
 * input index.
 * A chunk whose worker dies is queued again, up to `retries` times, and goes to the next worker with room
 * (the dead worker's replacement, with `respawn`).
 */
export function dynamicMap(ctx: DispatchContext, job: Job, method: string, tasks: TaskColumns, chunkSize: number | undefined, retries: number): void {
  const outstanding = trackOutstanding(ctx, job);
  const plan = new ChunkPlan(tasks.count, () => ctx.slots.length, chunkSize, ctx.msPerTask.get(method));
  const perSlot = new Map<WorkerSlot, number>();

  const sendChunk = (slot: WorkerSlot): boolean => {
    if (job.done || !slot.alive) return false;
    const range = plan.take();
    if (!range) return false;
    const { start, end, attempt } = range;
    const { columns, constants, found, transfer } = chunkColumns(tasks, start, end);
    const id = ctx.nextId();
    outstanding.add(slot, id);
    perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
    const done = () => {
      outstanding.remove(id);
      perSlot.set(slot, perSlot.get(slot)! - 1);
    };
    const sentAt = performance.now();
    const chunk: Request = [Op.Chunk, id, method, columns, constants, end - start, !job.settleAll, found, job.base + start];
    if (job.taskKey) chunk.push(job.taskKey);
    markTransfer(chunk, transfer);
    slot.send(chunk, id, {
      method,
      submittedAt: job.startedAt,
      exclusive: job.fromStart,
      onStart: job.fromStart ? job.started : undefined,
      settle(response: Response) {
        done();
        // Time per task, over-estimated (it includes the round trip and any wait behind another chunk).
        const msPerTask = (performance.now() - sentAt) / (end - start);
        ctx.msPerTask.set(method, msPerTask);
        plan.measured(msPerTask);
        chunkAnswered(job, method, start, end, response, slot.index);
        fill();
      },
      fail(error) {
        done();
        if (error instanceof WorkerExitedError && attempt < retries && !job.done) {
          plan.requeued.push({ start, end, attempt: attempt + 1 });
          // Defer: the dead worker's other chunks are being failed right now, and its replacement may be attaching.
          queueMicrotask(fill);
          return;
        }
        for (let t = start; t < end; t++) job.taskFailed(t, error);
        fill();
      },
    });
    return true;
  };

  /** Keep every live worker supplied with up to PREFETCH chunks of this job, least loaded first. */
  const fill = (): void => {
    if (job.done) return;
    const live = liveSlots(ctx.slots);
    if (live.length === 0) {
      if (plan.hasMore) {
        job.fail(ctx.slots[0]?.exitError ?? new WorkerExitedError(0, method, undefined, 'no worker is alive'));
      }
      return;
    }
    for (let round = 0; round < PREFETCH; round++) {
      for (const slot of live) {
        if ((perSlot.get(slot) ?? 0) <= round && !sendChunk(slot)) return;
      }
    }
  };
  fill();
}

/** Live workers, least loaded first; a worker being respawned would hold its chunks until its instance is built, so ready ones are preferred. */
function liveSlots(slots: readonly WorkerSlot[]): WorkerSlot[] {
  const alive = slots.filter((slot) => slot.alive);
  const ready = alive.filter((slot) => slot.ready);
  return (ready.length > 0 ? ready : alive).sort((a, b) => a.inFlight - b.inFlight);
}

/** A map chunk's answer (tasks [start, end)) settles those tasks of the job, in order. */
function chunkAnswered(job: Job, method: string, start: number, end: number, response: Response, workerIndex: number): void {
  if (response[1] === Status.Chunk) {
    const [, , results, errors, hasHandles] = response;
    if (!errors && !hasHandles) {
      job.tasksOk(start, results, workerIndex);
      return;
    }
    const failed = new Set<number>();
    if (errors) {
      for (const [i, encodedError] of errors) {
        failed.add(i);
        job.taskFailed(start + i, remoteError(encodedError, workerIndex, method), workerIndex);
      }
    }
    for (let i = 0; i < results.length && !job.done; i++) {
      if (!failed.has(i)) job.taskOk(start + i, hasHandles ? decodeValue(results[i]) : results[i], workerIndex);
    }
  } else if (response[1] === Status.Err) {
    const error = remoteError(response[2], workerIndex, method);
    for (let t = start; t < end; t++) job.taskFailed(t, error);
  }
}
