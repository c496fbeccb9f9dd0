/**
 * Kind `remote`: each instance lives on a host process somewhere on the network (`serveHost` / `objectproxypool
 * host`), reached through NATS. The pool side is this file: discover hosts, place instances on them, carry the
 * usual request/response batches, and notice when a host goes silent.
 *
 * Subjects (prefix P, see remote/wire.ts): the pool asks `P.discover` and every host serving the class answers;
 * it places instance i with a request to `P.host.<id>.spawn`; requests go to `P.inst.<instance>` and responses come
 * back on an inbox of the pool. Hosts publish `P.hb.<id>` heartbeats; a host silent for `hostTimeout` ms is lost
 * and its instances exit (WorkerExitedError for their calls, respawn elsewhere when the pool has `respawn`).
 */
import type { Transferable } from '../protocol/transfer.ts';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { Op, type Request, type Response } from '../protocol/messages.ts';
import {
  checkWireRuntime,
  DEFAULT_PREFIX, checkConnection, connectNats, decode, encode, natsClient, payloadLimit, subjects,
  type DiscoverAnswer, type SpawnAnswer, type SpawnRequest, type ToPool,
} from './wire.ts';
import { NotEnoughHostsError } from './errors.ts';
import { warnCopiedOnce } from '../protocol/transfer.ts';
import type { RemotePoolOptions } from './options.ts';
import { checkServiceName, discoverAnswerFromStats, statsSubject } from './service.ts';
import type { ExitInfo, SpawnSpec, WorkerChannel, WorkerKind } from '../kinds/worker-kind.ts';

export interface RemoteKind extends WorkerKind {
  /** Discover hosts and choose where each of the `count` instances goes; rejects with NotEnoughHostsError. */
  prepare(count: number): Promise<void>;
  /** Stop heartbeats and close the NATS connection (after every channel is terminated). */
  close(): Promise<void>;
}

/** After the last discovery answer, wait this long for more before placing (answers arrive within ~1 ms on a LAN). */
const SETTLE_MS = 40;

export async function createRemoteKind(remote: RemotePoolOptions | undefined, exportName: string): Promise<RemoteKind> {
  checkWireRuntime("kind 'remote'");
  const options = checkConnection(remote, 'option remote') as RemotePoolOptions;
  const discoveryTimeout = options.discoveryTimeout ?? 2000;
  const prefix = options.subject ?? DEFAULT_PREFIX;
  const service = options.service === undefined ? undefined : checkServiceName(options.service, 'option remote.service');
  const s = subjects(prefix);
  const nats = await natsClient();
  const nc = await connectNats(options, `objectproxypool pool (${exportName})`);
  const limit = payloadLimit(nc, options.maxPayload);
  const poolId = randomUUID().replaceAll('-', '');
  const watch = new HostWatch(nc, s, options.hostTimeout ?? 3000);
  // Hosts end the instances of a pool that stops beating (a pool killed without close()).
  const beat = setInterval(() => nc.publish(s.poolHeartbeat(poolId)), 1000);
  beat.unref();
  nc.publish(s.poolHeartbeat(poolId));

  const asking: Discovery = { nc, createInbox: () => nats.createInbox(), s, limit, exportName, prefix, service, timeout: discoveryTimeout, watch };
  const askedOn = service === undefined ? s.discover : statsSubject(service);
  const plan = new Map<number, string>();
  const context: RemoteContext = {
    nc,
    limit,
    poolId,
    exportName,
    spawnTimeout: options.spawnTimeout ?? 5000,
    s,
    createInbox: () => nats.createInbox(),
    track: (channel, hostId) => watch.track(channel, hostId),
    untrack: (channel, hostId) => watch.untrack(channel, hostId),
    async placeOne() {
      const answers = (await discover(asking, 1)).filter((a) => a.free > 0).sort((a, b) => b.free - a.free);
      if (answers.length === 0) throw new NotEnoughHostsError(1, 0, 0, exportName, askedOn, discoveryTimeout);
      return answers[0]!.hostId;
    },
  };

  return {
    name: 'remote',
    async prepare(count) {
      const answers = await discover(asking, count);
      const free = answers.reduce((sum, a) => sum + a.free, 0);
      if (free < count) throw new NotEnoughHostsError(count, answers.length, free, exportName, askedOn, discoveryTimeout);
      assign(plan, answers, count, 0);
    },
    spawn(spec: SpawnSpec): WorkerChannel {
      // The first instance of each index goes where prepare() planned; a respawn asks the hosts again.
      const hostId = plan.get(spec.index);
      plan.delete(spec.index);
      return new RemoteChannel(context, spec.index, hostId);
    },
    async close() {
      watch.stop();
      clearInterval(beat);
      await nc.drain().catch(() => nc.close());
    },
  };
}

/** The hosts' heartbeats: a host that stopped beating takes its instances with it; checked a few times per timeout. */
class HostWatch {
  readonly lastSeen = new Map<string, number>();
  /** Hosts declared lost: their late discovery answers are ignored. */
  readonly lost = new Set<string>();
  private readonly channelsOn = new Map<string, Set<RemoteChannel>>();
  private readonly heartbeats: Subscription;
  private readonly watchdog: ReturnType<typeof setInterval>;

  constructor(nc: NatsConnection, s: ReturnType<typeof subjects>, private readonly hostTimeout: number) {
    const hbPrefix = s.heartbeat('');
    this.heartbeats = nc.subscribe(s.heartbeats, {
      callback: (_error, msg) => {
        this.lastSeen.set(msg.subject.slice(hbPrefix.length), Date.now());
      },
    });
    this.watchdog = setInterval(() => this.check(), Math.max(20, Math.min(250, hostTimeout / 4)));
    this.watchdog.unref();
  }

  private check(): void {
    const now = Date.now();
    for (const [hostId, channels] of this.channelsOn) {
      if (channels.size === 0 || now - (this.lastSeen.get(hostId) ?? now) <= this.hostTimeout) continue;
      this.lost.add(hostId);
      for (const channel of [...channels]) channel.lose(`host ${hostId} lost: no heartbeat for ${this.hostTimeout} ms`);
    }
  }

  track(channel: RemoteChannel, hostId: string): void {
    if (!this.lastSeen.has(hostId)) this.lastSeen.set(hostId, Date.now());
    let set = this.channelsOn.get(hostId);
    if (!set) this.channelsOn.set(hostId, (set = new Set()));
    set.add(channel);
  }

  untrack(channel: RemoteChannel, hostId: string): void {
    this.channelsOn.get(hostId)?.delete(channel);
  }

  stop(): void {
    clearInterval(this.watchdog);
    this.heartbeats.unsubscribe();
  }
}

/** What a discovery round needs: where to ask, for which class, and the hosts already known lost. */
interface Discovery {
  nc: NatsConnection;
  createInbox(): string;
  s: ReturnType<typeof subjects>;
  limit: number;
  exportName: string;
  prefix: string;
  service: string | undefined;
  timeout: number;
  watch: HostWatch;
}

/** Ask every host serving the class; resolve once `needed` slots are offered (and answers settled) or on timeout. */
function discover(d: Discovery, needed: number): Promise<DiscoverAnswer[]> {
  return new Promise((resolve) => {
    const answers = new Map<string, DiscoverAnswer>();
    let settle: NodeJS.Timeout | undefined;
    const inbox = d.createInbox();
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(settle);
      sub.unsubscribe();
      resolve([...answers.values()]);
    };
    const timer = setTimeout(finish, d.timeout);
    const sub: Subscription = d.nc.subscribe(inbox, {
      callback: (_error, msg) => {
        let answer: DiscoverAnswer | undefined;
        try {
          answer = d.service === undefined ? (decode(msg.data) as DiscoverAnswer) : discoverAnswerFromStats(JSON.parse(new TextDecoder().decode(msg.data)), d.exportName, d.prefix);
        } catch {
          return;
        }
        if (answer?.exportName !== d.exportName || typeof answer.hostId !== 'string' || d.watch.lost.has(answer.hostId)) return;
        answers.set(answer.hostId, answer);
        d.watch.lastSeen.set(answer.hostId, Date.now());
        let free = 0;
        for (const a of answers.values()) free += a.free;
        if (free >= needed) {
          clearTimeout(settle);
          settle = setTimeout(finish, SETTLE_MS);
        }
      },
    });
    // By service name: the standard stats request, which every host of that service answers.
    if (d.service !== undefined) d.nc.publish(statsSubject(d.service), new Uint8Array(), { reply: inbox });
    else d.nc.publish(d.s.discover, encode({ exportName: d.exportName }, d.limit), { reply: inbox });
  });
}

/** Round-robin over hosts by free slots: 5 over hosts with 4 and 2 free → A, B, A, B, A. */
function assign(plan: Map<number, string>, answers: DiscoverAnswer[], count: number, first: number): void {
  const free = new Map(answers.map((a) => [a.hostId, a.free] as const));
  let index = first;
  while (index < first + count) {
    let placed = false;
    for (const [hostId, left] of free) {
      if (left <= 0 || index >= first + count) continue;
      plan.set(index++, hostId);
      free.set(hostId, left - 1);
      placed = true;
    }
    if (!placed) break;
  }
}

interface RemoteContext {
  nc: NatsConnection;
  limit: number;
  poolId: string;
  exportName: string;
  spawnTimeout: number;
  s: ReturnType<typeof subjects>;
  createInbox(): string;
  track(channel: RemoteChannel, hostId: string): void;
  untrack(channel: RemoteChannel, hostId: string): void;
  placeOne(): Promise<string>;
}

/** One instance on one host, seen from the pool. Requests posted before the host accepted it wait in order. */
class RemoteChannel implements WorkerChannel {
  private messageHandler: ((message: Response | Response[]) => void) | undefined;
  private exitHandler: ((info: ExitInfo) => void) | undefined;
  private readonly inbox: string;
  private readonly sub: Subscription;
  private subject: string | undefined;
  private hostId: string | undefined;
  private queued: Uint8Array[] | undefined = [];
  private ended = false;

  constructor(private readonly ctx: RemoteContext, private readonly index: number, hostId: string | undefined) {
    this.inbox = ctx.createInbox();
    this.sub = ctx.nc.subscribe(this.inbox, {
      callback: (_error, msg) => {
        if (this.ended) return;
        let message: unknown;
        try {
          message = decode(msg.data);
        } catch (error) {
          this.lose(`an answer from host ${this.hostId} could not be read: ${(error as Error).message}`);
          return;
        }
        if (Array.isArray(message)) this.messageHandler?.(message as Response | Response[]);
        else if ((message as ToPool)?.t === 'exit') this.lose((message as ToPool).reason, (message as ToPool).code);
      },
    });
    this.place(hostId).catch((error) => this.lose(`could not place instance ${index} on a host: ${(error as Error).message}`));
  }

  private async place(planned: string | undefined): Promise<void> {
    const { ctx } = this;
    const hostId = planned ?? (await ctx.placeOne());
    if (this.ended) return;
    const request: SpawnRequest = { poolId: ctx.poolId, index: this.index, exportName: ctx.exportName, replyTo: this.inbox };
    const reply = await ctx.nc.request(ctx.s.spawn(hostId), encode(request, ctx.limit), { timeout: ctx.spawnTimeout });
    const answer = decode(reply.data) as SpawnAnswer;
    if (!answer.ok) throw new Error(`host ${hostId} refused: ${answer.error}`);
    this.hostId = hostId;
    this.subject = ctx.s.instance(answer.instanceId);
    if (this.ended) {
      // Terminated while being placed: free the slot on the host at once.
      ctx.nc.publish(this.subject, encode({ t: 'end' }, ctx.limit));
      return;
    }
    ctx.track(this, hostId);
    const queued = this.queued ?? [];
    this.queued = undefined;
    for (const bytes of queued) ctx.nc.publish(this.subject, bytes);
  }

  post(message: Request | Request[], transfer?: Transferable[]): void {
    if (transfer) warnCopiedOnce('remote', transfer);
    if (this.ended) return;
    refuseLocalSegments(message);
    // Serialize now, so that a value too large fails this call synchronously, as an uncloneable one does.
    const bytes = encode(message, this.ctx.limit, Array.isArray(message[0]) ? 'this batch of requests' : 'the request');
    if (this.queued) this.queued.push(bytes);
    else this.ctx.nc.publish(this.subject!, bytes);
  }

  onMessage(handler: (message: Response | Response[]) => void): void {
    this.messageHandler = handler;
  }

  onExit(handler: (info: ExitInfo) => void): void {
    this.exitHandler = handler;
  }

  /** The instance is gone (host lost, host shut down, the instance's thread died, placement failed). */
  lose(reason: string, code?: number): void {
    if (this.ended) return;
    this.end();
    this.exitHandler?.({ code, error: new Error(reason) });
  }

  private end(): void {
    this.ended = true;
    this.sub.unsubscribe();
    if (this.hostId) this.ctx.untrack(this, this.hostId);
    if (this.subject && !this.ctx.nc.isClosed()) this.ctx.nc.publish(this.subject, encode({ t: 'end' }, this.ctx.limit));
  }

  async terminate(): Promise<void> {
    if (!this.ended) this.end();
  }

  setKeepAlive(_on: boolean): void {
    // The pool's NATS connection keeps the process alive until close(); nothing per instance to (un)ref.
  }
}

/**
 * A handle naming a shared-memory segment (`{ across: 'processes' }`) points at memory of this machine: a host
 * elsewhere cannot map it, and one on this machine would silently share it. Refuse it, saying what to do instead.
 * Only requests flagged as carrying handles are searched.
 */
function refuseLocalSegments(message: Request | Request[]): void {
  const batch = typeof message[0] === 'number' ? [message as Request] : (message as Request[]);
  for (const request of batch) {
    const flagged =
      (request[0] === Op.Init && request[1].argsHaveHandles) || (request[0] === Op.Call && request[4]) ||
      (request[0] === Op.Chunk && request[7]) || (request[0] === Op.Set && request[4]);
    if (flagged && namesSegment(request, new Set())) {
      throw new TypeError(
        "a shared array or lock allocated with { across: 'processes' } names memory of this machine and cannot be sent to a remote host; " +
          'send a SharedArrayWrapper made without that option (it is copied) or a plain typed array',
      );
    }
  }
}

function namesSegment(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || seen.has(value)) return false;
  seen.add(value);
  const record = value as Record<string, unknown>;
  if (typeof record.__objectproxypool_handle__ === 'string' && typeof record.segment === 'string') return true;
  return Object.keys(record).some((key) => namesSegment(record[key], seen));
}
