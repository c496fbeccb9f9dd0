/**
 * How a call's tasks reach workers: broadcast (one per worker), dynamic map (chunks to whichever worker frees
 * up first), synchronized map (rounds of one task per worker) and dedicated map (task i to worker i).
 */
import { Op, Status, type Response } from '../protocol/messages.ts';
import { decodeError, type EncodedError } from '../protocol/error-codec.ts';
import { decodeValue, encodeArgs } from '../protocol/value-codec.ts';
import { tagRemote } from './errors.ts';
import type { Job } from './job.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** Tasks a worker may have queued beyond the one it runs, so it never waits for the host between chunks. */
const PREFETCH = 2;

export interface DispatchContext {
  readonly slots: readonly WorkerSlot[];
  nextId(): number;
}

export function remoteError(encoded: EncodedError, workerIndex: number, method: string): Error {
  return tagRemote(decodeError(encoded), { workerIndex, method, remoteStack: encoded.stack });
}

/** Tracks what a job has outstanding on each worker, so an early end can tell those workers to skip it. */
function trackOutstanding(job: Job): { add(slot: WorkerSlot, id: number): void; remove(id: number): void } {
  const outstanding = new Map<number, WorkerSlot>();
  job.onEarlyEnd = () => {
    for (const [id, slot] of outstanding) slot.notify([Op.Cancel, id]);
    outstanding.clear();
  };
  return { add: (slot, id) => outstanding.set(id, slot), remove: (id) => outstanding.delete(id) };
}

/** Send one task as a plain call to `slot`; its answer settles task `taskIndex` of the job. */
function sendTask(
  ctx: DispatchContext,
  job: Job,
  slot: WorkerSlot,
  taskIndex: number,
  op: Op.Call | Op.Get | Op.Set,
  payload: { method: string; args?: unknown[]; value?: unknown; found: boolean },
  after?: () => void,
): void {
  const id = ctx.nextId();
  const request =
    op === Op.Call
      ? ([Op.Call, id, payload.method, payload.args!, payload.found] as const)
      : op === Op.Get
        ? ([Op.Get, id, payload.method] as const)
        : ([Op.Set, id, payload.method, payload.value, payload.found] as const);
  slot.send(request as never, id, {
    method: job.method,
    settle(response: Response) {
      if (response[1] === Status.Ok) job.taskOk(taskIndex, response[3] ? decodeValue(response[2]) : response[2]);
      else if (response[1] === Status.Err) job.taskFailed(taskIndex, remoteError(response[2], slot.index, job.method));
      after?.();
    },
    fail(error) {
      job.taskFailed(taskIndex, error);
      after?.();
    },
  });
}

/** The same call on every worker; results in worker order. */
export function broadcast(ctx: DispatchContext, job: Job, method: string, args: unknown[]): void {
  const encoded = encodeArgs(args);
  trackOutstanding(job);
  ctx.slots.forEach((slot, i) => sendTask(ctx, job, slot, i, Op.Call, { method, args: encoded.args, found: encoded.found }));
}

export function broadcastField(ctx: DispatchContext, job: Job, op: Op.Get | Op.Set, field: string, value?: unknown): void {
  const encoded = encodeArgs([value]);
  ctx.slots.forEach((slot, i) => sendTask(ctx, job, slot, i, op, { method: field, value: encoded.args[0], found: encoded.found }));
}

/** Task i to worker i, all at once (a dedicated pool, or `fields.setEach`). */
export function dedicated(ctx: DispatchContext, job: Job, method: string, tuples: unknown[][], op: Op.Call | Op.Set = Op.Call): void {
  trackOutstanding(job);
  tuples.forEach((tuple, i) => {
    const encoded = encodeArgs(tuple);
    sendTask(ctx, job, ctx.slots[i]!, i, op, { method, args: encoded.args, value: encoded.args[0], found: encoded.found });
  });
}

/** Rounds of one task per worker; a round starts only when the previous one has fully answered. */
export function synchronized(ctx: DispatchContext, job: Job, method: string, tuples: unknown[][]): void {
  trackOutstanding(job);
  const width = ctx.slots.length;
  const runRound = (start: number) => {
    if (job.done || start >= tuples.length) return;
    const end = Math.min(tuples.length, start + width);
    let waiting = end - start;
    const roundDone = () => {
      if (--waiting === 0) runRound(end);
    };
    for (let t = start; t < end; t++) {
      const encoded = encodeArgs(tuples[t]!);
      sendTask(ctx, job, ctx.slots[t - start]!, t, Op.Call, { method, args: encoded.args, found: encoded.found }, roundDone);
    }
  };
  runRound(0);
}

/** Chunks of consecutive tasks to whichever live worker has room; results land at their input index. */
export function dynamicMap(ctx: DispatchContext, job: Job, method: string, tuples: unknown[][], chunkSize: number): void {
  const outstanding = trackOutstanding(job);
  let next = 0;
  const sendChunk = (slot: WorkerSlot): void => {
    if (job.done || next >= tuples.length || !slot.alive) return;
    const start = next;
    const end = Math.min(tuples.length, start + chunkSize);
    next = end;
    let found = false;
    const chunk = new Array<unknown[]>(end - start);
    for (let t = start; t < end; t++) {
      const encoded = encodeArgs(tuples[t]!);
      found ||= encoded.found;
      chunk[t - start] = encoded.args;
    }
    const id = ctx.nextId();
    outstanding.add(slot, id);
    slot.send([Op.Chunk, id, method, chunk, !job.settleAll, found], id, {
      method,
      settle(response: Response) {
        outstanding.remove(id);
        if (response[1] === Status.Chunk) {
          const [, , results, errors, hasHandles] = response;
          const failed = new Set<number>();
          if (errors) {
            for (const [i, encodedError] of errors) {
              failed.add(i);
              job.taskFailed(start + i, remoteError(encodedError, slot.index, method));
            }
          }
          for (let i = 0; i < results.length && !job.done; i++) {
            if (!failed.has(i)) job.taskOk(start + i, hasHandles ? decodeValue(results[i]) : results[i]);
          }
        } else if (response[1] === Status.Err) {
          const error = remoteError(response[2], slot.index, method);
          for (let t = start; t < end; t++) job.taskFailed(t, error);
        }
        sendChunk(slot);
      },
      fail(error) {
        outstanding.remove(id);
        for (let t = start; t < end; t++) job.taskFailed(t, error);
        // The tasks this worker would have taken go to the others as they free up.
      },
    });
  };
  const live = ctx.slots.filter((slot) => slot.alive).sort((a, b) => a.inFlight - b.inFlight);
  if (live.length === 0) {
    // Nothing can run the tasks; let the first slot's send report why.
    sendChunk(ctx.slots[0]!);
    return;
  }
  for (let round = 0; round < PREFETCH; round++) for (const slot of live) sendChunk(slot);
}
