/**
 * Ports of SimService's multi-process tests: handles to instances passed to other workers and used there, and
 * services (and whole pools) created inside pool workers — for thread and process workers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyPool, closeService, fixtureUrl, instanceHandle, serviceFactory } from './helpers/lib.ts';
import { GrowthService } from '../.test-build/spec/fixtures/services.js';
import { Driver } from '../.test-build/spec/fixtures/service-drivers.js';
import { T } from './helpers/kinds.ts';

const servicesModule = fixtureUrl('services');
const serviceGrowth = serviceFactory(GrowthService, { module: servicesModule });

for (const kind of ['thread', 'process'] as const) {
  describe(`instance handles and nested services (${kind} drivers)`, () => {
    it('port: multi-run with handles passed to other workers', T, async () => {
      const services = await Promise.all([1, 2, 3, 4].map((rate) => serviceGrowth(rate)));
      await using drivers = await ProxyPool.create(Driver, { workers: 2, kind, module: fixtureUrl('service-drivers') });
      const results = await drivers.drive.map(services.map((s) => instanceHandle<GrowthService>(s) as never), [5, 5, 5, 5]);
      assert.deepEqual(results.map((r) => r.value), [5, 10, 15, 20]);
      assert.ok(results.every((r) => r.status === 'finished' && r.moduleLevel === 'module'));
      assert.deepEqual(new Set(results.map((r) => r.driver)).size > 0, true);
      // The instances stay valid on the host after being driven elsewhere.
      assert.deepEqual(await Promise.all(services.map((s) => s.getCurrentStep())), [5, 5, 5, 5]);
      assert.equal(await services[2]!.getValue(), 15);
      // A handle to a worker of a multi-worker pool reaches that worker's instance.
      await using pool = await ProxyPool.create(GrowthService, { workers: 2, module: servicesModule, args: (i) => [10 * (i + 1)] });
      const [r] = await drivers.drive.map([instanceHandle<GrowthService>(pool, 1) as never], [1]);
      assert.equal(r!.value, 20);
      assert.deepEqual(await pool.getCurrentStep(), [0, 1]);
      // Errors come back through the handle with their class and message; a closed service says so.
      await assert.rejects(drivers.callThrough.one(instanceHandle(services[0]!) as never, 'noSuch'), { name: 'UnknownMethodError', message: /the pool's class has no method "noSuch"/ });
      await closeService(...services);
      await assert.rejects(drivers.callThrough.one(instanceHandle(services[0]!) as never, 'getValue'), {
        name: 'PoolClosedError',
        message: /^cannot call getValue through an instance handle \(pool \d+, worker 0\): the pool is closed$/,
      });
      assert.throws(() => instanceHandle(pool, 2), { name: 'ArgumentError', message: 'instanceHandle(): the pool has workers 0..1, got 2' });
    });

    it('port: services created inside pool workers (each runs insideRun and is closed there)', T, async () => {
      await using drivers = await ProxyPool.create(Driver, { workers: 2, kind, module: fixtureUrl('service-drivers') });
      const results = await drivers.serviceInside.map([servicesModule.href, servicesModule.href, servicesModule.href], [1, 2, 3]);
      assert.deepEqual(results.map(({ value, steps, status }) => ({ value, steps, status })), [1, 2, 3].map((rate) => ({ value: 10 * rate, steps: 10, status: 'finished' })));
    });

    it('a pool created inside a worker works and is closed there', T, async () => {
      await using drivers = await ProxyPool.create(Driver, { workers: 2, kind, module: fixtureUrl('service-drivers') });
      const results = await drivers.poolInside(servicesModule.href, 2);
      for (const r of results) {
        assert.deepEqual(r.values, [2, 4]);
        assert.deepEqual(r.kinds, ['started', 'started']);
      }
      assert.deepEqual(results.map((r) => r.driver), [0, 1]);
    });
  });
}
