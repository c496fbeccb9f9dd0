/**
 * The lean path for `pool.m.one(...)`: one task on the least busy worker, with no Job, no result array and no
 * closures — a promise and one small object per call. Many small independent calls are the common load of a
 * task pool (S2 in bench/), and there the per-call garbage decided the throughput.
 */
import { Op, Status, type Response } from '../protocol/messages.ts';
import { decodeValue, encodeArgs } from '../protocol/value-codec.ts';
import { remoteError, type DispatchContext } from './dispatch.ts';
import type { Pending, WorkerSlot } from './worker-slot.ts';

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

let rotation = 0;

/** The ready worker with the fewest requests in flight (alive ones if none is ready); ties rotate. */
export function leastBusy(slots: readonly WorkerSlot[]): WorkerSlot {
  let best: WorkerSlot | undefined;
  const n = slots.length;
  const start = rotation++ % n;
  for (let k = 0; k < n; k++) {
    const slot = slots[(start + k) % n]!;
    if (!slot.alive) continue;
    if (!best || (slot.ready && !best.ready) || (slot.ready === best.ready && slot.inFlight < best.inFlight)) best = slot;
  }
  return best ?? slots[start]!; // all dead: its send reports why
}

export function singleCall(ctx: DispatchContext, method: string, args: unknown[], done: () => void): Promise<unknown> {
  const slot = leastBusy(ctx.slots);
  const encoded = encodeArgs(args);
  return new Promise((resolve, reject) => {
    const id = ctx.nextId();
    slot.send([Op.Call, id, method, encoded.args, encoded.found], id, new PendingCall(method, slot, resolve, reject, done));
  });
}
