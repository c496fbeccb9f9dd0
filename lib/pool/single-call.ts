/**
 * The lean path for `pool.m.one(...)`: one task on the least busy worker, with no Job, no result array and no
 * closures — a promise and one small object per call. Many small independent calls are the common load of a
 * task pool (S2 in bench/), and there the per-call garbage decided the throughput. (Broadcasts: broadcast.ts.)
 */
import { Op, Status, type Response } from '../protocol/messages.ts';
import { decodeValue, encodeArgs, UncloneableValueError } from '../protocol/value-codec.ts';
import { ArgumentError } from '../protocol/errors.ts';
import { remoteError, type DispatchContext } from './dispatch.ts';
import type { Pending, WorkerSlot } from './worker-slot.ts';
import { markTransfer } from '../protocol/transfer.ts';

class PendingCall implements Pending {
  constructor(
    readonly method: string,
    private readonly slot: WorkerSlot,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: unknown) => void,
    private readonly done: () => void,
  ) {}

  settle(response: Response): void {
    this.done();
    if (response[1] === Status.Ok) this.resolve(response[3] ? decodeValue(response[2]) : response[2]);
    else if (response[1] === Status.Err) this.reject(remoteError(response[2], this.slot.index, this.method));
  }

  fail(error: Error): void {
    this.done();
    this.reject(error);
  }
}

/** Arguments as handles, or a rejected promise naming the argument that cannot travel (a MessagePort). */
function encodeOrReject(method: string, args: unknown[], done: () => void): ReturnType<typeof encodeArgs> | Promise<never> {
  try {
    return encodeArgs(args);
  } catch (error) {
    done();
    return Promise.reject(error instanceof UncloneableValueError ? new ArgumentError(`${method}: ${error.message}`, { cause: error }) : error);
  }
}

/**
 * The ready worker with the fewest requests in flight (alive ones if none is ready); ties go to the lowest index.
 * Sequential calls therefore stay on one worker, whose thread has just answered and is still awake: rotating ties
 * over idle workers cost each round trip ~1.5 µs of a ~28 µs trip (bench S1, same-process A/B). Bursts still
 * spread, since each call raises its worker's count.
 */
export function leastBusy(slots: readonly WorkerSlot[]): WorkerSlot {
  let best: WorkerSlot | undefined;
  for (const slot of slots) {
    if (!slot.alive) continue;
    if (!best || (slot.ready && !best.ready) || (slot.ready === best.ready && slot.inFlight < best.inFlight)) best = slot;
  }
  return best ?? slots[0]!; // all dead: its send reports why
}

/** One task on `target` (an instance handle's worker) or, by default, on the least busy worker. */
export function singleCall(ctx: DispatchContext, method: string, args: unknown[], done: () => void, target?: WorkerSlot): Promise<unknown> {
  const slot = target ?? leastBusy(ctx.slots);
  const encoded = encodeOrReject(method, args, done);
  if (encoded instanceof Promise) return encoded;
  return new Promise((resolve, reject) => {
    const id = ctx.nextId();
    const request: [Op.Call, number, string, unknown[], boolean] = [Op.Call, id, method, encoded.args, encoded.found];
    markTransfer(request, encoded.transfer);
    slot.send(request, id, new PendingCall(method, slot, resolve, reject, done));
  });
}
