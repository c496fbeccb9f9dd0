import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ProxyPool, TimeoutError, UnknownMethodError, remoteInfo } from './helpers/lib.ts';
import { Counter, CustomError } from '../.test-build/spec/fixtures/counter.js';
import { counterModule, counterPool, kindOptions, kinds, T } from './helpers/kinds.ts';

for (const kind of kinds) {
  describe(`errors [${kind}]`, () => {
    it('TypeError and RangeError keep their class and message', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      await assert.rejects(pool.fail('type', 'bad type'), (e: Error) => e instanceof TypeError && e.constructor === TypeError && e.message === 'bad type');
      await assert.rejects(pool.fail('range', 'out of range'), (e: Error) => e instanceof RangeError && e.message === 'out of range');
    });

    it('a registered custom error class keeps its class and own properties', T, async () => {
      await using pool = await ProxyPool.create(Counter, { workers: 2, ...kindOptions(kind), module: counterModule, errorClasses: [CustomError] });
      const error = await pool.fail('custom', 'diverged').then(() => assert.fail('should reject'), (e: unknown) => e as CustomError);
      assert.ok(error instanceof CustomError);
      assert.equal(error.name, 'CustomError');
      assert.equal(error.message, 'diverged');
      assert.equal(error.code, 42);
      assert.deepEqual(error.detail, { step: 7 });
    });

    it('`cause` survives, with its own class', T, async () => {
      await using pool = await counterPool(kind, { workers: 1 });
      const error = await pool.fail('cause', 'outer').catch((e: Error) => e);
      assert.equal((error as Error).message, 'outer');
      assert.ok((error as Error).cause instanceof TypeError);
      assert.equal(((error as Error).cause as Error).message, 'root cause');
    });

    it('the remote stack, the worker index and the method name are in the error', T, async () => {
      await using pool = await counterPool(kind, { workers: 3 });
      const settled = await pool.with({ settle: 'all' }).fail('type');
      settled.forEach((result, index) => {
        assert.equal(result.status, 'rejected');
        const error = (result as PromiseRejectedResult).reason as Error;
        assert.match(error.stack!, /at Counter\.fail .*counter\.(ts|js)/);
        assert.match(error.stack!, new RegExp(`<objectproxypool worker ${index}, method fail>`));
        const info = remoteInfo(error)!;
        assert.equal(info.workerIndex, index);
        assert.equal(info.method, 'fail');
        assert.match(info.remoteStack!, /Counter\.fail/);
      });
    });

    it('a thrown non-error value arrives as an Error describing it', T, async () => {
      await using pool = await counterPool(kind, { workers: 1 });
      await assert.rejects(pool.fail('string'), (e: Error & { thrown?: unknown }) => e instanceof Error && /non-error value thrown: plain string/.test(e.message) && e.thrown === 'plain string');
    });

    it('the pool keeps working after errors', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      for (let i = 0; i < 5; i++) await assert.rejects(pool.fail('type'));
      assert.deepEqual(await pool.whoami(), [0, 1]);
    });

    it('an unknown method lists the available ones; reserved names are refused', T, async () => {
      await using pool = await counterPool(kind, { workers: 1 });
      const methods = pool.methods as unknown as Record<string, () => Promise<unknown>>;
      await assert.rejects(methods.nope!(), (e: Error) => e instanceof UnknownMethodError && /no method "nope"; available: .*whoami/.test(e.message));
      await assert.rejects((Reflect.get(methods, 'toString') as () => Promise<unknown>)(), UnknownMethodError);
      await assert.rejects(methods.constructor!(), /"constructor" is reserved/);
      await assert.rejects(methods.__proto__!(), /"__proto__" is reserved/);
      assert.equal(methods.then, undefined);
    });

    it('a non-cloneable argument is named and nothing else in the same tick is lost', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      const good = pool.add(1, 2);
      const bad = pool.setProperty(() => 1);
      const mapped = pool.add.map([1, 2], [1, 2]);
      await assert.rejects(bad, (e: Error) => e instanceof ArgumentError && /setProperty: argument 0 \(function \(anonymous\)\) cannot be sent to a worker/.test(e.message));
      assert.deepEqual(await good, [3, 3]);
      assert.deepEqual(await mapped, [2, 4]);
    });

    it('a result that cannot be cloned is an error saying so, and the worker survives', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      await assert.rejects(pool.unclonable(), /the result could not be sent back to the pool/);
      assert.deepEqual(await pool.whoami(), [0, 1]);
    });

    it('timeout rejects with TimeoutError; queued tasks are dropped; the pool stays usable', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      await assert.rejects(pool.with({ timeout: 50 }).delayed(1, 2000), (e: Error) => e instanceof TimeoutError && e.message === 'delayed did not finish within 50 ms');
      const started = Date.now();
      await assert.rejects(pool.with({ timeout: 100, chunkSize: 1 }).delayed.map(Array(200).fill(1), Array(200).fill(20)), TimeoutError);
      assert.ok(Date.now() - started < 1500);
      assert.deepEqual(await pool.add(1, 1), [2, 2]);
    });

    it('an AbortSignal rejects with its reason, before or during the call', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      await assert.rejects(pool.with({ signal: AbortSignal.abort(new Error('stop now')) }).whoami(), /stop now/);
      const controller = new AbortController();
      const call = pool.with({ signal: controller.signal }).delayed(1, 2000);
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(call, (e: Error) => e.name === 'AbortError');
      assert.deepEqual(await pool.whoami(), [0, 1]);
    });
  });
}
