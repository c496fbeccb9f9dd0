// pool.m.stream(): lazy input, bounded window, ordered and unordered results, back-pressure and cancellation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ProxyPool, TaskRng, TimeoutError, fixtureUrl, range, repeat } from './helpers/lib.ts';
import { Ensemble } from '../.test-build/spec/fixtures/ensemble.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindOptions, kinds, T, type Kind } from './helpers/kinds.ts';

const module = fixtureUrl('ensemble');

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of stream) out.push(value);
  return out;
}

/** A generator of unknown length that counts how far it was read and whether it was closed. */
function counted(n: number) {
  const state = { pulled: 0, closed: false };
  function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        state.pulled++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, values: gen() };
}

// The stream is host-side code over map batches, the same for every kind: the full suite runs on thread and inline
// workers (cheap to start), and process workers get the cancellation test, where the kind's transport matters.
const fullKinds: readonly Kind[] = kinds.filter((kind) => kind !== 'process');
for (const kind of kinds) {
  const full = fullKinds.includes(kind);
  const maybe = (name: string, fn: () => Promise<void>) => (full || /leaving the loop/.test(name) ? it(name, T, fn) : undefined);
  describe(`stream [${kind}]`, () => {
    const create = (workers = 2) => ProxyPool.create(Ensemble, { ...kindOptions(kind as Kind), workers, module, seed: 99 });

    maybe('ordered: yields the map\'s values in input order, from a generator, an async iterable and repeat()', async () => {
      await using pool = await create();
      const n = 500;
      const expected = await pool.with({ key: 5 }).walk.map(range(n), repeat(3));
      assert.deepEqual(await collect(pool.with({ key: 5 }).walk.stream(range(n), repeat(3))), expected);
      async function* later() {
        for (let i = 0; i < n; i++) {
          if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          yield 3;
        }
      }
      assert.deepEqual(await collect(pool.with({ key: 5, window: 16 }).walk.stream(range(n), later())), expected);
      // The task streams are those of the host's replay: index and key decide them.
      assert.equal(expected[7]![3], (() => {
        const rng = new TaskRng(99, 5, 7);
        for (let s = 0; s < 3; s++) rng.normal();
        return rng.random();
      })());
    });

    maybe('unordered: yields { index, value } for every task, each once', async () => {
      await using pool = await create(3);
      const items = await collect(pool.with({ ordered: false, window: 32 }).slow.stream(range(60), (function* () {
        for (let i = 0; i < 60; i++) yield i % 7;
      })()));
      assert.equal(items.length, 60);
      assert.deepEqual(items.map((x) => x.index).sort((a, b) => a - b), [...range(60)]);
      for (const { index, value } of items) assert.equal(value, index);
    });

    maybe('back-pressure: a paused consumer stops reading; at most `window` tasks are read ahead', async () => {
      await using pool = await create();
      const { state, values } = counted(10_000);
      const window = 16;
      let seen = 0;
      for await (const value of pool.with({ window }).trivial.stream(values)) {
        assert.equal(value, seen);
        seen++;
        assert.ok(state.pulled <= seen + window, `read ${state.pulled} with ${seen} yielded`);
        if (seen === 40) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          assert.ok(state.pulled <= seen + window, `read ${state.pulled} while paused at ${seen}`);
        }
        if (seen === 100) break;
      }
      assert.ok(state.closed, 'leaving the loop closes the input');
      assert.ok(state.pulled < 10_000);
    });

    maybe('leaving the loop cancels tasks in flight (their signal aborts) and frees the pool', async () => {
      await using pool = await create();
      const report = join(tmpdir(), `opp-stream-cancel-${process.pid}-${kind}.jsonl`);
      rmSync(report, { force: true });
      // Task 0 answers at once; tasks 1 and 2 would work for 10 s each, cooperatively.
      for await (const ran of pool.cooperative.stream([0, 10_000, 10_000], repeat(report))) {
        assert.equal(ran, 0);
        break;
      }
      const lines = async () => (existsSync(report) ? readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
      for (let waited = 0; (await lines()).length < 3 && waited < 3_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      const all = await lines();
      const stopped = all.filter((l) => l.aborted);
      rmSync(report, { force: true });
      // Tasks 1 and 2 each either started and stopped early (its signal aborted), or was withdrawn before it started
      // (a cancelled task never starts, issue 17) and wrote nothing; none ran on. Only task 0 finished unaborted.
      assert.equal(all.filter((l) => !l.aborted).length, 1, JSON.stringify(all));
      assert.ok(stopped.length <= 2, JSON.stringify(all));
      for (const line of stopped) {
        assert.match(line.reason, /cooperative\.stream was abandoned: the consumer left the loop/);
        assert.ok(line.ran < 5_000, `ran ${line.ran} ms`);
      }
      assert.equal(pool.info.inFlight, 0);
      assert.deepEqual(await collect(pool.trivial.stream([1, 2])), [1, 2]);
    });

    maybe('a task that throws ends the stream with its error; the pool stays usable', async () => {
      await using pool = await create();
      const seen: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const value of pool.with({ window: 8 }).check.stream(range(100), repeat(42))) seen.push(value);
        })(),
        (error: Error) => error instanceof RangeError && /task 42 is bad/.test(error.message),
      );
      assert.ok(seen.length <= 42 && seen.every((v, i) => v === i));
      assert.deepEqual(await collect(pool.trivial.stream([7])), [7]);
    });

    maybe('settle: \'all\' yields a settled result per task', async () => {
      await using pool = await create();
      const settled = await collect(pool.with({ settle: 'all' }).check.stream(range(5), repeat(3)));
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    });

    maybe('an iterable that throws midway is an ArgumentError naming the argument and item', async () => {
      await using pool = await create();
      function* broken() {
        yield 1;
        yield 2;
        throw new Error('disk on fire');
      }
      const seen: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const value of pool.with({ window: 1 }).trivial.stream(broken())) seen.push(value);
        })(),
        (error: Error) => error instanceof ArgumentError && /trivial\.stream: argument 0 threw while reading item 2: disk on fire/.test(error.message),
      );
      assert.deepEqual(seen, [1, 2]);
    });

    maybe('a timeout ends the whole stream with a TimeoutError', async () => {
      await using pool = await create();
      await assert.rejects(collect(pool.with({ timeout: 100 }).slow.stream(range(1000), repeat(20))), TimeoutError);
    });

    maybe('batches(): the same values a batch at a time, { index, values }, in order or as completed', async () => {
      await using pool = await create();
      const n = 5_000;
      const seen: number[] = [];
      let next = 0;
      let typed = 0;
      for await (const { index, values } of pool.trivial.stream(range(n)).batches()) {
        assert.equal(index, next, 'ordered batches are contiguous');
        next += values.length;
        if (values instanceof Float64Array) typed++; // numbers travel (and arrive) as one Float64Array
        for (const value of values) seen.push(value);
      }
      assert.deepEqual(seen, [...range(n)]);
      assert.ok(typed > 0);
      // Unordered: every task once, values[i] being task index + i's result; objects arrive as arrays.
      const got = new Map<number, unknown>();
      for await (const { index, values } of pool.with({ ordered: false, window: 64 }).walk.stream(range(300), repeat(2)).batches()) {
        assert.ok(Array.isArray(values));
        Array.from(values).forEach((value, i) => got.set(index + i, value));
      }
      assert.equal(got.size, 300);
      for (const [index, value] of got) assert.equal((value as number[])[0], index, 'taskContext().index');
    });

    maybe('batches(): leaving the loop cancels the rest; it is refused once values were read one by one', async () => {
      await using pool = await create();
      const { state, values } = counted(1_000_000);
      for await (const batch of pool.with({ window: 64 }).trivial.stream(values).batches()) {
        assert.equal(batch.index, 0);
        break;
      }
      assert.ok(state.closed, 'leaving the loop closes the input');
      assert.ok(state.pulled <= 64 + 64, `read ${state.pulled}`);
      const stream = pool.trivial.stream(range(10));
      assert.equal((await stream.next()).value, 0);
      assert.throws(() => stream.batches(), (e: Error) => e instanceof ArgumentError && /already being read value by value/.test(e.message));
      await stream.return!();
      assert.equal(pool.info.inFlight, 0);
    });

    maybe('numbers read into typed columns: a later non-number, negative and fractional range() steps', async () => {
      await using pool = await create();
      function* mixed() {
        for (let i = 0; i < 3000; i++) yield i === 2500 ? 'x' : i;
      }
      const out: unknown[] = await collect(pool.with({ window: 1024 }).trivial.stream(mixed() as Generator<number>));
      assert.equal(out.length, 3000);
      assert.equal(out[2500], 'x');
      assert.equal(out[2999], 2999);
      assert.deepEqual(await collect(pool.trivial.stream(range(10, -10, -3))), [10, 7, 4, 1, -2, -5, -8]);
      assert.deepEqual(await collect(pool.trivial.stream(range(0, 1, 0.25))), [...range(0, 1, 0.25)]);
      assert.deepEqual(await collect(pool.trivial.stream(range(5, 5))), []);
      assert.deepEqual(await collect(pool.with({ window: 4 }).trivial.stream([1, -0, NaN, Infinity, 2 ** 53])), [1, -0, NaN, Infinity, 2 ** 53]);
    });

    maybe('strict: iterables of different lengths are an error', async () => {
      await using pool = await create();
      await assert.rejects(collect(pool.with({ strict: true }).walk.stream([1, 2, 3], [1, 2])), /strict\): argument 1 has 2 items but argument 0 has more/);
      assert.equal((await collect(pool.with({ strict: true }).walk.stream([1, 2], [1, 2]))).length, 2);
    });
  });
}

describe('stream: bad input', () => {
  it('window must be a positive integer; ordered a boolean', T, async () => {
    await using pool = await ProxyPool.create(Ensemble, { kind: 'inline', workers: 1, module });
    for (const window of [0, -1, 1.5, '8', Infinity]) {
      assert.throws(() => pool.with({ window: window as number }), (e: Error) => e instanceof ArgumentError && /window must be a positive integer/.test(e.message));
    }
    assert.throws(() => pool.with({ ordered: 'no' as unknown as boolean }), ArgumentError);
    assert.throws(() => pool.with({ key: -1 }), /key must be an integer from 0 to 4294967295/);
  });

  it('a non-iterable argument, or only repeat(), is refused at the first next()', T, async () => {
    await using pool = await ProxyPool.create(Ensemble, { kind: 'inline', workers: 1, module });
    await assert.rejects(collect(pool.trivial.stream(5 as unknown as number[])), (e: Error) => e instanceof ArgumentError && /argument 0 is not iterable/.test(e.message));
    await assert.rejects(collect(pool.trivial.stream(repeat(1))), /at least one argument must be an iterable/);
  });
});
