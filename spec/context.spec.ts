import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { ProxyPool, Rng, fixtureUrl, workerContext } from './helpers/lib.ts';
import { Counter } from '../.test-build/spec/fixtures/counter.js';
import { counterPool, kinds, T } from './helpers/kinds.ts';

for (const kind of kinds) {
  describe(`worker context [${kind}]`, () => {
    it('each instance knows its index and the pool size', T, async () => {
      await using pool = await counterPool(kind, { workers: 3 });
      assert.deepEqual(await pool.fields.get('index'), [0, 1, 2]);
      assert.equal(pool.info.size, 3);
    });

    it('the same pool seed gives the same per-worker seeds and random streams; workers differ', T, async () => {
      const draw = async (seed: number) => {
        await using pool = await counterPool(kind, { workers: 4, seed });
        const seeds = await pool.fields.get('seed');
        const randoms = await pool.random();
        return { seeds, randoms, poolSeed: pool.info.seed };
      };
      const a = await draw(12345);
      const b = await draw(12345);
      const c = await draw(54321);
      assert.deepEqual(a, b);
      assert.equal(a.poolSeed, 12345);
      assert.equal(new Set(a.seeds).size, 4, 'each worker has its own seed');
      assert.equal(new Set(a.randoms).size, 4, 'each worker has its own stream');
      assert.notDeepEqual(a.seeds, c.seeds);
    });

    it('without a seed, a random one is chosen and reported so the run can be reproduced', T, async () => {
      let seeds: number[];
      let poolSeed: number;
      {
        await using pool = await counterPool(kind, { workers: 2 });
        poolSeed = pool.info.seed;
        seeds = await pool.fields.get('seed');
      }
      await using again = await counterPool(kind, { workers: 2, seed: poolSeed });
      assert.deepEqual(await again.fields.get('seed'), seeds);
    });
  });
}

describe('worker context outside a pool', () => {
  it('workerContext() outside a worker is a clear error', () => {
    assert.throws(() => workerContext(), /only available inside a pool worker/);
  });

  it('Rng is deterministic, uniform-looking and its normal() has the right moments', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 20_000 }, () => a.random());
    assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b.random()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    const normals = Array.from({ length: 20_000 }, () => a.normal(10, 2));
    const m = normals.reduce((s, x) => s + x, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((s, x) => s + (x - m) ** 2, 0) / normals.length);
    assert.ok(Math.abs(m - 10) < 0.05 && Math.abs(sd - 2) < 0.05, `mean ${m} sd ${sd}`);
  });
});

describe('worker factory (bundler form)', () => {
  it('a worker created by a user factory that calls expose() serves the class', T, async () => {
    const script = fixtureUrl('counter-worker-entry');
    await using pool = await ProxyPool.create(Counter, { workers: 2, worker: () => new Worker(script) });
    assert.deepEqual(await pool.whoami(), [0, 1]);
    assert.deepEqual(await pool.add.map([1, 2, 3], [1, 1, 1]), [2, 3, 4]);
  });

  it('a factory that does not return a Worker is a clear error', T, async () => {
    await assert.rejects(ProxyPool.create(Counter, { workers: 1, worker: () => ({}) }), /worker factory must return a node:worker_threads Worker/);
  });
});
