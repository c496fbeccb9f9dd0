/**
 * The host's side of one worker: an outbox flushed once per tick (coalescing every request issued in the same
 * tick into one postMessage), the table of requests awaiting an answer, and what to do when the worker dies.
 */
import { Op, Status, type Request, type Response } from '../protocol/messages.ts';
import type { ExitInfo, WorkerChannel } from '../kinds/worker-kind.ts';
import { ArgumentError, WorkerExitedError } from '../protocol/errors.ts';
import { decodeError } from '../protocol/error-codec.ts';
import type { SlotTiming } from './metrics.ts';
import { takeBatchTransfer, takeTransfer } from '../protocol/transfer.ts';
import { encodeError } from '../protocol/error-codec.ts';
import { Outbox } from '../protocol/outbox.ts';
import type { RequestWatcher } from './extension.ts';

/** Whoever waits for an answer: a call, a chunk of a map, a field read, the init or the close. */
export interface Pending {
  method: string;
  settle(response: Response): void;
  fail(error: Error): void;
  /** When the call was made (performance.now()), if earlier than this request: a map's later chunks waited since. */
  submittedAt?: number;
  /** Leave for the worker only once it has nothing else in flight (a call timed from its start, `timeoutFrom: 'start'`). */
  exclusive?: boolean;
  /** Hears the request leave for the worker (after waiting in the slot's backlog, if it had to). */
  onStart?(): void;
}

/** A request held on the host until its worker has room (`concurrentTasksPerWorker`, exclusive requests). */
interface Held {
  request: Request;
  id: number;
  pending: Pending;
}


function watched(pending: Pending, heard: (error: Error | undefined) => void): Pending {
  return {
    method: pending.method,
    submittedAt: pending.submittedAt,
    settle(response: Response) {
      heard(response[1] === Status.Err ? decodeError(response[2]) : undefined);
      pending.settle(response);
    },
    fail(error: Error) {
      heard(error);
      pending.fail(error);
    },
  };
}

/** Requests per message at most; a tick's calls beyond it are sent in several messages. */
const FLUSH_AT = 1024;

export class WorkerSlot {
  readonly pending = new Map<number, Pending>();
  /**
   * Requests waiting on the host, in order, while the worker has `limit` in flight (or an exclusive request waits
   * for it to be idle). Empty unless the pool sets concurrentTasksPerWorker or a call is timed from its start.
   */
  private backlog: Held[] = [];
  /** Requests the worker may have in flight at once (pool option concurrentTasksPerWorker). */
  limit = Infinity;
  /** Requests of this tick, posted together (protocol/outbox.ts): the first at once, the rest at the end of the tick. */
  private readonly outbox = new Outbox<Request>({
    post: (batch, transfer) => {
      if (this.alive) this.channel.post(batch, transfer);
    },
    uncloneable: (request, error) => this.rejectUncloneable(request, error),
    transferOf: takeTransfer,
    batchTransferOf: takeBatchTransfer,
    firstLeavesAtOnce: true,
    sliceAt: FLUSH_AT,
  });
  alive = false;
  /** The instance is constructed. A respawned slot is alive (requests queue behind its Init) but not yet ready. */
  ready = false;
  /** The instance has a dispose method (or we do not know yet): close() sends it the Close handshake. */
  disposable = true;
  /** Set once the worker has exited or been terminated; further requests fail at once. */
  exitError: Error | undefined;
  /** Tasks completed on this worker (metrics and tests). */
  tasksDone = 0;
  /** The worker currently keeps the event loop alive (see Workforce's keepAlive). */
  keptAlive = false;
  /** A resize took this slot out of service: it finishes its requests, then ends (never respawned). */
  leaving = false;
  private idleWaiters: Array<() => void> = [];

  /** Resolves once nothing is in flight or held here (at once if nothing is). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** What the current worker reported killing it, just before it exited (a process's uncaught error). */
  fatalError: unknown;
  /** How many workers have held this slot: 1 + respawns. */
  generation = 0;
  channel!: WorkerChannel;
  /** Run and wait times of this worker's tasks; only with the pool option `metrics: true`. */
  timing: SlotTiming | undefined;
  /** Hears the worker's own messages (Status.Up: collectives, progress, service functions, handles). */
  onUp: ((slot: WorkerSlot, message: Extract<Response, [number, Status.Up, ...unknown[]]>) => void) | undefined;
  /** Hears this slot's worker going away (exit, termination, close), with the reason. */
  onLost: ((slot: WorkerSlot, reason: Error) => void) | undefined;
  /** Hears this slot's (new) instance constructed. */
  onReady: ((slot: WorkerSlot) => void) | undefined;
  /** The pool's request watchers (extension.ts): layers that must hear how a request carrying their handles ends. */
  watchers: readonly RequestWatcher[] = [];

  /** When this slot was created, and its busy time so far (ms): `utilization` for pool.stats(). */
  private readonly createdAt = performance.now();
  private busySince = -1;
  private busyMs = 0;

  /** Share of its life this worker has had requests in flight (0–1), as piscina's `utilization`. */
  get utilization(): number {
    const now = performance.now();
    const busy = this.busyMs + (this.busySince >= 0 ? now - this.busySince : 0);
    const life = now - this.createdAt;
    return life > 0 ? Math.min(1, busy / life) : 0;
  }

  private onIdleChange(slot: WorkerSlot, busy: boolean): void {
    if (busy && this.busySince < 0) this.busySince = performance.now();
    else if (!busy && this.busySince >= 0) {
      this.busyMs += performance.now() - this.busySince;
      this.busySince = -1;
    }
    this.onBusyChange(slot, busy);
    if (!busy && this.idleWaiters.length > 0 && this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  constructor(
    readonly index: number,
    private readonly onBusyChange: (slot: WorkerSlot, busy: boolean) => void,
    private readonly onExit: (slot: WorkerSlot, info: ExitInfo) => void,
  ) {}

  /** Give the slot a (new) worker. Messages and exits of earlier workers of this slot are ignored from now on. */
  attach(channel: WorkerChannel): void {
    const generation = ++this.generation;
    this.channel = channel;
    this.alive = true;
    this.ready = false;
    this.keptAlive = false;
    this.exitError = undefined;
    this.fatalError = undefined;
    channel.onMessage((batch) => {
      if (generation === this.generation) this.receive(batch);
    });
    channel.onExit((info) => {
      if (generation === this.generation && this.alive) this.onExit(this, info);
    });
  }

  /** Requests sent and not answered, plus those held in the backlog. */
  get inFlight(): number {
    return this.pending.size + this.backlog.length;
  }

  /** Requests held on the host (see `backlog`). */
  get held(): number {
    return this.backlog.length;
  }

  /** Queue a request; `pending` hears the answer, or the reason there will be none. */
  send(request: Request, id: number, pending: Pending): void {
    if (this.watchers.length > 0) {
      for (const watch of this.watchers) {
        const heard = watch(this.index, request);
        if (heard) pending = watched(pending, heard);
      }
    }
    if (!this.alive) {
      takeTransfer(request); // never posted: forget its transfer list
      pending.fail(this.exitError ?? new WorkerExitedError(this.index, pending.method, undefined));
      return;
    }
    if (this.timing) this.timing.submit(id, pending.submittedAt);
    if (this.backlog.length > 0 || !this.hasRoomFor(pending)) {
      this.backlog.push({ request, id, pending });
      return;
    }
    this.dispatch(request, id, pending);
  }

  private hasRoomFor(pending: Pending): boolean {
    return this.pending.size < this.limit && !(pending.exclusive && this.pending.size > 0);
  }

  private dispatch(request: Request, id: number, pending: Pending): void {
    if (this.pending.size === 0) this.onIdleChange(this, true);
    this.pending.set(id, pending);
    this.push(request);
    pending.onStart?.();
  }

  /** Send held requests while the worker has room. */
  private pump(): void {
    while (this.backlog.length > 0 && this.alive && this.hasRoomFor(this.backlog[0]!.pending)) {
      const { request, id, pending } = this.backlog.shift()!;
      this.dispatch(request, id, pending);
    }
  }

  /** Queue a request nobody answers (cancellation). A cancelled request still held here is simply dropped. */
  notify(request: Request): void {
    if (request[0] === Op.Cancel && this.backlog.length > 0) {
      const at = this.backlog.findIndex((held) => held.id === request[1]);
      if (at >= 0) {
        this.timing?.forget(request[1]);
        this.backlog.splice(at, 1);
        return;
      }
    }
    if (this.alive) this.push(request);
  }

  private push(request: Request): void {
    this.outbox.push(request);
  }

  private rejectUncloneable(request: Request, cause: unknown): void {
    if (request[0] === Op.Reply && request[2]) {
      // The host's answer to a worker (a callback's result) cannot be cloned: the worker hears why, not nothing.
      const error = new TypeError(`the host's answer could not be sent to the worker: ${(cause as Error)?.message ?? cause}`);
      this.outbox.postAlone([Op.Reply, request[1], false, encodeError(error), false]);
      return;
    }
    const id = request[0] === Op.Init ? 0 : (request[1] as number);
    const pending = this.pending.get(id);
    if (!pending) return;
    this.delete(id);
    pending.fail(new ArgumentError(`${pending.method}: ${describeUncloneable(request)} cannot be sent to a worker (${(cause as Error)?.message ?? cause})`, { cause }));
  }

  private receive(message: Response | Response[]): void {
    // A message is one response (a tuple starting with its id) or a batch of them.
    if (typeof message[0] === 'number') this.answer(message as Response);
    else for (const response of message as Response[]) this.answer(response);
  }

  private answer(response: Response): void {
    const id = response[0];
    const pending = this.pending.get(id);
    if (!pending) {
      // Only the worker's own messages miss the table (their ids are negative); answers to ended calls too.
      if (response[1] === Status.Up) this.onUp?.(this, response);
      return;
    }
    if (this.timing) this.timing.record(response);
    this.delete(id);
    if (response[1] === Status.Ok) this.tasksDone++;
    else if (response[1] === Status.Chunk) this.tasksDone += (response[2] as unknown[]).length;
    pending.settle(response);
  }

  delete(id: number): void {
    if (this.timing) this.timing.forget(id);
    if (!this.pending.delete(id)) return;
    if (this.backlog.length > 0) this.pump();
    if (this.pending.size === 0) this.onIdleChange(this, false);
  }

  /** Fail every request waiting on this worker (a forced close); the worker itself stays. */
  failPending(error: (method: string) => Error): void {
    if (this.pending.size === 0 && this.backlog.length === 0) return;
    const waiting = [...this.pending.values(), ...this.backlog.map((held) => held.pending)];
    this.pending.clear();
    this.backlog = [];
    this.timing?.clear();
    this.onIdleChange(this, false);
    for (const pending of waiting) pending.fail(error(pending.method));
  }

  /**
   * The worker is gone: nothing more is sent to it, and the requests that were waiting on it are returned so the
   * caller can fail them — after a replacement is attached, so that retries find it.
   */
  detach(exitError: Error): Pending[] {
    const wasBusy = this.pending.size > 0;
    const wasAlive = this.alive;
    this.alive = false;
    this.ready = false;
    this.exitError = exitError;
    this.outbox.clear();
    const waiting = [...this.pending.values(), ...this.backlog.map((held) => held.pending)];
    this.pending.clear();
    this.backlog = [];
    this.timing?.clear();
    if (wasBusy) this.onIdleChange(this, false);
    if (wasAlive) this.onLost?.(this, exitError);
    return waiting;
  }
}

/** What in a request could not be cloned, as precisely as we can say: the argument, the task, the key. */
function describeUncloneable(request: Request): string {
  switch (request[0]) {
    case Op.Init: {
      const found = firstUncloneable(request[1].args);
      return found ? `constructor argument ${found}` : 'a constructor argument';
    }
    case Op.Call: {
      const found = firstUncloneable(request[3]);
      return found ? `argument ${found}` : 'an argument';
    }
    case Op.Chunk: {
      const [, , , columns, constants, , , , start] = request;
      for (let p = 0; p < columns.length; p++) {
        const column = columns[p];
        if (!column) {
          const found = firstUncloneable([constants[p]]);
          if (found) return `argument ${p} (the repeat() constant${found.slice(1)}`;
          continue;
        }
        for (let t = 0; t < column.length; t++) {
          const found = firstUncloneable([column[t]]);
          if (found) return `argument ${p} of task ${start + t}${found.slice(1)}`;
        }
      }
      return 'an argument';
    }
    case Op.Set: {
      const found = firstUncloneable([request[3]]);
      return found ? `the value${found.slice(1)}` : 'the value';
    }
    default:
      return 'a value';
  }
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * `"<index> (<type>)"` or `"<index> (at .key.path: <type>)"` for the first value of `values` that cannot be
 * cloned, looking inside plain objects and arrays for the guilty leaf.
 */
function firstUncloneable(values: readonly unknown[]): string | undefined {
  for (let i = 0; i < values.length; i++) {
    if (cloneable(values[i])) continue;
    const path = guiltyPath(values[i], '', new Set());
    return path ? `${i} (at ${path.path}: ${typeName(path.value)})` : `${i} (${typeName(values[i])})`;
  }
  return undefined;
}

function guiltyPath(value: unknown, path: string, seen: Set<object>): { path: string; value: unknown } | undefined {
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return undefined;
  seen.add(value);
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const here = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (cloneable(item)) continue;
    return guiltyPath(item, here, seen) ?? { path: here, value: item };
  }
  return undefined;
}

function typeName(value: unknown): string {
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return 'symbol';
  if (value && typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
