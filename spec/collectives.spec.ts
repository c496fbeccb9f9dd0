/**
 * Collectives inside a pool call, for every worker kind: the operations, and the release of every participant
 * when one fails (throws, exits, returns early, mismatches) — with CollectiveAbortedError, within a second.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CollectiveAbortedError, ProxyPool, SharedArrayWrapper, TimeoutError, processSharedMemoryAvailable, collective, fixtureUrl, range, repeat, soloCommunicator } from './helpers/lib.ts';
import { CollectiveModel } from '../.test-build/spec/fixtures/collective-model.js';
import { T, kinds } from './helpers/kinds.ts';

const module = fixtureUrl('collective-model');
const modelPool = (kind: string, workers = 4) => ProxyPool.create(CollectiveModel, { workers, kind: kind as 'thread', module });

function expectedEverything(size: number) {
  return Array.from({ length: size }, (_, rank) => ({
    worker: rank,
    rank,
    size,
    root: 'from-root',
    gathered: rank === size - 1 ? Array.from({ length: size }, (_, r) => r * 10) : undefined,
    all: Array.from({ length: size }, (_, r) => r),
    others: Array.from({ length: size }, (_, r) => `r${r}`).filter((_, r) => r !== rank),
    sum: (size * (size + 1)) / 2,
    written: `written-by-${size - 1}`,
  }));
}

/** Runs `method` on the first `n` workers only, one task each, with a group of those `n`. */
function onFirst(pool: any, n: number, method: string, ...args: unknown[]) {
  const group = collective(pool, { workers: n });
  return pool.with({ synchronize: true, settle: 'all' })[method].map(repeat(group), ...args.map((a) => repeat(a)), range(n));
}
const values = (outcomes: PromiseSettledResult<any>[]) => outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason));

for (const kind of kinds) {
  describe(`collectives (${kind})`, () => {
    let pool: Awaited<ReturnType<typeof modelPool>>;
    before(async () => {
      pool = await modelPool(kind);
    });
    after(() => pool.close());

    it('rank, size, bcast, gather, allgather, exchange, allreduce, singleWrite, barrier', T, async () => {
      assert.deepEqual(await pool.everything(collective(pool) as never), expectedEverything(4));
      // Many rounds in one call: operations are matched by their order.
      assert.deepEqual(await pool.rounds(collective(pool) as never, 50), [200, 200, 200, 200]);
      // A subset of the workers: a synchronized map of 3 tasks over the 4-worker pool.
      assert.deepEqual(values(await onFirst(pool, 3, 'rounds', 2)), [6, 6, 6]);
    });

    it('shared arrays travel through collectives as the same memory', T, async () => {
      if (kind === 'process' && !processSharedMemoryAvailable()) assert.fail('process-shared memory is unavailable: npm run build:native');
      const out = await pool.sharedBcast(collective(pool) as never, kind === 'process' ? 'processes' : 'threads');
      assert.deepEqual(out, [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]);
    });

    it('a participant that throws before a barrier releases the others with CollectiveAbortedError within 1 s', T, async () => {
      const started = performance.now();
      const outcomes = await pool.with({ settle: 'all' }).throwBeforeBarrier(collective(pool) as never, 2, 100);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1000, `the call ended after ${elapsed} ms`);
      assert.equal(outcomes[2]!.status, 'rejected');
      assert.equal((outcomes[2] as PromiseRejectedResult).reason.name, 'RangeError');
      for (const rank of [0, 1, 3]) {
        const value = (outcomes[rank] as PromiseFulfilledResult<any>).value;
        assert.equal(value.released, 'CollectiveAbortedError');
        assert.equal(value.rank, 2);
        assert.equal(value.message, 'collective call aborted: rank 2 (worker 2) failed: RangeError: rank 2 gives up');
        assert.ok(value.afterMs < 1000, `rank ${rank} waited ${value.afterMs} ms`);
      }
    });

    it('the failed rank’s own error is what a fail-fast call rejects with; the pool stays usable', T, async () => {
      await assert.rejects(pool.throwBeforeBarrier(collective(pool) as never, 1), { name: 'RangeError', message: 'rank 1 gives up' });
      assert.deepEqual(await pool.everything(collective(pool) as never), expectedEverything(4));
    });

    it('a participant that returns without joining releases the others', T, async () => {
      const out = (await pool.returnEarly(collective(pool) as never, 0)) as any[];
      assert.equal(out[0], 'left');
      for (const value of out.slice(1)) {
        assert.equal(value.released, 'CollectiveAbortedError');
        assert.equal(value.message, 'collective call aborted: rank 0 (worker 0) failed: Error: rank 0 returned from its call after 0 collective operation(s) while the others wait in operation #0 (barrier)');
      }
    });

    it('mismatched operations abort instead of mixing values', T, async () => {
      for (const value of values(await onFirst(pool, 2, 'mismatch'))) {
        assert.equal(value.released, 'CollectiveAbortedError');
        assert.match(value.message, /collective operation #0 mismatch: rank [01] called (barrier|bcast)\(root 0\) while rank [01] called (barrier|bcast)\(root 0\)/);
      }
    });

    it('singleWrite: a producer that throws on the root releases the others', T, async () => {
      const out = values(await onFirst(pool, 3, 'badSingleWrite'));
      assert.equal(out[0].released, 'Error');
      assert.equal(out[0].message, 'cannot produce');
      for (const value of out.slice(1)) {
        assert.equal(value.released, 'CollectiveAbortedError');
        assert.equal(value.message, 'collective call aborted: rank 0 (worker 0) failed: Error: cannot produce');
      }
    });

    it('a group serves one call: reusing it fails clearly; a worker outside the group is refused', T, async () => {
      const group = collective(pool);
      await pool.rounds(group as never, 1);
      await assert.rejects(pool.rounds(group as never, 1), { name: 'ArgumentError', message: /collective session \d+ is over \(a group serves exactly one call; create one per call\)/ });
      await assert.rejects(pool.rankOf(collective(pool, { workers: [0, 1] }) as never), { name: 'ArgumentError', message: /^worker [23] is not a participant of this collective group \(participants: workers 0, 1\)$/ });
      assert.throws(() => collective(pool, { workers: 5 }), { name: 'ArgumentError', message: 'collective(): workers must be an integer in [1, 4], got 5' });
      assert.throws(() => collective({}), { name: 'ArgumentError', message: 'collective() expects a pool created by ProxyPool.create, got object' });
    });

    it('a participant whose call fails before its method starts (method missing there) releases the others at once', T, async () => {
      const name = `barrierOnly${kind}`;
      await pool.exposeBarrier(name, 2);
      const started = performance.now();
      const outcomes = values(await (pool as any).with({ settle: 'all' })[name](collective(pool)));
      assert.ok(performance.now() - started < 2000, `the call ended after ${performance.now() - started} ms`);
      for (const worker of [0, 1, 3]) assert.match(outcomes[worker].message, new RegExp(`${name} is neither a method nor an exposed service function`));
      assert.equal(outcomes[2].released, 'CollectiveAbortedError');
      assert.match(outcomes[2].message, new RegExp(`^collective call aborted: rank (0|1|3) \\(worker \\1\\) failed: TypeError: ${name} is neither a method`));
      assert.notEqual(outcomes[2].rank, 2, 'the error names the rank that failed');
    });

    it('group misuse fails at once: a group in an unsynchronized map points to synchronize: true', T, async () => {
      const misuse = () => pool.with({ chunkSize: 2 }).rankOf.map(repeat(collective(pool) as never), [1, 2, 3, 4]);
      await assert.rejects(misuse(), { name: 'ArgumentError', message: /cannot be passed to an unsynchronized map: .*share a rank.*pool\.with\(\{ synchronize: true \}\)/ });
      await assert.rejects(pool.rankOf.map(repeat(collective(pool) as never), [1, 2, 3, 4]), { name: 'ArgumentError', message: /synchronize: true/ });
      // The right way, and the pool is fine.
      assert.deepEqual(await pool.with({ synchronize: true }).rankOf.map(repeat(collective(pool) as never), [1, 2, 3, 4]), [[0, 0, 4], [1, 1, 4], [2, 2, 4], [3, 3, 4]]);
    });

    if (kind !== 'inline') {
      it('a worker lost earlier (respawn off): a collective call releases the other participants instead of hanging', T, async () => {
        await using own = await modelPool(kind, 3);
        await own.methods.exit.one(9).catch(() => undefined);
        while (own.info.alive === 3) await new Promise((resolve) => setTimeout(resolve, 5));
        const outcomes = values(await own.with({ settle: 'all' }).waitInBarrier(collective(own) as never));
        const lost = outcomes.findIndex((o) => o instanceof Error);
        assert.equal(outcomes[lost].name, 'WorkerExitedError');
        for (const [worker, outcome] of outcomes.entries()) {
          if (worker === lost) continue;
          assert.equal(outcome.released, 'CollectiveAbortedError');
          assert.match(outcome.message, new RegExp(`^collective call aborted: rank ${lost} \\(worker ${lost}\\) lost its worker: WorkerExitedError`));
        }
        await own.close();
      });

      if (kind === 'process') {
        it('a participant whose argument cannot reach its process (a thread-only shared array) releases the others', T, async () => {
          const threadOnly = SharedArrayWrapper.zeros([4], 'int32');
          const outcomes = values(await pool.with({ synchronize: true, settle: 'all' }).waitInBarrier.map(repeat(collective(pool, { workers: 2 }) as never), [0, threadOnly as never]));
          assert.equal(outcomes[1].name, 'ArgumentError');
          assert.equal(outcomes[0].released, 'CollectiveAbortedError');
          assert.match(outcomes[0].message, /^collective call aborted: rank 1 \(worker 1\) failed: ArgumentError: /);
        });
      }

      it('a participant whose worker exits releases the others within 1 s', T, async () => {
        await using own = await modelPool(kind, 3);
        const started = performance.now();
        const outcomes = await own.with({ settle: 'all' }).exitBeforeBarrier(collective(own) as never, 1);
        assert.ok(performance.now() - started < 1500, `the call ended after ${performance.now() - started} ms`);
        assert.equal((outcomes[1] as PromiseRejectedResult).reason.name, 'WorkerExitedError');
        for (const rank of [0, 2]) {
          const value = (outcomes[rank] as PromiseFulfilledResult<any>).value;
          assert.equal(value.released, 'CollectiveAbortedError');
          assert.match(value.message, /^collective call aborted: rank 1 \(worker 1\) lost its worker: WorkerExitedError: worker 1 exited with code 7/);
          assert.ok(value.afterMs < 1000, `rank ${rank} waited ${value.afterMs} ms`);
        }
      });
    }

    it("a timed-out collective call with onCancel 'terminate' leaves nobody waiting, and the respawned pool works", T, async () => {
      await using timed = await ProxyPool.create(CollectiveModel, { workers: 3, kind: kind as 'thread', module, respawn: true });
      // Typed: the proxy accepts the group where the method takes a Communicator.
      const group = () => collective(timed);
      // Rank 0 dawdles for 10 s before throwing; ranks 1 and 2 wait in a barrier until the call times out.
      await assert.rejects(timed.with({ timeout: 300, onCancel: 'terminate' }).throwBeforeBarrier(group(), 0, 10_000), TimeoutError);
      assert.deepEqual(await timed.everything(group()), expectedEverything(3));
      assert.equal(timed.info.alive, 3);
    });
  });
}

describe('collectives: size-1 fallback', () => {
  it('soloCommunicator completes every operation at once, like a one-worker group', T, async () => {
    const comm = soloCommunicator();
    assert.equal(comm.rank, 0);
    assert.equal(comm.size, 1);
    await comm.barrier();
    assert.equal(await comm.bcast('x'), 'x');
    assert.deepEqual(await comm.gather(5), [5]);
    assert.deepEqual(await comm.allgather(5), [5]);
    assert.deepEqual(await comm.exchange(5), []);
    assert.equal(await comm.allreduce(3, (a, b) => a + b), 3);
    assert.equal(await comm.singleWrite(() => 'w'), 'w');
    await assert.rejects(comm.bcast(1, 1), { name: 'RangeError', message: 'bcast: root must be a rank in [0, 1), got 1' });
    // The same method run outside a pool with the fallback gives what a one-worker pool gives.
    const local = await new CollectiveModel_local().everything(comm);
    await using pool = await modelPool('thread', 1);
    const [remote] = await pool.everything(collective(pool) as never);
    assert.deepEqual({ ...local, worker: 0 }, remote);
  });

  it('CollectiveAbortedError is exported and rebuilt as itself', T, () => {
    const error = new CollectiveAbortedError(1, 3, 'x');
    assert.equal(error.rank, 1);
    assert.equal(error.workerIndex, 3);
    assert.ok(error instanceof Error);
  });
});

/** The fixture class outside a pool (workerContext is unavailable there): same methods, index 0. */
class CollectiveModel_local {
  everything = (CollectiveModel.prototype as any).everything;
  index = 0;
}
