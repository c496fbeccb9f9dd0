/**
 * What runs inside a worker around the user's instance, read like the host side: a WorkerRuntime owns one
 * endpoint and composes five named parts —
 *   load      LoadedInstance (loaded-instance.ts): construct the instance from Init, the names it answers to;
 *   dispatch  Dispatcher (dispatch.ts): calls, map chunks, field reads and writes, cancels;
 *   reply     Replies (replies.ts): answers, encoded and coalesced through the outbox the host uses too;
 *   uplink    WorkerUplink (worker-uplink.ts): the worker's own requests to the host;
 *   dispose   LoadedInstance.dispose, then the endpoint's close.
 * The inbox (inbox.ts) sits in front: requests wait there until started, so a cancel withdraws them.
 * The same code serves every worker kind; a kind only supplies the endpoint (a MessagePort, `self`, ...).
 */
import type { Transferable } from '../protocol/transfer.ts';
import { Op, type InitPayload, type Request, type Response } from '../protocol/messages.ts';
import { onServiceFunction } from './service-functions.ts';
import { Inbox } from './inbox.ts';
import { Replies } from './replies.ts';
import { WorkerUplink } from './worker-uplink.ts';
import { LoadedInstance } from './loaded-instance.ts';
import { Dispatcher } from './dispatch.ts';
import { loadWorkerExtensions } from './worker-extensions.ts';

export interface RuntimeEndpoint {
  /** Sends one response or a batch of them; `transfer`: what moves instead of being copied (worker-side transfer()). */
  post(message: Response | Response[], transfer?: Transferable[]): void;
  /** Receives one request (a tuple starting with its op code) or a batch of them. */
  onMessage(handler: (message: Request | Request[]) => void): void;
  /** Called once the Close acknowledgement is posted; the endpoint may end the worker. */
  close(): void;
  /** The worker shares the host's realm (inline): it owns only the pools its calls create, not the realm's. */
  sharedRealm?: boolean;
  /** Messages arrive each in its own process.nextTick (a child process's IPC): see Inbox's `deferStart`. */
  arrivesInTicks?: boolean;
  /** Hands every message already queued for this worker to `take`, synchronously, if the channel can (inbox.ts). */
  drain?(take: (message: Request | Request[]) => void): void;
}

export type ClassSource = (init: InitPayload) => Promise<new (...args: any[]) => object>;

export class WorkerRuntime {
  private readonly replies: Replies;
  private readonly uplink: WorkerUplink;
  private readonly loaded: LoadedInstance;
  private readonly dispatcher: Dispatcher;
  private readonly inbox: Inbox;
  private readonly unsubscribe: () => void;
  /**
   * Requests that arrive while the instance is being constructed (or the extensions loaded) wait here: the host
   * may send calls right behind the Init message (a respawned worker is used at once), and the channel keeps them
   * in order.
   */
  private waiting: Request[] | undefined;
  private extensionsLoaded = false;
  private extensionsLoading: Promise<void> | undefined;

  constructor(
    private readonly endpoint: RuntimeEndpoint,
    classSource: ClassSource,
  ) {
    this.replies = new Replies(endpoint);
    this.uplink = new WorkerUplink(this.replies);
    this.loaded = new LoadedInstance(endpoint, classSource, this.uplink, this.replies);
    this.dispatcher = new Dispatcher(this.loaded, this.replies, this.uplink);
    // Requests wait here until started, so that a cancel received meanwhile withdraws them (inbox.ts).
    this.inbox = new Inbox(
      (request) => this.handle(request),
      this.dispatcher.isRunning,
      (fn) => this.replies.asMessage(fn),
      () => this.uplink.request('barrier', undefined),
      endpoint.arrivesInTicks,
      this.dispatcher.cancel,
      endpoint.drain?.bind(endpoint),
    );
    this.dispatcher.inbox = this.inbox;
    // Service functions exposed once the instance exists are announced, so the host's proxy accepts their names.
    this.unsubscribe = onServiceFunction((names, of) => {
      if (this.loaded.instance && (of === undefined || of === this.loaded.context)) this.uplink.notify('expose', names);
    });
    // Answers to synchronous calls leave as soon as the message is handled, in one message.
    endpoint.onMessage((message) => this.replies.asMessage(() => this.inbox.receive(message)));
  }

  /**
   * Shared memory, collective groups and instance handles are loaded the first time a message carries a handle
   * (worker-extensions.ts): most pools never pass one.
   */
  private readonly loadExtensions = (): Promise<void> =>
    (this.extensionsLoading ??= loadWorkerExtensions().then(() => {
      this.extensionsLoaded = true;
    }));

  private handle(request: Request): void {
    if (request[0] === Op.Reply) return this.uplink.answer(request[1], request[2], request[3], request[4]);
    if (this.waiting && request[0] !== Op.Cancel) {
      this.waiting.push(request);
      return;
    }
    if (!this.extensionsLoaded && carriesHandles(request)) return this.waitForExtensions(request);
    if (!this.loaded.instance && request[0] !== Op.Init && request[0] !== Op.Close && request[0] !== Op.Cancel) {
      return this.replies.fail(request[1], new Error('the instance of this worker failed to construct'));
    }
    switch (request[0]) {
      case Op.Call:
        return this.dispatcher.call(request);
      case Op.Chunk:
        return this.dispatcher.chunk(request);
      case Op.Get:
        return this.dispatcher.get(request[1], request[2]);
      case Op.Set:
        return this.dispatcher.set(request[1], request[2], request[3], request[4]);
      case Op.Cancel:
        // Cancels act on arrival, in the inbox (which also aborts taskContext().signal); none reaches here.
        return;
      case Op.Close:
        return void this.dispose(request[1]);
      case Op.Init:
        return void this.init(request[1]);
    }
  }

  private waitForExtensions(request: Request): void {
    this.waiting = [request];
    this.loadExtensions().then(this.drainWaiting, (error) => {
      // Without the extensions no handle can be rebuilt: fail what waited, keep the worker.
      const queued = this.waiting ?? [];
      this.waiting = undefined;
      for (const r of queued) if (r[0] !== Op.Cancel && r[0] !== Op.Init) this.replies.fail(r[1] as number, error);
    });
  }

  private readonly drainWaiting = (): void => {
    const queued = this.waiting ?? [];
    this.waiting = undefined;
    for (const request of queued) this.handle(request);
    this.replies.flush();
  };

  private async init(payload: InitPayload): Promise<void> {
    this.waiting = [];
    await this.loaded.construct(payload, this.loadExtensions);
    // Announce readiness now: a queued request may be a long synchronous task (or a fatal one), and the host
    // must not stay unaware that this instance exists.
    this.replies.flush();
    this.drainWaiting();
  }

  private async dispose(id: number): Promise<void> {
    // Inline instances share the registry's realm with the host: let go of this one.
    this.unsubscribe();
    await this.loaded.dispose(id);
    // Let the acknowledgement leave before the endpoint goes away.
    queueMicrotask(() => {
      this.replies.flush();
      this.endpoint.close();
    });
  }
}

function carriesHandles(request: Request): boolean {
  return Boolean((request[0] === Op.Call && request[4]) || (request[0] === Op.Chunk && request[7]) || (request[0] === Op.Set && request[4]));
}
