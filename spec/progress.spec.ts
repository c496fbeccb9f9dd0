// onProgress: long maps report how far they are, per worker, without a callback per task.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { range, repeat, type Progress } from './helpers/lib.ts';
import { counterPool, kinds, T } from './helpers/kinds.ts';

for (const kind of kinds) {
  describe(`progress [${kind}]`, () => {
    it('a 1,000-task map reports monotonically increasing progress ending at 1,000/1,000, before it resolves', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      const reports: Progress[] = [];
      const results = await pool.with({ onProgress: (p) => reports.push(p) }).delayed.map(range(1000), repeat(0));
      assert.equal(results.length, 1000);
      assert.ok(reports.length >= 2, `several reports, got ${reports.length}`);
      for (let i = 1; i < reports.length; i++) assert.ok(reports[i]!.done > reports[i - 1]!.done, 'done only grows');
      const last = reports.at(-1)!;
      assert.deepEqual({ done: last.done, total: last.total }, { done: 1000, total: 1000 });
      assert.equal(last.byWorker.length, 2);
      assert.equal(last.byWorker[0]! + last.byWorker[1]!, 1000);
      assert.ok(reports.every((p) => p.total === 1000 && p.byWorker.reduce((a, b) => a + b, 0) === p.done));
    });

    it('broadcasts report per worker; failed tasks count with settle "all"; a throwing callback breaks nothing', T, async () => {
      await using pool = await counterPool(kind, { workers: 3 });
      const reports: Progress[] = [];
      await pool.with({ onProgress: (p) => reports.push(p) }).whoami();
      assert.deepEqual(reports.at(-1), { done: 3, total: 3, byWorker: [1, 1, 1] });
      const settledReports: number[] = [];
      const settled = await pool.with({ settle: 'all', onProgress: (p) => settledReports.push(p.done) }).failIf.map(range(10), repeat(4));
      assert.equal(settled.filter((s) => s.status === 'rejected').length, 1);
      assert.equal(settledReports.at(-1), 10);
      const warnings: Error[] = [];
      const listener = (warning: Error) => warnings.push(warning);
      process.on('warning', listener);
      try {
        assert.deepEqual(await pool.with({ onProgress: () => { throw new Error('bad callback'); } }).add.map([1, 2], [3, 4]), [4, 6]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      } finally {
        process.off('warning', listener);
      }
      assert.match(warnings.map((w) => w.message).join('\n'), /onProgress of add threw: Error: bad callback/, 'reported as a warning, not swallowed');
      assert.throws(() => pool.with({ onProgress: 5 as never }), /call option onProgress must be a function, got 5/);
    });
  });
}
