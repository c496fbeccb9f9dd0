/**
 * The pool-scoped cache (BSB's `pool_cache`): a cached method computes once per worker while jobs declaring its
 * key are unfinished; one broadcast frees it in every worker right after the last such job ends — exactly once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobPool, fixtureUrl, type JobEvent } from './helpers/lib.ts';
import { Jobs } from '../.test-build/spec/fixtures/jobs.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('jobs');

describe('job pool cache', () => {
  for (const kind of ['thread', 'process'] as const) {
    it(`${kind}: the cleanup runs exactly once, after the last dependent finishes, while other jobs still run`, T, async () => {
      await using jobs = await JobPool.create(Jobs, { module, workers: 2, kind });
      const seen: string[] = [];
      jobs.addListener((e: JobEvent) => {
        if (e.type === 'job-status' && (e.status === 'success' || e.status === 'running')) seen.push(`${e.job.id} ${e.status}`);
        if (e.type === 'cache-freed') seen.push(`freed ${e.keys.join(',')}`);
      });
      const t0 = jobs.submit('useTable', [0, 60], { cache: ['table'] });
      const t1 = jobs.submit('useTable', [1, 60], { cache: ['table'] });
      const t2 = jobs.submit('useTable', [2, 30], { cache: ['table'], dependsOn: [t0] });
      const long = jobs.submit('useOther', [3, 400], { cache: ['other'] });
      await jobs.execute();
      assert.deepEqual([t0, t1, t2].map((j) => j.result!.value), [0, 1, 4]);
      assert.equal(long.result!.value, 'other');

      // Main thread: one free per key, after the last job declaring it, and 'table' long before 'other'.
      assert.deepEqual(seen.filter((s) => s.startsWith('freed')), ['freed table', 'freed other']);
      const at = (s: string) => seen.indexOf(s);
      assert.ok(at('freed table') > Math.max(at('0 success'), at('1 success'), at('2 success')), seen.join(' | '));
      assert.ok(at('freed table') < at('3 success'), `'table' was freed while job 3 still ran: ${seen.join(' | ')}`);
      assert.ok(at('freed other') > at('3 success'));

      // Workers: each dropped each key exactly once, after the last dependent ended (wall clock), and holds nothing now.
      const lastTableEnd = Math.max(t0.result!.end, t1.result!.end, t2.result!.end);
      for (const freed of await jobs.pool.fields.get('freed')) {
        const table = freed.filter(([key]) => key === 'table');
        assert.equal(table.length, 1, `one 'table' free per worker: ${JSON.stringify(freed)}`);
        assert.ok(table[0]![1] >= lastTableEnd, 'freed after the last dependent finished');
        assert.equal(freed.filter(([key]) => key === 'other').length, 1);
      }
      assert.deepEqual(await jobs.pool.methods.poolCacheKeys(), [[], []]);
      // Computed at most once per worker while it was alive (3 jobs on 2 workers: 1 or 2 computations in all).
      const computed = (await jobs.pool.fields.get('computed')).map((c) => c.table ?? 0);
      assert.ok(computed.every((n) => n <= 1) && computed.reduce((a, b) => a + b) >= 1, `computed ${computed}`);
    });
  }

  it('schedule(): a node’s cache keys cover all its jobs', T, async () => {
    await using jobs = await JobPool.create(Jobs, { module, workers: 2 });
    const frees: string[][] = [];
    jobs.addListener((e) => void (e.type === 'cache-freed' && frees.push(e.keys)));
    const made = jobs.schedule([
      { name: 'place', cache: ['table'], queue: (p) => [0, 1, 2, 3].forEach((i) => p.submit('useTable', [i, 5])) },
    ]);
    assert.deepEqual(made.map((j) => j.cache), [['table'], ['table'], ['table'], ['table']]);
    await jobs.execute();
    assert.deepEqual(frees, [['table']]);
    assert.deepEqual(made.map((j) => (j.result as { value: number }).value), [0, 1, 4, 9]);
  });
});
