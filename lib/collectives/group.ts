/** The host's side of starting a collective call: a group to pass as an argument of a broadcast or map. */
import { toHandle, type Shareable } from '../protocol/value-codec.ts';
import { poolExtension } from '../pool/extension.ts';
import { ArgumentError } from '../protocol/errors.ts';
import { COLLECTIVE_TAG, type CollectiveHandle, type Communicator } from './comm.ts';
import { Session } from './hub.ts';
import type { StandsFor } from '../pool/types.ts';

/**
 * A collective group for ONE call: pass it as an argument; each participating worker's method receives a
 * {@link Communicator} in its place (rank = position among the participants). Participants are all the pool's
 * workers (a broadcast), or `workers` (e.g. `[0, 1, 2]` for a synchronized or dedicated map of 3 tasks).
 *
 * @example
 * const group = collective(pool);
 * const results = await pool.simulate(group, 100); // each worker's simulate(comm, steps) gets a Communicator
 */
export class CollectiveGroup implements Shareable, StandsFor<Communicator> {
  /** Type only: the proxy accepts a group wherever the method takes a Communicator. */
  declare readonly __objectproxypool_stands_for__: Communicator;
  /** @internal */
  constructor(private readonly session: Session) {}

  /** Number of participants. */
  get size(): number {
    return this.session.size;
  }

  /** Worker indices of the participants, in rank order. */
  get participants(): readonly number[] {
    return this.session.participants;
  }

  /** @internal */
  get hub(): Session {
    return this.session;
  }

  /** @internal */
  [toHandle](): CollectiveHandle {
    return { __objectproxypool_handle__: COLLECTIVE_TAG, sid: this.session.sid, participants: [...this.session.participants] };
  }

  /** Forgets the group on the host without waiting for its participants (only needed for a group never used). */
  close(): void {
    this.session.close();
  }
}

/**
 * Opens a collective group over the pool's workers for one call. Participants must each call the same
 * operations in the same order; when one throws, exits or returns early, all others get CollectiveAbortedError
 * within milliseconds — never a deadlock.
 *
 * @example
 * const sums = await pool.simulate(collective(pool), 100);   // broadcast: every worker is a participant
 * await pool.with({ synchronize: true }).part.map(repeat(collective(pool, { workers: 3 })), range(3));
 */
export function collective(pool: object, options: { workers?: number | readonly number[] } = {}): CollectiveGroup {
  const ext = poolExtension(pool, 'collective()');
  const size = ext.workerCount;
  let participants: number[];
  const { workers } = options;
  if (workers === undefined) participants = Array.from({ length: size }, (_, i) => i);
  else if (typeof workers === 'number') {
    if (!Number.isInteger(workers) || workers < 1 || workers > size) throw new ArgumentError(`collective(): workers must be an integer in [1, ${size}], got ${workers}`);
    participants = Array.from({ length: workers }, (_, i) => i);
  } else {
    participants = [...workers];
    if (participants.length === 0 || new Set(participants).size !== participants.length || participants.some((w) => !Number.isInteger(w) || w < 0 || w >= size)) {
      throw new ArgumentError(`collective(): workers must be distinct worker indices in [0, ${size}), got [${participants.join(', ')}]`);
    }
  }
  return new CollectiveGroup(new Session(ext, participants));
}
