/**
 * Flows (mpservice's servlets): sequential, ensemble, switch, worker/pool/function stages, makeWorker, pass-through,
 * micro-batching. Worker stages run on thread workers here (the example test covers processes).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ProxyPool, ensemble, fixtureUrl, functionStage, makeWorker, passThrough, poolStage, sequential, switchFlow, workerStage } from './helpers/lib.ts';
import { BatchDouble, Double, FailAt22, GetHead, GetLen, GetTail, Shift } from '../.test-build/spec/fixtures/flow-workers.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('flow-workers');
const repeatStr = (x: [any, any, number]) => {
  const sum = x[0] + x[1];
  return typeof sum === 'string' ? sum.repeat(x[2]) : sum * x[2];
};

describe('flows', () => {
  it('sequential: worker stages and functions in order; start/stop create and close the pools', T, async () => {
    const double = workerStage(Double, { module, workers: 2 });
    const flow = sequential(double, (x: number) => x + 1, workerStage(Shift, { module }));
    assert.equal(double.pool, undefined, 'nothing runs before start');
    await flow.start();
    assert.equal(double.pool!.info.size, 2);
    assert.equal(await flow.run(5), 14);
    assert.deepEqual(await Promise.all([1, 2, 3].map((x) => flow.run(x))), [6, 8, 10]);
    const d = flow.describe();
    assert.equal(d.type, 'sequential');
    assert.deepEqual(d.members!.map((m) => [m.type, m.done]), [['worker', 4], ['function', 4], ['worker', 4]]);
    const pool = double.pool!;
    await flow.stop();
    assert.equal(pool.info.state, 'closed');
  });

  it("ensemble: every member gets the input, results in member order ('abcde' → 'aeaeaeaeae')", T, async () => {
    const flow = sequential(
      ensemble([workerStage(GetHead, { module }), workerStage(GetTail, { module, workers: 2 }), workerStage(GetLen, { module })]),
      workerStage(makeWorker(repeatStr), { kind: 'inline' }),
    );
    await flow.start();
    try {
      assert.equal(await flow.run('abcde'), 'aeaeaeaeae');
      assert.equal(await flow.run([1, 2, 3, 4]), 20);
      assert.deepEqual(await ensemble([passThrough, (s: string) => s.length]).run('xyz'), ['xyz', 3]);
    } finally {
      await flow.stop();
    }
  });

  it('ensemble fail-fast rejects with the member error; failFast: false returns errors in place', T, async () => {
    const bad = workerStage(Double, { module });
    const fast = ensemble([(x: unknown) => x, bad]);
    const slow = ensemble([(x: unknown) => x, bad], { failFast: false });
    await fast.start();
    try {
      await assert.rejects(fast.run('x'), { name: 'TypeError', message: 'Double expects a number, got string' });
      const [a, b] = await slow.run('x');
      assert.equal(a, 'x');
      assert.ok(b instanceof TypeError);
      assert.equal(b.message, 'Double expects a number, got string');
      assert.deepEqual(await slow.run(4), [4, 8]);
    } finally {
      await fast.stop();
    }
  });

  it('switch routes each input to exactly one member', T, async () => {
    const double = workerStage(Double, { module });
    const shift = workerStage(Shift, { module });
    const flow = switchFlow((x: number) => (x % 2 === 0 ? 0 : 1), [double, shift]);
    await flow.start();
    try {
      const xs = [0, 1, 2, 3, 4, 5, 6, 7];
      assert.deepEqual(await Promise.all(xs.map((x) => flow.run(x))), [0, 4, 4, 6, 8, 8, 12, 10]);
      assert.equal(double.describe().done, 4);
      assert.equal(shift.describe().done, 4);
      await assert.rejects(switchFlow(() => 2, [double, shift]).run(1), { name: 'RangeError', message: 'switch: route returned 2; expected an integer in [0, 2)' });
    } finally {
      await flow.stop();
    }
  });

  it('micro-batching: 111 items with batch size 10 arrive in order, in array calls of at most 10', T, async () => {
    const stage = workerStage(BatchDouble, { module, batchSize: 10, batchWaitMs: 20 });
    await stage.start();
    try {
      const xs = Array.from({ length: 111 }, (_, i) => i);
      assert.deepEqual(await Promise.all(xs.map((x) => stage.run(x))), xs.map((x) => 2 * x));
      const seen = (await stage.pool!.fields.get('batches'))[0] as number[];
      assert.equal(seen.reduce((a, b) => a + b, 0), 111);
      assert.deepEqual(seen, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 1], 'full batches at once, the last one after batchWaitMs');
      assert.deepEqual(stage.batchSizes, seen);
    } finally {
      await stage.stop();
    }
  });

  it('a failing batch does not fail its neighbours: only the bad item rejects', T, async () => {
    const stage = workerStage(BatchDouble, { module, batchSize: 5, batchWaitMs: 5 });
    await stage.start();
    try {
      const settled = await Promise.allSettled([1, 2, -3, 4, 5].map((x) => stage.run(x)));
      assert.deepEqual(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)), [2, 4, 'negative input in batch: -3', 8, 10]);
      assert.equal((settled[2] as PromiseRejectedResult).reason.name, 'RangeError');
    } finally {
      await stage.stop();
    }
  });

  it('poolStage uses a pool the caller owns and never closes it', T, async () => {
    await using pool = await ProxyPool.create(FailAt22, { module, workers: 2 });
    const stage = poolStage(pool);
    const flow = sequential(stage, functionStage((x: number) => `#${x}`, 'label'));
    await flow.start();
    assert.equal(await flow.run(4), '#8');
    await assert.rejects(flow.run(22), { name: 'RangeError', message: 'item 22 is bad' });
    await flow.stop();
    assert.equal(pool.info.state, 'open');
    assert.deepEqual(await pool.call(1), [2, 2]);
  });

  it('bad members and options fail at once with ArgumentError', T, async () => {
    assert.throws(() => sequential(42 as any), { name: 'ArgumentError', message: 'a flow member must be a Flow (sequential, ensemble, workerStage, ...) or a function, got number' });
    assert.throws(() => ensemble([]), ArgumentError);
    assert.throws(() => workerStage(Double, { module, batchSize: 0 }), { message: 'Double: batchSize must be a positive integer, got 0' });
    await assert.rejects(workerStage(Double, { module }).run(1), { message: 'Double: the stage is not started (start the flow, or use it through a Server)' });
  });
});
