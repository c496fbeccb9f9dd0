/**
 * The core's side of the extension point (extension.ts), one per pool: its up-topic table, its lost/ready
 * listeners, its request watchers and the layers' per-pool state. The pool core only routes; each topic belongs
 * to the core itself (below) or to a layer that registered it on THIS pool. A request (`wantsReply`) is answered
 * exactly once with Op.Reply; a topic nobody registered is answered with an error naming it, so a worker never
 * waits for an answer that cannot come.
 */
import { Op, Status, type Response } from '../protocol/messages.ts';
import { decodeError, encodeError, type EncodedError } from '../protocol/error-codec.ts';
import { encodeValue } from '../protocol/value-codec.ts';
import type { WorkerSlot } from './worker-slot.ts';
import { announcePool, forgetPool, type PoolExtension, type RequestWatcher, type UpHandler, type UpMessage } from './extension.ts';

/** What the extension host needs from the pool core (kept narrow to avoid importing it). */
export interface ExtendedCore {
  readonly id: number;
  readonly slots: readonly WorkerSlot[];
  readonly state: PoolExtension['state'];
  readonly options: { readonly kind: string };
  addMethods(names: readonly string[]): void;
  callOn(index: number, method: string, args: unknown[]): Promise<unknown>;
}

/** A handler of the core's own topics: it also gets the slot (its flags are the core's business). */
type CoreHandler = (message: UpMessage, slot: WorkerSlot) => void;

export class ExtensionHost implements PoolExtension {
  private readonly topics = new Map<string, CoreHandler>();
  private readonly lost = new Set<(workerIndex: number, reason: Error) => void>();
  private readonly readyListeners = new Set<(workerIndex: number) => void>();
  private readonly locals = new Map<object | symbol, unknown>();
  /** Shared with every slot of the pool (WorkerSlot.watchers): empty unless a layer watches. */
  readonly watchers: RequestWatcher[] = [];

  constructor(private readonly core: ExtendedCore) {}

  get poolId(): number {
    return this.core.id;
  }

  get workerCount(): number {
    return this.core.slots.length;
  }

  get state(): PoolExtension['state'] {
    return this.core.state;
  }

  onWorkerLost(listener: (workerIndex: number, reason: Error) => void): () => void {
    this.lost.add(listener);
    return () => void this.lost.delete(listener);
  }

  onWorkerReady(listener: (workerIndex: number) => void): () => void {
    this.readyListeners.add(listener);
    return () => void this.readyListeners.delete(listener);
  }

  handleUp(topic: string, handler: UpHandler): () => void {
    const own: CoreHandler = (message) => handler(message);
    this.topics.set(topic, own);
    return () => {
      if (this.topics.get(topic) === own) this.topics.delete(topic);
    };
  }

  watchRequests(watcher: RequestWatcher): () => void {
    this.watchers.push(watcher);
    return () => {
      const at = this.watchers.indexOf(watcher);
      if (at >= 0) this.watchers.splice(at, 1);
    };
  }

  local<T>(key: object | symbol, create: (pool: PoolExtension) => T): T {
    if (!this.locals.has(key)) this.locals.set(key, create(this));
    return this.locals.get(key) as T;
  }

  callOn(workerIndex: number, method: string, args: unknown[]): Promise<unknown> {
    return this.core.callOn(workerIndex, method, args);
  }

  addMethods(names: readonly string[]): void {
    this.core.addMethods(names);
  }

  /** The pool is open: announce it (layers that extend every pool install themselves now). */
  opened(): void {
    announcePool(this);
  }

  closed(): void {
    forgetPool(this);
  }

  /** Wire a (new) slot to this pool's listeners and watchers. */
  attach(slot: WorkerSlot): void {
    slot.watchers = this.watchers;
    slot.onUp = (s, message) => this.route(s, message);
    slot.onLost = (s, reason) => {
      for (const listener of [...this.lost]) listener(s.index, reason);
    };
    slot.onReady = (s) => {
      for (const listener of [...this.readyListeners]) listener(s.index);
    };
    // A slot a resize added was built before it was wired: its listeners hear it now.
    if (slot.ready) slot.onReady(slot);
  }

  private route(slot: WorkerSlot, message: Extract<Response, [number, Status.Up, ...unknown[]]>): void {
    const [upId, , topic, payload, wantsReply] = message;
    let answered = !wantsReply;
    const reply = (ok: boolean, value?: unknown, wire?: { hasHandles: boolean }) => {
      if (answered) return;
      answered = true;
      if (ok && wire) {
        slot.notify([Op.Reply, upId, true, value, wire.hasHandles]);
      } else if (ok) {
        const state = { found: false };
        const encoded = encodeValue(value, state);
        slot.notify([Op.Reply, upId, true, encoded, state.found]);
      } else {
        slot.notify([Op.Reply, upId, false, encodeError(value), false]);
      }
    };
    const handler = this.topics.get(topic) ?? CORE_TOPICS.get(topic);
    if (!handler) {
      reply(false, new Error(`the host has no handler for worker messages of topic "${topic}" on this pool (is the layer that sends them in use with this pool?)`));
      return;
    }
    try {
      handler({ pool: this, workerIndex: slot.index, payload, reply: reply as UpMessage['reply'] }, slot);
    } catch (error) {
      reply(false, error);
    }
  }

  /** The pool's worker kind (the core's 'barrier' topic answers inline workers after due timers). */
  get kind(): string {
    return this.core.options.kind;
  }
}

/** The core's own topics, on every pool. */
const CORE_TOPICS = new Map<string, CoreHandler>([
  // Service functions exposed inside a worker: from now on the proxy accepts their names.
  ['expose', ({ pool, payload }) => pool.addMethods(payload as string[])],
  // A worker created a pool of its own: close() must let it close that pool (the Close handshake) before ending it.
  [
    'pool.nested',
    (_message, slot) => {
      slot.disposable = true;
    },
  ],
  // A worker that was busy may ask for a barrier before starting more work (lib/runtime/inbox.ts): the answer
  // follows every cancel this host sent before it. An inline worker shares this thread, whose timers (call
  // timeouts, aborts) could not fire while it worked: it is answered after them.
  [
    'barrier',
    ({ pool, reply }) => {
      if ((pool as ExtensionHost).kind === 'inline') setTimeout(() => reply(true), 0);
      else reply(true);
    },
  ],
  // A process worker's uncaught error, sent just before it exits: the cause of its WorkerExitedError.
  [
    'fatal',
    ({ payload }, slot) => {
      slot.fatalError = decodeError(payload as EncodedError);
    },
  ],
]);

/** Lets the core's own modules (host callbacks) add a topic every pool answers. @internal */
export function addCoreTopic(topic: string, handler: UpHandler): void {
  CORE_TOPICS.set(topic, (message) => handler(message));
}
