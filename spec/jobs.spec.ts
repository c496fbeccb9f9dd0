/**
 * Ports of BSB's job pool tests (tests/test_jobs.py): a single job, failure → WorkflowError, dependencies and
 * their failures, cancel before execute and from a listener, fail-fast, pings, statuses and results after close.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobCancelledError, JobPool, PoolClosedError, UnknownMethodError, WorkflowError, fixtureUrl, type JobEvent } from './helpers/lib.ts';
import { Jobs } from '../.test-build/spec/fixtures/jobs.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('jobs');
const create = (options: Parameters<typeof JobPool.create>[1] = {}) => JobPool.create(Jobs, { module, workers: 2, ...options });
/** Records every event as a short string. */
function recorder() {
  const seen: string[] = [];
  const listener = (e: JobEvent) => {
    if (e.type === 'pool-status') seen.push(`pool ${e.status}`);
    else if (e.type === 'job-added') seen.push(`added ${e.job.id}`);
    else if (e.type === 'job-status') seen.push(`${e.job.id} ${e.status}`);
    else if (e.type === 'ping') seen.push(`ping ${e.job.id} ${e.count}`);
    else seen.push(`freed ${e.keys.join(',')}`);
  };
  return { seen, listener };
}

describe('job pool', () => {
  it('a single job: statuses pending → queued → running → success, result kept after close', T, async () => {
    const jobs = await create();
    const { seen, listener } = recorder();
    jobs.addListener(listener);
    const job = jobs.submit('timed', [7, 5]);
    assert.equal(job.status, 'pending');
    await jobs.execute();
    await jobs.close();
    assert.deepEqual(seen, ['added 0', 'pool executing', '0 queued', '0 running', '0 success', 'pool scheduling', 'pool closing', 'pool closed']);
    assert.equal(job.status, 'success');
    assert.equal(job.result!.id, 7);
    assert.ok(job.result!.end >= job.result!.start + 4);
    assert.ok(job.durationMs! >= 4);
    assert.equal(jobs.jobs[0], job, 'the record outlives the pool');
    assert.deepEqual(JSON.parse(JSON.stringify(job)).status, 'success');
    assert.throws(() => jobs.submit('timed', [1, 1]), (e: unknown) => e instanceof PoolClosedError && e.message === 'submit(timed): the pool is closed');
  });

  it('a failing job makes execute() reject with WorkflowError; the job keeps its own error', T, async () => {
    await using jobs = await create();
    const bad = jobs.submit('fail', [0, 'boom']);
    const good = jobs.submit('timed', [1, 1]);
    await assert.rejects(jobs.execute(), (e: unknown) => {
      assert.ok(e instanceof WorkflowError);
      assert.equal(e.message, '1 of 2 jobs failed; first: job 0 (fail): RangeError: boom');
      assert.deepEqual(e.failures.map((f) => f.id), [0]);
      return true;
    });
    assert.equal(bad.status, 'failed');
    assert.ok(bad.error instanceof RangeError);
    assert.equal((bad.error as Error).message, 'boom');
    assert.equal(good.status, 'success');
    const unknown = jobs.submit('nope' as any, []);
    await assert.rejects(jobs.execute(), WorkflowError);
    assert.ok(unknown.error instanceof UnknownMethodError);
    assert.match((unknown.error as Error).message, /^the pool's class has no method "nope"; available: .*\btimed\b/);
  });

  it('a dependent never starts before its dependency finishes', T, async () => {
    await using jobs = await create();
    const { seen, listener } = recorder();
    jobs.addListener(listener);
    const a = jobs.submit('timed', [0, 80]);
    const b = jobs.submit('timed', [1, 5], { dependsOn: [a] });
    const c = jobs.submit('timed', [2, 5], { dependsOn: [a, b] });
    await jobs.execute();
    assert.ok(b.result!.start >= a.result!.end, 'b started in its worker after a ended in its worker');
    assert.ok(c.result!.start >= b.result!.end);
    assert.ok(seen.indexOf('1 running') > seen.indexOf('0 success'));
    assert.ok(seen.indexOf('2 running') > seen.indexOf('1 success'));
    assert.deepEqual([a, b, c].map((j) => j.status), ['success', 'success', 'success']);
  });

  it('dependency failure: failed, cancelled (its dependent), success (independent)', T, async () => {
    await using jobs = await create();
    const a = jobs.submit('fail', [0, 'bad input']);
    const b = jobs.submit('timed', [1, 1], { dependsOn: [a] });
    const b2 = jobs.submit('timed', [2, 1], { dependsOn: [b] });
    const c = jobs.submit('timed', [3, 1]);
    await assert.rejects(jobs.execute(), { name: 'WorkflowError', message: '1 of 4 jobs failed; first: job 0 (fail): RangeError: bad input' });
    assert.deepEqual([a, b, b2, c].map((j) => j.status), ['failed', 'cancelled', 'cancelled', 'success']);
    assert.ok(b.error instanceof JobCancelledError);
    assert.equal((b.error as Error).message, 'job 1 (timed) cancelled: its dependency job 0 (fail) failed');
    assert.equal((b2.error as Error).message, 'job 2 (timed) cancelled: its dependency job 1 (timed) was cancelled');
    const ran = (await jobs.pool.fields.get('ran')).flat().sort();
    assert.deepEqual(ran, [0, 3], 'cancelled jobs never ran');
  });

  it('cancel before execute: the job and its dependents never run', T, async () => {
    await using jobs = await create();
    const a = jobs.submit('timed', [0, 1]);
    const b = jobs.submit('timed', [1, 1], { dependsOn: [a] });
    const c = jobs.submit('timed', [2, 1]);
    assert.equal(jobs.cancel(a), true);
    assert.equal(jobs.cancel(a), false, 'already final');
    assert.deepEqual([a.status, b.status], ['cancelled', 'cancelled']);
    assert.equal((a.error as Error).message, 'job 0 (timed) cancelled by cancel()');
    await jobs.execute();
    assert.equal(c.status, 'success');
    assert.deepEqual((await jobs.pool.fields.get('ran')).flat(), [2]);
  });

  it('cancel from a listener: a job cancelled when another starts never runs', T, async () => {
    await using jobs = await create({ concurrency: 1 });
    const a = jobs.submit('timed', [0, 20]);
    const b = jobs.submit('timed', [1, 1]);
    const c = jobs.submit('timed', [2, 1], { dependsOn: [b] });
    const d = jobs.submit('timed', [3, 1]);
    jobs.addListener((e) => {
      if (e.type === 'job-status' && e.job === a && e.status === 'running') e.pool.cancel(b, 'cancelled by a listener');
    });
    await jobs.execute();
    assert.deepEqual([a, b, c, d].map((j) => j.status), ['success', 'cancelled', 'cancelled', 'success']);
    assert.equal((b.error as Error).message, 'job 1 (timed) cancelled by a listener');
    assert.deepEqual((await jobs.pool.fields.get('ran')).flat().sort(), [0, 3]);
  });

  it('cancelling a running job: its result is dropped, its dependents are cancelled', T, async () => {
    await using jobs = await create();
    const a = jobs.submit('timed', [0, 150]);
    const b = jobs.submit('timed', [1, 1], { dependsOn: [a] });
    jobs.addListener((e) => {
      if (e.type === 'job-status' && e.job === a && e.status === 'running') setTimeout(() => jobs.cancel(a), 20);
    });
    await jobs.execute();
    assert.deepEqual([a.status, b.status], ['cancelled', 'cancelled']);
    assert.equal(a.result, undefined);
  });

  it('fail-fast: the first failure cancels every unfinished job', T, async () => {
    await using jobs = await create({ failFast: true, concurrency: 1 });
    const a = jobs.submit('fail', [0, 'first']);
    const rest = [1, 2, 3].map((i) => jobs.submit('timed', [i, 1]));
    await assert.rejects(jobs.execute(), { name: 'WorkflowError', message: '1 of 4 jobs failed; first: job 0 (fail): RangeError: first' });
    assert.equal(a.status, 'failed');
    assert.deepEqual(rest.map((j) => j.status), ['cancelled', 'cancelled', 'cancelled']);
    assert.equal((rest[0]!.error as Error).message, 'job 1 (timed) cancelled: fail-fast after job 0 (fail) failed');
  });

  it('exactly 3 pings for a 0.35 s job with a 0.1 s ping interval, counted from the job start', T, async () => {
    await using jobs = await create({ pingInterval: 100 });
    const { seen, listener } = recorder();
    jobs.addListener(listener);
    const job = jobs.submit('timed', [0, 350]);
    await jobs.execute();
    assert.deepEqual(seen.filter((s) => s.startsWith('ping')), ['ping 0 1', 'ping 0 2', 'ping 0 3']);
    assert.ok(seen.indexOf('ping 0 3') < seen.indexOf('0 success'), 'every ping comes before the final status');
    assert.equal(job.pings, 3);
  });

  it('pool statuses and listener objects with close(); execute() twice at once is refused', T, async () => {
    const events: string[] = [];
    const jobs = await create({ listeners: [{ onEvent: (e) => e.type === 'pool-status' && events.push(e.status), close: () => void events.push('listener closed') }] });
    jobs.submit('timed', [0, 1]);
    const running = jobs.execute();
    await assert.rejects(jobs.execute(), { message: 'execute: the pool is already executing' });
    await running;
    await jobs.close();
    await jobs.close();
    assert.deepEqual(events, ['executing', 'scheduling', 'closing', 'closed', 'listener closed']);
    await assert.rejects(jobs.execute(), PoolClosedError);
  });

  it('close() during execute cancels the unfinished jobs; execute() rejects with JobCancelledError and the records stay', T, async () => {
    const jobs = await create({ concurrency: 1 });
    const a = jobs.submit('timed', [0, 50]);
    const b = jobs.submit('timed', [1, 1], { dependsOn: [a] });
    const statuses: string[] = [];
    jobs.addListener((e) => void (e.type === 'pool-status' && statuses.push(e.status)));
    const run = jobs.execute();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const cutShort = assert.rejects(run, { name: 'JobCancelledError', message: 'execute: the job pool was closed during the run; 2 unfinished job(s) cancelled' });
    await jobs.close();
    await cutShort;
    assert.deepEqual([a.status, b.status], ['cancelled', 'cancelled']);
    assert.equal((a.error as Error).message, 'job 0 (timed) cancelled: the pool closed');
    assert.deepEqual(statuses, ['executing', 'closing', 'closed']);
    assert.equal(jobs.status, 'closed');
  });

  it('bad submit/schedule/create input fails at the call with ArgumentError and submits nothing', T, async () => {
    await using jobs = await create();
    const a = jobs.submit('timed', [0, 1]);
    assert.throws(() => jobs.submit('timed', [1, 1], { cache: 'table' as never }), { name: 'ArgumentError', message: 'submit(timed): cache must be an array of key strings (e.g. { cache: [\'table\'] }), got the string "table"' });
    assert.throws(() => jobs.submit('timed', [1, 1], { dependsOn: a as never }), { name: 'ArgumentError', message: 'submit(timed): dependsOn must be an array of jobs (e.g. { dependsOn: [job] }), got a job' });
    const good = { name: 'good', queue: (p: typeof jobs) => void p.submit('timed', [2, 1]) };
    assert.throws(() => jobs.schedule([good, { name: 'bad' } as never]), { name: 'ArgumentError', message: 'schedule: node 1 (bad) has no queue(pool) method' });
    assert.throws(() => jobs.schedule([good, null as never]), { name: 'ArgumentError', message: 'schedule: node 1 must be an object with a queue(pool) method, got null' });
    assert.throws(() => jobs.cancel(null as never), { name: 'ArgumentError', message: 'cancel: not a job of this pool' });
    assert.equal(jobs.jobs.length, 1, 'the refused calls submitted nothing');
    class NotAJobWorker {
      work() {
        return 1;
      }
    }
    await assert.rejects(JobPool.create(NotAJobWorker as never, { module, workers: 1 }), { name: 'ArgumentError', message: 'JobPool.create: the class must extend JobWorker (NotAJobWorker has no runJob method)' });
    await jobs.execute();
    assert.equal(a.status, 'success');
  });
});
