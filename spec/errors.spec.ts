import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ProxyPool, TimeoutError, UnknownMethodError, fixtureUrl, remoteInfo } from './helpers/lib.ts';
import { Throwers, oddKinds } from '../.test-build/spec/fixtures/throwers.js';
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

// Issue 17: nothing a worker throws can crash the host or kill the worker; what could not be read is named.
const throwersModule = fixtureUrl('throwers');
for (const kind of kinds) {
  describe(`odd thrown values [${kind}]`, () => {
    const throwers = (options: { errorClasses?: Array<new (...args: any[]) => Error> } = {}) =>
      ProxyPool.create(Throwers, { workers: 1, ...kindOptions(kind), module: throwersModule, ...options });
    const rejection = async (call: Promise<unknown>) => call.then(() => assert.fail('should reject'), (e: unknown) => e as Error & Record<string, any>);

    it('every odd value, thrown or rejected, rejects with an Error; the worker lives on and the next call succeeds', T, async () => {
      await using pool = await throwers();
      for (const odd of oddKinds) {
        for (const method of ['throwIt', 'rejectIt'] as const) {
          const error = await rejection(pool[method](odd));
          assert.ok(error instanceof Error, `${odd}: got ${typeof error}`);
          assert.equal(typeof error.message, 'string');
          assert.deepEqual(await pool.ok(1), [1], `${odd}: the pool still answers`);
        }
      }
      assert.deepEqual(await pool.fields.get('calls'), [oddKinds.length * 2], 'one worker throughout: none died');
      assert.equal(pool.info.respawns[0], 0);
    });

    it('a throwing getter is named in the rebuilt error; the rest arrives', T, async () => {
      await using pool = await throwers();
      const error = await rejection(pool.throwIt('getter'));
      assert.equal(error.message, 'has a bad getter');
      assert.deepEqual(error.unreadable, ['x (Error: getter trap)']);
    });

    it('Proxies whose traps throw, revoked Proxies, null-prototype objects and throwing toPrimitive are described', T, async () => {
      await using pool = await throwers();
      assert.match((await rejection(pool.throwIt('revoked'))).message, /non-error value thrown: \[an object that can not be inspected \(a revoked Proxy\?\)\]/);
      const proxied = await rejection(pool.throwIt('proxy-traps'));
      assert.match(proxied.message, /^non-error value thrown: /);
      assert.equal((await rejection(pool.throwIt('null-proto-bare'))).message, 'non-error value thrown: [object Object]');
      const nullProto = await rejection(pool.throwIt('null-proto'));
      assert.equal(nullProto.message, 'from a null-prototype object');
      assert.equal(nullProto.extra, 1);
      assert.equal((await rejection(pool.throwIt('to-primitive'))).message, 'non-error value thrown: [object Object]');
      const fields = await rejection(pool.throwIt('non-string-fields'));
      assert.equal(fields.name, '42');
      assert.equal(fields.message, '[object Object]');
      assert.match((await rejection(pool.throwIt('to-primitive-message'))).message, /^(\[object Object\])?$/);
    });

    it('cyclic and very deep cause chains are cut; AggregateError and SuppressedError members keep their class', T, async () => {
      await using pool = await throwers();
      const cyclic = await rejection(pool.throwIt('cyclic-cause'));
      assert.equal(cyclic.message, 'a');
      const cause = cyclic.cause as Error & { cause: string };
      assert.equal(cause.message, 'b');
      assert.match(cause.cause, /^\[circular/);
      const deep = await rejection(pool.throwIt('deep-cause'));
      let depth = 0;
      for (let e = deep; e instanceof Error; e = e.cause as typeof deep) depth++;
      assert.ok(depth <= 10, `depth ${depth}`);
      const aggregate = await rejection(pool.throwIt('aggregate'));
      assert.ok(aggregate instanceof AggregateError);
      assert.ok(aggregate.errors[0] instanceof TypeError);
      assert.equal(aggregate.errors[1].message, 'non-error value thrown: 42');
      const suppressed = await rejection(pool.throwIt('suppressed'));
      assert.equal(suppressed.name, 'SuppressedError');
      assert.ok(suppressed.error instanceof RangeError && suppressed.error.message === 'inner');
      assert.ok(suppressed.suppressed instanceof TypeError && suppressed.suppressed.message === 'suppressed');
    });

    it('huge messages and many properties are bounded', T, async () => {
      await using pool = await throwers();
      const huge = await rejection(pool.throwIt('huge'));
      assert.ok(huge.message.length < 100_100 && /more characters cut by objectproxypool/.test(huge.message));
      const many = await rejection(pool.throwIt('many-props'));
      assert.equal(many.p99, 99);
      assert.equal(many.p100, undefined);
      assert.match(many.unreadable.join(), /properties beyond the first 100 \(of 1000\)/);
    });

    it('thrown non-errors arrive as Errors carrying the value as `thrown` when it can be cloned', T, async () => {
      await using pool = await throwers();
      const undef = await rejection(pool.throwIt('undefined'));
      assert.equal(undef.message, 'non-error value thrown: undefined');
      assert.ok('thrown' in undef && undef.thrown === undefined);
      const symbol = await rejection(pool.throwIt('symbol'));
      assert.equal(symbol.message, 'non-error value thrown: Symbol(thrown)');
      assert.ok(!('thrown' in symbol));
      assert.equal((await rejection(pool.throwIt('bigint'))).thrown, 10n);
      assert.equal((await rejection(pool.throwIt('function'))).message, 'non-error value thrown: function thrownFunction');
      const object = await rejection(pool.throwIt('value', { code: 7 }));
      assert.deepEqual(object.thrown, { code: 7 });
    });

    it('an error-like object (string message, no name) keeps its message and own properties', T, async () => {
      await using pool = await throwers();
      const error = await rejection(pool.throwIt('error-like'));
      assert.ok(error instanceof Error);
      assert.equal(error.message, 'custom message');
      assert.deepEqual(error.details, { a: 1 });
    });

    it('a DOMException round-trips with its class, name, message and code; errorClasses: [DOMException] works', T, async () => {
      for (const options of [{}, { errorClasses: [DOMException as unknown as new () => Error] }]) {
        await using pool = await throwers(options);
        const error = await rejection(pool.throwIt('dom'));
        assert.ok(error instanceof DOMException);
        assert.equal(error.name, 'DataCloneError');
        assert.equal(error.message, 'cannot clone this');
        assert.equal(error.code, 25);
        assert.deepEqual(await pool.ok(2), [2]);
      }
    });
  });
}

describe('option errorClasses', () => {
  it('is checked: an array of named classes extending Error', T, async () => {
    const create = (errorClasses: unknown) => ProxyPool.create(Throwers, { workers: 1, module: throwersModule, errorClasses: errorClasses as [] });
    await assert.rejects(create(42), (e: Error) => e instanceof ArgumentError && /option errorClasses must be an array of error classes, got 42/.test(e.message));
    await assert.rejects(create([TypeError, 'x']), (e: Error) => e instanceof ArgumentError && /option errorClasses\[1\] must be a class extending Error .*got "x"/.test(e.message));
    await assert.rejects(create([class NotAnError {}]), /errorClasses\[0\] must be a class extending Error .*got function NotAnError, which does not extend Error/);
    await assert.rejects(create([class extends Error {}]), /errorClasses\[0\] is an anonymous class/);
  });
});
