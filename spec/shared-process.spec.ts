/**
 * Shared memory across processes: wrappers, locks and counters made with `{ across: 'processes' }` live in POSIX
 * shared-memory segments (native/shm.c) that process workers map by name; thread-only memory sent to a process
 * fails with SharedMemoryAcrossProcessesError; segments are unlinked once every holder released them.
 *
 * Needs the native addon (prebuilt for linux-x64 in prebuilds/, or `npm run build:native`). Without it these tests fail
 * under CI and are skipped elsewhere, with that instruction.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  ProxyPool,
  SharedArrayWrapper,
  SharedCounter,
  SharedLock,
  SharedMemoryAcrossProcessesError,
  atomicLoad,
  explainProcessCloneError,
  processSharedMemoryAvailable,
  range,
  repeat,
  segmentName,
  toHandle,
} from './helpers/lib.ts';
import { fixtureUrl } from './helpers/lib.ts';
import { ProcessSharedModel, collectGarbage } from '../.test-build/spec/fixtures/process-shared-model.js';

const T = { timeout: 60_000 };
const WORKERS = 4;
const P = { across: 'processes' } as const;
const fixture = fixtureUrl('process-shared-model');

const available = processSharedMemoryAvailable();
const BUILD = 'the shared-memory addon does not load: no prebuilt binary fits this platform; run "npm run build:native" (needs python3, make, a C compiler)';
// Under CI a missing addon is a failure, never a skip.
const skip = available || process.env.CI ? false : BUILD;
if (skip) console.log(`# skipping spec/shared-process.spec.ts: ${BUILD}`);

const onDisk = (w: { buffer: ArrayBufferLike }) => {
  const name = segmentName(w.buffer);
  assert.ok(name, 'a process-shared wrapper has a segment name');
  return `/dev/shm${name}`;
};

/** Wait until `check()` holds, collecting this process's garbage in between. */
async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await collectGarbage();
  }
}

describe('shared memory across processes', { skip }, () => {
  it('the native addon is built (required under CI)', T, () => {
    assert.ok(available, BUILD);
  });

  describe('with a process pool', () => {
    let pool: ProxyPool<ProcessSharedModel>;

    before(async () => {
      pool = await ProxyPool.create(ProcessSharedModel, { workers: WORKERS, kind: 'process', module: fixture });
    }, T);

    after(async () => {
      await pool?.close();
    }, T);

    it('workers run in other processes and receive a wrapper over the same segment', T, async () => {
      const pids = await pool.pid();
      assert.equal(new Set([...pids, process.pid]).size, WORKERS + 1);
      const w = SharedArrayWrapper.zeros([3, 0, 2], 'biguint64', P);
      assert.equal(w.across, 'processes');
      const seen = await pool.inspect(w);
      for (const s of seen) assert.deepEqual(s, { isWrapper: true, across: 'processes', segment: segmentName(w.buffer), dtype: 'biguint64', shape: [3, 0, 2] });
      const scalar = await pool.inspect(SharedArrayWrapper.from([7], [], 'uint8_clamped', P));
      assert.deepEqual(scalar[0]!.shape, []);
    });

    it('4 workers write disjoint slices; the host sees every write', T, async () => {
      const w = SharedArrayWrapper.zeros([50, 3], 'float64', P);
      const rows = await pool.writeSlice.map(repeat(w), range(WORKERS), repeat(WORKERS));
      assert.deepEqual(rows, [12, 13, 12, 13]);
      for (let r = 0; r < 50; r++) {
        const owner = [0, 1, 2, 3].find((p) => r >= Math.floor((p * 50) / WORKERS) && r < Math.floor(((p + 1) * 50) / WORKERS))!;
        for (let c = 0; c < 3; c++) assert.equal(w.data[r * 3 + c], (owner + 1) * 1000 + r, `row ${r} col ${c}`);
      }
      // Sub-views sent one per task land in the same memory.
      const v = SharedArrayWrapper.zeros(10, 'float64', P);
      await pool.writeSlice.map(v.split(WORKERS), repeat(0), repeat(1));
      assert.deepEqual(Array.from(v.data), [1000, 1001, 1000, 1001, 1002, 1000, 1001, 1000, 1001, 1002]);
    });

    it('atomicAdd from 4 processes × 100000 gives exact int32 and float64 totals', T, async () => {
      const ints = SharedArrayWrapper.zeros(1, 'int32', P);
      await pool.addMany(ints, 0, 100_000, 1);
      assert.equal(atomicLoad(ints, 0), 400_000);
      const floats = SharedArrayWrapper.zeros([2], 'float64', P);
      await pool.addMany.map(repeat(floats), repeat(1), [100_000, 100_000, 100_000, 100_000], repeat(1.0));
      assert.equal(atomicLoad(floats, 1), 400_000);
      const halves = SharedArrayWrapper.zeros([], 'float32', P);
      await pool.addMany(halves, 0, 50_000, 0.5);
      assert.equal(halves.data[0], 100_000);
      const bigs = SharedArrayWrapper.zeros(1, 'bigint64', P);
      await pool.addMany(bigs, 0, 10_000, 3);
      assert.equal(bigs.data[0], 120_000n);
    });

    it('wrappers nested in object and array arguments are shared', T, async () => {
      const target = SharedArrayWrapper.zeros(WORKERS, 'int32', P);
      const more = SharedArrayWrapper.zeros(WORKERS, 'int32', P);
      const listed = [SharedArrayWrapper.zeros(WORKERS, 'int32', P), SharedArrayWrapper.from(new Int32Array(WORKERS), undefined, undefined, P)];
      const seen = await pool.writeNested.map(repeat({ target, more: [more] as [SharedArrayWrapper<'int32'>] }), repeat(listed), range(WORKERS));
      for (const perTask of seen) for (const s of perTask) assert.equal(s.across, 'processes');
      assert.deepEqual(Array.from(target.data), [1, 2, 3, 4]);
      assert.deepEqual(Array.from(more.data), [-1, -2, -3, -4]);
      for (const l of listed) assert.deepEqual(Array.from(l.data), [100, 101, 102, 103]);
    });

    it('a wrapper made in a worker is shared back to the host, both ways', T, async () => {
      const made = await pool.makeArray(4, 2.5);
      assert.equal(new Set(made.map((m) => segmentName(m.buffer))).size, WORKERS, 'one segment per worker');
      for (const m of made) {
        assert.ok(m instanceof SharedArrayWrapper);
        assert.equal(m.across, 'processes');
        assert.deepEqual(Array.from(m.data), [2.5, 2.5, 2.5, 2.5]);
      }
      // Results come in worker order: the host's write to result k reaches worker k's own array.
      made[2]!.data[1] = 42;
      assert.deepEqual(await pool.readOwn(1), [2.5, 2.5, 42, 2.5]);
    });

    it('SharedLock and SharedCounter work across processes', T, async () => {
      const lock = new SharedLock(P);
      const arr = SharedArrayWrapper.zeros(2, 'float64', P);
      await pool.lockedIncrement(lock, arr, 5_000);
      assert.deepEqual(Array.from(arr.data), [20_000, 40_000]);
      assert.equal(lock.locked, false);
      const arr2 = SharedArrayWrapper.zeros(1, 'float64', P);
      await pool.lockedIncrementAsync(lock, arr2, 300);
      assert.equal(arr2.data[0], 1_200);
      const counter = new SharedCounter(0, P);
      const seen = SharedArrayWrapper.zeros(2_000, 'int32', P);
      const claimed = await pool.claim(counter, seen, 2_000);
      assert.equal(claimed.reduce((a, b) => a + b, 0), 2_000);
      assert.ok(seen.data.every((x) => x === 1), 'every index claimed exactly once');
    });

    it('thread-only memory sent to a process fails with the limitation and the fix, never a copy', T, async () => {
      const sab = SharedArrayWrapper.zeros(4, 'float64');
      await assert.rejects(pool.inspect(sab), (error: Error) => {
        assert.match(error.message, /SharedArrayBuffer cannot cross a process boundary/);
        assert.match(error.message, /across: 'processes'/);
        assert.ok(error.cause instanceof SharedMemoryAcrossProcessesError, 'the cause is SharedMemoryAcrossProcessesError');
        return true;
      });
      await assert.rejects(pool.lockedIncrement(new SharedLock(), arrOf(), 1), /across: 'processes'/);
      // The other direction: a worker returning thread-only memory.
      await assert.rejects(pool.makeArray(2, 1, 'threads'), (error: Error) => {
        assert.match(error.message, /cannot cross a process boundary/);
        assert.match(error.message, /across: 'processes'/);
        return true;
      });
      // The pool is still usable.
      assert.equal((await pool.inspect(SharedArrayWrapper.zeros(1, 'int8', P))).length, WORKERS);
    });

    it('explainProcessCloneError maps any SharedArrayBuffer clone failure (the process channel hook)', T, () => {
      const raw = new Error('#<SharedArrayBuffer> could not be cloned.');
      const explained = explainProcessCloneError(raw) as Error;
      assert.ok(explained instanceof SharedMemoryAcrossProcessesError);
      assert.equal(explained.cause, raw);
      assert.match(explained.message, /across: 'processes'/);
      const other = new Error('function could not be cloned');
      assert.equal(explainProcessCloneError(other), other);
    });

    it('the segment is unlinked once every holder released it explicitly', T, async () => {
      const w = SharedArrayWrapper.zeros(16, 'int32', P);
      const file = onDisk(w);
      assert.ok(existsSync(file));
      await pool.hold(w);
      w.data[3] = 9;
      w.release();
      assert.equal(w.released, true);
      assert.ok(existsSync(file), 'workers still hold it');
      assert.deepEqual(await pool.readHeld(3), [9, 9, 9, 9], 'the memory lives while any side holds it');
      assert.throws(() => w[toHandle](), /released/);
      await pool.releaseHeld();
      assert.equal(existsSync(file), false, 'the last holder unlinked it');
    });

    it('the segment is unlinked once every holder garbage-collected it', T, async () => {
      const file = await (async () => {
        const w = SharedArrayWrapper.zeros(1 << 16, 'float64', P);
        await pool.hold(w);
        return onDisk(w);
      })();
      await collectGarbage();
      assert.ok(existsSync(file), 'the workers still hold it after the host collected its copy');
      await pool.dropHeld();
      await eventually(() => !existsSync(file), `${file} is unlinked`);
    });

    it('a handle in flight keeps the segment alive after its sender released it', T, async () => {
      const w = SharedArrayWrapper.zeros(4, 'int16', P);
      const file = onDisk(w);
      w.data[0] = 5;
      const handle = structuredClone(w[toHandle]());
      w.release();
      assert.ok(existsSync(file), 'the lease of the handle in flight holds it');
      const revived = SharedArrayWrapper.fromHandle(handle);
      assert.equal(revived.data[0], 5);
      revived.release();
      assert.equal(existsSync(file), false);
      // A worker that returns a fresh array and keeps nothing: the lease carries it to the host.
      const made = await pool.makeAndForget(3, 1.5);
      for (const m of made) assert.deepEqual(Array.from(m.data), [1.5, 1.5, 1.5]);
      const files = made.map(onDisk);
      for (const m of made) m.release();
      await pool.dropHeld(); // the workers' own (unreferenced) wrappers are collected
      for (const f of files) await eventually(() => !existsSync(f), `${f} is unlinked`);
    });
  });

  it('memory made in a worker outlives that worker; dead holders do not count', T, async () => {
    const first = await ProxyPool.create(ProcessSharedModel, { workers: 2, kind: 'process', module: fixture });
    const [a, b] = await first.makeArray(8, 3);
    await first.close(); // the workers are gone (killed); their holds no longer count
    assert.deepEqual(Array.from(a!.data), [3, 3, 3, 3, 3, 3, 3, 3]);
    const file = onDisk(a!);
    assert.ok(existsSync(file), 'the host still holds it');
    const second = await ProxyPool.create(ProcessSharedModel, { workers: 2, kind: 'process', module: fixture });
    try {
      await second.addMany(a!, 0, 1000, 1);
      assert.equal(a!.data[0], 2003);
    } finally {
      await second.close();
    }
    a!.release();
    b!.release();
    assert.equal(existsSync(file), false);
    assert.equal(existsSync(onDisk(b!)), false);
  });

  for (const kind of ['thread', 'inline'] as const) {
    describe(`process-shared memory through a ${kind} pool`, () => {
      let pool: ProxyPool<ProcessSharedModel>;

      before(async () => {
        pool = await ProxyPool.create(ProcessSharedModel, { workers: WORKERS, kind, module: fixture });
      }, T);

      after(async () => {
        await pool?.close();
      }, T);

      it('slices, atomics, nesting, locks and lifetime work the same', T, async () => {
        const w = SharedArrayWrapper.zeros([20, 2], 'float64', P);
        await pool.writeSlice.map(repeat(w), range(WORKERS), repeat(WORKERS));
        assert.equal(w.data[0], 1000);
        assert.equal(w.data[39], 4000 + 19);
        const ints = SharedArrayWrapper.zeros(1, 'int32', P);
        await pool.addMany(ints, 0, 100_000, 1);
        assert.equal(atomicLoad(ints, 0), 400_000);
        const floats = SharedArrayWrapper.zeros(1, 'float64', P);
        await pool.addMany(floats, 0, 100_000, 1);
        assert.equal(atomicLoad(floats, 0), 400_000);
        const target = SharedArrayWrapper.zeros(WORKERS, 'int32', P);
        const more = SharedArrayWrapper.zeros(WORKERS, 'int32', P);
        await pool.writeNested.map(repeat({ target, more: [more] as [SharedArrayWrapper<'int32'>] }), repeat([]), range(WORKERS));
        assert.deepEqual(Array.from(target.data), [1, 2, 3, 4]);
        const lock = new SharedLock(P);
        const arr = SharedArrayWrapper.zeros(2, 'float64', P);
        await pool.lockedIncrement(lock, arr, 2_000);
        assert.deepEqual(Array.from(arr.data), [8_000, 16_000]);

        const held = SharedArrayWrapper.zeros(4, 'int32', P);
        const file = onDisk(held);
        const seen = await pool.hold(held);
        for (const s of seen) assert.equal(s.segment, segmentName(held.buffer));
        held.release();
        assert.ok(existsSync(file));
        await pool.releaseHeld();
        assert.equal(existsSync(file), false);
      });
    });
  }
});

function arrOf() {
  return SharedArrayWrapper.zeros(2, 'float64', P);
}
