/**
 * Options of the remote kind and of hosts. Kept free of NATS types so that the library's declarations do not
 * require the NATS client to be installed.
 */

/**
 * TLS settings handed to the NATS client unchanged (see the NATS.js `tls` connection option).
 *
 * @example
 * const tls: RemoteTlsOptions = { caFile: '/etc/nats/ca.pem', certFile: 'client.pem', keyFile: 'client-key.pem' };
 */
export interface RemoteTlsOptions {
  /** Path of the CA certificate that signed the server's certificate. */
  caFile?: string;
  /** Path of this client's certificate (mutual TLS). */
  certFile?: string;
  /** Path of this client's private key (mutual TLS). */
  keyFile?: string;
  /** Start TLS before the NATS INFO exchange (servers configured with `handshake_first`). */
  handshakeFirst?: boolean;
  /** Further options of Node's `tls.connect` (ca, cert, key as strings...). */
  [option: string]: unknown;
}

/**
 * How a pool or a host reaches NATS. Everything except `servers` is optional and passed to the NATS client.
 *
 * @example
 * const connection: RemoteConnection = { servers: 'nats://10.0.0.5:4222', token: process.env.NATS_TOKEN };
 */
export interface RemoteConnection {
  /** NATS server URL(s), e.g. `nats://10.0.0.5:4222`. */
  servers: string | string[];
  /** Token authentication (`nats-server --auth TOKEN`). */
  token?: string;
  /** User/password authentication. */
  user?: string;
  /** Password for `user`. */
  pass?: string;
  /** NKey authentication: the user's seed (`SU...`). */
  nkeySeed?: string;
  /** TLS options, passed through to the NATS client. */
  tls?: RemoteTlsOptions;
  /** Subject prefix shared by a pool and its hosts; pools and hosts with different prefixes never meet. Default 'objectproxypool'. */
  subject?: string;
  /** Largest message sent, in bytes; the server's own max_payload applies too (the smaller wins). Default: the server's. */
  maxPayload?: number;
  /** Any other NATS connection option (name, reconnect, ...), passed through as is. */
  connection?: Record<string, unknown>;
}

/**
 * The pool option `remote` (with `kind: 'remote'`): where NATS is, credentials, and how long to wait for hosts.
 *
 * @example
 * await ProxyPool.create(Model, { kind: 'remote', workers: 8, remote: { servers: 'nats://10.0.0.5:4222', hostTimeout: 2000 } });
 */
export interface RemotePoolOptions extends RemoteConnection {
  /** How long to wait for enough hosts to answer the discovery, in ms. Default 2000. */
  discoveryTimeout?: number;
  /** A host silent (no heartbeat) for this long is lost: its calls fail with WorkerExitedError. Default 3000 ms. */
  hostTimeout?: number;
  /** How long a host may take to accept an instance, in ms. Default 5000. */
  spawnTimeout?: number;
  /**
   * Find hosts by the NATS service name they were started with (`objectproxypool host --service NAME`), through
   * NATS's standard service API (`$SRV.STATS.NAME`), instead of asking every host on the subject prefix. Hosts of
   * that service serving another class, or on another prefix, are not used.
   */
  service?: string;
}
