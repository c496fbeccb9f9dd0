/** Partitioned jobs: Eidolon's golden values, argument slicing, concurrency, progress, bad input. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError,
  PartitionPool,
  SharedArrayWrapper,
  chooseWorkerCount,
  closeDefaultPartitionPool,
  defaultPartitionPool,
  concurrent,
  fixtureUrl,
  partition,
  partitionRange,
  partitionRanges,
  sliceForWorker,
} from './helpers/lib.ts';
import * as jobsModule from '../.test-build/spec/fixtures/partition-jobs.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('partition-jobs').href;

describe('partition ranges (Eidolon rule)', () => {
  it('50 over 4 and 20 over 3 match Eidolon', T, () => {
    assert.deepEqual(partitionRanges(50, 4), [[0, 12], [12, 25], [25, 37], [37, 50]]);
    assert.deepEqual(partitionRanges(20, 3), [[0, 6], [6, 13], [13, 20]]);
    assert.deepEqual(partitionRange(20, 3, 1), [6, 13]);
  });

  it('parts cover [0, n) exactly, in order, sizes differing by at most one', T, () => {
    for (const n of [0, 1, 7, 99, 1000]) {
      for (const parts of [1, 2, 3, 8, 13]) {
        const ranges = partitionRanges(n, parts);
        assert.equal(ranges[0]![0], 0);
        assert.equal(ranges.at(-1)![1], n);
        for (let i = 1; i < parts; i++) assert.equal(ranges[i]![0], ranges[i - 1]![1]);
        const sizes = ranges.map(([a, b]) => b - a);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${n} over ${parts}: ${sizes}`);
      }
    }
  });

  it('slices arrays, copies plain typed arrays, views shared ones', T, () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.deepEqual([0, 1, 2].map((i) => sliceForWorker(values, 3, i)), [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]);
    const plain = new Float64Array(10);
    assert.notEqual(sliceForWorker(plain, 3, 0).buffer, plain.buffer);
    const shared = new Float64Array(new SharedArrayBuffer(80));
    assert.equal(sliceForWorker(shared, 3, 0).buffer, shared.buffer);
    assert.throws(() => sliceForWorker('abc', 3, 0), { name: 'ArgumentError', message: /only arrays, typed arrays and SharedArrayWrapper can be partitioned, got string/ });
  });

  it('chooseWorkerCount', T, () => {
    assert.equal(chooseWorkerCount(30, { minPerWorker: 10, max: 8 }), 3);
    assert.equal(chooseWorkerCount(1_000_000, { minPerWorker: 10, max: 8 }), 8);
    assert.equal(chooseWorkerCount(0, { max: 8 }), 1);
    assert.equal(chooseWorkerCount(5, { minPerWorker: 10, max: 8 }), 1);
    assert.throws(() => chooseWorkerCount(10, { max: 0 }), ArgumentError);
  });
});

describe('PartitionPool', () => {
  let jobs: PartitionPool;
  before(async () => {
    jobs = await PartitionPool.create({ workers: 4 });
  });
  after(() => jobs.close());

  it('golden: testfunc over 50 with 4 workers gives [(0,0,12),(1,12,25),(2,25,37),(3,37,50)]', T, async () => {
    assert.deepEqual(await jobs.partition(50, jobsModule.testfunc, [], { module }), [[0, 0, 12], [1, 12, 25], [2, 25, 37], [3, 37, 50]]);
    assert.deepEqual(await jobs.partition(20, { module, name: 'testfunc' }, [], { workers: 3 }), [[0, 0, 6], [1, 6, 13], [2, 13, 20]]);
  });

  it('golden: partitionArgs over 10 values and 3 workers gives [0..2],[3..5],[6..9] (by identity and by index)', T, async () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const expected = [[0, [0, 1, 2]], [1, [3, 4, 5]], [2, [6, 7, 8, 9]]];
    assert.deepEqual(await jobs.partition(values.length, jobsModule.valuesfunc, [values], { workers: 3, module, partitionArgs: [values] }), expected);
    assert.deepEqual(await jobs.partition(values.length, jobsModule.valuesfunc, [values], { workers: 3, module, partitionArgs: [0] }), expected);
    // Not listed: every worker gets the whole list.
    const whole = await jobs.partition(values.length, jobsModule.valuesfunc, [values], { workers: 2, module });
    assert.deepEqual(whole, [[0, values], [1, values]]);
  });

  it('golden: 100 values with a barrier every round concatenate to 0..99', T, async () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const parts = await jobs.partition(100, jobsModule.roundsfunc, [values, 26], { module, partitionArgs: [0] });
    assert.deepEqual(parts.map((p) => p.length), [25, 25, 25, 25]);
    assert.deepEqual(parts.flat(), values);
  });

  it('golden: exchange returns every other worker’s value', T, async () => {
    const parts = await jobs.partition(4, jobsModule.exchangefunc, [], { module });
    parts.forEach((others, index) => {
      assert.deepEqual(
        others,
        [0, 1, 2, 3].filter((i) => i !== index).map((i) => ({ index: i, square: i * i })),
      );
    });
  });

  it('shared arrays are partitioned as zero-copy views', T, async () => {
    const shared = SharedArrayWrapper.zeros([10], 'float64');
    shared.data.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const lengths = await jobs.partition(10, jobsModule.doublefunc, [shared], { workers: 3, module, partitionArgs: [shared] });
    assert.deepEqual(lengths, [3, 3, 4]);
    assert.deepEqual([...shared.data], [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('jobs run concurrently: two jobs with barriers interleave on the same workers', T, async () => {
    const values = Array.from({ length: 40 }, (_, i) => i);
    const [a, b] = await Promise.all([
      jobs.partition(40, jobsModule.roundsfunc, [values, 11], { module, partitionArgs: [0] }),
      jobs.partition(40, jobsModule.roundsfunc, [values.map((v) => v + 100), 11], { module, partitionArgs: [0] }),
    ]);
    assert.deepEqual(a.flat(), values);
    assert.deepEqual(b.flat(), values.map((v) => v + 100));
  });

  it('concurrent(fn) partitions whenever it is called', T, async () => {
    const testfunc = jobs.concurrent(jobsModule.testfunc, { module });
    assert.deepEqual(await testfunc(50), [[0, 0, 12], [1, 12, 25], [2, 25, 37], [3, 37, 50]]);
    assert.deepEqual(await testfunc(20, [], { workers: 3 }), [[0, 0, 6], [1, 6, 13], [2, 13, 20]]);
  });

  it('progress: a partition of 10^6 items reports monotonically increasing progress ending at 10^6', T, async () => {
    const seen: number[] = [];
    const counts = await jobs.partition(1_000_000, jobsModule.countfunc, [], {
      module,
      onProgress: (p) => {
        assert.equal(p.total, 1_000_000);
        assert.equal(p.byWorker.reduce((a, b) => a + b, 0), p.done);
        seen.push(p.done);
      },
    });
    assert.deepEqual(counts, [250_000, 250_000, 250_000, 250_000]);
    assert.ok(seen.length >= 4, `at least the four final reports, got ${seen.length}`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `progress went from ${seen[i - 1]} to ${seen[i]}`);
    assert.equal(seen.at(-1), 1_000_000);
  });

  it('a failing part rejects the job with its error; waiting parts are released and the pool stays usable', T, async () => {
    await assert.rejects(jobs.partition(4, jobsModule.failfunc, [2], { module }), { name: 'RangeError', message: 'rank 2 gives up' });
    assert.deepEqual(await jobs.partition(50, jobsModule.testfunc, [], { module }), [[0, 0, 12], [1, 12, 25], [2, 25, 37], [3, 37, 50]]);
  });

  it('progress reported by hand with progress(done) ends at n: the throttle holds back, never drops, the last count', T, async () => {
    for (let round = 0; round < 5; round++) {
      const seen: number[] = [];
      const counts = await jobs.partition(120, jobsModule.handprogressfunc, [], { module, onProgress: (p) => void seen.push(p.done) });
      assert.deepEqual(counts, [30, 30, 30, 30]);
      assert.equal(seen.at(-1), 120, `round ${round}: progress ended at ${seen.at(-1)}`);
    }
  });

  it('a part that throws while the others wait in a barrier: the job rejects with its RangeError, every time', T, async () => {
    for (let run = 0; run < 24; run++) {
      // Every fourth run, the failing part's answer is made to arrive after the released parts' (see slowfailfunc).
      const fn = run % 4 === 3 ? jobsModule.slowfailfunc : jobsModule.failfunc;
      await assert.rejects(jobs.partition(4, fn, [run % 4], { module }), (error: unknown) => {
        assert.equal((error as Error).name, 'RangeError', `run ${run}: ${(error as Error).name}: ${(error as Error).message}`);
        assert.equal((error as Error).message, `rank ${run % 4} gives up`);
        return true;
      });
    }
  });

  it('bad input fails clearly', T, async () => {
    await assert.rejects(jobs.partition(10, jobsModule.testfunc, []), { name: 'ArgumentError', message: /functions cannot be sent to workers; pass \{ module: import.meta.url \} from the module that exports testfunc/ });
    await assert.rejects(jobs.partition(10, jobsModule.testfunc, [], { module, workers: 5 }), { name: 'ArgumentError', message: /workers must be an integer in \[1, 4\]/ });
    await assert.rejects(jobs.partition(-1, jobsModule.testfunc, [], { module }), { name: 'ArgumentError', message: /n must be a non-negative integer, got -1/ });
    await assert.rejects(jobs.partition(10, { module, name: 'nothing' }, []), { name: 'TypeError', message: /has no exported function "nothing"/ });
    await assert.rejects(jobs.partition(10, jobsModule.valuesfunc, [[1]], { module, partitionArgs: [[1]] }), { name: 'ArgumentError', message: /neither an index of args nor one of the args/ });
    await assert.rejects(jobs.partition(10, jobsModule.testfunc, [], null as never), { name: 'ArgumentError', message: 'partition: options must be an object, got null' });
    const notExported = () => 1;
    await assert.rejects(jobs.partition(10, notExported, [], { module }), { name: 'ArgumentError', message: /does not export this function as "notExported"/ });
  });
});

describe('partition() and concurrent() as free functions', () => {
  it('run on the default pool (started on first use, ended by closeDefaultPartitionPool) or on the pool given', T, async () => {
    try {
      // The default pool has one worker per core (availableParallelism()), whatever the machine.
      const size = (await defaultPartitionPool()).size;
      const expected = (n: number) => partitionRanges(n, size).map(([a, b], i) => [i, a, b]);
      assert.deepEqual(await partition(20, jobsModule.testfunc, [], { module }), expected(20));
      const testfunc = concurrent(jobsModule.testfunc, { module });
      assert.deepEqual(await testfunc(50), expected(50));
    } finally {
      await closeDefaultPartitionPool();
    }
    await using jobs = await PartitionPool.create({ workers: 3 });
    assert.deepEqual(await partition(20, jobsModule.testfunc, [], { pool: jobs, module }), [[0, 0, 6], [1, 6, 13], [2, 13, 20]]);
  });
});
