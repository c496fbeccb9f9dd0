import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, range, repeat } from './helpers/lib.ts';
import { counterPool, kinds, T } from './helpers/kinds.ts';

for (const kind of kinds) {
  describe(`map_args [${kind}]`, () => {
    it('a 10,000-task map with random per-task delays returns results in input order', T, async () => {
      await using pool = await counterPool(kind, { workers: 4 });
      const n = 10_000;
      const delays = Array.from({ length: n }, (_, i) => (i % 50 === 0 ? Math.floor(Math.random() * 4) : 0));
      const results = await pool.delayed.map(range(n), delays);
      assert.deepEqual(results, Array.from({ length: n }, (_, i) => i));
      const done = pool.info.tasksDone;
      assert.equal(done.reduce((a, b) => a + b, 0), n);
      assert.ok(done.filter((count) => count > 0).length >= 2, `work was spread: ${done}`);
    });

    it('zips shortest-wins by default, like Python', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      assert.deepEqual(await pool.add.map([1, 2, 3], [10, 20]), [11, 22]);
    });

    it('strict mode rejects mismatched lengths before running anything, either way round', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      const strict = pool.with({ strict: true });
      await assert.rejects(strict.add.map([1, 2, 3], [10, 20]), (e: Error) => e instanceof ArgumentError && /argument 1 has 2 items but argument 0 has more/.test(e.message));
      await assert.rejects(strict.add.map([1, 2], [10, 20, 30]), /argument 0 has 2 items but argument 1 has more/);
      assert.deepEqual(await strict.add.map([1, 2], [10, 20]), [11, 22]);
      assert.deepEqual(await strict.add.map([1, 2], repeat(5)), [6, 7]);
    });

    it('accepts generators and other one-shot iterables, reading them once', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      let pulled = 0;
      function* numbers() {
        for (let i = 0; i < 5; i++) {
          pulled++;
          yield i;
        }
      }
      assert.deepEqual(await pool.add.map(numbers(), new Set([1, 1, 2, 3, 4, 5])), [1, 3, 5, 7, 9]);
      assert.equal(pulled, 5);
      const map = new Map([['a', 1]]);
      assert.deepEqual(await pool.add.map(map.values(), range(1)), [1]);
    });

    it('repeat() broadcasts a constant and never decides the length', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      assert.deepEqual(await pool.add.map(repeat(100), range(3)), [100, 101, 102]);
      await assert.rejects(pool.add.map(repeat(1), repeat(2)), /at least one argument must be a finite iterable/);
    });

    it('a non-iterable argument is a clear error naming its position', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      await assert.rejects(pool.add.map(range(3), 5 as unknown as number[]), (e: Error) => e instanceof ArgumentError && /argument 1 is not iterable \(number\); wrap a constant in repeat\(\)/.test(e.message));
    });

    it('an empty map resolves to [] without touching workers; chunkSize is honoured', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      assert.deepEqual(await pool.add.map([], []), []);
      const before = pool.info.tasksDone.reduce((a, b) => a + b, 0);
      assert.equal(before, 0);
      assert.deepEqual(await pool.with({ chunkSize: 1 }).add.map(range(5), range(5)), [0, 2, 4, 6, 8]);
      assert.deepEqual(await pool.with({ chunkSize: 1000 }).add.map(range(5), range(5)), [0, 2, 4, 6, 8]);
      assert.throws(() => pool.with({ chunkSize: 0 }), /chunkSize must be a positive integer, got 0/);
    });

    it('numbers keep their exact value through packed columns and results, in every chunking mode', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      const special = [-0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 5e-324, -1.5, Number.MAX_VALUE];
      const values = Array.from({ length: 400 }, (_, i) => special[i % special.length]! * (i % 3 === 2 ? -1 : 1));
      const zeros = values.map(() => -0);
      // x + -0 is x for every x, -0 included: any lost bit shows up in Object.is.
      for (let run = 0; run < 3; run++) {
        // The first run learns that `add` is tiny; later runs go out as one chunk per worker.
        const sums = await pool.add.map(values, zeros);
        assert.equal(sums.length, values.length);
        sums.forEach((sum, i) => assert.ok(Object.is(sum, values[i]), `task ${i}: ${sum} !== ${values[i]}`));
      }
      const fromTyped = await pool.add.map(new Float64Array(values), repeat(-0));
      fromTyped.forEach((sum, i) => assert.ok(Object.is(sum, values[i]), `typed task ${i}`));
      // A column with one non-number travels as an array, and mixed results come back as they were.
      const mixed: Array<number | string> = values.map((v, i) => (i === 7 ? 'x' : v));
      const out = await pool.add.map(mixed as number[], zeros);
      assert.equal(out[7], 'x0');
      assert.ok(Object.is(out[8], values[8]));
      assert.ok(Array.isArray(out), 'the result of a map is a plain array');
    });

    it('settle: "all" resolves to one settled result per task', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      const settled = await pool.with({ settle: 'all' }).failIf.map(range(6), repeat(3));
      assert.equal(settled.length, 6);
      settled.forEach((result, i) => {
        if (i === 3) {
          assert.equal(result.status, 'rejected');
          assert.ok((result as PromiseRejectedResult).reason instanceof TypeError);
        } else assert.deepEqual(result, { status: 'fulfilled', value: i });
      });
    });

    it('fail-fast rejects with the first failing task and the pool keeps working', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      await assert.rejects(pool.failIf.map(range(100), repeat(42)), (e: Error) => e instanceof TypeError && e.message === 'bad value 42');
      assert.deepEqual(await pool.add.map(range(3), range(3)), [0, 2, 4]);
    });
  });
}
