/**
 * SharedLock and SharedCounter: a futex mutex and a 64-bit counter in a few bytes of shared memory, shareable with
 * workers like arrays (thread memory by default, process memory with `{ across: 'processes' }`).
 */
import { toHandle, type Handle, type Shareable } from '../protocol/value-codec.ts';
import { allocateShared, isSharedBuffer } from './dtypes.ts';
import { waitAsync, waitChange } from './wait-async.ts';
import { ArgumentError, TimeoutError } from '../protocol/errors.ts';
import { registerErrorClass } from '../protocol/error-codec.ts';
import { type Hold, type SharedMemoryOptions, allocate, holdOf, isShareableBuffer, memoryFromRef, memoryRef, release } from './process-memory.ts';

/** Tag of the handle a {@link SharedLock} travels as. @example `registerHandleReviver(SHARED_LOCK_TAG, SharedLock.fromHandle)` */
export const SHARED_LOCK_TAG = 'objectproxypool.SharedLock';
/** Tag of the handle a {@link SharedCounter} travels as. @example `registerHandleReviver(SHARED_COUNTER_TAG, SharedCounter.fromHandle)` */
export const SHARED_COUNTER_TAG = 'objectproxypool.SharedCounter';

function stateFromHandle<T extends Int32Array | BigInt64Array>(handle: Handle, Ctor: new (b: ArrayBufferLike, o: number, n: number) => T, what: string): [T, Hold | undefined] {
  const { buffer, hold } = memoryFromRef(handle, what);
  return [new Ctor(buffer, (handle as { byteOffset?: number }).byteOffset ?? 0, 1), hold];
}

/** A cell of `bytes` bytes for a lock or counter: given options → fresh memory; a typed array → checked. */
function cellOf<T extends Int32Array | BigInt64Array>(
  given: T | SharedMemoryOptions | undefined,
  Ctor: (new (b: ArrayBufferLike, o: number, n: number) => T) & { BYTES_PER_ELEMENT: number },
  what: string,
  hold?: Hold,
): [T, Hold | undefined] {
  if (ArrayBuffer.isView(given)) {
    if (!isShareableBuffer(given.buffer)) throw new TypeError(`${what} must live in a SharedArrayBuffer or in process-shared memory`);
    return [given as T, hold ?? holdOf(given.buffer)];
  }
  const made = allocate(Ctor.BYTES_PER_ELEMENT, (given as SharedMemoryOptions | undefined)?.across, allocateShared);
  return [new Ctor(made.buffer, made.byteOffset, 1), made.hold];
}

// Revived locks and counters arrive with their hold already taken; the public constructors cannot say so.
let revivedHold: Hold | undefined;
function withRevived<R>(hold: Hold | undefined, make: () => R): R {
  revivedHold = hold;
  try {
    return make();
  } finally {
    revivedHold = undefined;
  }
}

// Blocking sleep for the spin path of SharedLock.lock() on process-shared memory, where Atomics.wait is refused.
let napCell: Int32Array | undefined;
function nap(ms: number): void {
  Atomics.wait((napCell ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);
}


/**
 * A lock was not acquired within the `timeout` its caller gave (SharedLock, SharedRWLock). The usual reason, with
 * no bug in the locking code: the holder's worker died while holding it. These locks cannot be released on the
 * dead holder's behalf (see "Locks and dying workers" in docs/design.md), so wait with a timeout wherever a
 * holder may die.
 *
 * @example
 * try { await lock.lockAsync({ timeout: 1000 }); } catch (e) { if (e instanceof LockTimeoutError) recover(); }
 */
export class LockTimeoutError extends TimeoutError {
  override name = 'LockTimeoutError';
}
registerErrorClass(LockTimeoutError);

/** How long an acquisition may wait: `{ timeout }` in ms (finite, >= 0); without one it waits as long as it takes. */
export interface LockOptions {
  timeout?: number;
}

/** The deadline (performance.now() scale) of an acquisition, or Infinity; checks the option. */
export function deadlineOf(options: LockOptions | undefined, what: string): number {
  if (options === undefined) return Infinity;
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${what}: options must be an object like { timeout: 1000 }, got ${options === null ? 'null' : typeof options}`);
  const { timeout } = options;
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== 'number' || !(timeout >= 0) || timeout === Infinity) throw new ArgumentError(`${what}: timeout must be a finite number of ms >= 0, got ${String(timeout)}`);
  return performance.now() + timeout;
}

/** Milliseconds left before `deadline`; throws LockTimeoutError once it passed. */
export function remainingMs(deadline: number, what: string, options: LockOptions | undefined): number {
  if (deadline === Infinity) return Infinity;
  const left = deadline - performance.now();
  if (left <= 0) throw new LockTimeoutError(what, options!.timeout!);
  return left;
}

// Lock states (Drepper, "Futexes Are Tricky", mutex #2): waking happens only when someone may be asleep.
const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;

/**
 * A mutex in 4 bytes of shared memory. Pass it to workers like a shared array; all copies are the same lock.
 * Not re-entrant and not owner-checked. `lock()` blocks the thread (fine in workers and in Node's main thread;
 * browsers' main thread must use `lockAsync()`).
 *
 * `new SharedLock({ across: 'processes' })` puts the lock in process-shared memory, so process workers can use
 * it. There `Atomics.wait` is not available (it needs a SharedArrayBuffer): a contended `lock()` spins briefly,
 * then sleeps in growing steps up to 1 ms between attempts, and `lockAsync()` polls with timers. Correctness is
 * the same; a waiter may wake up to 1 ms late.
 *
 * @example
 * ```ts
 * const lock = new SharedLock();
 * await pool.addSamples(lock, totals);               // in the worker:
 * lock.withLock(() => { totals.data[0] += x; totals.data[1] += x * x; });
 * ```
 */
export class SharedLock implements Shareable {
  readonly #state: Int32Array;
  /** Process-shared memory: no Atomics.wait/waitAsync, so waiting polls. */
  readonly #polls: boolean;
  readonly #hold: Hold | undefined;

  /**
   * A new unlocked lock (`{ across: 'processes' }` for process workers), or one over element 0 of `state` (an
   * Int32Array in shared memory) if given.
   */
  constructor(state?: Int32Array | SharedMemoryOptions) {
    [this.#state, this.#hold] = cellOf(state, Int32Array, 'SharedLock state', revivedHold);
    this.#polls = !isSharedBuffer(this.#state.buffer);
  }

  /** Rebuild a lock from its handle (used by the pool's reviver). @example `SharedLock.fromHandle(h)` */
  static fromHandle(handle: Handle): SharedLock {
    const [state, hold] = stateFromHandle(handle, Int32Array, 'SharedLock');
    return withRevived(hold, () => new SharedLock(state));
  }

  /**
   * Acquire, blocking this thread until the lock is free — or, with `{ timeout }`, at most that many ms, then
   * LockTimeoutError (a holder whose worker died never releases it). @example `lock.lock({ timeout: 1000 }); try { ... } finally { lock.unlock(); }`
   */
  lock(options?: LockOptions): void {
    const deadline = deadlineOf(options, 'SharedLock.lock()');
    const s = this.#state;
    let c = Atomics.compareExchange(s, 0, UNLOCKED, LOCKED);
    if (c === UNLOCKED) return;
    if (c !== CONTENDED) c = Atomics.exchange(s, 0, CONTENDED);
    if (this.#polls) {
      for (let tries = 0; c !== UNLOCKED; tries++) {
        if (tries >= 100) nap(Math.min(1, 0.01 * 2 ** Math.min(tries - 100, 7), remainingMs(deadline, 'SharedLock.lock()', options)));
        c = Atomics.exchange(s, 0, CONTENDED);
      }
      return;
    }
    while (c !== UNLOCKED) {
      try {
        const left = remainingMs(deadline, 'SharedLock.lock()', options);
        Atomics.wait(s, 0, CONTENDED, left);
      } catch (err) {
        if (err instanceof LockTimeoutError) throw err;
        throw new TypeError('SharedLock.lock() cannot block on this thread (browser main thread?); use await lock.lockAsync()', { cause: err });
      }
      c = Atomics.exchange(s, 0, CONTENDED);
    }
  }

  /** Acquire if free, without waiting; true on success. @example `if (lock.tryLock()) { ...; lock.unlock(); }` */
  tryLock(): boolean {
    return Atomics.compareExchange(this.#state, 0, UNLOCKED, LOCKED) === UNLOCKED;
  }

  /** Acquire without blocking the event loop; `{ timeout }` as for lock(). @example `await lock.lockAsync({ timeout: 1000 }); try { ... } finally { lock.unlock(); }` */
  async lockAsync(options?: LockOptions): Promise<void> {
    const deadline = deadlineOf(options, 'SharedLock.lockAsync()');
    const s = this.#state;
    let c = Atomics.compareExchange(s, 0, UNLOCKED, LOCKED);
    if (c === UNLOCKED) return;
    if (c !== CONTENDED) c = Atomics.exchange(s, 0, CONTENDED);
    for (let pause = 1; c !== UNLOCKED; pause = Math.min(pause * 2, 16)) {
      const left = remainingMs(deadline, 'SharedLock.lockAsync()', options);
      if (waitAsync && !this.#polls) {
        await waitChange(s, 0, CONTENDED, left);
      } else {
        // Engines without waitAsync: poll with backoff; correctness still comes from the exchange below.
        await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      }
      c = Atomics.exchange(s, 0, CONTENDED);
    }
  }

  /** Release. Throws if the lock is not held. @example `lock.unlock()` */
  unlock(): void {
    const s = this.#state;
    if (Atomics.load(s, 0) === UNLOCKED) throw new Error('SharedLock.unlock(): the lock is not held');
    if (Atomics.sub(s, 0, 1) !== LOCKED) {
      Atomics.store(s, 0, UNLOCKED);
      Atomics.notify(s, 0, 1);
    }
  }

  /** True while some thread holds the lock (a snapshot; may change immediately). @example `lock.locked` */
  get locked(): boolean {
    return Atomics.load(this.#state, 0) !== UNLOCKED;
  }

  /** Run `fn` holding the lock (blocking acquire); releases even if `fn` throws. @example `lock.withLock(() => acc.data[0]++)` */
  withLock<R>(fn: () => R, options?: LockOptions): R {
    this.lock(options);
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  /** Run `fn` (may be async) holding the lock, acquired without blocking. @example `await lock.withLockAsync(async () => save())` */
  async withLockAsync<R>(fn: () => R | Promise<R>, options?: LockOptions): Promise<R> {
    await this.lockAsync(options);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  /** Give back this thread's hold on process-shared memory (see `SharedArrayWrapper.release`); no-op otherwise. @example `lock.release()` */
  release(): void {
    release(this.#hold);
  }

  /** The handle sent in place of this lock: its shared state, not a copy. @example `lock[toHandle]()` */
  [toHandle](): Handle {
    return { __objectproxypool_handle__: SHARED_LOCK_TAG, ...memoryRef(this.#state.buffer, this.#hold), byteOffset: this.#state.byteOffset };
  }
}

/**
 * A 64-bit integer counter in shared memory (exact up to 2^53 as a number). `next()` hands out 0, 1, 2, ...
 * across all workers — a dynamic work queue without a round trip to the host.
 *
 * @example
 * ```ts
 * const counter = new SharedCounter();
 * // in each worker:
 * for (let i = counter.next(); i < n; i = counter.next()) work(i);
 * ```
 */
export class SharedCounter implements Shareable {
  readonly #cell: BigInt64Array;
  readonly #hold: Hold | undefined;

  /**
   * A new counter starting at `initial` (`cell = { across: 'processes' }` for process workers), or one over
   * element 0 of `cell` (a BigInt64Array in shared memory). @example `new SharedCounter(10)`
   */
  constructor(initial = 0, cell?: BigInt64Array | SharedMemoryOptions) {
    const given = ArrayBuffer.isView(cell);
    [this.#cell, this.#hold] = cellOf(cell, BigInt64Array, 'SharedCounter cell', revivedHold);
    if (!given) this.#cell[0] = toBig(initial);
  }

  /** Rebuild a counter from its handle (used by the pool's reviver). @example `SharedCounter.fromHandle(h)` */
  static fromHandle(handle: Handle): SharedCounter {
    const [cell, hold] = stateFromHandle(handle, BigInt64Array, 'SharedCounter');
    return withRevived(hold, () => new SharedCounter(0, cell));
  }

  /** Give back this thread's hold on process-shared memory (see `SharedArrayWrapper.release`); no-op otherwise. @example `counter.release()` */
  release(): void {
    release(this.#hold);
  }

  /** Current value. @example `counter.value` */
  get value(): number {
    return Number(Atomics.load(this.#cell, 0));
  }

  /** Add `delta` (default 1) and return the new value. @example `counter.add(5)` */
  add(delta = 1): number {
    const d = toBig(delta);
    return Number(Atomics.add(this.#cell, 0, d) + d);
  }

  /** Add 1 and return the value before (claims the next index). @example `const i = counter.next()` */
  next(): number {
    return Number(Atomics.add(this.#cell, 0, 1n));
  }

  /** Set the value (default 0). @example `counter.reset()` */
  reset(value = 0): void {
    Atomics.store(this.#cell, 0, toBig(value));
  }

  /** The handle sent in place of this counter. @example `counter[toHandle]()` */
  [toHandle](): Handle {
    return { __objectproxypool_handle__: SHARED_COUNTER_TAG, ...memoryRef(this.#cell.buffer, this.#hold), byteOffset: this.#cell.byteOffset };
  }
}

function toBig(n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new RangeError(`SharedCounter values must be safe integers, got ${n}`);
  return BigInt(n);
}
