/**
 * What the pool and its remote hosts agree on: subjects, the envelope of a NATS message, the value serializer and
 * how to connect. Both sides import this file; neither imports the other.
 *
 * Values are written with `node:v8` serialize/deserialize — the structured-clone algorithm Node uses between
 * threads, made into bytes — so a remote call accepts and returns the same types as a thread (Map, Set, Date,
 * BigInt, typed arrays, errors as data...). Deserializing never runs code: it only rebuilds built-in types.
 */
import { deserialize, serialize } from 'node:v8';
import type { NatsConnection, ConnectionOptions } from '@nats-io/transport-node';
import { PayloadTooLargeError, RemoteConnectionError } from './errors.ts';
import type { RemoteConnection } from './options.ts';

export type { RemoteConnection };

export const DEFAULT_PREFIX = 'objectproxypool';

export const subjects = (prefix: string) => ({
  /** Pools ask here for hosts serving a class; every host answers (scatter-gather). */
  discover: `${prefix}.discover`,
  /** A host's own subject for placing an instance on it. */
  spawn: (hostId: string) => `${prefix}.host.${hostId}.spawn`,
  /** Each host publishes here periodically; silence means the host is gone. */
  heartbeat: (hostId: string) => `${prefix}.hb.${hostId}`,
  heartbeats: `${prefix}.hb.*`,
  /** Requests for one instance (pool → host). */
  instance: (instanceId: string) => `${prefix}.inst.${instanceId}`,
  /** Each pool publishes here periodically; a host ends the instances of a pool that went silent. */
  poolHeartbeat: (poolId: string) => `${prefix}.poolhb.${poolId}`,
  poolHeartbeats: `${prefix}.poolhb.*`,
});

/** A discovery question and a host's answer. */
export interface DiscoverQuery { exportName: string }
export interface DiscoverAnswer { hostId: string; exportName: string; capacity: number; free: number; heartbeatMs: number }
export interface SpawnRequest { poolId: string; index: number; exportName: string; replyTo: string }
export type SpawnAnswer = { ok: true; instanceId: string } | { ok: false; error: string };

/** Control messages travel on the same subjects as batches; a batch is an array, a control message is not. */
export type ToHost = { t: 'end' };
export type ToPool = { t: 'exit'; code?: number; reason: string };

/**
 * Shared arrays cannot be shared across machines: a SharedArrayBuffer inside a message (a SharedArrayWrapper's
 * handle) is sent as a copy and arrives as a new SharedArrayBuffer, so the receiver gets a SharedArrayWrapper over
 * its own copy. Only messages that fail to serialize because of one pay for the walk.
 */
const SHARED_COPY = '__objectproxypool_shared_copy__';

export function encode(value: unknown, limit: number, what?: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = serialize(value);
  } catch (error) {
    if (!/SharedArrayBuffer/.test(String((error as Error)?.message))) throw error;
    bytes = serialize([SHARED_COPY, copyShared(value, new Map())]);
  }
  if (bytes.length > limit) throw new PayloadTooLargeError(bytes.length, limit, what);
  return bytes;
}

export function decode(bytes: Uint8Array): unknown {
  const value = deserialize(bytes);
  return Array.isArray(value) && value[0] === SHARED_COPY ? restoreShared(value[1]) : value;
}

function isContainer(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

function copyShared(value: unknown, seen: Map<object, unknown>): unknown {
  if (value instanceof SharedArrayBuffer) return { [SHARED_COPY]: new Uint8Array(value).slice() };
  if (!isContainer(value)) return value;
  if (seen.has(value)) return seen.get(value);
  const out: Record<string, unknown> = Array.isArray(value) ? ([] as unknown as Record<string, unknown>) : {};
  seen.set(value, out);
  for (const key of Object.keys(value)) out[key] = copyShared(value[key], seen);
  return out;
}

function restoreShared(value: unknown): unknown {
  if (!isContainer(value)) return value;
  const bytes = value[SHARED_COPY];
  if (bytes instanceof Uint8Array) {
    const buffer = new SharedArrayBuffer(bytes.length);
    new Uint8Array(buffer).set(bytes);
    return buffer;
  }
  for (const key of Object.keys(value)) value[key] = restoreShared(value[key]);
  return value;
}

/**
 * The wire format is V8's serializer (`node:v8`). Bun's `node:v8` writes JavaScriptCore's format instead, which
 * Node hosts and pools cannot read: discovery would just find nobody. Refuse at once, saying why.
 */
export function checkWireRuntime(who: string): void {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process?.versions;
  if (versions?.bun !== undefined) {
    throw new RemoteConnectionError(
      `${who} cannot run on Bun: the remote wire is V8's serializer (node:v8), and Bun's node:v8 writes JavaScriptCore's ` +
        `format, which Node hosts and pools cannot read. Run the pool and the hosts on Node (or Deno).`,
    );
  }
}

/** Loads the NATS client only now: pools of other kinds never pay for it, and it may be absent. */
export async function natsClient(): Promise<typeof import('@nats-io/transport-node')> {
  try {
    return await import('@nats-io/transport-node');
  } catch (error) {
    throw new RemoteConnectionError(
      `kind 'remote' needs the NATS client: npm install @nats-io/transport-node (${(error as Error)?.message ?? error})`,
      { cause: error },
    );
  }
}

/** Connect, turning the client's failures (refused, unauthorized, no server) into one clear error. */
export async function connectNats(options: RemoteConnection, name: string): Promise<NatsConnection> {
  const nats = await natsClient();
  const servers = Array.isArray(options.servers) ? options.servers : [options.servers];
  const opts: ConnectionOptions = { name, servers, maxReconnectAttempts: 10, reconnectTimeWait: 250, ...(options.connection as Partial<ConnectionOptions>) };
  if (options.token !== undefined) opts.token = options.token;
  if (options.user !== undefined) opts.user = options.user;
  if (options.pass !== undefined) opts.pass = options.pass;
  if (options.tls !== undefined) opts.tls = options.tls as ConnectionOptions['tls'];
  if (options.nkeySeed !== undefined) opts.authenticator = nats.nkeyAuthenticator(new TextEncoder().encode(options.nkeySeed));
  try {
    return await nats.connect(opts);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    const auth = /authori[sz]ation|authentication|auth/i.test(message) || (error as Error)?.name === 'AuthorizationError';
    throw new RemoteConnectionError(
      `cannot connect to NATS at ${servers.join(', ')}: ${message}` +
        (auth ? ' — the server refused the credentials (check token, user/pass or nkey)' : ''),
      { cause: error },
    );
  }
}

/** The payload limit in force: ours when set, never above the server's max_payload. */
export function payloadLimit(nc: NatsConnection, ours: number | undefined): number {
  const server = nc.info?.max_payload ?? 1024 * 1024;
  return ours === undefined ? server : Math.min(ours, server);
}

export function checkConnection(options: unknown, where: string): RemoteConnection {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where} must be an object with at least { servers }`);
  const o = options as RemoteConnection;
  const servers = Array.isArray(o.servers) ? o.servers : [o.servers];
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError(`${where}.servers must be a NATS URL or a list of them, e.g. 'nats://127.0.0.1:4222'`);
  }
  if (o.maxPayload !== undefined && (!Number.isInteger(o.maxPayload) || o.maxPayload < 1024)) {
    throw new TypeError(`${where}.maxPayload must be an integer number of bytes >= 1024, got ${String(o.maxPayload)}`);
  }
  if (o.subject !== undefined && (typeof o.subject !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(o.subject))) {
    throw new TypeError(`${where}.subject must be a NATS subject prefix without wildcards, got ${JSON.stringify(o.subject)}`);
  }
  return o;
}
