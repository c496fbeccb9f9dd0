// pool.resize(n) (issue 22): grow with new instances built by args(i) and seeded by index; shrink by letting the
// highest workers finish their calls and leave; no task of a map in progress is lost; broadcast reaches exactly
// the current instances; dedicated and synchronized maps follow the new size.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, PoolClosedError, ProxyPool, fixtureUrl, range, repeat } from './helpers/lib.ts';
import { counterPool, T } from './helpers/kinds.ts';
import { Tuned } from '../.test-build/spec/fixtures/tuned.js';

const module = fixtureUrl('tuned');
const nodeKinds = (process.env.OPP_KINDS?.split(',') ?? ['thread', 'process']).filter((k) => k === 'thread' || k === 'process') as Array<'thread' | 'process'>;
const tuned = (kind: 'thread' | 'process', workers: number, more: object = {}) =>
  ProxyPool.create(Tuned, { workers, kind, module, seed: 7, args: (i: number) => [`w${i}`] as [string], ...more });

for (const kind of nodeKinds) {
  describe(`resize [${kind}]`, () => {
    it('grows: new instances built with args(i), seeded by index as in a pool created that large; broadcast reaches all', T, async () => {
      await using pool = await tuned(kind, 2);
      await pool.resize(4);
      const who = await pool.whoami();
      assert.deepEqual(who.map((w) => [w.index, w.label]), [[0, 'w0'], [1, 'w1'], [2, 'w2'], [3, 'w3']]);
      assert.deepEqual(who.map((w) => w.count), [2, 2, 4, 4], 'workerContext().count: the size when the instance was built');
      await using fresh = await tuned(kind, 4);
      assert.deepEqual(who.map((w) => w.seed), (await fresh.whoami()).map((w) => w.seed));
      assert.equal(pool.info.size, 4);
      assert.equal(pool.stats().totalWorkers, 4);
    });

    it('shrinks: the highest workers finish their calls, then leave; broadcast reaches exactly the rest', T, async () => {
      await using pool = await tuned(kind, 4);
      // A slow call on each worker, the highest slowest, then shrink: the calls on workers 2 and 3 still complete,
      // and the resize resolves only after the last of them answered.
      const slow = pool.staggered(50);
      const order: string[] = [];
      const shrinking = pool.resize(2).then(() => order.push('resized'));
      await slow.then(() => order.push('calls'));
      await shrinking;
      assert.deepEqual(await slow, [0, 1, 2, 3]);
      assert.deepEqual(order, ['calls', 'resized']);
      assert.deepEqual((await pool.whoami()).map((w) => w.index), [0, 1]);
      assert.equal(pool.info.alive, 2);
      await pool.resize(3);
      assert.deepEqual((await pool.whoami()).map((w) => [w.index, w.label]), [[0, 'w0'], [1, 'w1'], [2, 'w2']]);
    });

    it('resizing up and down in the middle of a map loses no task', T, async () => {
      await using pool = await tuned(kind, 2);
      const n = 300;
      let settled = false;
      // Tasks wait for the gate: the map cannot end before both resizes have started, whatever the machine's speed.
      const mapping = pool.with({ chunkSize: 3 }).gated.map(range(n)).finally(() => (settled = true));
      await pool.resize(4);
      const more = pool.square.map(range(n));
      await pool.fields.set('open', true); // on all four instances
      while (pool.info.tasksDone[2]! + pool.info.tasksDone[3]! === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      assert.equal(settled, false, 'the map is still running as the pool shrinks');
      await pool.resize(1);
      const [a, b] = await Promise.all([mapping, more]);
      assert.deepEqual(a, Array.from({ length: n }, (_, i) => i));
      assert.deepEqual(b, Array.from({ length: n }, (_, i) => i * i));
      const calls = await pool.fields.get('calls');
      assert.equal(calls.length, 1);
      assert.equal(pool.stats().totalWorkers, 1);
    });

    it('dedicated and synchronized maps follow the new size', T, async () => {
      await using dedicated = await tuned(kind, 2, { dedicated: true });
      await dedicated.resize(3);
      assert.deepEqual((await dedicated.square.map([1, 2, 3])), [1, 4, 9]);
      await assert.rejects(dedicated.square.map([1, 2]), /a dedicated pool of 3 workers needs exactly 3 tasks per map call, got 2/);
      await dedicated.resize(1);
      assert.deepEqual(await dedicated.square.map([5]), [25]);

      await using pool = await tuned(kind, 2);
      await pool.resize(3);
      await pool.with({ synchronize: true }).square.map(range(9));
      assert.deepEqual(await pool.fields.get('calls'), [3, 3, 3], 'rounds of one task per worker over the three');
    });

    it('bad input: resize(0), negative, fractional or non-numeric sizes and resize during close() are typed errors; the pool is unchanged', T, async () => {
      const pool = await tuned(kind, 2);
      for (const bad of [0, -1, 1.5, NaN, '3', undefined]) {
        await assert.rejects(pool.resize(bad as never), (e: Error) => e instanceof ArgumentError && /resize\(\) expects a positive integer number of workers, got/.test(e.message));
      }
      assert.equal(pool.info.size, 2);
      assert.deepEqual((await pool.whoami()).map((w) => w.index), [0, 1]);
      const closing = pool.close();
      await assert.rejects(pool.resize(3), (e: Error) => e instanceof PoolClosedError && /cannot resize to 3 workers: the pool is closed/.test(e.message));
      await closing;
      assert.equal(pool.info.alive, 0);
    });

    it('a constructor that throws while growing rejects resize(); the new workers end and the pool is as it was', T, async () => {
      await using pool = await counterPool(kind, { workers: 2, args: ['c', 3] });
      await assert.rejects(pool.resize(4), (e: Error) => e instanceof RangeError && /constructor refused on worker 3/.test(e.message));
      assert.equal(pool.info.size, 2);
      assert.deepEqual(await pool.whoami(), [0, 1]);
    });
  });
}
