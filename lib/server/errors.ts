/** The server's errors: the pool's own classes, so `instanceof BacklogFullError` / `TimeoutError` hold everywhere. */
import { BacklogFullError, PoolClosedError } from '../protocol/errors.ts';

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

/**
 * The server was stopped: a `call` made after `stop()`, or the rest of a stream that was open when `stop()` was
 * called (its items already in flight are still delivered; the inputs it had not pulled are not run). A
 * PoolClosedError, so code that handles a closed pool handles a stopped server alike.
 *
 * @example
 * try { await server.call(x); } catch (e) { if (e instanceof ServerStoppedError) reconnect(); }
 */
export class ServerStoppedError extends PoolClosedError {
  override name = 'ServerStoppedError';
  constructor(what: string) {
    super(what);
    this.message = `${what}: the server is stopped`;
  }
}
