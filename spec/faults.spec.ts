// Fault injection: every way a worker can die mid-call, on threads and processes. Every in-flight call must
// reject with the documented error within 2 s, and with respawn the next call must succeed on a fresh instance.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyPool, TimeoutError, WorkerExitedError, type PoolOptions } from './helpers/lib.ts';
import { Faulty } from './fixtures/faulty.mjs';
import { T } from './helpers/kinds.ts';

const module = new URL('./fixtures/faulty.mjs', import.meta.url);
const faultKinds = (process.env.OPP_KINDS?.split(',').filter((k) => k !== 'inline') ?? ['thread', 'process']) as Array<'thread' | 'process'>;

function faultyPool(kind: 'thread' | 'process', options: PoolOptions<[number]> = {}) {
  return ProxyPool.create(Faulty, { workers: 2, kind, module, args: (i) => [i], resourceLimits: { maxOldGenerationSizeMb: 128 }, ...options });
}

/** Resolves to the rejection, failing if the promise settles otherwise or takes longer than `ms`. */
async function rejection(promise: Promise<unknown>, ms: number): Promise<Error> {
  const started = Date.now();
  const outcome = await Promise.race([
    promise.then(() => new Error('resolved instead of rejecting'), (error: Error) => ({ error })),
    new Promise<Error>((resolve) => setTimeout(() => resolve(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
  if (outcome instanceof Error) throw outcome;
  assert.ok(Date.now() - started <= ms);
  return outcome.error;
}

const crashes = ['exit', 'async-throw', 'unhandled-rejection', 'oom'] as const;

for (const kind of faultKinds) {
  describe(`faults [${kind}]`, () => {
    for (const fault of crashes) {
      it(`${fault}: the in-flight call rejects with WorkerExitedError naming worker and method; respawn serves the next call`, T, async () => {
        const exits: unknown[] = [];
        await using pool = await faultyPool(kind, { respawn: true, onWorkerExit: (event) => exits.push(event) });
        await pool.ok(1);
        // An out-of-memory death first has to fill a 128 MB heap, which under a loaded CI host alone takes seconds;
        // the other deaths are immediate, and noticing any of them must take well under 2 s.
        const error = await rejection(pool.fault(1, fault), fault === 'oom' ? 10_000 : 2000);
        assert.ok(error instanceof WorkerExitedError, `got ${error}`);
        assert.equal(error.workerIndex, 1);
        assert.equal(error.method, 'fault');
        assert.match(error.message, /^worker 1 exited.* while running fault/);
        if (fault === 'exit') assert.equal(error.exitCode, 7);
        if (fault === 'async-throw') assert.match(error.message, /async boom/);
        if (fault === 'async-throw') assert.equal((error.cause as Error)?.message, 'async boom');
        // The replacement is a fresh instance: its counter starts again, the survivor's does not.
        assert.deepEqual(await pool.ok(2), [2, 2]);
        assert.deepEqual(await pool.fields.get('calls'), [2, 1]);
        assert.deepEqual(pool.info.respawns, [0, 1]);
        assert.equal(exits.length, 1);
        assert.deepEqual({ ...(exits[0] as object), error: undefined, exitCode: undefined }, { workerIndex: 1, reason: 'exit', respawned: true, error: undefined, exitCode: undefined });
      });
    }

    it('without respawn a dead worker fails later broadcasts at once, and maps use the survivors', T, async () => {
      await using pool = await faultyPool(kind);
      await rejection(pool.fault(0, 'exit'), 2000);
      const error = await rejection(pool.ok(1), 500);
      assert.ok(error instanceof WorkerExitedError);
      assert.match(error.message, /worker 0 exited with code 7/);
      assert.deepEqual(await pool.square.map([1, 2, 3], [0, 0, 0]), [1, 4, 9]);
      assert.equal(pool.info.alive, 1);
    });

    it('infinite loop + timeout: TimeoutError, the stuck worker is terminated (onCancel) and respawned', T, async () => {
      await using pool = await faultyPool(kind, { respawn: true });
      const error = await rejection(pool.with({ timeout: 300, onCancel: 'terminate' }).fault(0, 'hang'), 2000);
      assert.ok(error instanceof TimeoutError, `got ${error}`);
      assert.deepEqual(await pool.with({ timeout: 5000 }).ok(3), [3, 3]);
      assert.deepEqual(pool.info.respawns, [1, 0]);
    });

    it('other calls in flight on a terminated worker reject with WorkerExitedError naming the cause', T, async () => {
      await using pool = await faultyPool(kind, { respawn: true });
      const bystander = pool.fault(0, 'wait');
      const error = await rejection(pool.with({ timeout: 200, onCancel: 'terminate' }).fault(0, 'hang'), 2000);
      assert.ok(error instanceof TimeoutError);
      const other = await rejection(bystander, 2000);
      assert.ok(other instanceof WorkerExitedError);
      assert.match(other.message, /worker 0 was terminated while running fault: fault did not finish within 200 ms/);
    });

    it('map with retries: a worker dying mid-map loses no result', T, async () => {
      await using pool = await faultyPool(kind, { respawn: true });
      const n = 200;
      const squares = pool.with({ retries: 2, chunkSize: 5 }).square.map(Array.from({ length: n }, (_, i) => i), Array(n).fill(2));
      setTimeout(() => void pool.fault(1, 'exit').catch(() => {}), 30);
      assert.deepEqual(await squares, Array.from({ length: n }, (_, i) => i * i));
    });
  });
}

describe('faults [process only]', () => {
  it('SIGKILL from outside rejects the in-flight call; respawn serves the next', T, async () => {
    await using pool = await faultyPool('process', { respawn: true });
    const [pid0] = await pool.pid();
    const inFlight = pool.fault(0, 'wait');
    setTimeout(() => process.kill(pid0!, 'SIGKILL'), 20);
    const error = await rejection(inFlight, 2000);
    assert.ok(error instanceof WorkerExitedError);
    assert.match(error.message, /worker 0 exited while running fault: killed by SIGKILL/);
    const [pidAfter] = await pool.pid();
    assert.notEqual(pidAfter, pid0);
  });
});

describe('faults [thread only]', () => {
  // Thread workers answer over a MessageChannel of the pool's own. Node promises that a worker's parentPort is
  // drained before 'exit', but not other ports: the pool also takes what is left on its port at the exit (here the
  // answer event has always come first; the drain is insurance for when it does not).
  it('an answer posted just before the worker exits still resolves the call; the exit is still reported', T, async () => {
    const exits: unknown[] = [];
    await using pool = await faultyPool('thread', { workers: 1, respawn: true, onWorkerExit: (event) => exits.push(event) });
    for (let i = 0; i < 20; i++) {
      assert.equal(await pool.answerThenExit.one(i), i);
      // The next call must not go to the worker that is exiting: wait until the pool has seen the exit.
      while (exits.length <= i) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(exits.length, 20);
    assert.deepEqual(await pool.ok(5), [5]);
  });
});
