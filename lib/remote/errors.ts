/** Errors of the remote kind. They live apart from the NATS code so that importing them loads no client. */
import { registerErrorClass } from '../protocol/error-codec.ts';

/**
 * A value or batch could not be sent over NATS because its serialized size exceeds the payload limit
 * (the server's `max_payload`, or the smaller `remote.maxPayload`).
 *
 * @example
 * try { await pool.process(hugeArray); } catch (e) { if (e.cause instanceof PayloadTooLargeError) console.log(e.cause.bytes); }
 */
export class PayloadTooLargeError extends RangeError {
  override name = 'PayloadTooLargeError';
  constructor(readonly bytes: number, readonly limit: number, what = 'a message') {
    super(
      `${what} is ${bytes} bytes once serialized, more than the remote payload limit of ${limit} bytes ` +
        '(NATS max_payload / remote.maxPayload); send less per call or raise the limit',
    );
  }
}

/**
 * Connecting to NATS failed: no server at the address, credentials refused, TLS mismatch, or the NATS client
 * package is not installed.
 *
 * @example
 * await assert.rejects(serveHost({ servers: 'nats://127.0.0.1:4222', token: 'wrong', module }), RemoteConnectionError);
 */
export class RemoteConnectionError extends Error {
  override name = 'RemoteConnectionError';
}

/**
 * Fewer host slots answered the discovery than the pool asked for instances.
 *
 * @example
 * try { await ProxyPool.create(Model, { kind: 'remote', workers: 8, remote: { servers } }); }
 * catch (e) { if (e instanceof NotEnoughHostsError) console.log(e.hosts, e.free); }
 */
export class NotEnoughHostsError extends Error {
  override name = 'NotEnoughHostsError';
  constructor(
    readonly wanted: number,
    /** Hosts that answered. */
    readonly hosts: number,
    /** Free instance slots they offered together. */
    readonly free: number,
    exportName: string,
    subject: string,
    timeoutMs: number,
  ) {
    super(
      `asked for ${wanted} remote instance${wanted === 1 ? '' : 's'} of ${exportName}, but within ${timeoutMs} ms ` +
        `${hosts} host${hosts === 1 ? '' : 's'} serving ${exportName} answered on "${subject}" with ${free} free slot${free === 1 ? '' : 's'}; ` +
        'start more hosts (npx objectproxypool host ...), raise their --capacity, or ask for fewer workers',
    );
  }
}

for (const cls of [PayloadTooLargeError, RemoteConnectionError, NotEnoughHostsError]) registerErrorClass(cls);
