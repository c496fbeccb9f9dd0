/**
 * The SimService layer: service functions on the proxy, the service life cycle, the execution context, factories
 * and registry, insideRun. Ports of SimService's tests: registry, single run with context, multi-run with insideRun
 * (handles passed to other workers and services created inside workers: spec/service-handles.spec.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  PoolClosedError,
  ProxyPool,
  SharedArrayWrapper,
  UnknownMethodError,
  closeService,
  createService,
  fixtureUrl,
  insideRun,
  registerService,
  registeredServices,
  serviceContext,
  serviceFactory,
  unregisterService,
  withServices,
} from './helpers/lib.ts';
import { Exposer, GrowthService, LifecycleService, growTen } from '../.test-build/spec/fixtures/services.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('services');
const serviceGrowth = serviceFactory(GrowthService, { module });
const serviceLifecycle = serviceFactory(LifecycleService, { module });
const counts = (c: SharedArrayWrapper<'int32'>) => {
  const [run, init, start, step, finish, stop] = c.data;
  return { run, init, start, step, finish, stop };
};

for (const kind of ['thread', 'process'] as const) {
  describe(`service functions (${kind})`, () => {
    it('module-level service functions are on the proxy from the start, with their arguments', T, async () => {
      await using pool = await ProxyPool.create(Exposer, { workers: 2, kind, module });
      const services = withServices<Exposer & { moduleLevel(): string; setModuleLevel(v: string): void }>(pool);
      assert.deepEqual(await services.moduleLevel(), ['module', 'module']);
      await services.setModuleLevel.map(['a', 'b']);
      assert.deepEqual((await services.moduleLevel()).sort(), ['a', 'b']);
      assert.equal(await services.moduleLevel.one().then((v) => typeof v), 'string');
    });

    it('functions exposed at run time appear after the call that exposed them; earlier calls fail clearly', T, async () => {
      await using pool = await ProxyPool.create(Exposer, { workers: 2, kind, module, args: [true] });
      const services = withServices<Exposer & { times10(x: number): number; fromConstructor(): string }>(pool);
      assert.deepEqual(await services.fromConstructor(), ['constructor of 0', 'constructor of 1']);
      await assert.rejects(services.times10(1), (error: unknown) => {
        assert.ok(error instanceof UnknownMethodError);
        assert.equal((error as Error).message.split(';')[0], `the pool's class has no method "times10"`);
        assert.match((error as Error).message, /available: .*exposeLater.*moduleLevel.*fromConstructor/);
        return true;
      });
      await pool.exposeLater('times10');
      assert.deepEqual(await services.times10(4), [40, 41]);
      assert.deepEqual(await services.times10.map([1, 2, 3, 4]).then((r) => r.map((v) => Math.floor(v / 10))), [1, 2, 3, 4]);
    });

    it('a function exposed on one worker only: the others answer with the list of what they have', T, async () => {
      await using pool = await ProxyPool.create(Exposer, { workers: 2, kind, module });
      await pool.exposeLater('onlyOne', 1);
      const services = withServices<Exposer & { onlyOne(x: number): number }>(pool);
      await assert.rejects(services.onlyOne(1), {
        name: 'TypeError',
        message: /^onlyOne is neither a method nor an exposed service function of this instance; available: exposeLater, moduleLevel, setModuleLevel$/,
      });
    });
  });
}

describe('SimService life cycle', () => {
  it('run / init / start / step / finish with status and current step; init() false means "call again"', T, async () => {
    const c = SharedArrayWrapper.zeros([6], 'int32');
    const service = await serviceLifecycle(c, 2);
    assert.equal(await service.getStatus(), 'created');
    await service.run();
    assert.equal(await service.getStatus(), 'running');
    assert.equal(await service.init(), false);
    assert.equal(await service.init(), false);
    assert.equal(await service.getStatus(), 'running');
    assert.equal(await service.init(), true);
    assert.equal(await service.getStatus(), 'initialized');
    assert.equal(await service.start(), true);
    for (let i = 1; i <= 5; i++) assert.equal(await service.step(), i);
    assert.equal(await service.getCurrentStep(), 5);
    await service.finish();
    assert.equal(await service.getStatus(), 'finished');
    await assert.rejects(service.step(), { name: 'Error', message: 'step() is not allowed when the service is finished; it needs status started' });
    await service.stop(); // a no-op once finished
    await closeService(service);
    assert.deepEqual(counts(c), { run: 1, init: 3, start: 1, step: 5, finish: 1, stop: 0 });
    await assert.rejects(service.getStatus(), PoolClosedError);
  });

  it('stop() ends a run early; steps out of order fail with the stage needed', T, async () => {
    const c = SharedArrayWrapper.zeros([6], 'int32');
    await using service = await serviceLifecycle(c);
    await assert.rejects(service.step(), { message: 'step() is not allowed when the service is created; it needs status started' });
    await assert.rejects(service.stop(), { message: "stop() is not allowed when the service is created; run() it first" });
    await service.run();
    await assert.rejects(service.start(), { message: 'start() is not allowed when the service is running; it needs status initialized' });
    await service.stop();
    assert.equal(await service.getStatus(), 'stopped');
    assert.equal(counts(c).stop, 1);
  });

  it('port: single run with the execution context — run/init/start on enter, finish/close on exit', T, async () => {
    const c = SharedArrayWrapper.zeros([6], 'int32');
    let kept: Awaited<ReturnType<typeof serviceLifecycle>>;
    {
      await using service = await serviceContext(await serviceLifecycle(c, 3));
      kept = service;
      assert.equal(await service.getStatus(), 'started');
      for (let i = 0; i < 10; i++) await service.step();
    }
    assert.deepEqual(counts(c), { run: 1, init: 4, start: 1, step: 10, finish: 1, stop: 0 });
    await assert.rejects(kept.getStatus(), PoolClosedError);
  });

  it('the execution context closes the service when its block throws, and when init never gets ready', T, async () => {
    const c = SharedArrayWrapper.zeros([6], 'int32');
    await assert.rejects(
      (async () => {
        await using service = await serviceContext(await serviceLifecycle(c));
        await service.step();
        throw new Error('user code failed');
      })(),
      { message: 'user code failed' },
    );
    assert.deepEqual(counts(c), { run: 1, init: 1, start: 1, step: 1, finish: 1, stop: 0 });
    await assert.rejects(serviceContext(await serviceLifecycle(c, 1000), { attempts: 3 }), { message: 'init() still returned false after 3 attempts' });
  });

  it('port: registry — register factories by name, create services by name', T, async () => {
    registerService('Growth', serviceGrowth);
    registerService('Lifecycle', serviceLifecycle);
    assert.ok(registeredServices().includes('Growth'));
    const growth = await createService<GrowthService>('Growth', 3);
    await growth.run();
    await growth.init();
    await growth.start();
    await growth.step();
    await growth.step();
    assert.equal(await growth.getValue(), 6);
    await growth.close();
    await assert.rejects(createService('Nope'), { name: 'ArgumentError', message: /^no service registered as "Nope"; registered: .*Growth, Lifecycle/ });
    assert.equal(unregisterService('Growth'), true);
    assert.equal(unregisterService('Growth'), false);
    assert.ok(!registeredServices().includes('Growth'));
    unregisterService('Lifecycle');
  });

  it('port: multi-run with insideRun — each service runs its whole loop inside its worker, concurrently', T, async () => {
    const services = await Promise.all([1, 2, 3, 4].map((rate) => serviceGrowth(rate)));
    const ref = await insideRun(growTen, { module });
    await Promise.all(services.map((s) => s.setInsideRun(ref)));
    const results = await Promise.all(services.map((s) => s.run()));
    assert.deepEqual(results, [1, 2, 3, 4].map((rate) => ({ value: 10 * rate, steps: 10, status: 'finished', moduleLevel: 'module' })));
    // A finished service can run again; references stay valid until closed.
    assert.deepEqual(await services[0]!.run(), { value: 10, steps: 10, status: 'finished', moduleLevel: 'module' });
    assert.equal(await services[3]!.getValue(), 40);
    await closeService(...services);
    await assert.rejects(insideRun(() => 1, { module }), { name: 'ArgumentError', message: /insideRun: .* does not export this function as ""/ });
    await assert.rejects(insideRun(growTen), { name: 'ArgumentError', message: /insideRun: functions cannot be sent to workers; pass \{ module: import.meta.url \}/ });
  });

  it('closeService of many services frees every worker', T, async () => {
    const services = await Promise.all(Array.from({ length: 12 }, (_, i) => serviceGrowth(i)));
    assert.deepEqual(services.map((s) => s.pool.info.alive), new Array(12).fill(1));
    await closeService(...services);
    assert.deepEqual(services.map((s) => [s.pool.info.state, s.pool.info.alive]), new Array(12).fill(['closed', 0]));
    await closeService(...services); // idempotent
  });

  it('service proxies: call() by name, services<S>() typing, unknown names list what exists', T, async () => {
    await using growth = await serviceGrowth(2);
    assert.equal(await growth.call('moduleLevel'), 'module');
    const typed = growth.services<{ moduleLevel(): string }>();
    assert.equal(await typed.moduleLevel(), 'module');
    await assert.rejects((growth as any).noSuch(), { name: 'UnknownMethodError', message: /the pool's class has no method "noSuch"; available: .*getValue/ });
  });

  it('JSON.stringify of a service proxy gives its pool info and calls nothing in the worker (issue 19)', T, async () => {
    await using growth = await serviceGrowth(2);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const json = JSON.parse(JSON.stringify(growth));
      assert.equal(json.size, 1);
      assert.equal(json.state, 'open');
      assert.equal(JSON.stringify({ service: growth }).startsWith('{"service":{"size":1'), true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, [], 'no call to a "toJSON" method was made');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
