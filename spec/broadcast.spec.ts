import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { counterPool, kinds, T } from './helpers/kinds.ts';

for (const kind of kinds) {
  describe(`broadcast [${kind}]`, () => {
    it('200 broadcasts on 4 workers each reach all 4 instances exactly once, results in worker order', T, async () => {
      await using pool = await counterPool(kind, { workers: 4 });
      for (let i = 0; i < 200; i++) assert.deepEqual(await pool.whoami(), [0, 1, 2, 3]);
      assert.deepEqual(await pool.fields.get('calls'), [200, 200, 200, 200]);
    });

    it('concurrent broadcasts issued in one tick each reach every instance once', T, async () => {
      await using pool = await counterPool(kind, { workers: 4 });
      const rounds = await Promise.all(Array.from({ length: 50 }, () => pool.whoami()));
      for (const round of rounds) assert.deepEqual(round, [0, 1, 2, 3]);
      assert.deepEqual(await pool.fields.get('calls'), [50, 50, 50, 50]);
    });

    it('passes arguments and returns values; async methods are awaited', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      assert.deepEqual(await pool.add(2, 3), [5, 5]);
      assert.deepEqual(await pool.delayed(7, 5), [7, 7]);
    });

    it('fields: get, set on all, setEach one value per worker', T, async () => {
      await using pool = await counterPool(kind, { workers: 3 });
      await pool.fields.set('property', { a: 1 });
      assert.deepEqual(await pool.fields.get('property'), [{ a: 1 }, { a: 1 }, { a: 1 }]);
      await pool.fields.setEach('property', ['x', 'y', 'z']);
      assert.deepEqual(await pool.fields.get('property'), ['x', 'y', 'z']);
      await assert.rejects(pool.fields.setEach('property', ['x']), /needs exactly 3 values/);
      await assert.rejects(pool.fields.get('nope' as 'property'), /instance has no field "nope"/);
    });

    it('constructor args: the same for all, or per worker from a function of the index', T, async () => {
      await using same = await counterPool(kind, { workers: 2, args: ['shared'] });
      assert.deepEqual(await same.fields.get('label'), ['shared', 'shared']);
      await using each = await counterPool(kind, { workers: 3, args: (i) => [`w${i}`] });
      assert.deepEqual(await each.fields.get('label'), ['w0', 'w1', 'w2']);
    });

    it('the pool API shadows a user method of the same name, reachable through pool.methods', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      assert.deepEqual(await pool.methods.close(), ['user close', 'user close']);
      assert.equal(pool.info.state, 'open');
    });

    it('is not thenable, so it can be awaited and returned from async functions', T, async () => {
      const pool = await counterPool(kind, { workers: 1 });
      assert.equal((pool as unknown as { then?: unknown }).then, undefined);
      const same = await (async () => pool)();
      assert.equal(same, pool);
      await pool.close();
    });
  });
}

for (const kind of kinds) {
  describe(`one [${kind}]`, () => {
    it('runs once on one worker and resolves to its single result; many calls spread over the workers', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      assert.equal(await pool.add.one(2, 3), 5);
      const owners = await Promise.all(Array.from({ length: 200 }, () => pool.whoami.one()));
      assert.deepEqual([...new Set(owners)].sort(), [0, 1]);
      const calls = await pool.fields.get('calls');
      assert.equal(calls[0]! + calls[1]!, 200);
    });

    it('rejects with the remote error, honours timeout, and close() waits for single calls in flight', T, async () => {
      const pool = await counterPool(kind, { workers: 2 });
      await assert.rejects(pool.fail.one('range', 'nope'), (e: Error) => e instanceof RangeError && e.message === 'nope');
      await assert.rejects(pool.with({ timeout: 30 }).delayed.one(1, 1000), /delayed did not finish within 30 ms/);
      const inFlight = pool.delayed.one(9, 50);
      await pool.close();
      assert.equal(await inFlight, 9);
      await assert.rejects(pool.add.one(1, 1), /the pool is closed/);
    });
  });
}
