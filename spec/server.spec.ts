/**
 * Ports of mpservice's server tests (tests/test_mpserver.py): capacity and backpressure, timeouts and the capacity
 * a timed-out call holds, errors keeping their class, streams (order, errors, early exit), ensemble, switch, batching.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError, BacklogFullError, PoolClosedError, Server, ServerBacklogFullError, ServerStoppedError, TimeoutError, ensemble, fixtureUrl, functionStage, makeWorker, sequential, switchFlow, workerStage,
} from './helpers/lib.ts';
import { BatchDouble, Double, FailAt22, GetHead, GetLen, GetTail, Shift, Sleeper } from '../.test-build/spec/fixtures/flow-workers.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('flow-workers');
const sleeper = () => workerStage(Sleeper, { module });
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 2));
};

describe('server', () => {
  it('capacity 8, 10 concurrent calls, backpressure reject: 2 fail at once with backlog-full, 8 succeed', T, async () => {
    await using server = await Server.start(sleeper(), { capacity: 8 });
    const settledAt: string[] = [];
    const calls = Array.from({ length: 10 }, (_, i) =>
      server.call([i, 150], { backpressure: 'reject' }).then(
        (v) => (settledAt.push(`ok ${i}`), v),
        (e) => (settledAt.push(`err ${i}`), Promise.reject(e)),
      ),
    );
    const results = await Promise.allSettled(calls);
    assert.deepEqual(settledAt.slice(0, 2), ['err 8', 'err 9'], 'the calls over capacity fail before any call finishes');
    assert.deepEqual(results.slice(0, 8).map((r) => (r as PromiseFulfilledResult<number>).value), [0, 1, 2, 3, 4, 5, 6, 7]);
    for (const r of results.slice(8)) {
      const error = (r as PromiseRejectedResult).reason;
      assert.ok(error instanceof ServerBacklogFullError && error instanceof BacklogFullError);
      assert.equal(error.message, "server backlog full: 8 items in flight (its capacity) and backpressure is 'reject'");
      assert.equal(error.capacity, 8);
    }
    assert.equal(server.debugInfo().rejected, 2);
  });

  it('capacity 8, 10 concurrent calls, backpressure wait: the 2 extra calls wait, never more than 8 in flight', T, async () => {
    await using server = await Server.start(sleeper(), { capacity: 8, backpressure: 'wait' });
    let maxInFlight = 0;
    const calls = Array.from({ length: 10 }, (_, i) => server.call([i, 100]).finally(() => (maxInFlight = Math.max(maxInFlight, server.inFlight))));
    assert.equal(server.inFlight, 8);
    assert.equal(server.backlog, 10);
    assert.equal(server.debugInfo().waiting, 2);
    assert.deepEqual(await Promise.all(calls), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(maxInFlight <= 8);
    assert.equal(server.backlog, 0);
  });

  it('a call that outlives its timeout fails with TimeoutError; its slot is held until its work really ends', T, async () => {
    const after: number[] = [];
    const stage = sleeper();
    await using server = await Server.start(sequential(stage, (x: number) => (after.push(x), x)), { capacity: 1 });
    await assert.rejects(server.call([1, 400], { timeout: 50 }), (e: unknown) => {
      assert.ok(e instanceof TimeoutError);
      assert.equal(e.message, 'server.call did not finish within 50 ms');
      return true;
    });
    // Documented accounting: the worker is still running the item, so it still holds the only slot.
    assert.equal(server.inFlight, 1);
    assert.equal(server.debugInfo().abandonedRunning, 1);
    await assert.rejects(server.call([2, 1], { backpressure: 'reject' }), ServerBacklogFullError);
    // A waiting call gets the slot as soon as the abandoned work ends, not before.
    const waited = server.call([3, 1], { backpressure: 'wait', timeout: 5000 });
    assert.equal(server.debugInfo().waiting, 1);
    assert.equal(await waited, 3);
    assert.deepEqual((await stage.pool!.fields.get('log'))[0], ['start 1', 'end 1', 'start 3', 'end 3'], 'the timed-out item ran to its end first');
    assert.equal(server.debugInfo().abandonedRunning, 0);
    assert.deepEqual(after, [3], 'the stage after the timed-out one was skipped');
    assert.equal(server.inFlight, 0);
    const info = server.debugInfo();
    assert.deepEqual([info.done, info.timedOut, info.rejected, info.failed], [1, 1, 1, 0]);
  });

  it('a call waiting for capacity past its timeout fails with TimeoutError and never runs', T, async () => {
    const stage = sleeper();
    await using server = await Server.start(stage, { capacity: 1, backpressure: 'wait' });
    const first = server.call(['a', 150]);
    await assert.rejects(server.call(['b', 1], { timeout: 30 }), { name: 'TimeoutError', message: 'server.call did not finish within 30 ms' });
    assert.equal(server.debugInfo().waiting, 0);
    assert.equal(await first, 'a');
    assert.deepEqual(await stage.pool!.fields.get('finished'), [1]);
  });

  it('a bad argument fails with its own TypeError, and the server goes on', T, async () => {
    await using server = await Server.start(workerStage(Double, { module }));
    await assert.rejects(server.call('x'), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.message, 'Double expects a number, got string');
      return true;
    });
    assert.equal(await server.call(21), 42);
    assert.equal(server.debugInfo().failed, 1);
    await assert.rejects(server.call(1, { timeout: -1 }), ArgumentError);
  });

  it('stream: 100 items come back in input order (and all of them unordered)', T, async () => {
    await using server = await Server.start(workerStage(FailAt22, { module, workers: 2 }), { capacity: 10 });
    const xs = Array.from({ length: 100 }, (_, i) => (i === 22 ? 122 : i));
    const ordered: number[] = [];
    for await (const y of server.stream(xs)) ordered.push(y);
    assert.deepEqual(ordered, xs.map((x) => 2 * x));
    const unordered: number[] = [];
    for await (const y of server.stream(xs, { ordered: false })) unordered.push(y);
    assert.deepEqual([...unordered].sort((a, b) => a - b), xs.map((x) => 2 * x).sort((a, b) => a - b));
  });

  it('stream: an error at item 22 ends the stream there, or is yielded in place with returnErrors', T, async () => {
    await using server = await Server.start(workerStage(FailAt22, { module, workers: 2 }), { capacity: 10 });
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const y of server.stream(Array.from({ length: 50 }, (_, i) => i))) got.push(y);
      })(),
      { name: 'RangeError', message: 'item 22 is bad' },
    );
    assert.deepEqual(got, Array.from({ length: 22 }, (_, i) => 2 * i));
    const items: Array<{ input: number; value?: number; error?: unknown }> = [];
    for await (const item of server.stream(Array.from({ length: 30 }, (_, i) => i), { returnInputs: true, returnErrors: true })) items.push(item);
    assert.equal(items.length, 30);
    items.forEach((item, i) => {
      assert.equal(item.input, i);
      if (i === 22) {
        assert.ok(item.error instanceof RangeError);
        assert.equal((item.error as Error).message, 'item 22 is bad');
      } else assert.equal(item.value, 2 * i);
    });
    await until(() => server.inFlight === 0);
  });

  it('stream: early exit after 33 items with capacity 10 stops pulling inputs', T, async () => {
    await using server = await Server.start(sleeper(), { capacity: 10 });
    let pulled = 0;
    function* inputs() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield [i, 2] as [number, number];
      }
    }
    const got: number[] = [];
    for await (const y of server.stream(inputs())) {
      got.push(y as number);
      if (got.length === 33) break;
    }
    assert.deepEqual(got, Array.from({ length: 33 }, (_, i) => i));
    assert.ok(pulled <= 33 + 10, `pulled ${pulled} inputs; at most 33 + capacity 10`);
    await until(() => server.inFlight === 0);
  });

  it("ensemble through the server: 'abcde' → 'aeaeaeaeae'", T, async () => {
    const flow = sequential(
      ensemble([workerStage(GetHead, { module }), workerStage(GetTail, { module }), workerStage(GetLen, { module })]),
      workerStage(makeWorker((x: [string, string, number]) => (x[0] + x[1]).repeat(x[2])), { kind: 'inline' }),
    );
    await using server = await Server.start(flow);
    assert.equal(await server.call('abcde'), 'aeaeaeaeae');
    const info = server.debugInfo();
    assert.equal(info.flow.type, 'sequential');
    assert.deepEqual(info.flow.members![0]!.members!.map((m) => [m.name, m.done]), [['GetHead', 1], ['GetTail', 1], ['GetLen', 1]]);
  });

  it('switch through the server routes each item to one member', T, async () => {
    await using server = await Server.start(switchFlow((x: number) => (x < 10 ? 0 : 1), [workerStage(Double, { module }), workerStage(Shift, { module })]));
    const ys: number[] = [];
    for await (const y of server.stream([1, 20, 3, 40])) ys.push(y);
    assert.deepEqual(ys, [2, 23, 6, 43]);
  });

  it('batching: 111 single items stream through a batchSize 10 stage in order', T, async () => {
    const stage = workerStage(BatchDouble, { module, batchSize: 10, batchWaitMs: 5 });
    await using server = await Server.start(stage, { capacity: 40 });
    const ys: number[] = [];
    for await (const y of server.stream(Array.from({ length: 111 }, (_, i) => i))) ys.push(y);
    assert.deepEqual(ys, Array.from({ length: 111 }, (_, i) => 2 * i));
    const sizes = (await stage.pool!.fields.get('batches'))[0] as number[];
    assert.equal(sizes.reduce((a, b) => a + b, 0), 111);
    assert.ok(sizes.every((n) => n >= 1 && n <= 10), `batch sizes ${sizes}`);
    assert.ok(sizes.length < 111, 'items were batched');
  });

  it('stop waits for items in flight and closes the pools; later calls fail', T, async () => {
    const stage = sleeper();
    const server = await Server.start(stage);
    const pending = server.call(['late', 50]);
    const pool = stage.pool!;
    await server.stop();
    assert.equal(await pending, 'late');
    assert.equal(pool.info.state, 'closed');
    await assert.rejects(server.call(['x', 1]), { message: 'server.call: the server is stopped' });
  });

  it('stop() with a stream open: the items it submitted are delivered, then the stream ends with ServerStoppedError', T, async () => {
    const finished: number[] = [];
    const slow = functionStage(async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      finished.push(x);
      return x * 2;
    });
    const server = await Server.start(slow, { capacity: 3 });
    const pulled: number[] = [];
    function* inputs() {
      for (let i = 0; i < 20; i++) {
        pulled.push(i);
        yield i;
      }
    }
    const stream = server.stream(inputs());
    assert.deepEqual(await stream.next(), { value: 0, done: false });
    await server.stop();
    // stop() waited for what the stream had in flight (its window of 3: items 0..2).
    assert.deepEqual(finished, [0, 1, 2]);
    const rest: number[] = [];
    await assert.rejects(
      (async () => {
        for (let next = await stream.next(); !next.done; next = await stream.next()) rest.push(next.value as number);
      })(),
      (error: unknown) => error instanceof ServerStoppedError && error instanceof PoolClosedError && /remaining inputs were not run/.test((error as Error).message),
    );
    assert.deepEqual(rest, [2, 4]);
    assert.deepEqual(pulled, [0, 1, 2], 'no input is pulled after stop()');
  });

  it('bad input is refused at the call with ArgumentError; a stopped server refuses with ServerStoppedError', T, async () => {
    const server = await Server.start((x: number) => x + 1, { capacity: 2 });
    await assert.rejects(server.call(1, { backpressure: 'rejct' as never }), { name: 'ArgumentError', message: "server.call option backpressure must be 'wait' or 'reject', got rejct" });
    await assert.rejects(server.call(1, null as never), { name: 'ArgumentError' });
    assert.throws(() => server.stream(42 as never), { name: 'ArgumentError', message: 'server.stream expects an iterable or async iterable of inputs, got number' });
    assert.throws(() => server.stream(null as never), { name: 'ArgumentError' });
    assert.throws(() => ensemble(null as never), { name: 'ArgumentError', message: 'ensemble expects an array of members, got null' });
    assert.throws(() => ensemble('ab' as never), { name: 'ArgumentError', message: 'ensemble expects an array of members, got string' });
    assert.throws(() => functionStage(null as never), { name: 'ArgumentError', message: 'functionStage expects a function, got object' });
    assert.throws(() => makeWorker(undefined as never), { name: 'ArgumentError', message: 'makeWorker expects a function, got undefined' });
    assert.throws(() => workerStage(Double, { module, batchWaitMs: '5' as never, batchSize: 2 }), { name: 'ArgumentError', message: /batchWaitMs must be a finite number >= 0, got 5/ });
    assert.equal(await server.call(1), 2, 'the server goes on after refusing bad input');
    await server.stop();
    await assert.rejects(server.call(1), (e: unknown) => e instanceof ServerStoppedError && e instanceof PoolClosedError && (e as Error).message === 'server.call: the server is stopped');
    assert.throws(() => server.stream([1]), ServerStoppedError);
  });
});
