/** The server's errors: the pool's own classes, so `instanceof BacklogFullError` / `TimeoutError` hold everywhere. */
import { BacklogFullError } from '../pool/errors.ts';

/**
 * A server call found `capacity` items in flight and its backpressure is 'reject' (mpservice's
 * ServerBacklogFull). It is a BacklogFullError, with a message about the server rather than a pool.
 *
 * @example
 * try { await server.call(x, { backpressure: 'reject' }); }
 * catch (e) { if (e instanceof BacklogFullError) retryLater(); }
 */
export class ServerBacklogFullError extends BacklogFullError {
  override name = 'ServerBacklogFullError';
  constructor(capacity: number) {
    super('server.call', capacity);
    this.message = `server backlog full: ${capacity} items in flight (its capacity) and backpressure is 'reject'`;
  }
}
