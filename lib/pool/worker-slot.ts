/**
 * The host's side of one worker: an outbox flushed once per tick (coalescing every request issued in the same
 * tick into one postMessage), the table of requests awaiting an answer, and what to do when the worker dies.
 */
import { Op, Status, type Request, type Response } from '../protocol/messages.ts';
import type { ExitInfo, WorkerChannel } from '../workers/worker-kind.ts';
import { ArgumentError, WorkerExitedError } from './errors.ts';
import type { SlotTiming } from './metrics.ts';

/** Whoever waits for an answer: a call, a chunk of a map, a field read, the init or the close. */
export interface Pending {
  method: string;
  settle(response: Response): void;
  fail(error: Error): void;
  /** When the call was made (performance.now()), if earlier than this request: a map's later chunks waited since. */
  submittedAt?: number;
}

/** Requests per message at most; a tick's calls beyond it are sent in several messages. */
const FLUSH_AT = 1024;

export class WorkerSlot {
  readonly pending = new Map<number, Pending>();
  private outbox: Request[] = [];
  private flushScheduled = false;
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

  constructor(
    readonly index: number,
    private readonly onIdleChange: (slot: WorkerSlot, busy: boolean) => void,
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

  get inFlight(): number {
    return this.pending.size;
  }

  /** Queue a request; `pending` hears the answer, or the reason there will be none. */
  send(request: Request, id: number, pending: Pending): void {
    if (!this.alive) {
      pending.fail(this.exitError ?? new WorkerExitedError(this.index, pending.method, undefined));
      return;
    }
    if (this.pending.size === 0) this.onIdleChange(this, true);
    this.pending.set(id, pending);
    if (this.timing) this.timing.submit(id, pending.submittedAt);
    this.push(request);
  }

  /** Queue a request nobody answers (cancellation). */
  notify(request: Request): void {
    if (this.alive) this.push(request);
  }

  private push(request: Request): void {
    if (!this.flushScheduled) {
      // The first request of a tick leaves at once (latency); the tick's later ones gather behind it and leave
      // together at the end of the tick (throughput): one message for a whole burst of calls.
      this.flushScheduled = true;
      queueMicrotask(this.endOfTick);
      this.postOne(request);
      return;
    }
    this.outbox.push(request);
    // A long burst goes out in slices, so the worker starts on the first ones while the rest are issued.
    if (this.outbox.length >= FLUSH_AT) this.flush();
  }

  private endOfTick = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private postOne(request: Request): void {
    if (!this.alive) return;
    try {
      this.channel.post(request);
    } catch (error) {
      this.rejectUncloneable(request, error);
    }
  }

  flush(): void {
    if (this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    if (!this.alive) return;
    if (batch.length === 1) {
      this.postOne(batch[0]!);
      return;
    }
    try {
      this.channel.post(batch);
    } catch {
      // Something in the batch cannot be cloned. Send the rest; fail just the guilty requests, naming the argument.
      for (const request of batch) this.postOne(request);
    }
  }

  private rejectUncloneable(request: Request, cause: unknown): void {
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
    if (this.pending.delete(id) && this.pending.size === 0) this.onIdleChange(this, false);
  }

  /** Fail every request waiting on this worker (a forced close); the worker itself stays. */
  failPending(error: (method: string) => Error): void {
    if (this.pending.size === 0) return;
    const waiting = [...this.pending.values()];
    this.pending.clear();
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
    this.outbox = [];
    const waiting = [...this.pending.values()];
    this.pending.clear();
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
