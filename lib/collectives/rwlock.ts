/**
 * A read/write lock in shared memory with writer preference and re-entrancy (BSB's MPILock, without MPI):
 * many readers or one writer; once a writer waits, new readers wait behind it, so a stream of readers cannot
 * starve writers. The same thread (worker) may take the lock again while holding it: reads inside reads, reads
 * and writes inside a write. Upgrading a read lock to a write lock is refused (two upgraders would deadlock).
 *
 * Threads wait with Atomics.wait on a change counter. In process-shared memory (`{ across: 'processes' }`, for
 * process workers) Atomics.wait is unavailable: waiters poll the counter with short sleeps (up to 1 ms), as
 * SharedLock does there — the same guarantees, a little later wake-up.
 */
import { toHandle, type Handle, type Shareable } from '../protocol/value-codec.ts';
import { registerValueReviver } from '../pool/extension.ts';
import { allocateShared, isSharedBuffer } from '../shared/dtypes.ts';
import { waitAsync, waitChange } from '../shared/wait-async.ts';
import { deadlineOf, remainingMs, type LockOptions } from '../shared/locks.ts';
import { allocate, memoryFromRef, memoryRef, release, type Hold, type SharedMemoryOptions } from '../shared/process-memory.ts';

/** Tag of the handle a {@link SharedRWLock} travels as. @example `registerHandleReviver(SHARED_RWLOCK_TAG, SharedRWLock.fromHandle)` */
export const SHARED_RWLOCK_TAG = 'objectproxypool.SharedRWLock';

const READERS = 0;
const WRITER = 1;
const WAITING_WRITERS = 2;
const CHANGES = 3;
const ID = 4;
const CELLS = 5;

/** This thread's identity as a lock owner: random, non-zero, per realm (thread or process). */
const OWNER = (crypto.getRandomValues(new Uint32Array(1))[0]! & 0x7fffffff) || 1;

/** This thread's re-entrancy depths, per lock id (a lock revived twice in one thread is still one lock). */
const depths = new Map<number, { read: number; write: number }>();

let napCell: Int32Array | undefined;
const nap = (ms: number) => Atomics.wait((napCell ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);

/**
 * Read/write lock shareable with workers (pass it as an argument; every copy is the same lock).
 *
 * @example
 * const lock = new SharedRWLock();                   // { across: 'processes' } for process workers
 * await pool.update(lock, table);                    // in a worker:
 * lock.withWrite(() => { table.data[0]++; });
 * const value = lock.withRead(() => table.data[0]);
 */
// A revived lock's memory, handed to the constructor by fromHandle (the public constructor cannot say so).
let revived: { s: Int32Array; hold: Hold | undefined } | undefined;

export class SharedRWLock implements Shareable {
  readonly #s: Int32Array;
  readonly #hold: Hold | undefined;
  readonly #polls: boolean;

  /** A new unlocked lock; `{ across: 'processes' }` puts it in memory process workers can share. */
  constructor(options: SharedMemoryOptions = {}) {
    if (revived) {
      this.#s = revived.s;
      this.#hold = revived.hold;
    } else {
      const made = allocate(CELLS * 4, options.across, allocateShared);
      this.#s = new Int32Array(made.buffer, made.byteOffset, CELLS);
      this.#hold = made.hold;
      Atomics.store(this.#s, ID, (crypto.getRandomValues(new Uint32Array(1))[0]! & 0x7fffffff) || 1);
    }
    this.#polls = !isSharedBuffer(this.#s.buffer);
  }

  /** Rebuilds a lock from its handle (the pool's reviver). @example `SharedRWLock.fromHandle(h)` */
  static fromHandle(handle: Handle): SharedRWLock {
    const { buffer, hold } = memoryFromRef(handle, 'SharedRWLock');
    revived = { s: new Int32Array(buffer, (handle as { byteOffset?: number }).byteOffset ?? 0, CELLS), hold };
    try {
      return new SharedRWLock();
    } finally {
      revived = undefined;
    }
  }

  get #depth(): { read: number; write: number } {
    const id = Atomics.load(this.#s, ID);
    let d = depths.get(id);
    if (!d) depths.set(id, (d = { read: 0, write: 0 }));
    return d;
  }

  /** Someone changed the lock: wake every waiter (they re-check their condition). */
  #changed(): void {
    Atomics.add(this.#s, CHANGES, 1);
    if (!this.#polls) Atomics.notify(this.#s, CHANGES);
  }

  /** Block until the change counter moves from `seen` (or a short while passes, at most `left` ms). */
  #wait(seen: number, tries: number, left: number): void {
    if (this.#polls) {
      if (tries > 50) nap(Math.min(1, 0.01 * 2 ** Math.min(tries - 50, 7), left));
      return;
    }
    try {
      Atomics.wait(this.#s, CHANGES, seen, Math.min(50, left));
    } catch (err) {
      throw new TypeError('SharedRWLock cannot block on this thread (browser main thread?); use the async methods', { cause: err });
    }
  }

  async #waitAsync(seen: number, tries: number, left: number): Promise<void> {
    if (!this.#polls && waitAsync) {
      await waitChange(this.#s, CHANGES, seen, Math.min(50, left));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(16, 2 ** Math.min(tries, 4), left)));
  }

  /** One attempt to take a read lock; true on success. */
  #tryRead(): boolean {
    const s = this.#s;
    // Writer preference: no new reader while a writer holds or waits.
    if (Atomics.load(s, WRITER) !== 0 || Atomics.load(s, WAITING_WRITERS) !== 0) return false;
    Atomics.add(s, READERS, 1);
    if (Atomics.load(s, WRITER) !== 0) {
      // A writer claimed the lock between our check and our increment: step back and let it through.
      Atomics.sub(s, READERS, 1);
      this.#changed();
      return false;
    }
    return true;
  }

  /** Whether this thread already holds the lock so that a read is only a deeper nesting. */
  #nestedRead(): boolean {
    const d = this.#depth;
    if (d.read > 0 || d.write > 0) {
      d.read++;
      return true;
    }
    return false;
  }

  #beginWrite(): boolean {
    const d = this.#depth;
    if (d.write > 0) {
      d.write++;
      return true;
    }
    if (d.read > 0) throw new Error('SharedRWLock: cannot take the write lock while holding a read lock (upgrade would deadlock); release the read lock first');
    Atomics.add(this.#s, WAITING_WRITERS, 1);
    return false;
  }

  /** One attempt, for a registered waiting writer: claim the writer slot, then wait for readers to drain. */
  #tryWrite(): boolean {
    const s = this.#s;
    if (Atomics.load(s, WRITER) !== OWNER && Atomics.compareExchange(s, WRITER, 0, OWNER) !== 0) return false;
    return Atomics.load(s, READERS) === 0;
  }

  #wrote(): void {
    Atomics.sub(this.#s, WAITING_WRITERS, 1);
    this.#depth.write = 1;
  }

  /** Take a read lock, blocking this thread while a writer holds or waits. @example `lock.readLock(); try { read(); } finally { lock.readUnlock(); }` */
  readLock(options?: LockOptions): void {
    const deadline = deadlineOf(options, 'SharedRWLock.readLock()');
    if (this.#nestedRead()) return;
    for (let tries = 0; ; tries++) {
      const seen = Atomics.load(this.#s, CHANGES);
      if (this.#tryRead()) break;
      this.#wait(seen, tries, remainingMs(deadline, 'SharedRWLock.readLock()', options));
    }
    this.#depth.read = 1;
  }

  /** Take a read lock without blocking the event loop. @example `await lock.readLockAsync()` */
  async readLockAsync(options?: LockOptions): Promise<void> {
    const deadline = deadlineOf(options, 'SharedRWLock.readLockAsync()');
    if (this.#nestedRead()) return;
    for (let tries = 0; ; tries++) {
      const seen = Atomics.load(this.#s, CHANGES);
      if (this.#tryRead()) break;
      await this.#waitAsync(seen, tries, remainingMs(deadline, 'SharedRWLock.readLockAsync()', options));
    }
    this.#depth.read = 1;
  }

  /** Release one read lock. @example `lock.readUnlock()` */
  readUnlock(): void {
    const d = this.#depth;
    if (d.read === 0) throw new Error('SharedRWLock.readUnlock(): this thread holds no read lock');
    if (--d.read > 0 || d.write > 0) return;
    Atomics.sub(this.#s, READERS, 1);
    this.#changed();
  }

  /** Take the write lock, blocking this thread until all readers and writers are out. @example `lock.writeLock()` */
  writeLock(options?: LockOptions): void {
    const deadline = deadlineOf(options, 'SharedRWLock.writeLock()');
    if (this.#beginWrite()) return;
    try {
      for (let tries = 0; ; tries++) {
        const seen = Atomics.load(this.#s, CHANGES);
        if (this.#tryWrite()) break;
        this.#wait(seen, tries, remainingMs(deadline, 'SharedRWLock.writeLock()', options));
      }
    } catch (error) {
      this.#gaveUpWrite();
      throw error;
    }
    this.#wrote();
  }

  /** A waiting writer gives up (timeout): no longer waiting, and the writer slot it may have claimed is freed. */
  #gaveUpWrite(): void {
    Atomics.compareExchange(this.#s, WRITER, OWNER, 0);
    Atomics.sub(this.#s, WAITING_WRITERS, 1);
    this.#changed();
  }

  /** Take the write lock without blocking the event loop. @example `await lock.writeLockAsync()` */
  async writeLockAsync(options?: LockOptions): Promise<void> {
    const deadline = deadlineOf(options, 'SharedRWLock.writeLockAsync()');
    if (this.#beginWrite()) return;
    try {
      for (let tries = 0; ; tries++) {
        const seen = Atomics.load(this.#s, CHANGES);
        if (this.#tryWrite()) break;
        await this.#waitAsync(seen, tries, remainingMs(deadline, 'SharedRWLock.writeLockAsync()', options));
      }
    } catch (error) {
      this.#gaveUpWrite();
      throw error;
    }
    this.#wrote();
  }

  /** Release one write lock. @example `lock.writeUnlock()` */
  writeUnlock(): void {
    const d = this.#depth;
    if (d.write === 0) throw new Error('SharedRWLock.writeUnlock(): this thread holds no write lock');
    if (--d.write > 0) return;
    Atomics.store(this.#s, WRITER, 0);
    this.#changed();
  }

  /** Run `fn` under a read lock. @example `const v = lock.withRead(() => table.data[0])` */
  withRead<R>(fn: () => R, options?: LockOptions): R {
    this.readLock(options);
    try {
      return fn();
    } finally {
      this.readUnlock();
    }
  }

  /** Run `fn` under the write lock. @example `lock.withWrite(() => { table.data[0]++; })` */
  withWrite<R>(fn: () => R, options?: LockOptions): R {
    this.writeLock(options);
    try {
      return fn();
    } finally {
      this.writeUnlock();
    }
  }

  /** Run `fn` (may be async) under a read lock, acquired without blocking. @example `await lock.withReadAsync(load)` */
  async withReadAsync<R>(fn: () => R | Promise<R>, options?: LockOptions): Promise<R> {
    await this.readLockAsync(options);
    try {
      return await fn();
    } finally {
      this.readUnlock();
    }
  }

  /** Run `fn` (may be async) under the write lock, acquired without blocking. @example `await lock.withWriteAsync(save)` */
  async withWriteAsync<R>(fn: () => R | Promise<R>, options?: LockOptions): Promise<R> {
    await this.writeLockAsync(options);
    try {
      return await fn();
    } finally {
      this.writeUnlock();
    }
  }

  /** A snapshot: active readers, whether a writer holds the lock, writers waiting. @example `lock.state` */
  get state(): { readers: number; writer: boolean; waitingWriters: number } {
    const s = this.#s;
    return { readers: Atomics.load(s, READERS), writer: Atomics.load(s, WRITER) !== 0, waitingWriters: Atomics.load(s, WAITING_WRITERS) };
  }

  /** Give back this thread's hold on process-shared memory; no-op for thread memory. @example `lock.release()` */
  release(): void {
    release(this.#hold);
  }

  /** The handle sent in place of this lock: its shared state, not a copy. @example `lock[toHandle]()` */
  [toHandle](): Handle {
    return { __objectproxypool_handle__: SHARED_RWLOCK_TAG, ...memoryRef(this.#s.buffer, this.#hold), byteOffset: this.#s.byteOffset };
  }
}

registerValueReviver(SHARED_RWLOCK_TAG, SharedRWLock.fromHandle);
