// Ports of the seed's own tests ("synchronization by task", "synchronization by worker") plus the README idioms.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, range } from './helpers/lib.ts';
import { counterPool, kinds, T } from './helpers/kinds.ts';

for (const kind of kinds) {
  describe(`synchronize [${kind}]`, () => {
    it('synchronization by task: with synchronize a map of `workers` tasks reaches every worker once, as does a broadcast', T, async () => {
      await using pool = await counterPool(kind, { workers: 4 });
      const sync = pool.with({ synchronize: true });
      for (let round = 0; round < 20; round++) {
        // whoami takes no argument: the task count comes from the iterable of ignored values.
        const who = await sync.methods.sleepSync.map([0, 0, 0, 1]);
        assert.deepEqual([...who].sort(), [0, 1, 2, 3]);
        assert.deepEqual(await pool.whoami(), [0, 1, 2, 3]);
      }
    });

    it('setProperty(range(4)) with synchronize gives each worker one distinct value (the README idiom)', T, async () => {
      await using pool = await counterPool(kind, { workers: 4 });
      await pool.with({ synchronize: true }).setProperty.map(range(4));
      assert.deepEqual([...(await pool.fields.get('property'))].sort(), [0, 1, 2, 3]);
    });

    it('rounds are barriers: no worker starts round r+1 before every task of round r has finished', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      // Uneven sleeps would let a fast worker run ahead without the barrier.
      const owners = await pool.with({ synchronize: true }).sleepSync.map([30, 0, 30, 0, 30, 0, 30, 0]);
      for (let r = 0; r < 4; r++) assert.deepEqual([...owners.slice(2 * r, 2 * r + 2)].sort(), [0, 1]);
    });
  });

  describe(`dedicated [${kind}]`, () => {
    it('synchronization by worker: slot i state carries from call to call, results in slot order', T, async () => {
      await using pool = await counterPool(kind, { workers: 4, dedicated: true });
      await pool.setProperty.map(range(4));
      for (let call = 0; call < 10; call++) {
        assert.deepEqual(await pool.addAndGetProperty(1, 1), [[0, 2], [1, 2], [2, 2], [3, 2]]);
        assert.deepEqual(await pool.addAndGetProperty.map(range(4), range(4)), [[0, 0], [1, 2], [2, 4], [3, 6]]);
      }
      assert.deepEqual(await pool.whoami.map(), [0, 1, 2, 3], "a no-argument map on a dedicated pool runs once per slot");
    });

    it('back-to-back map calls issued together never mix slots', T, async () => {
      await using pool = await counterPool(kind, { workers: 3, dedicated: true });
      const calls = await Promise.all(Array.from({ length: 30 }, (_, c) => pool.sleepSync.map([c % 2, 0, 1])));
      for (const owners of calls) assert.deepEqual(owners, [0, 1, 2]);
    });

    it('a wrong task count rejects before any worker runs anything', T, async () => {
      await using pool = await counterPool(kind, { workers: 4, dedicated: true });
      await assert.rejects(pool.setProperty.map(range(3)), (e: Error) => e instanceof ArgumentError && /dedicated pool of 4 workers needs exactly 4 tasks per map call, got 3/.test(e.message));
      await assert.rejects(pool.setProperty.map(range(5)), /got more than 4/, 'a generator is read one task past the pool size, no further');
      await assert.rejects(pool.setProperty.map([0, 1, 2, 3, 4]), /got 5/);
      assert.deepEqual(pool.info.tasksDone, [0, 0, 0, 0]);
      assert.deepEqual(await pool.fields.get('property'), [null, null, null, null]);
    });
  });
}
