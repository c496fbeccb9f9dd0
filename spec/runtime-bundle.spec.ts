/**
 * Thread workers of the compiled package start from one bundled CommonJS file (runtime/thread-entry.cjs, written by
 * scripts/bundle-runtime.mjs in `npm run build` and `npm run build:test`) instead of the runtime's ES modules.
 * User code in the same thread imports the package's ES modules, so state the two copies share lives on
 * globalThis: these tests check that each piece of it still meets in the middle.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyPool, Rng, SharedArrayWrapper, fixtureUrl } from './helpers/lib.ts';
import { BundleProbe, Token } from '../.test-build/spec/fixtures/bundle-probe.js';
import { T } from './helpers/kinds.ts';

const probePool = () => ProxyPool.create(BundleProbe, { workers: 2, module: fixtureUrl('bundle-probe'), seed: 7 });

describe('the bundled thread runtime', () => {
  it('is what thread workers load (one file, found next to the compiled runtime)', T, async () => {
    await using pool = await probePool();
    const loaded = await pool.runtimeBundles();
    for (const files of loaded) {
      assert.equal(files.length, 1, `one bundle per worker, got ${JSON.stringify(files)}`);
      assert.match(files[0]!, /[/\\]\.test-build[/\\]lib[/\\]runtime[/\\]thread-entry\.cjs$/);
    }
  });

  it('gives user code the context, and a generator that is an instance of the Rng the package exports', T, async () => {
    await using pool = await probePool();
    const answers = await pool.context();
    assert.deepEqual(answers.map((a) => a.index), [0, 1]);
    assert.deepEqual(answers.map((a) => a.rngIsRng), [true, true]);
    assert.notEqual(answers[0]!.draw, answers[1]!.draw);
    assert.ok(!(({}) instanceof Rng) && new Rng(1) instanceof Rng, 'instanceof Rng still means what it says');
    class Sub extends Rng {}
    assert.ok(!(new Rng(1) instanceof Sub) && new Sub(1) instanceof Sub && new Sub(1) instanceof Rng, 'subclasses test as usual');
  });

  it('finds service functions that user code exposed through the package', T, async () => {
    await using pool = await probePool();
    await pool.context();
    assert.deepEqual(await (pool as any).probeHits(), [1, 1]);
  });

  it('revives shared arrays as the SharedArrayWrapper class user code imports', T, async () => {
    await using pool = await probePool();
    using shared = SharedArrayWrapper.zeros([4], 'float64');
    assert.deepEqual(await pool.isWrapper(shared), [true, true]);
  });

  it('uses handle revivers that user code registered through the package', T, async () => {
    await using pool = await probePool();
    assert.deepEqual(await pool.tokenLabel(new Token('seen') as never), ['seen', 'seen']);
  });
});
