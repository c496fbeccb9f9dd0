/**
 * A broadcast: the same call on every worker, results in worker order. One path sends it; what gathers the
 * answers is its sink —
 *   Gather  (no call options): one result array and a promise, failing fast; a few objects per round, which is
 *           what keeps a bare broadcast round close to raw postMessage (bench S3);
 *   JobSink (timeout, signal, settle-all, progress, capacity): the call's Job, which tracks what each worker still
 *           has outstanding so that an early end cancels it.
 * Before, the lean and the Job broadcast were two functions in two files with their own encoding and send loops.
 */
import { Op, Status, type Response } from '../protocol/messages.ts';
import { decodeValue, encodeArgs, UncloneableValueError } from '../protocol/value-codec.ts';
import { ArgumentError } from '../protocol/errors.ts';
import { markTransfer, oneWorkerOnly } from '../protocol/transfer.ts';
import { remoteError, trackOutstanding, type DispatchContext, type Outstanding } from './dispatch.ts';
import type { Job } from './job.ts';
import type { Pending, WorkerSlot } from './worker-slot.ts';

/** What gathers a broadcast's answers. */
export interface BroadcastSink {
  /** The call is over (a worker failed it fast, or it was cancelled): send the remaining workers nothing. */
  readonly ended: boolean;
  /** The request `id` to `slot` (the `index`th worker) is about to leave: what hears its answer. */
  part(slot: WorkerSlot, index: number, id: number): Pending;
}

/** Sends `method(...args)` to every worker; `sink` hears the answers. Throws if the arguments cannot travel. */
export function broadcast(ctx: DispatchContext, method: string, args: unknown[], sink: BroadcastSink): void {
  const encoded = encodeArgs(args);
  oneWorkerOnly(encoded.transfer, ctx.slots.length, method);
  const { slots } = ctx;
  for (let i = 0; i < slots.length; i++) {
    if (sink.ended) break; // a dead worker already failed the call: send the others nothing
    const slot = slots[i]!;
    const id = ctx.nextId();
    const request: [Op.Call, number, string, unknown[], boolean] = [Op.Call, id, method, encoded.args, encoded.found];
    markTransfer(request, encoded.transfer);
    slot.send(request, id, sink.part(slot, i, id));
  }
}

/** A broadcast without call options: one promise of the results array, failing fast; `done` once it settles. */
export function leanBroadcast(ctx: DispatchContext, method: string, args: unknown[], done: () => void): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const gather = new Gather(method, ctx.slots.length, resolve, reject, done);
    try {
      broadcast(ctx, method, args, gather);
    } catch (error) {
      // An argument that cannot travel (a MessagePort not transferred) names the call, as for every other call.
      gather.fail(error instanceof UncloneableValueError ? new ArgumentError(`${method}: ${error.message}`, { cause: error }) : error);
    }
  });
}

/** The sink of a lean broadcast: one result array filled in worker order. */
class Gather implements BroadcastSink {
  private readonly results: unknown[];
  private remaining: number;
  ended = false;

  constructor(
    private readonly method: string,
    count: number,
    private readonly resolve: (values: unknown[]) => void,
    private readonly reject: (error: unknown) => void,
    private readonly done: () => void,
  ) {
    this.results = new Array(count);
    this.remaining = count;
  }

  part(slot: WorkerSlot): Pending {
    return new GatherPart(this.method, slot, this);
  }

  ok(index: number, value: unknown): void {
    this.results[index] = value;
    if (--this.remaining === 0 && !this.ended) {
      this.ended = true;
      this.done();
      this.resolve(this.results);
    }
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.done();
    this.reject(error);
  }
}

/** One worker's part of a lean broadcast: its answer fills slot `index` of the shared result array. */
class GatherPart implements Pending {
  constructor(
    readonly method: string,
    private readonly slot: WorkerSlot,
    private readonly gather: Gather,
  ) {}

  settle(response: Response): void {
    if (response[1] === Status.Ok) this.gather.ok(this.slot.index, response[3] ? decodeValue(response[2]) : response[2]);
    else if (response[1] === Status.Err) this.gather.fail(remoteError(response[2], this.slot.index, this.method));
  }

  fail(error: Error): void {
    this.gather.fail(error);
  }
}

/** The sink of a broadcast with call options: its Job, which cancels what is outstanding when the call ends early. */
export class JobSink implements BroadcastSink {
  private readonly outstanding: Outstanding;

  constructor(
    ctx: DispatchContext,
    private readonly job: Job,
  ) {
    this.outstanding = trackOutstanding(ctx, job);
  }

  get ended(): boolean {
    return this.job.done;
  }

  part(slot: WorkerSlot, index: number, id: number): Pending {
    const { job, outstanding } = this;
    outstanding.add(slot, id);
    return {
      method: job.method,
      submittedAt: job.startedAt,
      exclusive: job.fromStart,
      onStart: job.fromStart ? job.started : undefined,
      settle(response: Response) {
        outstanding.remove(id);
        if (response[1] === Status.Ok) job.taskOk(index, response[3] ? decodeValue(response[2]) : response[2], slot.index);
        else if (response[1] === Status.Err) job.taskFailed(index, remoteError(response[2], slot.index, job.method), slot.index);
      },
      fail(error) {
        outstanding.remove(id);
        job.taskFailed(index, error);
      },
    };
  }
}
