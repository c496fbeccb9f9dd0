import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import ndarray from 'ndarray';
import { decodeValue, encodeValue, toHandle, type Handle } from '../lib/protocol/value-codec.ts';
import {
  DTYPES,
  SharedArrayWrapper,
  SharedCounter,
  SharedLock,
  SharedMemoryUnavailableError,
  atomicAdd,
  atomicLoad,
  atomicStore,
  atomicUpdate,
  type DType,
} from '../lib/shared/index.ts';

const T = { timeout: 30000 };
const isBig = (dt: DType) => dt === 'bigint64' || dt === 'biguint64';
const val = (dt: DType, x: number): any => (isBig(dt) ? BigInt(x) : x);

/** What a worker receives: a handle, structured-cloned like the pool does, revived by the registered reviver. */
function roundTrip<T>(value: T): T {
  const handle = (value as any)[toHandle]() as Handle;
  assert.equal(typeof handle.__objectproxypool_handle__, 'string');
  return decodeValue(structuredClone(handle)) as T;
}

// Raw worker_threads with a plain-JS bootstrap: Node 20 cannot start a .ts worker (docs: TOOLING.md).
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsxApi);
  register();
  const shared = await import(workerData.sharedUrl);
  const { decodeValue } = await import(workerData.codecUrl);
  const args = decodeValue(workerData.args);
  parentPort.postMessage('ready');
  Atomics.wait(workerData.go, 0, 0); // start together, so the threads really contend
  let result;
  if (workerData.task === 'add') {
    const [target, index, n, value] = args;
    for (let i = 0; i < n; i++) shared.atomicAdd(target, index, value);
  } else if (workerData.task === 'locked') {
    const [lock, arr, n] = args;
    for (let i = 0; i < n; i++) lock.withLock(() => { const v = arr.data[0]; arr.data[1] += 2; arr.data[0] = v + 1; });
  } else if (workerData.task === 'claim') {
    const [counter, n] = args;
    result = [];
    for (let i = counter.next(); i < n; i = counter.next()) result.push(i);
  } else if (workerData.task === 'hold') {
    const [lock, ms] = args;
    lock.lock();
    parentPort.postMessage('holding');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    result = Date.now();
    lock.unlock();
  }
  parentPort.postMessage({ result });
})();
`;

async function runWorkers(count: number, task: string, args: unknown[], onMessage?: (m: unknown) => void): Promise<unknown[]> {
  const go = new Int32Array(new SharedArrayBuffer(4));
  const common = {
    tsxApi: import.meta.resolve('tsx/esm/api'),
    sharedUrl: new URL('../lib/shared/index.ts', import.meta.url).href,
    codecUrl: new URL('../lib/protocol/value-codec.ts', import.meta.url).href,
    task,
    args: encodeValue(args),
    go,
  };
  let ready = 0;
  const results = Array.from({ length: count }, () =>
    new Promise<unknown>((resolve, reject) => {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: common });
      w.on('error', reject);
      w.on('message', (m) => {
        if (m === 'ready') {
          if (++ready === count) {
            Atomics.store(go, 0, 1);
            Atomics.notify(go, 0);
          }
        } else if (m && typeof m === 'object' && 'result' in m) {
          resolve((m as { result: unknown }).result);
          void w.terminate();
        } else onMessage?.(m);
      });
    }),
  );
  return Promise.all(results);
}

describe('SharedArrayWrapper: dtypes and handles', () => {
  for (const dt of DTYPES) {
    it(`${dt}: round-trips through a handle onto the same memory`, T, () => {
      const w = SharedArrayWrapper.zeros([2, 3], dt);
      for (let i = 0; i < w.size; i++) (w.data as any)[i] = val(dt, i + 1);
      const r = roundTrip(w);
      assert.ok(r instanceof SharedArrayWrapper);
      assert.notEqual(r, w);
      assert.equal(r.dtype, dt);
      assert.equal(r.array.dtype, dt);
      assert.deepEqual(r.shape, [2, 3]);
      assert.ok(r.buffer instanceof SharedArrayBuffer);
      assert.deepEqual(Array.from(r.data as ArrayLike<unknown>), Array.from(w.data as ArrayLike<unknown>));
      (r.data as any)[4] = val(dt, 42);
      assert.equal((w.data as any)[4], val(dt, 42), 'write through the revived wrapper is visible in the original');
      (w.array as any).set(0, 0, val(dt, 7));
      assert.equal(r.array.get(0, 0), val(dt, 7), 'and the other way round');
    });
  }

  it('a handle is small and does not copy the data', T, () => {
    const w = SharedArrayWrapper.zeros(1_000_000);
    const h = w[toHandle]();
    assert.equal(h.buffer, w.buffer);
    assert.ok(JSON.stringify({ ...h, buffer: 0 }).length < 200);
  });

  it('empty arrays of any shape round-trip', T, () => {
    for (const shape of [[0], [3, 0], [0, 5], [2, 0, 4]]) {
      const w = SharedArrayWrapper.zeros(shape, 'int16');
      assert.equal(w.size, 0);
      const r = roundTrip(w);
      assert.deepEqual(r.shape, shape);
      assert.equal(r.size, 0);
      assert.deepEqual(r.array.shape, shape);
    }
    assert.deepEqual(SharedArrayWrapper.from([]).shape, [0]);
    assert.deepEqual(SharedArrayWrapper.zeros([0, 3]).subarray(0).shape, [0, 3]);
  });

  it('0-d arrays hold one element and round-trip', T, () => {
    const w = SharedArrayWrapper.zeros([], 'float32');
    assert.equal(w.size, 1);
    assert.equal(w.ndim, 0);
    w.array.set(2.5);
    const r = roundTrip(w);
    assert.deepEqual(r.shape, []);
    assert.equal(r.array.get(), 2.5);
    assert.equal(r.toNested(), 2.5);
    assert.throws(() => w.subarray(0), RangeError);
  });
});

describe('SharedArrayWrapper: construction and views', () => {
  it('from() copies typed arrays, nested arrays and strided ndarrays once', T, () => {
    const src = new Int16Array([1, 2, 3, 4, 5, 6]);
    const a = SharedArrayWrapper.from(src, [2, 3]);
    src[0] = 100;
    assert.equal(a.dtype, 'int16');
    assert.equal(a.array.get(0, 0), 1);
    assert.deepEqual(SharedArrayWrapper.from([[1, 2], [3, 4]]).toNested(), [[1, 2], [3, 4]]);
    assert.equal(SharedArrayWrapper.from([1, 2], undefined, 'bigint64').data[1], 2n);
    assert.equal(SharedArrayWrapper.from([5n, 6n]).dtype, 'bigint64');
    const conv = SharedArrayWrapper.from(new Int16Array([1, -2]), [1, 2], 'biguint64');
    assert.deepEqual([conv.dtype, conv.toNested()], ['biguint64', [[1n, 2n ** 64n - 2n]]]);
    const t = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]).transpose(1, 0);
    const c = SharedArrayWrapper.from(t);
    assert.equal(c.dtype, 'float32');
    assert.deepEqual(c.toNested(), [[1, 4], [2, 5], [3, 6]]);
    assert.throws(() => SharedArrayWrapper.from([[1, 2], [3]]), /ragged/);
    assert.throws(() => SharedArrayWrapper.from([1, 2, 3], [2, 2]), RangeError);
  });

  it('wrap() shares an existing SharedArrayBuffer-backed typed array without copying', T, () => {
    const data = new Uint32Array(new SharedArrayBuffer(4 * 6));
    const w = SharedArrayWrapper.wrap(data, [3, 2]);
    assert.equal(w.data, data);
    w.array.set(2, 1, 9);
    assert.equal(data[5], 9);
    assert.throws(() => SharedArrayWrapper.wrap(new Uint32Array(4)), /SharedArrayBuffer/);
  });

  it('rejects invalid shapes and dtypes', T, () => {
    assert.throws(() => SharedArrayWrapper.zeros([-1]), RangeError);
    assert.throws(() => SharedArrayWrapper.zeros([1.5]), RangeError);
    assert.throws(() => SharedArrayWrapper.zeros(2, 'float16' as DType), /unsupported dtype/);
  });

  it('ndarray view get/set, strides, toArray copies', T, () => {
    const w = SharedArrayWrapper.zeros([2, 3, 4], 'int32');
    assert.deepEqual(w.strides, [12, 4, 1]);
    assert.deepEqual(w.array.stride, [12, 4, 1]);
    w.array.set(1, 2, 3, 77);
    assert.equal(w.data[23], 77);
    assert.equal(w.array.index(1, 2, 3), 23);
    const copy = w.toArray();
    assert.ok(!(copy.buffer instanceof SharedArrayBuffer));
    w.data[23] = 0;
    assert.equal(copy[23], 77);
    const dup = w.copy();
    assert.notEqual(dup.buffer, w.buffer);
  });

  it('subarray and split are zero-copy views, also after a round trip', T, () => {
    const m = SharedArrayWrapper.zeros([10, 3], 'float64');
    const mid = m.subarray(2, 5);
    assert.deepEqual(mid.shape, [3, 3]);
    assert.equal(mid.buffer, m.buffer);
    mid.array.set(0, 1, 5);
    assert.equal(m.array.get(2, 1), 5);
    const r = roundTrip(mid);
    r.array.set(2, 2, 8);
    assert.equal(m.array.get(4, 2), 8);
    assert.deepEqual(m.subarray(-2).shape, [2, 3]);
    assert.deepEqual(m.subarray(7, 3).shape, [0, 3]);
    const parts = SharedArrayWrapper.zeros(10).split(3);
    assert.deepEqual(parts.map((p) => p.size), [3, 3, 4]);
    assert.deepEqual(parts.map((p) => p.data.byteOffset / 8), [0, 3, 6]);
  });

  it('names both cross-origin isolation headers when SharedArrayBuffer is unavailable', T, () => {
    const g = globalThis as any;
    const saved = g.SharedArrayBuffer;
    delete g.SharedArrayBuffer;
    try {
      assert.throws(() => SharedArrayWrapper.zeros(3), (err: Error) => {
        assert.ok(err instanceof SharedMemoryUnavailableError);
        assert.match(err.message, /Cross-Origin-Opener-Policy: same-origin/);
        assert.match(err.message, /Cross-Origin-Embedder-Policy: require-corp/);
        return true;
      });
    } finally {
      g.SharedArrayBuffer = saved;
    }
    g.crossOriginIsolated = false;
    try {
      assert.throws(() => new SharedLock(), SharedMemoryUnavailableError);
    } finally {
      delete g.crossOriginIsolated;
    }
  });
});

describe('atomics (single thread)', () => {
  for (const dt of DTYPES) {
    it(`${dt}: atomicAdd/Load/Store/Update`, T, () => {
      const w = SharedArrayWrapper.zeros(3, dt);
      atomicStore(w, 1, val(dt, 10));
      assert.equal(atomicAdd(w, 1, val(dt, 5)), val(dt, 10));
      assert.equal(atomicLoad(w, 1), val(dt, 15));
      assert.equal(atomicUpdate(w, 1, (x: any) => x * val(dt, 2)), val(dt, 15));
      assert.equal(atomicLoad(w.data, 1), val(dt, 30), 'a bare typed array works too');
    });
  }

  it('float adds are exact and clamped arrays clamp', T, () => {
    const f = SharedArrayWrapper.zeros(1, 'float64');
    atomicAdd(f, 0, 0.5);
    atomicAdd(f, 0, 0.25);
    assert.equal(atomicLoad(f, 0), 0.75);
    const c = SharedArrayWrapper.zeros(1, 'uint8_clamped');
    atomicAdd(c, 0, 250);
    atomicAdd(c, 0, 10);
    assert.equal(c.data[0], 255);
    assert.throws(() => atomicAdd(f, 5, 1), RangeError);
  });
});

describe('atomics across worker_threads', () => {
  for (const dt of ['float64', 'float32', 'int32', 'bigint64'] as const) {
    it(`4 workers × 100000 atomicAdd into ${dt} total exactly`, T, async () => {
      const acc = SharedArrayWrapper.zeros(2, dt);
      await runWorkers(4, 'add', [acc, 1, 100_000, val(dt, 1)]);
      assert.equal(atomicLoad(acc, 1), val(dt, 400_000));
      assert.equal(acc.data[0], val(dt, 0));
    });
  }

  it('fractional float64 adds total exactly (0.5 is exact in binary)', T, async () => {
    const acc = SharedArrayWrapper.zeros([], 'float64');
    await runWorkers(4, 'add', [acc, 0, 50_000, 0.5]);
    assert.equal(acc.data[0], 100_000);
  });

  it('SharedLock gives mutual exclusion for a non-atomic read-modify-write', T, async () => {
    const lock = new SharedLock();
    const arr = SharedArrayWrapper.zeros(2, 'float64');
    await runWorkers(4, 'locked', [lock, arr, 25_000]);
    assert.deepEqual(Array.from(arr.data), [100_000, 200_000]);
    assert.equal(lock.locked, false);
  });

  it('lockAsync waits for a worker to release without blocking the event loop', T, async () => {
    const lock = new SharedLock();
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const done = runWorkers(1, 'hold', [lock, 200], (m) => m === 'holding' && held());
    await holding;
    assert.equal(lock.tryLock(), false);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await lock.lockAsync();
    const acquiredAt = Date.now();
    clearInterval(timer);
    const [releasedAt] = (await done) as number[];
    assert.ok(acquiredAt >= releasedAt!, 'acquired only after the worker released');
    assert.ok(ticks > 3, `event loop kept running (${ticks} ticks)`);
    lock.unlock();
    assert.throws(() => lock.unlock(), /not held/);
  });

  it('lock handles revive onto the same lock; SharedCounter hands out each index once', T, async () => {
    const lock = new SharedLock();
    const other = roundTrip(lock);
    lock.lock();
    assert.equal(other.tryLock(), false);
    lock.unlock();
    assert.equal(other.tryLock(), true);
    other.unlock();
    const counter = new SharedCounter();
    const claimed = (await runWorkers(4, 'claim', [counter, 20_000])) as number[][];
    const all = claimed.flat().sort((a, b) => a - b);
    assert.equal(all.length, 20_000);
    assert.ok(all.every((x, i) => x === i));
    assert.equal(counter.add(0), 20_004, 'each worker overshoots by one claim');
  });
});
