/**
 * A worker host: serves instances of one class, from one module chosen when the host starts, to pools that reach
 * it through NATS. Each instance is a worker thread of the host process (the `thread` kind, unchanged), so the
 * instances of a host run in parallel, a long synchronous method never silences the host's heartbeat, and a crash
 * ends one instance, not the host. The host's main thread only relays bytes between NATS and those threads.
 *
 * What the wire can do is limited on purpose: the Init message's module and export are replaced by the host's own
 * (a pool cannot make a host load anything), the runtime in each thread calls only the class's own methods, field
 * writes to reserved names are refused, and payloads are decoded with `v8.deserialize`, which never runs code.
 */
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { Op, Status, type Request, type Response } from '../protocol/messages.ts';
import { encodeError } from '../protocol/error-codec.ts';
import { isClass, pickExport } from '../runtime/load-class.ts';
import { threadKind } from '../kinds/thread.ts';
import type { WorkerChannel } from '../kinds/worker-kind.ts';
import { DEFAULT_PREFIX, checkConnection, checkWireRuntime, connectNats, decode, encode, payloadLimit, subjects, type DiscoverAnswer, type DiscoverQuery, type SpawnAnswer, type SpawnRequest, type ToHost, type ToPool } from './wire.ts';
import { PayloadTooLargeError } from './errors.ts';
import type { RemoteConnection } from './options.ts';
import { ServeTally, announce, checkServiceName, type Announced } from './service.ts';

/**
 * Options of `serveHost` (and of the `objectproxypool host` command).
 *
 * @example
 * const options: HostOptions = { servers: 'nats://10.0.0.5:4222', module: './model.js', capacity: 8 };
 */
export interface HostOptions extends RemoteConnection {
  /** The module exporting the class this host serves: a path or a URL. The only code this host will run. */
  module: string | URL;
  /** The class's export name. Default: the module's only exported class (or its default export). */
  exportName?: string;
  /** Instances this host holds at most (one worker thread each). Default: the machine's available parallelism. */
  capacity?: number;
  /** How often the host tells pools it is alive, in ms. Pools declare it lost after their `hostTimeout`. Default 500. */
  heartbeatMs?: number;
  /** Instances of a pool silent for this long (killed without close) are ended. Default 10000 ms. */
  poolTimeout?: number;
  /** Where the host reports what it does (one line per event). Default: nothing. */
  log?: (line: string) => void;
  /**
   * Announce the host as a NATS service of this name (NATS's service API: `$SRV.PING|INFO|STATS`; needs the
   * optional peer @nats-io/services). Pools then find it with `remote: { service: name }`, and
   * `objectproxypool host status` lists it with what it served. Default: no service, pools find it by class.
   */
  service?: string;
}

/**
 * A running host, as returned by `serveHost`.
 *
 * @example
 * const host = await serveHost({ servers, module: './model.js' });
 * process.on('SIGTERM', () => host.close());
 */
export interface Host {
  /** This host's id on the wire (heartbeat and spawn subjects). */
  readonly hostId: string;
  /** The class served. */
  readonly exportName: string;
  readonly capacity: number;
  /** Instances currently held. */
  readonly active: number;
  /**
   * Graceful shutdown: stop accepting instances, let calls in flight finish (at most `graceMs`, default 10 s),
   * then hand the instances back — their pools see them exit and respawn or retry elsewhere — and disconnect.
   */
  close(graceMs?: number): Promise<void>;
  /** Settles when the host has stopped: after close(), or when its NATS connection is lost for good. */
  readonly done: Promise<void>;
}

interface Instance {
  id: string;
  poolId: string;
  replyTo: string;
  channel: WorkerChannel;
  /** Requests not answered yet, by id, with when they arrived (graceful shutdown waits for them; stats time them). */
  pending: Map<number, number>;
  unsubscribe(): void;
}

const RESERVED = new Set(['__proto__', 'constructor', 'prototype', 'then']);

/**
 * Serve instances of one class to remote pools. Resolves once connected and listening.
 *
 * @example
 * import { serveHost } from 'objectproxypool';
 * const host = await serveHost({ servers: 'nats://10.0.0.5:4222', module: './model.js', capacity: 4 });
 * process.on('SIGTERM', () => void host.close());
 */
export async function serveHost(options: HostOptions): Promise<Host> {
  checkWireRuntime('a remote host');
  checkConnection(options, 'serveHost options');
  if (options.module === undefined || options.module === '') throw new TypeError('serveHost needs { module }: the module exporting the class to serve');
  const moduleUrl = toUrl(options.module);
  const { key: exportKey, name: exportName } = await findExport(moduleUrl, options.exportName);
  const capacity = options.capacity ?? availableParallelism();
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`host capacity must be a positive integer, got ${String(capacity)}`);
  const heartbeatMs = options.heartbeatMs ?? 500;
  const service = options.service === undefined ? undefined : checkServiceName(options.service, 'host option service');
  const poolTimeout = options.poolTimeout ?? 10_000;
  const log = options.log ?? (() => {});
  const s = subjects(options.subject ?? DEFAULT_PREFIX);
  const hostId = randomUUID().replaceAll('-', '').slice(0, 16);
  const nc = await connectNats(options, `objectproxypool host ${hostId} (${exportName})`);
  const limit = payloadLimit(nc, options.maxPayload);
  const instances = new Map<string, Instance>();
  const tally = new ServeTally();
  const poolSeen = new Map<string, number>();
  let closing = false;

  const send = (subject: string, value: unknown) => {
    if (!nc.isClosed()) nc.publish(subject, encode(value, limit));
  };

  const discovery = nc.subscribe(s.discover, {
    callback: (_error, msg) => {
      if (closing || !msg.reply) return;
      let query: DiscoverQuery;
      try {
        query = decode(msg.data) as DiscoverQuery;
      } catch {
        return;
      }
      if (query?.exportName !== exportName && query?.exportName !== exportKey) return; // another class: other hosts answer
      const answer: DiscoverAnswer = { hostId, exportName: query.exportName, capacity, free: capacity - instances.size, heartbeatMs };
      msg.respond(encode(answer, limit));
    },
  });

  const onSpawn = (_error: Error | null, msg: { data: Uint8Array; respond(data: Uint8Array): boolean }): void => {
    const refuse = (error: string): void => {
      msg.respond(encode({ ok: false, error } satisfies SpawnAnswer, limit));
    };
    let request: SpawnRequest;
    try {
      request = decode(msg.data) as SpawnRequest;
    } catch (error) {
      return refuse(`unreadable request: ${(error as Error).message}`);
    }
    if (closing) return refuse('the host is shutting down');
    if (request?.exportName !== exportName && request?.exportName !== exportKey) return refuse(`this host serves ${exportName}, not ${String(request?.exportName)}`);
    if (instances.size >= capacity) return refuse(`the host is full (${capacity} instances)`);
    if (typeof request.replyTo !== 'string' || typeof request.poolId !== 'string') return refuse('malformed request');
    const instance = start(request);
    msg.respond(encode({ ok: true, instanceId: instance.id } satisfies SpawnAnswer, limit));
  };
  // As a service, placements go through the service's endpoint, which counts them; else a plain subscription.
  let announced: Announced | undefined;
  const spawning = service === undefined ? nc.subscribe(s.spawn(hostId), { callback: onSpawn }) : undefined;
  const start = (request: SpawnRequest): Instance => {
    const id = randomUUID().replaceAll('-', '');
    const channel = threadKind.spawn({ index: request.index, module: moduleUrl });
    const pending = new Map<number, number>();
    const sub = nc.subscribe(s.instance(id), {
      callback: (_error, msg) => {
        let message: Request | Request[] | ToHost;
        try {
          message = decode(msg.data) as Request | Request[] | ToHost;
        } catch (error) {
          log(`instance ${id}: unreadable message dropped (${(error as Error).message})`);
          return;
        }
        if (!Array.isArray(message)) {
          if (message?.t === 'end') end(instance, undefined);
          return;
        }
        const batch = typeof message[0] === 'number' ? [message as Request] : (message as Request[]);
        const accepted: Request[] = [];
        for (const request of batch) {
          const refused = vet(request);
          if (refused) {
            send(instance.replyTo, [refused]);
            continue;
          }
          if (request[0] !== Op.Init && request[0] !== Op.Cancel) pending.set(request[1] as number, performance.now());
          accepted.push(request);
        }
        if (accepted.length > 0) channel.post(accepted);
      },
    });
    const instance: Instance = { id, poolId: request.poolId, replyTo: request.replyTo, channel, pending, unsubscribe: () => sub.unsubscribe() };
    instances.set(id, instance);
    poolSeen.set(request.poolId, Date.now());
    channel.onMessage((message) => relay(instance, message));
    channel.onExit((info) => {
      const reason = `instance ${request.index} on host ${hostId} exited` + (info.error ? `: ${(info.error as Error)?.message ?? info.error}` : '');
      end(instance, { t: 'exit', code: info.code, reason });
    });
    channel.setKeepAlive(true);
    log(`instance ${id} (worker ${request.index} of pool ${request.poolId}) started; ${instances.size}/${capacity} in use`);
    return instance;
  };

  /** The module and export come from the host, never from the pool; reserved fields are not writable. */
  const vet = (request: Request): Response | undefined => {
    if (request[0] === Op.Init) {
      request[1].module = moduleUrl;
      request[1].exportName = exportKey;
      // Class source (the local-only shipSource option) is never evaluated from the wire.
      delete request[1].source;
      return undefined;
    }
    if ((request[0] === Op.Set || request[0] === Op.Get) && RESERVED.has(request[2])) {
      return [request[1], Status.Err, encodeError(new TypeError(`"${request[2]}" is reserved and cannot be read or written remotely`))];
    }
    return undefined;
  };

  /** Thread → pool. A batch too large for one message goes response by response; a single oversized result becomes its error. */
  const relay = (instance: Instance, message: Response | Response[]) => {
    const batch = typeof message[0] === 'number' ? [message as Response] : (message as Response[]);
    for (const response of batch) {
      if (response[1] === Status.Ready) continue;
      const startedAt = instance.pending.get(response[0]);
      if (instance.pending.delete(response[0])) count(response, startedAt);
    }
    if (nc.isClosed()) return;
    try {
      nc.publish(instance.replyTo, encode(batch, limit));
      return;
    } catch (error) {
      if (!(error instanceof PayloadTooLargeError)) throw error;
    }
    for (const response of batch) {
      try {
        nc.publish(instance.replyTo, encode([response], limit));
      } catch (error) {
        const what = response[1] === Status.Chunk ? 'the results of this map chunk' : 'the result';
        const tooLarge = new PayloadTooLargeError((error as PayloadTooLargeError).bytes, limit, what);
        send(instance.replyTo, [[response[0], Status.Err, encodeError(tooLarge)]]);
      }
    }
  };

  /** One answered request into the tally: a map chunk counts its tasks and its failed ones. */
  const count = (response: Response, startedAt: number | undefined) => {
    if (response[1] === Status.Chunk) {
      const results = response[2] as ArrayLike<unknown>;
      tally.served(startedAt, results.length, Array.isArray(response[3]) ? response[3].length : 0);
    } else if (response[1] === Status.Ok || response[1] === Status.Err) {
      tally.served(startedAt, 1, response[1] === Status.Err ? 1 : 0);
    }
  };

  const end = (instance: Instance, notice: ToPool | undefined) => {
    if (!instances.delete(instance.id)) return;
    instance.unsubscribe();
    if (notice) send(instance.replyTo, notice);
    void instance.channel.terminate();
    log(`instance ${instance.id} ended${notice ? ` (${notice.reason})` : ''}; ${instances.size}/${capacity} in use`);
  };

  // Announced last: a placement may arrive as soon as the endpoint exists.
  if (service !== undefined) {
    const data = () => ({
      hostId, exportName, subject: options.subject ?? DEFAULT_PREFIX, capacity, instances: instances.size, free: capacity - instances.size,
      heartbeatMs, requests: tally.requests, tasks: tally.tasks, errors: tally.errors, averageMs: tally.averageMs,
    });
    try {
      announced = await announce(nc, service, s.spawn(hostId), onSpawn, data);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  const pools = nc.subscribe(s.poolHeartbeats, {
    callback: (_error, msg) => {
      poolSeen.set(msg.subject.slice(s.poolHeartbeat('').length), Date.now());
    },
  });
  const heartbeat = setInterval(() => {
    if (!nc.isClosed()) nc.publish(s.heartbeat(hostId));
    const now = Date.now();
    for (const instance of [...instances.values()]) {
      if (now - (poolSeen.get(instance.poolId) ?? now) > poolTimeout) end(instance, undefined);
    }
  }, heartbeatMs);
  nc.publish(s.heartbeat(hostId));
  log(`host ${hostId} serving ${exportName} from ${moduleUrl} (capacity ${capacity}) on ${s.discover}`);

  let closed: Promise<void> | undefined;
  const close = (graceMs = 10_000): Promise<void> =>
    (closed ??= (async () => {
      closing = true;
      discovery.unsubscribe();
      spawning?.unsubscribe();
      await announced?.stop().catch(() => {});
      const deadline = Date.now() + graceMs;
      while ([...instances.values()].some((i) => i.pending.size > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const instance of [...instances.values()]) end(instance, { t: 'exit', reason: `host ${hostId} shut down` });
      clearInterval(heartbeat);
      pools.unsubscribe();
      await nc.drain().catch(() => nc.close());
      log(`host ${hostId} closed`);
    })());

  // A connection lost for good (server gone past the reconnect attempts) ends the instances: nobody can reach them.
  const done = nc.closed().then(() => {
    clearInterval(heartbeat);
    if (closing) return;
    closing = true;
    for (const instance of [...instances.values()]) end(instance, undefined);
    log(`host ${hostId}: connection to NATS lost; stopped`);
  });

  return {
    hostId,
    done,
    exportName,
    capacity,
    get active() {
      return instances.size;
    },
    close,
  };
}

function toUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

/** Load the module once here, so that a wrong path or export fails the host at start, not each pool later. */
async function findExport(moduleUrl: string, exportName: string | undefined): Promise<{ key: string; name: string }> {
  let exports: Record<string, unknown>;
  try {
    exports = await import(moduleUrl);
  } catch (error) {
    throw new Error(`the host cannot load its module ${moduleUrl}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  if (exportName !== undefined) {
    return { key: exportName, name: pickExport(exports, exportName, moduleUrl).name || exportName };
  }
  const classes = Object.keys(exports).filter((key) => key !== 'default' && isClass(exports[key]));
  if (classes.length === 1) return { key: classes[0]!, name: (exports[classes[0]!] as { name: string }).name || classes[0]! };
  if (isClass(exports.default) && classes.length === 0) return { key: 'default', name: exports.default.name || 'default' };
  throw new TypeError(`${moduleUrl} exports ${classes.length === 0 ? 'no class' : `several classes (${classes.join(', ')})`}; say which one to serve with exportName (--export)`);
}
