/**
 * Transfer lists: `transfer(value, [buffers])` marks a value whose buffers (or ports, streams, ...) must *move* to
 * the other side instead of being copied, as comlink's `transfer()` and the platform's postMessage transfer list do.
 * A moved ArrayBuffer is detached on the sending side (its byteLength becomes 0): 64 MB cross in well under a
 * millisecond instead of ~40 ms of copying.
 *
 * The mark is an object with a registered-symbol brand rather than a class checked with instanceof: a thread
 * worker's runtime is a bundled copy of this module, and a worker's `transfer()` comes from the package's copy.
 *
 * The value codec unwraps marks while encoding (value-codec.ts) and collects their lists; dispatch attaches a
 * request's list to the request (markTransfer) and the worker slot hands it to postMessage when the request leaves.
 * Kinds that cannot move memory (process, remote) copy instead and warn once (warnCopiedOnce).
 */
/**
 * What can be moved instead of copied: the platform's Transferable (ArrayBuffer, MessagePort, streams,
 * ImageBitmap...). Declared here, loosely, so that the published types need neither the DOM library nor Node's
 * worker_threads types; what is really transferable is checked when the value is sent.
 */
export type Transferable = object;

import { ArgumentError } from './errors.ts';
import { registerErrorClass } from './error-codec.ts';

const TRANSFER = Symbol.for('objectproxypool.transfer');

/** What `transfer()` returns: the value, and what of it moves. Pass it where the value would go. */
export interface Transferred<T> {
  readonly [TRANSFER]: true;
  readonly value: T;
  readonly transfer: readonly Transferable[];
}

/** A transfer list that cannot be honoured: a buffer listed twice, detached already, not transferable, or sent to several workers. */
export class TransferError extends ArgumentError {
  override name = 'TransferError';
}
registerErrorClass(TransferError);

/**
 * Marks `value` to be sent with `list` transferred, not copied: an argument of a pool call (on the host) or a
 * method's return value (in a worker). The listed buffers are detached on the sending side once sent.
 * Moves on thread, web and inline workers; process and remote workers copy instead (a warning says so, once).
 *
 * @example
 * const data = new Float64Array(8_000_000);
 * await pool.sum.one(transfer(data, [data.buffer])); // data.buffer is detached from now on
 */
export function transfer<T>(value: T, list: readonly Transferable[]): T {
  if (!Array.isArray(list)) throw new TransferError(`transfer(value, list): the list must be an array of transferables (e.g. [array.buffer]), got ${describe(list)}`);
  checkList(list, 'transfer()');
  return { [TRANSFER]: true, value, transfer: list } as unknown as T;
}

export function isTransferred(value: object): value is Transferred<unknown> {
  return (value as Partial<Transferred<unknown>>)[TRANSFER] === true;
}

// Transferable classes beyond ArrayBuffer and MessagePort, where the platform has them.
const OTHER_TRANSFERABLES = [
  'ImageBitmap', 'OffscreenCanvas', 'ReadableStream', 'WritableStream', 'TransformStream', 'VideoFrame', 'AudioData',
  'MediaSourceHandle', 'RTCDataChannel', 'MIDIAccess',
]
  .map((name) => (globalThis as Record<string, unknown>)[name])
  .filter((cls): cls is new () => object => typeof cls === 'function');
const MessagePortClass = (globalThis as { MessagePort?: new () => object }).MessagePort;

function isDetached(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength > 0) return false;
  const flag = (buffer as { detached?: boolean }).detached; // Node 22+, recent browsers
  if (flag !== undefined) return flag;
  try {
    new Uint8Array(buffer); // throws on a detached buffer, not on an empty one
    return false;
  } catch {
    return true;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/** Throws a TransferError naming what is wrong with `list` (`where` says whose list it is). */
export function checkList(list: readonly unknown[], where: string): void {
  const seen = new Set<unknown>();
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (seen.has(item)) throw new TransferError(`${where}: item ${i} of the transfer list is listed twice; a buffer can move only once`);
    seen.add(item);
    if (item instanceof ArrayBuffer) {
      if (isDetached(item)) throw new TransferError(`${where}: item ${i} of the transfer list is a detached ArrayBuffer (it was transferred already); send a fresh buffer or a copy`);
      continue;
    }
    if (MessagePortClass && item instanceof MessagePortClass) continue;
    if (OTHER_TRANSFERABLES.some((cls) => item instanceof cls)) continue;
    const hint =
      ArrayBuffer.isView(item) ? ` (a ${describe(item)}: list its .buffer instead)`
      : typeof SharedArrayBuffer === 'function' && item instanceof SharedArrayBuffer ? ' (a SharedArrayBuffer is shared, never moved: pass it as an argument, or use SharedArrayWrapper)'
      : ` (${describe(item)})`;
    throw new TransferError(`${where}: item ${i} of the transfer list is not transferable${hint}; transferables are ArrayBuffer, MessagePort and the platform's streams and canvases`);
  }
}

/** Merges the lists of several marks of one message, refusing an item listed by two of them. */
export function mergeLists(into: Transferable[], list: readonly Transferable[], where: string): void {
  for (const item of list) {
    if (into.includes(item)) throw new TransferError(`${where}: the same buffer is listed for transfer twice in one call; a buffer can move only once`);
    into.push(item);
  }
}

// Requests (host) that carry a transfer list, until their slot posts them. The count keeps the slot's usual path to
// one comparison when no transfer is in flight.
const lists = new WeakMap<object, Transferable[]>();
let marked = 0;

export function markTransfer(message: object, list: Transferable[] | undefined): void {
  if (!list || list.length === 0) return;
  lists.set(message, list);
  marked++;
}

/** The transfer list of `message`, taken (a message is posted once). */
export function takeTransfer(message: object): Transferable[] | undefined {
  if (marked === 0) return undefined;
  const list = lists.get(message);
  if (list) {
    lists.delete(message);
    marked--;
  }
  return list;
}

/** The transfer lists of a batch of messages, in one list (undefined when none has one). */
export function takeBatchTransfer(batch: readonly object[]): Transferable[] | undefined {
  if (marked === 0) return undefined;
  let all: Transferable[] | undefined;
  for (const message of batch) {
    const list = takeTransfer(message);
    if (list) (all ??= []).push(...list);
  }
  return all;
}

/** A broadcast sends one message per worker: a buffer can move to one of them only. */
export function oneWorkerOnly(list: readonly Transferable[] | undefined, workers: number, what: string): void {
  if (!list || workers <= 1) return;
  throw new TransferError(
    `${what}: a broadcast to ${workers} workers cannot transfer its arguments (a buffer can move to one worker only); ` +
      'share the data with a SharedArrayWrapper, or send each worker its own buffer with map() on a dedicated pool',
  );
}

const warned = new Set<string>();

/**
 * Kinds that cannot move memory (a child process's pipe, NATS) send a copy: the sender's buffers stay usable.
 * Said once per kind and process, as a warning (code OPP_TRANSFER_COPIED), not per call.
 */
export function warnCopiedOnce(kind: string, list: readonly Transferable[]): void {
  // Ports and streams are handles to this process's memory: copying one would send an empty object.
  const moveOnly = list.find((item) => !(item instanceof ArrayBuffer));
  if (moveOnly) throw new TypeError(`a ${describe(moveOnly)} cannot reach a ${kind} worker: only ArrayBuffers can be listed for transfer there (they are copied)`);
  if (warned.has(kind)) return;
  warned.add(kind);
  const message = `transfer() on ${kind} workers copies the listed buffers instead of moving them (a ${kind === 'process' ? 'child process pipe' : 'network link'} cannot move memory); the sender's buffers stay attached`;
  const proc = (globalThis as { process?: { emitWarning?: (message: string, options: { code: string }) => void } }).process;
  if (proc?.emitWarning) proc.emitWarning(message, { code: 'OPP_TRANSFER_COPIED' });
  else console.warn(message);
}
