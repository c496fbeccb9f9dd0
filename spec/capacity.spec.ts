// Bounded admission: `capacity` calls in flight at most; beyond it calls wait (default) or fail at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, BacklogFullError, ProxyPool, TimeoutError, fixtureUrl } from './helpers/lib.ts';
import { Tuned } from '../.test-build/spec/fixtures/tuned.js';
import { counterPool, kinds, T } from './helpers/kinds.ts';

for (const kind of kinds) {
  describe(`capacity [${kind}]`, () => {
    it("backpressure 'reject': calls over capacity fail at once with BacklogFullError; the others complete", T, async () => {
      await using pool = await counterPool(kind, { workers: 2, capacity: 2, backpressure: 'reject' });
      const calls = Array.from({ length: 5 }, (_, i) => pool.delayed(i, 100));
      const settled = await Promise.allSettled(calls);
      assert.deepEqual(settled.slice(0, 2).map((s) => s.status), ['fulfilled', 'fulfilled']);
      for (const s of settled.slice(2)) {
        assert.equal(s.status, 'rejected');
        const error = (s as PromiseRejectedResult).reason as Error;
        assert.ok(error instanceof BacklogFullError);
        assert.match(error.message, /cannot start delayed: the pool already has 2 calls in flight \(its capacity\)/);
      }
      assert.deepEqual(await pool.delayed(7, 1), [7, 7], 'room again once they settled');
    });

    it("backpressure 'wait' (default): calls over capacity queue, run in order, and all complete", T, async () => {
      await using pool = await counterPool(kind, { workers: 2, capacity: 1 });
      const order: number[] = [];
      const calls = Array.from({ length: 4 }, (_, i) => pool.delayed(i, 30).then((r) => (order.push(i), r)));
      assert.equal(pool.info.inFlight, 1);
      assert.equal(pool.info.waiting, 3);
      assert.deepEqual(await Promise.all(calls), [[0, 0], [1, 1], [2, 2], [3, 3]]);
      assert.deepEqual(order, [0, 1, 2, 3]);
      assert.equal(pool.info.waiting, 0);
    });

    it('a per-call backpressure overrides the pool default; a waiting call can time out in the queue', T, async () => {
      await using pool = await counterPool(kind, { workers: 2, capacity: 1 });
      const running = pool.delayed(1, 200);
      await assert.rejects(pool.with({ backpressure: 'reject' }).whoami(), BacklogFullError);
      await assert.rejects(pool.with({ timeout: 50 }).whoami(), TimeoutError);
      assert.deepEqual(await running, [1, 1]);
      assert.deepEqual(await pool.whoami(), [0, 1], 'the timed-out waiter left no trace in the queue');
      assert.equal(pool.info.inFlight, 0);
    });

    it('capacity applies to single calls and maps alike; close() drains the queue', T, async () => {
      const pool = await counterPool(kind, { workers: 2, capacity: 2 });
      const mixed = [pool.delayed.one(1, 20), pool.add.map([1, 2], [3, 4]), pool.delayed.one(2, 20), pool.add.map([5], [6])];
      const closing = pool.close();
      assert.deepEqual(await Promise.all(mixed), [1, [4, 6], 2, [11]]);
      await closing;
    });
  });
}

// Per-worker concurrency (issue 22): piscina's concurrentTasksPerWorker, measured by overlap inside the instance.

const tunedModule = fixtureUrl('tuned');
for (const kind of kinds.filter((k): k is 'thread' | 'process' => k === 'thread' || k === 'process')) {
  describe(`concurrentTasksPerWorker [${kind}]`, () => {
    it('1 serializes an async method: never two calls in it at once; without it they interleave', T, async () => {
      await using serial = await ProxyPool.create(Tuned, { workers: 2, kind, module: tunedModule, concurrentTasksPerWorker: 1 });
      await Promise.all([
        ...Array.from({ length: 6 }, () => serial.overlapped.one(15)),
        serial.overlapped(15),
        serial.with({ chunkSize: 1 }).overlapped.map([15, 15, 15, 15]),
        serial.with({ timeout: 10_000 }).overlapped.map([15, 15, 15]),
      ]);
      assert.deepEqual(await serial.maxOverlap(), [1, 1]);
      assert.equal(serial.stats().pendingTasks, 0);

      await using free = await ProxyPool.create(Tuned, { workers: 2, kind, module: tunedModule });
      await Promise.all(Array.from({ length: 6 }, () => free.overlapped.one(15)));
      assert.deepEqual(await free.maxOverlap(), [3, 3], 'by default async calls interleave at their awaits');
    });

    it('2 lets two calls overlap, never three; held calls show as pending', T, async () => {
      await using pool = await ProxyPool.create(Tuned, { workers: 1, kind, module: tunedModule, concurrentTasksPerWorker: 2 });
      const calls = Array.from({ length: 6 }, () => pool.overlapped.one(15));
      assert.deepEqual([pool.stats().activeTasks, pool.stats().pendingTasks], [2, 4]);
      await Promise.all(calls);
      assert.deepEqual(await pool.maxOverlap(), [2]);
    });
  });
}

describe('concurrentTasksPerWorker: bad input', () => {
  it('non-numeric, zero, negative or fractional values are ArgumentErrors at create()', T, async () => {
    for (const bad of [0, -1, 1.5, '2', NaN]) {
      await assert.rejects(ProxyPool.create(Tuned, { kind: 'inline', concurrentTasksPerWorker: bad as never }), (e: Error) => e instanceof ArgumentError && /option concurrentTasksPerWorker must be a positive integer \(or Infinity\)/.test(e.message));
    }
  });
});
