/** SharedRWLock across workers: read/write exclusion, concurrent readers, contention, nesting, no writer starvation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LockTimeoutError, ProxyPool, SharedArrayWrapper, SharedLock, SharedRWLock, TimeoutError, fixtureUrl, range, repeat } from './helpers/lib.ts';
import { RWLockUser, ACTIVE_READERS, MAX_READERS, VIOLATIONS, X, Y, READS } from '../.test-build/spec/fixtures/rwlock-user.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('rwlock-user');

for (const kind of ['thread', 'process'] as const) {
  const across = kind === 'process' ? 'processes' : 'threads';
  describe(`SharedRWLock (${kind} workers)`, () => {
    it('readers share the lock; writers exclude everyone; contention keeps (x, y) consistent', T, async () => {
      await using pool = await ProxyPool.create(RWLockUser, { workers: 3, kind, module });
      const lock = new SharedRWLock({ across });
      const stats = SharedArrayWrapper.zeros([8], 'int32', { across });
      await pool.readFor(lock, stats, 150);
      assert.ok(stats.data[MAX_READERS]! >= 2, `readers overlapped: max ${stats.data[MAX_READERS]}`);
      assert.equal(stats.data[ACTIVE_READERS], 0);
      const rounds = 300;
      await pool.contend(lock, stats, rounds);
      const writes = [0, 1, 2].reduce((n, index) => n + Array.from({ length: rounds }, (_, r) => r).filter((r) => (r + index) % 3 === 0).length, 0);
      assert.equal(stats.data[VIOLATIONS], 0);
      assert.equal(stats.data[X], writes);
      assert.equal(stats.data[Y], writes);
      assert.equal(stats.data[READS], 3 * rounds - writes);
      assert.deepEqual(lock.state, { readers: 0, writer: false, waitingWriters: 0 });
    });

    it('locks held by a worker that died: waiters with { timeout } get LockTimeoutError instead of blocking forever', T, async () => {
      await using pool = await ProxyPool.create(RWLockUser, { workers: 2, kind, module });
      const lock = new SharedLock({ across });
      const rw = new SharedRWLock({ across });
      await assert.rejects(pool.methods.holdAndDie.one(lock, rw), { name: 'WorkerExitedError' });
      assert.equal(lock.locked, true, 'the dead holder never released it (documented: no owner to release it for)');
      assert.equal(rw.state.writer, true);
      const timedOut = (e: unknown) => e instanceof LockTimeoutError && e instanceof TimeoutError && /did not finish within \d+ ms/.test((e as Error).message);
      await assert.rejects(lock.lockAsync({ timeout: 60 }), timedOut);
      assert.throws(() => lock.lock({ timeout: 30 }), timedOut);
      await assert.rejects(rw.readLockAsync({ timeout: 30 }), timedOut);
      assert.throws(() => rw.writeLock({ timeout: 30 }), timedOut);
      await assert.rejects(rw.withWriteAsync(() => 1, { timeout: 30 }), timedOut);
      assert.equal(rw.state.waitingWriters, 0, 'a writer that gave up no longer counts as waiting');
      // In a worker too; the error keeps its class on the way back.
      await assert.rejects(pool.methods.lockWithin.one(lock, 40), { name: 'LockTimeoutError' });
      assert.throws(() => lock.lock({ timeout: -1 }), { name: 'ArgumentError', message: 'SharedLock.lock(): timeout must be a finite number of ms >= 0, got -1' });
      assert.throws(() => rw.readLock({ timeout: '5' as never }), { name: 'ArgumentError' });
    });

    it('nesting: reads in reads, reads in writes in writes; upgrading a read lock is refused', T, async () => {
      await using pool = await ProxyPool.create(RWLockUser, { workers: 1, kind, module });
      const lock = new SharedRWLock({ across });
      const [out] = await pool.nest(lock);
      assert.deepEqual(out, [
        ['read-in-read', 1],
        ['read-in-write-in-write', true, 0],
        ['after', { readers: 0, writer: false, waitingWriters: 0 }],
        ['upgrade', 'SharedRWLock: cannot take the write lock while holding a read lock (upgrade would deadlock); release the read lock first'],
        ['after-upgrade', { readers: 0, writer: false, waitingWriters: 0 }],
      ]);
    });

    it('no writer starvation: a writer gets in while readers keep overlapping', T, async () => {
      await using pool = await ProxyPool.create(RWLockUser, { workers: 3, kind, module });
      const lock = new SharedRWLock({ across });
      const stats = SharedArrayWrapper.zeros([8], 'int32', { across });
      const readers = pool.with({ synchronize: true }).readUntilStopped.map(repeat(lock), repeat(stats), range(2));
      // The third worker writes once the readers are busy; without writer preference it could wait forever.
      const [writer] = await pool.methods.writeAmidReaders.map([lock], [stats], [200]).catch(() => [undefined]);
      const counts = await readers;
      assert.ok(writer, 'the writer finished');
      assert.ok(writer!.waited < 1000, `the writer waited ${writer!.waited} ms`);
      assert.equal(stats.data[VIOLATIONS], 0);
      assert.ok(counts.every((n) => n > 3), `readers kept reading: ${counts}`);
    });
  });
}

describe('SharedRWLock (host thread)', () => {
  it('async variants serialize writers in one event loop and errors are clear', T, async () => {
    await using pool = await ProxyPool.create(RWLockUser, { workers: 2, module });
    const lock = new SharedRWLock();
    const stats = SharedArrayWrapper.zeros([8], 'int32');
    await pool.asyncWrite(lock, stats, 20);
    assert.equal(stats.data[X], 40, 'no lost update between the two workers');
    assert.throws(() => lock.readUnlock(), { message: 'SharedRWLock.readUnlock(): this thread holds no read lock' });
    assert.throws(() => lock.writeUnlock(), { message: 'SharedRWLock.writeUnlock(): this thread holds no write lock' });
    assert.equal(await lock.withReadAsync(async () => lock.state.readers), 1);
    assert.equal(lock.withWrite(() => lock.state.writer), true);
  });
});
