/**
 * The participant's side of a collective call: what a method receives in place of the group the host passed.
 * Every operation is one round trip to the host, which gathers the contributions of all participants of the same
 * operation and answers each (lib/collectives/hub.ts) — so collectives work alike for thread, process and inline
 * workers, and the host, which sees every participant end, can release the others when one fails.
 */
import { encodeValue, type Handle } from '../protocol/value-codec.ts';
import { registerValueReviver } from '../pool/extension.ts';
import { encodeError } from '../protocol/error-codec.ts';
import { currentDecodeScope, type Uplink } from '../runtime/uplink.ts';
import { CollectiveAbortedError } from './errors.ts';
import { ArgumentError } from '../protocol/errors.ts';

export const COLLECTIVE_TAG = 'objectproxypool.Collective';

/** The kinds of operations; all participants must call the same kind, in the same order. */
export type CollectiveKind = 'barrier' | 'bcast' | 'gather' | 'allgather' | 'exchange';

/** What travels from the host to each participant: the session and who takes part. */
export interface CollectiveHandle extends Handle {
  sid: number;
  /** Worker indices of the participants; a participant's rank is its position here. */
  participants: number[];
}

/**
 * One participant of a collective call: its rank among `size` participants and the operations they do together.
 * Inside a pool worker it is what your method receives for the group argument; outside one,
 * {@link soloCommunicator} gives a size-1 communicator with the same behaviour (BSB's MPI emulator).
 *
 * Values travel by structured clone; shared arrays and locks (anything with a handle) as the same memory. Operations must be called by every participant in the same order; a
 * participant that throws, dies or returns early aborts all others with {@link CollectiveAbortedError}.
 *
 * @example
 * class Model {
 *   async simulate(comm: Communicator, steps: number) {
 *     const seed = await comm.bcast(comm.rank === 0 ? Date.now() : undefined);
 *     for (let s = 0; s < steps; s++) { this.step(seed); await comm.barrier(); }
 *     return comm.allgather(this.state);
 *   }
 * }
 */
export class Communicator {
  private seq = 0;
  private ended = false;

  /** @internal */
  constructor(
    /** This participant's position, 0 ≤ rank < size. */
    readonly rank: number,
    /** Number of participants. */
    readonly size: number,
    private readonly sid: number,
    private readonly uplink: Uplink | undefined,
  ) {}

  private async op(kind: CollectiveKind, value: unknown, root: number): Promise<unknown> {
    if (!Number.isInteger(root) || root < 0 || root >= this.size) throw new RangeError(`${kind}: root must be a rank in [0, ${this.size}), got ${root}`);
    const seq = this.seq++;
    if (!this.uplink) return solo(kind, value);
    if (this.ended) throw new Error(`${kind}: this collective call has already ended for rank ${this.rank}; a communicator serves one call`);
    // Shared arrays, locks and handles travel as handles, and come back to the others as the same memory.
    const state = { found: false };
    const encoded = encodeValue(value, state);
    return this.uplink.request('coll', [this.sid, this.rank, seq, kind, root, encoded, state.found]);
  }

  /** Resolves once every participant has reached the same barrier. */
  async barrier(): Promise<void> {
    await this.op('barrier', undefined, 0);
  }

  /** Every participant gets `root`'s value (the others' `value` is ignored). */
  bcast<T>(value: T, root = 0): Promise<T> {
    return this.op('bcast', value, root) as Promise<T>;
  }

  /** `root` gets every participant's value in rank order; the others get undefined. */
  gather<T>(value: T, root = 0): Promise<T[] | undefined> {
    return this.op('gather', value, root) as Promise<T[] | undefined>;
  }

  /** Every participant gets every participant's value, in rank order. */
  allgather<T>(value: T): Promise<T[]> {
    return this.op('allgather', value, 0) as Promise<T[]>;
  }

  /** Every participant gets the values of all the others, in rank order (its own left out): Eidolon's shareObject. */
  exchange<T>(value: T): Promise<T[]> {
    return this.op('exchange', value, 0) as Promise<T[]>;
  }

  /** allgather, then `combine` folded over the values in rank order on every participant. */
  async allreduce<T>(value: T, combine: (a: T, b: T) => T): Promise<T> {
    const values = await this.allgather(value);
    return values.reduce(combine);
  }

  /**
   * Only `root` runs `produce`; every participant gets its result (BSB's single_write). If `produce` throws, the
   * others are released with CollectiveAbortedError naming `root` and its error; `root` gets the error itself.
   */
  async singleWrite<T>(produce: () => T | Promise<T>, root = 0): Promise<T> {
    if (this.rank !== root) return this.bcast<T>(undefined as T, root);
    let value: T;
    try {
      value = await produce();
    } catch (error) {
      this.abort(error);
      throw error;
    }
    return this.bcast(value, root);
  }

  /** Tells the host this participant failed: every other participant is released with CollectiveAbortedError. */
  abort(error: unknown): void {
    if (!this.uplink || this.ended) return;
    this.ended = true;
    this.uplink.notify('coll.abort', [this.sid, this.rank, encodeError(error)]);
  }

  /** @internal The participant's call returned: operations it never joined can no longer complete. */
  finish(): void {
    if (!this.uplink || this.ended) return;
    this.ended = true;
    this.uplink.notify('coll.done', [this.sid, this.rank, this.seq]);
  }

  /** @internal For layers built on collectives (partition progress). */
  notify(topic: string, payload: unknown[]): void {
    this.uplink?.notify(topic, [this.sid, this.rank, ...payload]);
  }
}

function solo(kind: CollectiveKind, value: unknown): unknown {
  switch (kind) {
    case 'barrier':
      return undefined;
    case 'bcast':
      return value;
    case 'gather':
    case 'allgather':
      return [value];
    case 'exchange':
      return [];
  }
}

/**
 * A communicator of one participant (rank 0, size 1) whose operations complete at once: barrier returns,
 * bcast returns the value, gather/allgather return `[value]`, exchange returns `[]`. Use it to run code written
 * for a collective call outside a pool, or as the default when no group was passed.
 *
 * @example
 * const comm = soloCommunicator();
 * await model.simulate(comm, 100); // same code, no pool
 */
export function soloCommunicator(): Communicator {
  return new Communicator(0, 1, 0, undefined);
}

function revive(handle: Handle): Communicator {
  const { sid, participants } = handle as CollectiveHandle;
  const scope = currentDecodeScope();
  if (!scope) throw new Error('a collective group can only be used as an argument of a pool call');
  const rank = participants.indexOf(scope.context.index);
  if (rank < 0) {
    throw new ArgumentError(`worker ${scope.context.index} is not a participant of this collective group (participants: workers ${participants.join(', ')})`);
  }
  const comm = new Communicator(rank, participants.length, sid, scope.uplink);
  scope.onCallEnd.push((error?: unknown) => {
    if (error === undefined) comm.finish();
    else if (error instanceof CollectiveAbortedError) comm.finish();
    else comm.abort(error);
  });
  return comm;
}

registerValueReviver(COLLECTIVE_TAG, revive);
