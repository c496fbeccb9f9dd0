import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyPool, SharedArrayWrapper, SharedLock, atomicLoad, range, repeat } from './helpers/lib.ts';
import { fixtureUrl } from './helpers/lib.ts';
import { SharedModel } from '../.test-build/spec/fixtures/shared-model.js';

const T = { timeout: 30000 };
const WORKERS = 4;

for (const kind of ['thread', 'inline'] as const) {
  describe(`shared arrays through a ${kind} pool`, () => {
    let pool: ProxyPool<SharedModel>;

    before(async () => {
      pool = await ProxyPool.create(SharedModel, {
        workers: WORKERS,
        kind,
        module: fixtureUrl('shared-model'),
      });
    }, T);

    after(async () => {
      await pool?.close();
    }, T);

    it('workers receive a wrapper over shared memory with the same dtype and shape', T, async () => {
      const w = SharedArrayWrapper.zeros([3, 0, 2], 'biguint64');
      const seen = await pool.inspect(w);
      assert.equal(seen.length, WORKERS);
      for (const s of seen) assert.deepEqual(s, { isWrapper: true, isShared: true, dtype: 'biguint64', shape: [3, 0, 2] });
      const scalar = await pool.inspect(SharedArrayWrapper.zeros([], 'uint8_clamped'));
      assert.deepEqual(scalar[0]!.shape, []);
    });

    it('(a) 4 workers write disjoint slices in place; the host sees every write in its own data', T, async () => {
      const w = SharedArrayWrapper.zeros([50, 3], 'float64');
      const hostData = w.data;
      const rows = await pool.writeSlice.map(repeat(w), range(WORKERS), repeat(WORKERS));
      assert.deepEqual(rows, [12, 13, 12, 13]);
      assert.equal(w.data, hostData, 'the host still holds the very same typed array');
      for (let r = 0; r < 50; r++) {
        // Rows belong to the part whose [floor(p*n/parts), floor((p+1)*n/parts)) range contains them.
        const owner = [0, 1, 2, 3].find((p) => r >= Math.floor((p * 50) / WORKERS) && r < Math.floor(((p + 1) * 50) / WORKERS))!;
        for (let c = 0; c < 3; c++) assert.equal(hostData[r * 3 + c], (owner + 1) * 1000 + r, `row ${r} col ${c}`);
      }
    });

    it('(a) also with zero-copy sub-views sent one per task', T, async () => {
      const w = SharedArrayWrapper.zeros(10, 'float64');
      await pool.writeSlice.map(w.split(WORKERS), repeat(0), repeat(1));
      // Each part writes (0 + 1) * 1000 + its local row index.
      assert.deepEqual(Array.from(w.data), [1000, 1001, 1000, 1001, 1002, 1000, 1001, 1000, 1001, 1002]);
    });

    it('(b) atomicAdd from 4 workers × 100000 gives exact int32 and float64 totals', T, async () => {
      const ints = SharedArrayWrapper.zeros(1, 'int32');
      await pool.addMany(ints, 0, 100_000, 1);
      assert.equal(atomicLoad(ints, 0), 400_000);
      const floats = SharedArrayWrapper.zeros([2], 'float64');
      await pool.addMany.map(repeat(floats), repeat(1), [100_000, 100_000, 100_000, 100_000], repeat(1.0));
      assert.equal(atomicLoad(floats, 1), 400_000);
      const halves = SharedArrayWrapper.zeros([], 'float32');
      await pool.addMany(halves, 0, 50_000, 0.5);
      assert.equal(halves.data[0], 100_000);
      const bigs = SharedArrayWrapper.zeros(1, 'bigint64');
      await pool.addMany(bigs, 0, 10_000, 3);
      assert.equal(bigs.data[0], 120_000n);
    });

    it('(c) wrappers nested inside object and array arguments are still shared', T, async () => {
      const target = SharedArrayWrapper.zeros(WORKERS, 'int32');
      const more = SharedArrayWrapper.zeros(WORKERS, 'int32');
      const listed = [SharedArrayWrapper.zeros(WORKERS, 'int32'), SharedArrayWrapper.zeros(WORKERS, 'int32')];
      const seen = await pool.writeNested.map(repeat({ target, more: [more] as [SharedArrayWrapper<'int32'>] }), repeat(listed), range(WORKERS));
      for (const perTask of seen) for (const s of perTask) assert.equal(s.isShared, true);
      assert.deepEqual(Array.from(target.data), [1, 2, 3, 4]);
      assert.deepEqual(Array.from(more.data), [-1, -2, -3, -4]);
      for (const l of listed) assert.deepEqual(Array.from(l.data), [100, 101, 102, 103]);
    });

    it('(d) a wrapper returned from a worker is shared back to the host', T, async () => {
      const made = await pool.makeArray(4, 7);
      assert.equal(made.length, WORKERS);
      made.forEach((w, i) => {
        assert.ok(w instanceof SharedArrayWrapper, 'revived as a wrapper on the host');
        assert.ok(w.buffer instanceof SharedArrayBuffer);
        assert.deepEqual(Array.from(w.data), [7, 7, 7, 7]);
        w.data[0] = 100 + i;
      });
      assert.deepEqual(await pool.readOwn(), [100, 101, 102, 103], 'workers see the host writes');
      await pool.bumpOwn(5);
      assert.deepEqual(made.map((w) => w.data[1]), [12, 12, 12, 12], 'the host sees later worker writes');
    });

    it('(e) SharedLock makes a non-atomic read-modify-write exact across 4 workers', T, async () => {
      const lock = new SharedLock();
      const arr = SharedArrayWrapper.zeros(2, 'float64');
      await pool.lockedIncrement(lock, arr, 100_000); // without the lock this loses updates (checked)
      assert.deepEqual(Array.from(arr.data), [400_000, 800_000]);
      assert.equal(lock.locked, false);
      const arr2 = SharedArrayWrapper.zeros(2, 'float64');
      await pool.lockedIncrementAsync(lock, arr2, 500);
      assert.equal(arr2.data[0], 2_000);
      assert.equal(lock.locked, false);
    });
  });
}
