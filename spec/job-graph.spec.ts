/**
 * Dependency graphs: a 10,000-job graph with random dependencies (and a few failures) on thread and process
 * workers ends with every job final, in an order that respects every dependency; schedule() orders nodes and
 * detects cycles.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyCycleError, JobPool, WorkflowError, fixtureUrl, type Job, type JobNode } from './helpers/lib.ts';
import { Jobs } from '../.test-build/spec/fixtures/jobs.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('jobs');

/** A small seeded generator (mulberry32), so the graph is the same every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('job graphs', () => {
  for (const kind of ['thread', 'process'] as const) {
    it(`${kind}: 10,000 jobs with random dependencies end final, in dependency order, each run once`, { timeout: 60_000 }, async () => {
      const N = 10_000;
      const random = rng(kind === 'thread' ? 1 : 2);
      const deps: number[][] = [];
      const failing = new Set<number>();
      for (let i = 0; i < N; i++) {
        const k = i === 0 ? 0 : Math.floor(random() * 4); // 0..3 dependencies on earlier jobs
        deps.push([...new Set(Array.from({ length: k }, () => Math.floor(random() * i)))]);
        if (i > 100 && random() < 0.002) failing.add(i);
      }
      await using jobs = await JobPool.create(Jobs, { module, workers: 2, kind, concurrency: 8 });
      const started = new Int32Array(N).fill(-1);
      const ended = new Int32Array(N).fill(-1);
      let clock = 0;
      jobs.addListener((e) => {
        if (e.type !== 'job-status') return;
        if (e.status === 'running') started[e.job.id] = clock++;
        else if (e.status === 'success' || e.status === 'failed' || e.status === 'cancelled') ended[e.job.id] = clock++;
      });
      const made: Job[] = [];
      for (let i = 0; i < N; i++) {
        const dependsOn = deps[i]!.map((d) => made[d]!);
        made.push(failing.has(i) ? jobs.submit('fail', [i, `job ${i} fails`], { dependsOn }) : jobs.submit('tiny', [i], { dependsOn }));
      }
      const t0 = performance.now();
      await assert.rejects(jobs.execute(), WorkflowError);
      const seconds = (performance.now() - t0) / 1000;

      // Expected outcome: a job is cancelled iff one of its dependencies failed or was cancelled.
      const expected: string[] = [];
      for (let i = 0; i < N; i++) {
        const broken = deps[i]!.some((d) => expected[d] !== 'success');
        expected.push(broken ? 'cancelled' : failing.has(i) ? 'failed' : 'success');
      }
      assert.deepEqual(made.map((j) => j.status), expected);
      for (let i = 0; i < N; i++) {
        assert.ok(ended[i]! >= 0, `job ${i} reached a final status`);
        if (expected[i] === 'cancelled') {
          assert.equal(started[i], -1, `cancelled job ${i} never started`);
          continue;
        }
        for (const d of deps[i]!) assert.ok(started[i]! > ended[d]!, `job ${i} started after its dependency ${d} ended`);
        if (expected[i] === 'success') assert.equal(made[i]!.result, 2 * i);
      }
      const ran = (await jobs.pool.fields.get('ran')).flat().sort((a, b) => a - b);
      const shouldRun = expected.flatMap((s, i) => (s === 'cancelled' ? [] : [i]));
      assert.deepEqual(ran, shouldRun, 'every runnable job ran exactly once, no cancelled job ran');
      const counts = { success: 0, failed: 0, cancelled: 0 } as Record<string, number>;
      for (const s of expected) counts[s]!++;
      console.log(`# ${kind}: ${N} jobs in ${seconds.toFixed(2)} s — ${JSON.stringify(counts)}`);
    });
  }

  it('a failure at the head of a 20,000-job chain cancels the whole chain (no deep recursion)', T, async () => {
    await using jobs = await JobPool.create(Jobs, { module, workers: 1 });
    const chain: Job[] = [jobs.submit('fail', [0, 'head'])];
    for (let i = 1; i < 20_000; i++) chain.push(jobs.submit('tiny', [i], { dependsOn: [chain[i - 1]!] }));
    await assert.rejects(jobs.execute(), { name: 'WorkflowError', message: '1 of 20000 jobs failed; first: job 0 (fail): RangeError: head' });
    assert.equal(chain.filter((j) => j.status === 'cancelled').length, 19_999);
    assert.equal((chain.at(-1)!.error as Error).message, 'job 19999 (tiny) cancelled: its dependency job 19998 (tiny) was cancelled');
  });

  it('schedule(): nodes run after the nodes they depend on, whatever order they are listed in', T, async () => {
    await using jobs = await JobPool.create(Jobs, { module, workers: 2 });
    const prepare: JobNode<JobPool<Jobs>> = { name: 'prepare', queue: (p) => void p.submit('timed', [0, 40]) };
    const place: JobNode<JobPool<Jobs>> = { name: 'place', dependsOn: [prepare], queue: (p) => [1, 2, 3].forEach((i) => p.submit('timed', [i, 5])) };
    const connect: JobNode<JobPool<Jobs>> = { name: 'connect', dependsOn: [place], queue: (p) => void p.submit('timed', [4, 1]) };
    const made = jobs.schedule([connect, place, prepare]);
    assert.deepEqual(made.map((j) => j.args[0]), [0, 1, 2, 3, 4], 'queued in dependency order');
    await jobs.execute();
    const r = made.map((j) => j.result as { start: number; end: number });
    for (const i of [1, 2, 3]) assert.ok(r[i]!.start >= r[0]!.end);
    assert.ok(r[4]!.start >= Math.max(r[1]!.end, r[2]!.end, r[3]!.end));
  });

  it('schedule(): a dependency cycle throws DependencyCycleError naming it, before anything is submitted', T, async () => {
    await using jobs = await JobPool.create(Jobs, { module, workers: 1 });
    const a: JobNode = { name: 'a', queue: (p) => p.submit('tiny', [0]) };
    const b: JobNode = { name: 'b', dependsOn: [a], queue: (p) => p.submit('tiny', [1]) };
    const c: JobNode = { name: 'c', dependsOn: [b], queue: (p) => p.submit('tiny', [2]) };
    (a as { dependsOn?: JobNode[] }).dependsOn = [c];
    assert.throws(() => jobs.schedule([a, b, c]), (e: unknown) => {
      assert.ok(e instanceof DependencyCycleError);
      assert.equal(e.message, 'dependency cycle: a → c → b → a');
      assert.deepEqual(e.cycle, ['a', 'c', 'b', 'a']);
      return true;
    });
    const self: JobNode = { name: 'self', queue: () => undefined };
    (self as { dependsOn?: JobNode[] }).dependsOn = [self];
    assert.throws(() => jobs.schedule([self]), { name: 'DependencyCycleError', message: 'dependency cycle: self → self' });
    assert.equal(jobs.jobs.length, 0);
  });
});
