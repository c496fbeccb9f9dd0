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
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { Op, Status, type Request, type Response } from '../protocol/messages.ts';
import { encodeError } from '../protocol/error-codec.ts';
import { threadKind } from '../kinds/thread.ts';
import type { WorkerChannel } from '../kinds/worker-kind.ts';
import { connectNats, decode, encode, payloadLimit, subjects, type DiscoverAnswer, type DiscoverQuery, type SpawnAnswer, type SpawnRequest, type ToHost, type ToPool } from './wire.ts';
import { PayloadTooLargeError } from './errors.ts';
import { ServeTally, announce, type Announced } from './service.ts';
import { hostConfig, type HostConfig, type HostOptions } from './host-config.ts';

export type { HostOptions } from './host-config.ts';

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
 * import { serveHost } from 'objectproxypool/remote';
 * const host = await serveHost({ servers: 'nats://10.0.0.5:4222', module: './model.js', capacity: 4 });
 * process.on('SIGTERM', () => void host.close());
 */
export async function serveHost(options: HostOptions): Promise<Host> {
  const config = await hostConfig(options);
  const nc = await connectNats(options, `objectproxypool host ${config.hostId} (${config.exportName})`);
  const server = new HostServer(nc, config);
  await server.listen();
  return server.view();
}

/**
 * One running host: answers discovery, places instances (one thread worker each), relays their batches between
 * NATS and the threads, tells pools it is alive and drops the instances of pools that went silent.
 */
class HostServer {
  private readonly s: ReturnType<typeof subjects>;
  private readonly limit: number;
  private readonly instances = new Map<string, Instance>();
  private readonly tally = new ServeTally();
  /** When each pool last said it was alive (its heartbeat, or placing an instance). */
  private readonly poolSeen = new Map<string, number>();
  private closing = false;
  private closed: Promise<void> | undefined;
  private discovery: { unsubscribe(): void } | undefined;
  private spawning: { unsubscribe(): void } | undefined;
  private announced: Announced | undefined;
  private pools: { unsubscribe(): void } | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private done: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly config: HostConfig,
  ) {
    this.s = subjects(config.prefix);
    this.limit = payloadLimit(nc, config.maxPayload);
  }

  /** Subscribes, announces the service if asked, starts the heartbeat. Resolves once placements can arrive. */
  async listen(): Promise<void> {
    const { nc, s, config } = this;
    this.discovery = nc.subscribe(s.discover, { callback: (_error, msg) => this.onDiscover(msg) });
    // As a service, placements go through the service's endpoint, which counts them; else a plain subscription.
    if (config.service === undefined) this.spawning = nc.subscribe(s.spawn(config.hostId), { callback: this.onSpawn });
    // Announced last: a placement may arrive as soon as the endpoint exists.
    else await this.announce(config.service);
    this.pools = nc.subscribe(s.poolHeartbeats, {
      callback: (_error, msg) => {
        this.poolSeen.set(msg.subject.slice(s.poolHeartbeat('').length), Date.now());
      },
    });
    this.heartbeat = setInterval(() => this.beat(), config.heartbeatMs);
    nc.publish(s.heartbeat(config.hostId));
    config.log(`host ${config.hostId} serving ${config.exportName} from ${config.moduleUrl} (capacity ${config.capacity}) on ${s.discover}`);
    // A connection lost for good (server gone past the reconnect attempts) ends the instances: nobody can reach them.
    this.done = nc.closed().then(() => {
      clearInterval(this.heartbeat);
      if (this.closing) return;
      this.closing = true;
      for (const instance of [...this.instances.values()]) this.end(instance, undefined);
      config.log(`host ${config.hostId}: connection to NATS lost; stopped`);
    });
  }

  /** The Host handed to the caller: what it may read, and close. */
  view(): Host {
    const server = this;
    return {
      hostId: this.config.hostId,
      done: this.done!,
      exportName: this.config.exportName,
      capacity: this.config.capacity,
      get active() {
        return server.instances.size;
      },
      close: (graceMs?: number) => this.close(graceMs),
    };
  }

  private async announce(service: string): Promise<void> {
    const { hostId, exportName, prefix, capacity, heartbeatMs } = this.config;
    const data = () => ({
      hostId, exportName, subject: prefix, capacity, instances: this.instances.size, free: capacity - this.instances.size,
      heartbeatMs, requests: this.tally.requests, tasks: this.tally.tasks, errors: this.tally.errors, averageMs: this.tally.averageMs,
    });
    try {
      this.announced = await announce(this.nc, service, this.s.spawn(hostId), this.onSpawn, data);
    } catch (error) {
      await this.nc.close();
      throw error;
    }
  }

  private serves(exportName: unknown): boolean {
    return exportName === this.config.exportName || exportName === this.config.exportKey;
  }

  private send(subject: string, value: unknown): void {
    if (!this.nc.isClosed()) this.nc.publish(subject, encode(value, this.limit));
  }

  private onDiscover(msg: { data: Uint8Array; reply?: string; respond(data: Uint8Array): boolean }): void {
    if (this.closing || !msg.reply) return;
    let query: DiscoverQuery;
    try {
      query = decode(msg.data) as DiscoverQuery;
    } catch {
      return;
    }
    if (!this.serves(query?.exportName)) return; // another class: other hosts answer
    const { hostId, capacity, heartbeatMs } = this.config;
    const answer: DiscoverAnswer = { hostId, exportName: query.exportName, capacity, free: capacity - this.instances.size, heartbeatMs };
    msg.respond(encode(answer, this.limit));
  }

  private readonly onSpawn = (_error: Error | null, msg: { data: Uint8Array; respond(data: Uint8Array): boolean }): void => {
    const refuse = (error: string): void => {
      msg.respond(encode({ ok: false, error } satisfies SpawnAnswer, this.limit));
    };
    let request: SpawnRequest;
    try {
      request = decode(msg.data) as SpawnRequest;
    } catch (error) {
      return refuse(`unreadable request: ${(error as Error).message}`);
    }
    const { exportName, capacity } = this.config;
    if (this.closing) return refuse('the host is shutting down');
    if (!this.serves(request?.exportName)) return refuse(`this host serves ${exportName}, not ${String(request?.exportName)}`);
    if (this.instances.size >= capacity) return refuse(`the host is full (${capacity} instances)`);
    if (typeof request.replyTo !== 'string' || typeof request.poolId !== 'string') return refuse('malformed request');
    const instance = this.start(request);
    msg.respond(encode({ ok: true, instanceId: instance.id } satisfies SpawnAnswer, this.limit));
  };

  private start(request: SpawnRequest): Instance {
    const { config } = this;
    const id = randomUUID().replaceAll('-', '');
    const channel = threadKind.spawn({ index: request.index, module: config.moduleUrl });
    const instance: Instance = { id, poolId: request.poolId, replyTo: request.replyTo, channel, pending: new Map(), unsubscribe: () => {} };
    const sub = this.nc.subscribe(this.s.instance(id), { callback: (_error, msg) => this.fromPool(instance, msg.data) });
    instance.unsubscribe = () => sub.unsubscribe();
    this.instances.set(id, instance);
    this.poolSeen.set(request.poolId, Date.now());
    channel.onMessage((message) => this.relay(instance, message));
    channel.onExit((info) => {
      const reason = `instance ${request.index} on host ${config.hostId} exited` + (info.error ? `: ${(info.error as Error)?.message ?? info.error}` : '');
      this.end(instance, { t: 'exit', code: info.code, reason });
    });
    channel.setKeepAlive(true);
    config.log(`instance ${id} (worker ${request.index} of pool ${request.poolId}) started; ${this.instances.size}/${config.capacity} in use`);
    return instance;
  }

  /** Pool → thread: vetted requests go on; the end notice ends the instance. */
  private fromPool(instance: Instance, data: Uint8Array): void {
    let message: Request | Request[] | ToHost;
    try {
      message = decode(data) as Request | Request[] | ToHost;
    } catch (error) {
      this.config.log(`instance ${instance.id}: unreadable message dropped (${(error as Error).message})`);
      return;
    }
    if (!Array.isArray(message)) {
      if (message?.t === 'end') this.end(instance, undefined);
      return;
    }
    const batch = typeof message[0] === 'number' ? [message as Request] : (message as Request[]);
    const accepted: Request[] = [];
    for (const request of batch) {
      const refused = this.vet(request);
      if (refused) {
        this.send(instance.replyTo, [refused]);
        continue;
      }
      if (request[0] !== Op.Init && request[0] !== Op.Cancel) instance.pending.set(request[1] as number, performance.now());
      accepted.push(request);
    }
    if (accepted.length > 0) instance.channel.post(accepted);
  }

  /** The module and export come from the host, never from the pool; reserved fields are not writable. */
  private vet(request: Request): Response | undefined {
    if (request[0] === Op.Init) {
      request[1].module = this.config.moduleUrl;
      request[1].exportName = this.config.exportKey;
      // Class source (the local-only shipSource option) is never evaluated from the wire.
      delete request[1].source;
      return undefined;
    }
    if ((request[0] === Op.Set || request[0] === Op.Get) && RESERVED.has(request[2])) {
      return [request[1], Status.Err, encodeError(new TypeError(`"${request[2]}" is reserved and cannot be read or written remotely`))];
    }
    return undefined;
  }

  /** Thread → pool. A batch too large for one message goes response by response; a single oversized result becomes its error. */
  private relay(instance: Instance, message: Response | Response[]): void {
    const batch = typeof message[0] === 'number' ? [message as Response] : (message as Response[]);
    for (const response of batch) {
      if (response[1] === Status.Ready) continue;
      const startedAt = instance.pending.get(response[0]);
      if (instance.pending.delete(response[0])) this.count(response, startedAt);
    }
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(instance.replyTo, encode(batch, this.limit));
      return;
    } catch (error) {
      if (!(error instanceof PayloadTooLargeError)) throw error;
    }
    for (const response of batch) {
      try {
        this.nc.publish(instance.replyTo, encode([response], this.limit));
      } catch (error) {
        const what = response[1] === Status.Chunk ? 'the results of this map chunk' : 'the result';
        const tooLarge = new PayloadTooLargeError((error as PayloadTooLargeError).bytes, this.limit, what);
        this.send(instance.replyTo, [[response[0], Status.Err, encodeError(tooLarge)]]);
      }
    }
  }

  /** One answered request into the tally: a map chunk counts its tasks and its failed ones. */
  private count(response: Response, startedAt: number | undefined): void {
    if (response[1] === Status.Chunk) {
      const results = response[2] as ArrayLike<unknown>;
      this.tally.served(startedAt, results.length, Array.isArray(response[3]) ? response[3].length : 0);
    } else if (response[1] === Status.Ok || response[1] === Status.Err) {
      this.tally.served(startedAt, 1, response[1] === Status.Err ? 1 : 0);
    }
  }

  private end(instance: Instance, notice: ToPool | undefined): void {
    if (!this.instances.delete(instance.id)) return;
    instance.unsubscribe();
    if (notice) this.send(instance.replyTo, notice);
    void instance.channel.terminate();
    this.config.log(`instance ${instance.id} ended${notice ? ` (${notice.reason})` : ''}; ${this.instances.size}/${this.config.capacity} in use`);
  }

  /** Tells pools this host is alive; ends the instances of pools silent for longer than poolTimeout. */
  private beat(): void {
    if (!this.nc.isClosed()) this.nc.publish(this.s.heartbeat(this.config.hostId));
    const now = Date.now();
    for (const instance of [...this.instances.values()]) {
      if (now - (this.poolSeen.get(instance.poolId) ?? now) > this.config.poolTimeout) this.end(instance, undefined);
    }
  }

  private close(graceMs = 10_000): Promise<void> {
    return (this.closed ??= (async () => {
      this.closing = true;
      this.discovery?.unsubscribe();
      this.spawning?.unsubscribe();
      await this.announced?.stop().catch(() => {});
      const deadline = Date.now() + graceMs;
      while ([...this.instances.values()].some((i) => i.pending.size > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const instance of [...this.instances.values()]) this.end(instance, { t: 'exit', reason: `host ${this.config.hostId} shut down` });
      clearInterval(this.heartbeat);
      this.pools?.unsubscribe();
      await this.nc.drain().catch(() => this.nc.close());
      this.config.log(`host ${this.config.hostId} closed`);
    })());
  }
}
