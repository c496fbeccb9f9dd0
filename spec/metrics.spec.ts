// Metrics: per-worker task counts (always) and run / wait time percentiles (pool option `metrics: true`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, range, repeat, type TimeSummary } from './helpers/lib.ts';
import { SlotTiming, poolMetrics } from '../.test-build/lib/pool/metrics.js';
import { Status } from '../.test-build/lib/protocol/messages.js';
import { clock } from '../.test-build/lib/runtime/clock.js';
import { counterPool, kinds, T } from './helpers/kinds.ts';

function ordered(s: TimeSummary, what: string): void {
  assert.ok(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max, `${what}: p50 ${s.p50} <= p90 ${s.p90} <= p99 ${s.p99} <= max ${s.max}`);
  assert.ok(s.p50 >= 0 && s.mean >= 0, `${what}: no negative times`);
}

for (const kind of kinds) {
  describe(`metrics [${kind}]`, () => {
    it('task counts per worker are always there; times only with metrics: true', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      await pool.add.map(range(100), repeat(1));
      await pool.whoami();
      const m = pool.info.metrics;
      assert.equal(m.timed, false);
      assert.equal(m.tasks.length, 2);
      assert.equal(m.tasks[0]! + m.tasks[1]!, 102, '100 map tasks and one broadcast to 2 workers');
      assert.deepEqual(m.tasks, pool.info.tasksDone);
      assert.equal(m.run, undefined);
      assert.equal(m.wait, undefined);
    });

    it('a map of 40 busy tasks of 5 ms on 2 workers: run p50 >= 3.5 ms, and tasks queued behind others waited', T, async () => {
      await using pool = await counterPool(kind, { workers: 2, metrics: true });
      assert.equal(pool.info.metrics.run!.count, 0);
      await pool.sleepSync.map(Array<number>(40).fill(5));
      const m = pool.info.metrics;
      assert.equal(m.timed, true);
      assert.equal(m.run!.count, 40);
      assert.equal(m.wait!.count, 40);
      assert.equal(m.tasks[0]! + m.tasks[1]!, 40);
      assert.equal(m.byWorker!.length, 2);
      m.byWorker!.forEach((w, i) => {
        assert.equal(w.run.count, m.tasks[i], `worker ${i}: one run time per task`);
        ordered(w.run, `worker ${i} run`);
        ordered(w.wait, `worker ${i} wait`);
      });
      ordered(m.run!, 'run');
      ordered(m.wait!, 'wait');
      // Each task spins until Date.now() has advanced by 5 ms: at least 4 ms (Date.now() ticks by whole ms).
      assert.ok(m.run!.p50 >= 3.5, `run p50 ${m.run!.p50} ms >= 3.5 ms`);
      assert.ok(m.run!.mean >= 3.5, `run mean ${m.run!.mean} ms`);
      // Synchronous tasks run one after another per worker, so at most 2 start in any 4 ms: the 20th to start
      // waited >= 9 × 4 ms, the last >= 19 × 4 ms.
      assert.ok(m.wait!.p50 >= 30, `wait p50 ${m.wait!.p50} ms >= 30 ms`);
      assert.ok(m.wait!.max >= 70, `the last tasks waited >= 19 × 4 ms: max ${m.wait!.max}`);

      // Broadcasts and single calls are timed too.
      await pool.whoami();
      await pool.add.one(1, 2);
      assert.equal(pool.info.metrics.run!.count, 43);
      const json = JSON.parse(JSON.stringify(pool));
      assert.equal(json.metrics.run.count, 43, 'JSON.stringify(pool) includes the metrics');
    });
  });
}

describe('metrics: summaries', () => {
  it('percentiles by nearest rank over every task of a worker', T, () => {
    const t = new SlotTiming();
    t.submit(1, performance.now());
    const runMs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    t.record([1, Status.Chunk, [], 0, false, clock(), runMs]);
    const m = poolMetrics([100], [t]);
    assert.deepEqual({ ...m.run!, mean: Math.round(m.run!.mean * 100) / 100 }, { count: 100, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
    // Task i of a chunk started after the i before it: it waited their run times.
    assert.ok(m.wait!.max >= 4950 && m.wait!.max < 4950 + 1000, `the last task waited the 99 before it: ${m.wait!.max}`);
    assert.ok(m.wait!.p50 >= 1225 - 1, `wait p50 ${m.wait!.p50}`);
  });

  it('workers are weighed by their task counts, also beyond the 10,000-task sample', T, () => {
    const busy = new SlotTiming();
    const idle = new SlotTiming();
    busy.submit(1, undefined);
    busy.record([1, Status.Chunk, [], 0, false, clock(), new Float64Array(20_000).fill(1)]);
    idle.submit(2, undefined);
    idle.record([2, Status.Chunk, [], 0, false, clock(), new Float64Array(100).fill(1000)]);
    const m = poolMetrics([20_000, 100], [busy, idle]);
    assert.equal(m.run!.count, 20_100);
    assert.equal(m.run!.p99, 1, '100 slow tasks of 20,100 are 0.5%: below the 99th percentile');
    assert.equal(m.run!.max, 1000);
    assert.equal(m.byWorker![1]!.run.p50, 1000);
    assert.ok(Math.abs(m.run!.mean - (20_000 + 100_000) / 20_100) < 1e-9);
  });

  it('an answer without times (timing off in that worker) or for an unknown request is ignored', T, () => {
    const t = new SlotTiming();
    t.submit(1, undefined);
    t.record([1, Status.Ok, 5, false]);
    t.record([9, Status.Ok, 5, false, clock(), 3]);
    assert.equal(poolMetrics([1], [t]).run!.count, 0);
  });

  it('option metrics must be a boolean', T, async () => {
    await assert.rejects(counterPool('inline', { metrics: 1 as never }), (e: unknown) => e instanceof ArgumentError && /option metrics must be a boolean, got 1/.test(e.message));
  });
});

// Drain and utilisation (issue 22): piscina's drain/needsDrain/utilization, workerpool's stats().
for (const kind of kinds.filter((k): k is 'thread' | 'process' => k === 'thread' || k === 'process')) {
  describe(`drain and stats [${kind}]`, () => {
    it('onDrain fires once per emptying; drain() resolves then, and at once on an idle pool', T, async () => {
      let drains = 0;
      await using pool = await counterPool(kind, { workers: 2, onDrain: () => drains++ });
      await pool.drain(); // idle: at once
      assert.equal(drains, 0, 'an idle pool has not emptied');
      const batch = [pool.delayed.one(1, 30), pool.delayed.one(2, 60), pool.add.map([1, 2, 3], [1, 1, 1]), pool.with({ timeout: 5000 }).delayed(3, 10)];
      const drained = pool.drain();
      await Promise.all(batch);
      await drained;
      assert.equal(drains, 1, 'four calls settling one after another: one emptying');
      // A producer that refills the pool as each call settles: the pool never empties until it stops.
      let left = 5;
      const feed = async (): Promise<void> => {
        while (left-- > 0) await pool.delayed.one(left, 5);
      };
      await Promise.all([feed(), feed()]);
      await pool.drain();
      assert.equal(drains, 2);
      await pool.whoami();
      await pool.drain();
      assert.equal(drains, 3);
    });

    it('needsDrain says when a producer should stop: the pool is at its capacity', T, async () => {
      await using pool = await counterPool(kind, { workers: 2, capacity: 2 });
      assert.equal(pool.info.needsDrain, false);
      const calls = [pool.delayed.one(1, 50), pool.delayed.one(2, 50)];
      assert.equal(pool.info.needsDrain, true);
      await Promise.all(calls);
      await pool.drain();
      assert.equal(pool.info.needsDrain, false);
    });

    it('stats(): busy and idle workers, active and pending tasks, utilisation per worker', T, async () => {
      await using pool = await counterPool(kind, { workers: 2 });
      let stats = pool.stats();
      assert.deepEqual([stats.totalWorkers, stats.busyWorkers, stats.idleWorkers, stats.activeTasks, stats.pendingTasks], [2, 0, 2, 0, 0]);
      const running = [pool.methods.sleepSync.one(150), pool.methods.sleepSync.one(150), pool.methods.sleepSync.one(150)];
      stats = pool.stats();
      assert.deepEqual([stats.busyWorkers, stats.idleWorkers, stats.activeTasks], [2, 0, 3]);
      await Promise.all(running);
      stats = pool.stats();
      assert.equal(stats.busyWorkers, 0);
      assert.equal(stats.workers.length, 2);
      // Worker 0 ran two 150 ms calls, worker 1 one: both were busy a measurable share of their life, 0 first.
      for (const w of stats.workers) assert.ok(w.utilization > 0 && w.utilization <= 1, `utilization ${w.utilization}`);
      assert.ok(stats.workers[0]!.utilization > stats.workers[1]!.utilization);
      assert.deepEqual(stats.workers.map((w) => w.tasksDone), [2, 1]);
      assert.ok(stats.utilization > 0 && stats.utilization <= 1);
    });
  });
}

describe('drain: bad input', () => {
  it('onDrain must be a function', T, async () => {
    await assert.rejects(counterPool('inline', { onDrain: 'yes' as never }), /option onDrain must be a function, got "yes"/);
  });
});
