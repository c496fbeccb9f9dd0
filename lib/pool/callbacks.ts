/**
 * Host callbacks: `proxy(fn)` passes a host function to a worker, which can await it (comlink's name and idea).
 * The worker's side is lib/runtime/callbacks.ts; calls come back over the uplink (topic "callback"), so every kind
 * that has the uplink — thread, process, inline, web, remote — has callbacks.
 *
 * Lifetime: a callback is registered when a call it is an argument of starts, and released when the last such call
 * settles (resolved, rejected, timed out, aborted, force-closed). The pool proxy finds callbacks among a call's
 * arguments (bindCallbacks) — nested in plain objects and arrays, in a map's arrays and repeat() constants — only
 * once proxy() has been used in this realm, so calls without callbacks pay one comparison. A released callback's
 * invocations still running on the host are answered with CallbackReleasedError at once (a worker awaiting a
 * callback that never returns is freed when its call times out) and later ones are refused the same way: nothing
 * is retained on either side.
 */
import { toHandle, decodeValue, encodeValue, type EncodeState, type Handle } from '../protocol/value-codec.ts';
import { isTransferred } from '../protocol/transfer.ts';
import { CALLBACK_TAG, CALLBACK_TOPIC, CallbackReleasedError, releasedMessage, type CallbackHandle } from '../runtime/callbacks.ts';
import { addCoreTopic } from './extension-host.ts';
import type { UpMessage } from './extension.ts';
import { ArgumentError } from '../protocol/errors.ts';
import { isRepeat } from './map-args.ts';
import type { AnyFunction } from './types.ts';

export { CallbackReleasedError };

/**
 * What a worker receives for `proxy(fn)`: the same function, answering through a promise. A host
 * `(x: number) => string` arrives as `(x: number) => Promise<string>`.
 */
export type HostCallback<F extends AnyFunction> = (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

const CALLBACK = Symbol.for('objectproxypool.hostCallback');

interface CallbackState {
  readonly fn: AnyFunction;
  /** Calls in flight that this callback is an argument of. */
  calls: number;
  /** Its id while registered (calls > 0), 0 otherwise. */
  id: number;
  /** Replies to its invocations still running on the host, answered with an error on release. */
  readonly running: Set<UpMessage['reply']>;
}

type Marked = AnyFunction & { [CALLBACK]: CallbackState; [toHandle](): Handle };

const registry = new Map<number, CallbackState>();
let ids = 0;
let created = 0;

/**
 * Passes `fn` to a worker as a callback it can await: arguments and results travel through the value codec, an error
 * thrown by `fn` rejects the worker's await with that error rebuilt. The callback lives as long as the call it is
 * passed to; a worker calling it later gets CallbackReleasedError.
 *
 * @example
 * await pool.train.one(data, proxy((epoch: number, loss: number) => console.log(epoch, loss)));
 * // in the worker: async train(data, report: (epoch: number, loss: number) => Promise<void>) { ...; await report(e, l); }
 */
export function proxy<F extends AnyFunction>(fn: F): HostCallback<F> {
  if (typeof fn !== 'function') throw new ArgumentError(`proxy(fn) expects a function, got ${fn === null ? 'null' : typeof fn}`);
  created++;
  const state: CallbackState = { fn, calls: 0, id: 0, running: new Set() };
  const marked = (async (...args: Parameters<F>) => fn(...args)) as unknown as Marked;
  Object.defineProperty(marked, 'name', { value: fn.name });
  Object.defineProperty(marked, CALLBACK, { value: state });
  Object.defineProperty(marked, toHandle, {
    value: (): CallbackHandle => {
      if (state.calls === 0) {
        throw new ArgumentError(
          `proxy(${fn.name || 'fn'}) can only be passed as an argument of a method call (directly, in plain objects and arrays, ` +
            "in a map's arrays or repeat() constants) — not in a field, a constructor argument or a generator's values",
        );
      }
      return { __objectproxypool_handle__: CALLBACK_TAG, id: state.id, name: fn.name };
    },
  });
  return marked as unknown as HostCallback<F>;
}

function stateOf(value: unknown): CallbackState | undefined {
  return typeof value === 'function' ? (value as Partial<Marked>)[CALLBACK] : undefined;
}

/** Callbacks found in `value`: plain objects and arrays are searched, as the value codec does. */
function collect(value: unknown, found: CallbackState[], seen: Set<object>): void {
  if (value === null) return;
  if (typeof value === 'function') {
    const state = stateOf(value);
    if (state && !found.includes(state)) found.push(state);
    return;
  }
  if (typeof value !== 'object' || ArrayBuffer.isView(value) || seen.has(value)) return;
  if (isTransferred(value)) return collect(value.value, found, seen);
  if (isRepeat(value)) return collect(value.value, found, seen);
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
  seen.add(value);
  for (const item of Array.isArray(value) ? value : Object.values(value)) collect(item, found, seen);
}

function release(state: CallbackState): void {
  if (--state.calls > 0) return;
  registry.delete(state.id);
  state.id = 0;
  const running = [...state.running];
  state.running.clear();
  for (const reply of running) reply(false, new CallbackReleasedError(releasedMessage(state.fn.name)));
}

/**
 * Registers the callbacks among a call's arguments for the call's lifetime: `start` makes the call, and its
 * promise's settling releases them. Without any proxy() in this realm, just `start()`.
 */
export function withCallbacks<R>(args: readonly unknown[], start: () => Promise<R>): Promise<R> {
  if (created === 0) return start();
  const found: CallbackState[] = [];
  collect(args, found, new Set());
  if (found.length === 0) return start();
  for (const state of found) {
    if (state.calls++ === 0) {
      state.id = ++ids;
      registry.set(state.id, state);
    }
  }
  const releaseAll = () => {
    for (const state of found) release(state);
  };
  let promise: Promise<R>;
  try {
    promise = start();
  } catch (error) {
    releaseAll();
    throw error;
  }
  promise.then(releaseAll, releaseAll);
  return promise;
}

/** How many callbacks are registered (tests: nothing is retained once calls settle). */
export function registeredCallbacks(): number {
  return registry.size;
}

addCoreTopic(CALLBACK_TOPIC, (message) => {
  const [id, args, found] = message.payload as [number, unknown[], boolean];
  const state = registry.get(id);
  if (!state) {
    const closed = message.pool.state === 'closed';
    message.reply(false, new CallbackReleasedError(closed ? 'host callback called into a closed pool: its call was ended by close()' : releasedMessage('')));
    return;
  }
  const reply = message.reply;
  state.running.add(reply);
  const done = () => state.running.delete(reply);
  new Promise((resolve) => resolve(state.fn(...((found ? decodeValue(args) : args) as unknown[])))).then(
    (value) => {
      if (!done()) return;
      // Encoded here, so that a result that cannot travel rejects the worker's await instead of leaving it waiting.
      let encoded: unknown;
      const encoding: EncodeState = { found: false };
      try {
        if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`a ${typeof value} cannot be sent to a worker`);
        encoded = encodeValue(value, encoding);
      } catch (error) {
        reply(false, new TypeError(`host callback ${state.fn.name || '(anonymous)'} returned a value that cannot be sent back: ${(error as Error).message}`, { cause: error }));
        return;
      }
      reply(true, encoded, { hasHandles: encoding.found });
    },
    (error) => {
      if (done()) reply(false, error);
    },
  );
});
