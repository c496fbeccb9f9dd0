/**
 * What runs inside a worker around the user's instance: construct it, then answer batches of requests.
 * The same code serves every worker kind; a kind only supplies the endpoint (a MessagePort, `self`, ...).
 */
import type { Transferable } from '../protocol/transfer.ts';
import { Op, Status, type InitPayload, type Request, type Response } from '../protocol/messages.ts';
import { decodeError, encodeError, type EncodedError } from '../protocol/error-codec.ts';
import { checkPorts, decodeValue, encodeValue, packNumbers, type EncodeState } from '../protocol/value-codec.ts';
import { attachContext, callIn, makeContext, withContext, type WorkerContext } from './context.ts';
import { methodNamesOf } from './introspect.ts';
import { clock } from './clock.ts';
import { uplinkExtras, withDecodeScope, type DecodeScope, type Uplink } from './uplink.ts';
import { findServiceFunction, onServiceFunction, serviceFunctionNames } from './service-functions.ts';
import { newPoolOwner, poolOwnerExtras, setRealmPoolOwner } from './pool-owner.ts';
import { swapTask, type TaskSlot } from './task-context.ts';
import { Inbox } from './inbox.ts';

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

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function';

export function serve(endpoint: RuntimeEndpoint, classSource: ClassSource): void {
  let instance: Record<string, any> | undefined;
  let context: WorkerContext | undefined;
  let callable = new Set<string>();
  const runningChunks = new Set<number>();
  /** taskContext().signal of running chunks, made only when a task reads it; Op.Cancel aborts it. */
  const chunkAborts = new Map<number, AbortController>();
  const chunkSignal = (id: number): AbortSignal => {
    let controller = chunkAborts.get(id);
    if (!controller) {
      chunkAborts.set(id, (controller = new AbortController()));
      if (cancelled.has(id)) controller.abort(cancelReason());
    }
    return controller.signal;
  };
  // Requests wait here until started, so that a cancel received meanwhile withdraws them (inbox.ts).
  const inbox: Inbox = new Inbox(
    (request) => handle(request),
    (id) => runningChunks.has(id),
    (fn) => asMessage(fn),
    () => uplink.request('barrier', undefined),
    endpoint.arrivesInTicks,
    // On arrival, a running chunk's or call's taskContext().signal aborts, so cooperative tasks stop at once.
    (request) => chunkAborts.get(request[1] as number)?.abort(cancelReason(request[2] as string | undefined)),
    endpoint.drain?.bind(endpoint),
  );
  const cancelled = inbox.cancelled;
  let outbox: Response[] = [];
  /** Transfer lists of the outbox's results (transfer() in a method's return value), posted with it. */
  let outboxTransfer: Transferable[] | undefined;
  let flushScheduled = false;
  /** Pool option `metrics`: answers carry when each task started and how long it ran. */
  let timing = false;

  const flush = () => {
    flushScheduled = false;
    const batch = outbox;
    outbox = [];
    const transfer = outboxTransfer;
    outboxTransfer = undefined;
    if (batch.length === 0) return;
    try {
      endpoint.post(batch.length === 1 ? batch[0]! : batch, transfer);
    } catch {
      // One result could not be cloned: send the others, and say which could not.
      for (const response of batch) {
        try {
          endpoint.post([response]);
        } catch (error) {
          endpoint.post([[response[0], Status.Err, encodeError(uncloneable(response, error))]]);
        }
      }
    }
  };
  // While a message is being handled, its answers wait for the flush at the end of the handler: no microtask.
  let handling = false;
  const send = (response: Response, transfer?: Transferable[]) => {
    if (transfer) (outboxTransfer ??= []).push(...transfer);
    outbox.push(response);
    if (!flushScheduled && !handling) {
      flushScheduled = true;
      queueMicrotask(flush);
    }
  };

  // The worker's own requests to the host (Status.Up), answered by Op.Reply. Ids are negative: they never meet
  // the host's request ids, so the host's answer path pays nothing for them.
  let upCounter = 0;
  const upPending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  const up = (topic: string, payload: unknown, wantsReply: boolean): number => {
    const id = --upCounter;
    // What was queued before leaves first, so the host sees events in the order they happened; then this
    // message leaves at once, even from inside a long synchronous loop (progress).
    if (outbox.length > 0) flush();
    endpoint.post([id, Status.Up, topic, payload, wantsReply]);
    return id;
  };
  const uplink: Uplink = {
    request: (topic, payload) =>
      new Promise((resolve, reject) => {
        upPending.set(up(topic, payload, true), { resolve, reject });
      }),
    notify: (topic, payload) => {
      up(topic, payload, false);
    },
  };
  const answerUp = (id: number, ok: boolean, value: unknown, hasHandles: boolean) => {
    const pending = upPending.get(id);
    if (!pending) return;
    upPending.delete(id);
    if (ok) pending.resolve(hasHandles ? decodeValue(value) : value);
    else pending.reject(decodeError(value as EncodedError));
  };
  // Service functions exposed once the instance exists are announced, so the host's proxy accepts their names.
  const unsubscribe = onServiceFunction((names, of) => {
    if (instance && (of === undefined || of === context)) uplink.notify('expose', names);
  });

  /** Decodes a request's handles with a scope through which revived values can hear when the call ends. */
  const decodeScoped = (values: unknown[]): { scope: DecodeScope; decoded: unknown[] } => {
    const scope: DecodeScope = { uplink, context: context!, onCallEnd: [] };
    const decoded = withDecodeScope(scope, () => decodeValue(values) as unknown[]);
    return { scope, decoded };
  };
  const endCall = (scope: DecodeScope | undefined, error?: unknown) => {
    if (!scope || scope.onCallEnd.length === 0) return;
    for (const hook of scope.onCallEnd.splice(0)) {
      try {
        if (error === undefined) hook();
        else hook(error);
      } catch {
        // A hook only reports to the host; it must not change the call's outcome.
      }
    }
  };
  const endCallWhenSettled = (scope: DecodeScope | undefined, result: unknown): unknown => {
    if (!scope || scope.onCallEnd.length === 0) return result;
    if (!isThenable(result)) {
      endCall(scope);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        endCall(scope);
        return value;
      },
      (error) => {
        endCall(scope, error ?? new Error('rejected'));
        throw error;
      },
    );
  };

  // Pools this worker creates: closed before it ends. The host hears of the first one, so that its close() asks
  // this worker to end (the Close handshake) instead of simply terminating a thread, whose child processes would
  // outlive it.
  const pools = newPoolOwner(() => uplink.notify('pool.nested', []));

  // Requests that arrive while the instance is being constructed wait for it: the host may send calls right
  // behind the Init message (a respawned worker is used at once) and the channel keeps them in order.
  let waiting: Request[] | undefined;

  // Shared memory (SharedArrayWrapper, locks, ndarray), collectives and instance handles are loaded the first time
  // a message carries a handle: most pools never pass one, and ndarray alone is ~40% of a worker's start-up.
  let sharedLoaded = false;
  let sharedLoading: Promise<void> | undefined;
  const loadShared = (): Promise<void> =>
    (sharedLoading ??= import('../revivers.ts').then(() => {
      sharedLoaded = true;
    }));
  const carriesHandles = (request: Request): boolean =>
    (request[0] === Op.Call && request[4]) || (request[0] === Op.Chunk && request[7]) || (request[0] === Op.Set && request[4]);
  const drainWaiting = () => {
    const queued = waiting ?? [];
    waiting = undefined;
    for (const request of queued) handle(request);
    if (outbox.length > 0) flush();
  };

  const init = async (payload: InitPayload) => {
    waiting = [];
    timing = payload.timing === true;
    try {
      if (payload.argsHaveHandles) await loadShared();
      const Class = await classSource(payload);
      context = makeContext(payload.context, { ...uplinkExtras(uplink), ...poolOwnerExtras(pools) });
      if (!endpoint.sharedRealm) setRealmPoolOwner(pools);
      const args = payload.argsHaveHandles ? (decodeValue(payload.args) as unknown[]) : payload.args;
      const created = withContext(context, () => new Class(...args)) as Record<string, any>;
      attachContext(created, context);
      instance = created;
      callable = new Set(methodNamesOf(created));
      // Whether close() must let the instance dispose itself: if not, a thread worker can simply be ended.
      const target = created as Partial<AsyncDisposable & Disposable>;
      const disposable = typeof target[Symbol.asyncDispose] === 'function' || typeof target[Symbol.dispose] === 'function';
      send([0, Status.Ready, availableNames(), disposable]);
    } catch (error) {
      send([0, Status.Err, encodeError(error)]);
    }
    // Announce readiness now: a queued request may be a long synchronous task (or a fatal one), and the host
    // must not stay unaware that this instance exists.
    flush();
    drainWaiting();
  };

  /** The instance's methods and the service functions exposed for it: what the host's proxy may call. */
  const availableNames = (): string[] => [...new Set([...callable, ...serviceFunctionNames(context)])];

  const methodOf = (name: string): ((...args: unknown[]) => unknown) => {
    if (!callable.has(name)) {
      // Methods can be added to the instance after construction; look again before failing.
      if (instance && typeof instance[name] === 'function' && methodNamesOf(instance).includes(name)) callable.add(name);
      else {
        const service = findServiceFunction(context, name);
        if (service) return service as (...args: unknown[]) => unknown;
        throw new TypeError(`${name} is neither a method nor an exposed service function of this instance; available: ${availableNames().join(', ') || '(none)'}`);
      }
    }
    return instance![name];
  };

  const runChunk = async (
    id: number,
    method: string,
    columns: Array<unknown[] | null>,
    constants: unknown[],
    count: number,
    failFast: boolean,
    hasHandles: boolean,
    start: number,
    taskKey: [number, number] | undefined,
  ) => {
    let scope: DecodeScope | undefined;
    if (hasHandles) {
      scope = decodeScoped([columns, constants]).scope;
    }
    const results: unknown[] = new Array(count);
    let errors: Array<[number, ReturnType<typeof encodeError>]> | 0 = 0;
    let foundHandles = false;
    let transfer: Transferable[] | undefined;
    runningChunks.add(id);
    const params = columns.length;
    let fn: ((...args: unknown[]) => unknown) | undefined;
    // One argument list, refilled per task: apply() copies it into the call, so reuse is safe and saves
    // an allocation per task (a chunk can hold 100,000 tiny tasks).
    const args = new Array(params);
    const runMs = timing ? new Float64Array(count) : undefined;
    const startedAt = runMs ? clock() : 0;
    let mark = startedAt;
    let timed = 0;
    // The running task, for taskContext(): one record per chunk, refilled per task (no allocation per task).
    const task: TaskSlot | undefined = taskKey && { poolSeed: taskKey[0], key: taskKey[1], index: 0, signal: () => chunkSignal(id), context: undefined };
    for (let i = 0; i < count; i++) {
      // After a long synchronous stretch, let pending cancels (and the host's timers, inline) in first.
      if (i > 0) {
        const breather = inbox.breather();
        if (breather) await breather;
      }
      if (cancelled.size > 0 && cancelled.has(id)) break;
      try {
        fn ??= methodOf(method);
        for (let p = 0; p < params; p++) args[p] = columns[p] ? columns[p]![i] : constants[p];
        let result: unknown;
        if (task) {
          task.index = start + i;
          task.context = undefined;
          const previous = swapTask(task);
          try {
            result = callIn(context!, fn, instance, args);
          } finally {
            swapTask(previous);
          }
        } else result = callIn(context!, fn, instance, args);
        if (isThenable(result)) result = await result;
        if (result !== null && typeof result === 'object') {
          const state: EncodeState = { found: false };
          result = encodeValue(result, state);
          foundHandles ||= state.found;
          if (state.transfer || state.ports) transfer = resultTransfer(state, transfer);
        }
        results[i] = result;
      } catch (error) {
        (errors ||= []).push([i, encodeError(error)]);
        if (failFast) {
          if (runMs) runMs[timed++] = clock() - mark;
          break;
        }
      }
      if (runMs) {
        const now = clock();
        runMs[timed++] = now - mark;
        mark = now;
      }
    }
    cancelled.delete(id);
    runningChunks.delete(id);
    chunkAborts.delete(id);
    if (scope) endCall(scope, errors ? (decodeError(errors[0]![1]) ?? new Error('failed')) : undefined);
    const packed = errors || foundHandles ? results : packNumbers(results);
    if (runMs) send([id, Status.Chunk, packed, errors, foundHandles, startedAt, runMs.slice(0, timed)], transfer);
    else send([id, Status.Chunk, packed, errors, foundHandles], transfer);
  };

  const reply = (id: number, result: unknown, startedAt?: number) => {
    if (isThenable(result)) {
      Promise.resolve(result).then((value) => reply(id, value, startedAt), (error) => send([id, Status.Err, encodeError(error)]));
      return;
    }
    if (startedAt !== undefined) {
      const runMs = clock() - startedAt;
      const state: EncodeState = { found: false };
      try {
        const encoded = result !== null && typeof result === 'object' ? encodeValue(result, state) : result;
        send([id, Status.Ok, encoded, state.found, startedAt, runMs], resultTransfer(state));
      } catch (error) {
        send([id, Status.Err, encodeError(error)]);
      }
      return;
    }
    if (result === null || typeof result !== 'object') {
      send([id, Status.Ok, result, false]);
      return;
    }
    const state: EncodeState = { found: false };
    try {
      const encoded = encodeValue(result, state);
      send([id, Status.Ok, encoded, state.found], resultTransfer(state));
    } catch (error) {
      // A bad transfer() list in the result, or a port not listed: the call fails with the reason.
      send([id, Status.Err, encodeError(error)]);
    }
  };

  const handle = (request: Request): void => {
    if (request[0] === Op.Reply) {
      answerUp(request[1], request[2], request[3], request[4]);
      return;
    }
    if (waiting && request[0] !== Op.Cancel) {
      waiting.push(request);
      return;
    }
    if (!sharedLoaded && carriesHandles(request)) {
      waiting = [request];
      loadShared().then(drainWaiting, (error) => {
        // Without the shared-memory module no handle can be rebuilt: fail what waited, keep the worker.
        const queued = waiting ?? [];
        waiting = undefined;
        for (const r of queued) if (r[0] !== Op.Cancel && r[0] !== Op.Init) send([r[1] as number, Status.Err, encodeError(error)]);
      });
      return;
    }
    if (!instance && request[0] !== Op.Init && request[0] !== Op.Close && request[0] !== Op.Cancel) {
      send([request[1], Status.Err, encodeError(new Error('the instance of this worker failed to construct'))]);
      return;
    }
    switch (request[0]) {
      case Op.Call: {
        const [, id, method, args, hasHandles] = request;
        // Cancelled before it started: not run. The host has let go of the call; the answer is only for its table.
        if (inbox.withdrawn(id)) return void send([id, Status.Ok, undefined, false]);
        let scope: DecodeScope | undefined;
        try {
          const fn = methodOf(method);
          let decoded = args;
          if (hasHandles) ({ scope, decoded } = decodeScoped(args));
          const startedAt = timing ? clock() : undefined;
          const task = request[5];
          let result: unknown;
          if (task) {
            // A synchronized or dedicated map's task: its taskContext(), whose signal Op.Cancel aborts until it settles.
            const previous = swapTask({ poolSeed: task[0], key: task[1], index: task[2], signal: () => chunkSignal(id), context: undefined });
            try {
              result = callIn(context!, fn, instance, decoded);
            } finally {
              swapTask(previous);
            }
            const release = () => void chunkAborts.delete(id);
            if (isThenable(result)) Promise.resolve(result).then(release, release);
            else release();
          } else result = callIn(context!, fn, instance, decoded);
          reply(id, scope ? endCallWhenSettled(scope, result) : result, startedAt);
        } catch (error) {
          endCall(scope, error);
          send([id, Status.Err, encodeError(error)]);
        }
        return;
      }
      case Op.Chunk:
        // A chunk cancelled before it started runs no task; its (empty) answer is dropped by the host.
        if (inbox.withdrawn(request[1])) cancelled.add(request[1]);
        void runChunk(request[1], request[2], request[3], request[4], request[5], request[6], request[7], request[8] ?? 0, request[9]);
        return;
      case Op.Get: {
        const [, id, field] = request;
        if (inbox.withdrawn(id)) return void send([id, Status.Ok, undefined, false]);
        try {
          if (!instance || !(field in instance)) throw new TypeError(`instance has no field "${field}"`);
          reply(id, instance[field]);
        } catch (error) {
          send([id, Status.Err, encodeError(error)]);
        }
        return;
      }
      case Op.Set: {
        const [, id, field, value, hasHandles] = request;
        if (inbox.withdrawn(id)) return void send([id, Status.Ok, undefined, false]);
        try {
          instance![field] = hasHandles ? decodeValue(value) : value;
          send([id, Status.Ok, undefined, false]);
        } catch (error) {
          send([id, Status.Err, encodeError(error)]);
        }
        return;
      }
      case Op.Cancel:
        // Cancels act on arrival, in the inbox (which also aborts taskContext().signal); none reaches here.
        return;
      case Op.Close:
        void dispose(request[1]);
        return;
      case Op.Init:
        void init(request[1]);
        return;
    }
  };

  const dispose = async (id: number) => {
    // Inline instances share the registry's realm with the host: let go of this one.
    unsubscribe();
    try {
      await pools.closeAll();
      const target = instance as Partial<AsyncDisposable & Disposable> | undefined;
      if (target && typeof target[Symbol.asyncDispose] === 'function') await target[Symbol.asyncDispose]!();
      else if (target && typeof target[Symbol.dispose] === 'function') target[Symbol.dispose]!();
      send([id, Status.Closed]);
    } catch (error) {
      send([id, Status.Err, encodeError(error)]);
    }
    // Let the acknowledgement leave before the endpoint goes away.
    queueMicrotask(() => {
      if (flushScheduled) flush();
      endpoint.close();
    });
  };

  const asMessage = (fn: () => void) => {
    handling = true;
    try {
      fn();
    } finally {
      handling = false;
      if (outbox.length > 0) flush();
    }
  };

  endpoint.onMessage((message) => {
    handling = true;
    try {
      inbox.receive(message);
    } finally {
      handling = false;
      // Answers to synchronous calls leave as soon as the message is handled, in one message.
      if (outbox.length > 0) flush();
    }
  });
}

/** The transfer list a result's encoding collected (ports must be in it), merged into `into` when given. */
function resultTransfer(state: EncodeState, into?: Transferable[]): Transferable[] | undefined {
  checkPorts(state);
  if (!state.transfer) return into;
  if (!into) return state.transfer;
  into.push(...state.transfer);
  return into;
}

/** Why a task's signal aborted: the host's reason (a timeout, an abort, an abandoned stream) as an AbortError. */
function cancelReason(message?: string): Error {
  const error = new Error(message ?? 'the call was cancelled: it timed out, was aborted, or its stream was abandoned');
  error.name = 'AbortError';
  return error;
}

function uncloneable(response: Response, cause: unknown): Error {
  const what = response[1] === Status.Chunk ? 'a result of this map chunk' : 'the result';
  return new TypeError(`${what} could not be sent back to the pool: ${(cause as Error)?.message ?? cause}`, { cause });
}

