// Bounded admission: `capacity` calls in flight at most; beyond it calls wait (default) or fail at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BacklogFullError, TimeoutError } from './helpers/lib.ts';
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
