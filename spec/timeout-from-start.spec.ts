// A timeout counted from the task's start (workerpool's `.timeout()`), issue 22: a call queued behind a long one
// runs to its own limit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ProxyPool, TimeoutError, fixtureUrl } from './helpers/lib.ts';
import { T } from './helpers/kinds.ts';
import { Tuned } from '../.test-build/spec/fixtures/tuned.js';

const module = fixtureUrl('tuned');
const nodeKinds = (process.env.OPP_KINDS?.split(',') ?? ['thread', 'process']).filter((k) => k === 'thread' || k === 'process') as Array<'thread' | 'process'>;

for (const kind of nodeKinds) {
  describe(`timeoutFrom: 'start' [${kind}]`, () => {
    it('a call queued behind a long one is not timed while it waits; counted from the call, it would be', T, async () => {
      await using pool = await ProxyPool.create(Tuned, { workers: 1, kind, module });
      const order: string[] = [];
      const long = pool.sleepSync.one(600).then(() => order.push('long'));
      const fromStart = pool.with({ timeout: 400, timeoutFrom: 'start' }).delayed.one('queued', 20).then((v) => (order.push('queued'), v));
      assert.equal(await fromStart, 'queued', 'it waited ~600 ms for the worker, then ran 20 ms of its 400');
      await long;
      assert.deepEqual(order, ['long', 'queued']);

      // The same call timed from the call (the default) times out while still waiting for the busy worker.
      const long2 = pool.sleepSync.one(600).then(() => order.push('long2'));
      await assert.rejects(pool.with({ timeout: 400 }).delayed.one('queued', 20).finally(() => order.push('timed out')), TimeoutError);
      await long2;
      assert.deepEqual(order.slice(2), ['timed out', 'long2'], 'it timed out before the long call even ended');
    });

    it('a queued call still runs to its own limit: it times out after it started, not before', T, async () => {
      await using pool = await ProxyPool.create(Tuned, { workers: 1, kind, module });
      const order: string[] = [];
      const long = pool.sleepSync.one(300).then(() => order.push('long'));
      await assert.rejects(
        pool.with({ timeout: 100, timeoutFrom: 'start' }).delayed.one('late', 800).finally(() => order.push('timeout')),
        (error: Error) => error instanceof TimeoutError && error.message === 'delayed did not finish within 100 ms',
      );
      await long;
      assert.deepEqual(order, ['long', 'timeout']);
      // Maps and broadcasts too: each task waits for its worker, the call's clock starts with the first.
      assert.deepEqual(await pool.with({ timeout: 2000, timeoutFrom: 'start' }).square.map([1, 2, 3]), [1, 4, 9]);
      assert.equal((await pool.with({ timeout: 2000, timeoutFrom: 'start' }).whoami())[0]!.index, 0);
    });
  });
}

describe('timeoutFrom: bad input', () => {
  it('anything but \'call\' or \'start\' is an ArgumentError at with()', T, async () => {
    await using pool = await ProxyPool.create(Tuned, { workers: 1, kind: 'inline' });
    assert.throws(() => pool.with({ timeoutFrom: 'begin' as never }), (error: Error) => error instanceof ArgumentError && /call option timeoutFrom must be 'call' or 'start', got "begin"/.test(error.message));
    assert.equal((await pool.whoami())[0]!.index, 0);
  });
});
