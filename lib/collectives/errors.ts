/** The error every participant of a collective call sees when another one failed, died or left early. */
import { registerErrorClass } from '../protocol/error-codec.ts';

/**
 * A collective operation (barrier, bcast, gather, ...) could not complete because participant `rank` failed:
 * it threw, its worker exited, or it returned without joining an operation the others were waiting in.
 * `cause` is that participant's own error. Every other participant waiting — or arriving later — gets this error
 * at once, so a failure never leaves the others deadlocked.
 *
 * @example
 * try { await comm.barrier(); }
 * catch (error) { if (error instanceof CollectiveAbortedError) console.log(`rank ${error.rank} failed first`); }
 */
export class CollectiveAbortedError extends Error {
  override name = 'CollectiveAbortedError';
  constructor(
    readonly rank: number,
    readonly workerIndex: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

registerErrorClass(CollectiveAbortedError);
