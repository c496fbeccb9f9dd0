/**
 * Ports of SimService's multi-process tests: handles to instances passed to other workers and used there, and
 * services (and whole pools) created inside pool workers — for thread and process workers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

/** Whether process `pid` still runs (a zombie counts as ended: it runs nothing). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('pools created inside workers belong to them (issue 19)', () => {
  const drivers = fixtureUrl('service-drivers').href;
  for (const outer of ['thread', 'process', 'inline'] as const) {
    it(`a process pool left open inside a ${outer} worker ends with the outer pool's close()`, T, async () => {
      const pool = await ProxyPool.create(Driver, { workers: 1, kind: outer, module: fixtureUrl('service-drivers') });
      const [inner] = await pool.leaveOpen(drivers, 'process', 2);
      assert.equal(inner!.length, 2);
      assert.ok(inner!.every(running), 'the nested workers run while the outer pool is open');
      await pool.close();
      // close() returned: give the kernel a moment to reap, but no more (the nested pool was closed, not orphaned).
      for (let i = 0; i < 100 && inner!.some(running); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(inner!.filter(running), [], 'no nested process outlives the outer close()');
    });
  }

  it('an instance handle passed on to a pool nested in a worker fails clearly instead of reaching another instance', T, async () => {
    const service = await serviceGrowth(3);
    await using pool = await ProxyPool.create(Driver, { workers: 1, kind: 'thread', module: fixtureUrl('service-drivers') });
    try {
      await assert.rejects(pool.handOn.one(drivers, instanceHandle(service) as never), {
        name: 'ArgumentError',
        message: /^cannot call getValue through this instance handle: it belongs to pools of another host .*not in pools nested inside a worker$/,
      });
    } finally {
      await service.close();
    }
  });
});
