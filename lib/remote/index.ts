/**
 * `objectproxypool/remote`: serving workers to remote pools over NATS (`serveHost`), the connection options, and
 * the remote kind's errors. A pool uses remote hosts with `{ kind: 'remote', remote: { servers } }` from the root.
 * @module
 */
export { serveHost } from './serve-host.ts';
export type { Host, HostOptions } from './host.ts';
export type { RemoteConnection, RemotePoolOptions, RemoteTlsOptions } from './options.ts';
export { NotEnoughHostsError, PayloadTooLargeError, RemoteConnectionError } from './errors.ts';
