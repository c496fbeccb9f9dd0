/**
 * Values that must not be copied — shared arrays, locks — cross the wire as small *handles* and are rebuilt on
 * the other side around the same memory. Any class can take part by implementing `[toHandle]()` and registering
 * a reviver for its tag; `lib/shared/` does so for SharedArrayWrapper and SharedLock.
 *
 * Only plain objects and arrays are searched (that is where users nest arrays: `{ grid, weights }`, `[a, b]`);
 * Maps, Sets and class instances travel by structured clone untouched.
 */

import type { Transferable } from './transfer.ts';
import { checkList, isTransferred, mergeLists } from './transfer.ts';

/** A value implementing this method is sent as the handle it returns. */
export const toHandle: unique symbol = Symbol.for('objectproxypool.toHandle') as any;

export interface Handle {
  /** Tag of the registered reviver. The key is a string so that it survives structured clone. */
  __objectproxypool_handle__: string;
  [key: string]: unknown;
}

export interface Shareable {
  [toHandle](): Handle;
}

const HANDLE_KEY = '__objectproxypool_handle__';

/** What encoding found: handles (the receiver must revive them), and the transfer lists of `transfer()` marks. */
export interface EncodeState {
  found: boolean;
  transfer?: Transferable[];
  /** MessagePorts met in the value: each must be in the transfer list (checked by encodeArgs / finishTransfer). */
  ports?: object[];
}

/**
 * A value that must be transferred rather than copied (a MessagePort). Threads refuse it in postMessage, but a
 * child process's serializer silently sends `{}` instead: we refuse it for every kind, before anything is sent.
 */
export class UncloneableValueError extends TypeError {
  override name = 'UncloneableValueError';
}

const MessagePortClass = (globalThis as { MessagePort?: new () => object }).MessagePort;
// On `globalThis` so that the bundled copy of this module in a thread worker's runtime and the package's own
// modules (which register the revivers of SharedArrayWrapper, locks, ...) share one table.
const REVIVERS = Symbol.for('objectproxypool.handleRevivers');
type Reviver = (handle: Handle) => unknown;
const revivers: Map<string, Reviver> = ((globalThis as { [REVIVERS]?: Map<string, Reviver> })[REVIVERS] ??= new Map());

export function registerHandleReviver(tag: string, revive: (handle: Handle) => unknown): void {
  revivers.set(tag, revive);
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Replace shareables by their handles. Returns the input itself when nothing was replaced, so the common case
 * allocates nothing; `found` tells the receiver whether it must look for handles at all.
 */
export function encodeValue(value: unknown, state: EncodeState = { found: false }, seen?: Set<object>): unknown {
  if (value === null || typeof value !== 'object') {
    // A function can stand for a handle too: a host callback (proxy(), lib/pool/callbacks.ts).
    if (typeof value === 'function' && typeof (value as Partial<Shareable>)[toHandle] === 'function') {
      state.found = true;
      return (value as unknown as Shareable)[toHandle]();
    }
    return value;
  }
  if (isTransferred(value)) {
    // transfer(value, list): the value travels, its list joins the message's transfer list (transfer.ts).
    // Checked again now: a listed buffer may have moved with another call since transfer() marked it.
    checkList(value.transfer, 'transfer()');
    mergeLists((state.transfer ??= []), value.transfer, 'transfer()');
    return encodeValue(value.value, state, seen);
  }
  if (typeof (value as Partial<Shareable>)[toHandle] === 'function') {
    state.found = true;
    return (value as Shareable)[toHandle]();
  }
  if (ArrayBuffer.isView(value)) return value;
  if (!isPlainContainer(value)) {
    if (MessagePortClass && value instanceof MessagePortClass) (state.ports ??= []).push(value);
    return value;
  }
  seen ??= new Set();
  if (seen.has(value)) return value;
  seen.add(value);
  let copy: any;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const encoded = encodeValue(item, state, seen);
      if (encoded !== item) {
        copy ??= value.slice();
        copy[i] = encoded;
      }
    }
  } else {
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      const encoded = encodeValue(item, state, seen);
      if (encoded !== item) {
        copy ??= { ...value };
        copy[key] = encoded;
      }
    }
  }
  seen.delete(value);
  return copy ?? value;
}

/**
 * A MessagePort can only move: one found outside the message's transfer list is refused for every kind, before
 * anything is sent (threads would throw; a child process's serializer would silently send `{}`).
 */
export function checkPorts(state: EncodeState): void {
  if (!state.ports) return;
  for (const port of state.ports) {
    if (!state.transfer?.includes(port as Transferable)) {
      throw new UncloneableValueError('(MessagePort) cannot be sent to a worker unless transferred: pass transfer(port, [port])');
    }
  }
  state.ports = undefined;
}

/**
 * Encode each element of an argument list; `found` is true when any handle was produced, `transfer` holds the
 * transfer lists of its `transfer()` marks.
 */
export function encodeArgs(args: unknown[]): { args: unknown[]; found: boolean; transfer?: Transferable[] } {
  const state: EncodeState = { found: false };
  const portArg: number[] = [];
  let out = args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === null || (typeof arg !== 'object' && typeof arg !== 'function')) continue;
    let encoded: unknown;
    try {
      encoded = encodeValue(arg, state);
    } catch (error) {
      if (error instanceof UncloneableValueError) throw new UncloneableValueError(`argument ${i} ${error.message}`);
      throw error;
    }
    if (encoded !== arg) {
      if (out === args) out = args.slice();
      out[i] = encoded;
    }
    if (state.ports && portArg.length < state.ports.length) portArg.push(...new Array(state.ports.length - portArg.length).fill(i));
  }
  if (state.ports) {
    // Checked at the end: a port in one argument may be listed by a later argument's mark.
    const loose = state.ports.findIndex((port) => !state.transfer?.includes(port as Transferable));
    if (loose >= 0) throw new UncloneableValueError(`argument ${portArg[loose]} (MessagePort) cannot be sent to a worker unless transferred: pass transfer(port, [port])`);
  }
  return state.transfer ? { args: out, found: state.found, transfer: state.transfer } : { args: out, found: state.found };
}

/** Rebuild handles into live objects, in place (the value is a fresh structured-clone copy we own). */
export function decodeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const tag = (value as Handle)[HANDLE_KEY];
  if (typeof tag === 'string') {
    const revive = revivers.get(tag);
    if (!revive) throw new TypeError(`no reviver registered for shared handle "${tag}"; import objectproxypool in this worker`);
    return revive(value as Handle);
  }
  if (!isPlainContainer(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeValue(value[i]);
  } else {
    for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = decodeValue((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Below this many values the packing scan costs more than it saves. */
const PACK_AT = 8;

/**
 * A column of arguments or results that holds only numbers travels as one Float64Array: structured clone copies
 * it as a single block instead of tagging every element (500 numbers: 4 µs instead of 13 µs per postMessage on
 * the bench machine; 5,000: 27 µs instead of 126 µs). Float64 holds every JS number exactly, -0 and NaN included,
 * and the receiver reads it by index like the array it replaces, so nothing unpacks it.
 */
export function packNumbers<T>(values: T[]): T[] | Float64Array {
  const n = values.length;
  if (n < PACK_AT) return values;
  for (let i = 0; i < n; i++) if (typeof values[i] !== 'number') return values;
  return new Float64Array(values as unknown as number[]);
}
