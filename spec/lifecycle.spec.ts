import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ArgumentError, PoolClosedError, ProxyPool } from './helpers/lib.ts';
import { fixtureUrl } from './helpers/lib.ts';
import { Heartbeat } from '../.test-build/spec/fixtures/heartbeat.js';
import { Counter } from '../.test-build/spec/fixtures/counter.js';
import { counterModule, counterPool, kinds, T } from './helpers/kinds.ts';

const run = promisify(execFile);
const heartbeatModule = fixtureUrl('heartbeat');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when the counter still moves: some thread of the pool is alive. */
async function stillBeating(beats: Int32Array): Promise<boolean> {
  const before = Atomics.load(beats, 0);
  await sleep(100);
  return Atomics.load(beats, 0) !== before;
}

describe('lifecycle [thread]', () => {
  it('after close() no worker thread is alive', T, async () => {
    const beats = new Int32Array(new SharedArrayBuffer(4));
    const pool = await ProxyPool.create(Heartbeat, { workers: 4, module: heartbeatModule, args: [beats] });
    assert.deepEqual(await pool.ping(), ['pong', 'pong', 'pong', 'pong']);
    assert.equal(await stillBeating(beats), true);
    await pool.close();
    assert.equal(await stillBeating(beats), false);
    assert.equal(pool.info.alive, 0);
    assert.equal(pool.info.state, 'closed');
  });

  it('after `await using` no worker thread is alive', T, async () => {
    const beats = new Int32Array(new SharedArrayBuffer(4));
    {
      await using pool = await ProxyPool.create(Heartbeat, { workers: 2, module: heartbeatModule, args: [beats] });
      await pool.ping();
      assert.equal(await stillBeating(beats), true);
    }
    assert.equal(await stillBeating(beats), false);
  });

  it('a constructor that throws on one of 4 workers rejects create() with that error and leaves no thread', T, async () => {
    const beats = new Int32Array(new SharedArrayBuffer(4));
    await assert.rejects(
      ProxyPool.create(Heartbeat, { workers: 4, module: heartbeatModule, args: (i) => [beats, 2, i] }),
      (e: Error) => e instanceof RangeError && e.message === 'constructor refused on worker 2' && /worker 2, method constructor/.test(e.stack!),
    );
    assert.equal(await stillBeating(beats), false);
  });
});

for (const kind of kinds) {
  describe(`lifecycle [${kind}]`, () => {
    it('calls after close reject with PoolClosedError; close is idempotent', T, async () => {
      const pool = await counterPool(kind, { workers: 2 });
      await pool.close();
      await pool.close();
      await assert.rejects(pool.whoami(), (e: Error) => e instanceof PoolClosedError && e.message === 'cannot call whoami: the pool is closed');
      await assert.rejects(pool.add.map([1], [2]), PoolClosedError);
      await assert.rejects(pool.fields.get('calls'), /cannot access field calls: the pool is closed/);
    });

    it('close() drains: calls in flight finish, calls made while closing reject', T, async () => {
      const pool = await counterPool(kind, { workers: 2 });
      const inFlight = pool.delayed(5, 50);
      const closing = pool.close();
      await assert.rejects(pool.whoami(), PoolClosedError);
      assert.deepEqual(await inFlight, [5, 5]);
      await closing;
    });

    it('close({ force: true }) rejects calls in flight at once', T, async () => {
      const pool = await counterPool(kind, { workers: 2 });
      const rejected = assert.rejects(pool.delayed(5, 2000), PoolClosedError);
      await pool.close({ force: true });
      await rejected;
    });

    it('a script that creates and closes a pool exits by itself', T, async () => {
      const { stdout } = await run(process.execPath, [fixtureUrl('create-close-script').pathname, kind], { timeout: 20_000 });
      assert.match(stdout, /\[0,1\]\ndone/);
    });

    // Not for kind 'remote': an open remote pool is a live NATS session, which holds the process until close()
    // (docs/remote.md says so).
    if (kind !== 'remote') it('a script that forgets close() still exits: idle workers do not hold the event loop', T, async () => {
      const { stdout } = await run(process.execPath, [fixtureUrl('create-close-script').pathname, kind, 'forget'], { timeout: 20_000 });
      assert.match(stdout, /done/);
    });
  });
}

describe('options', () => {
  it('invalid options fail before any worker starts', T, async () => {
    await assert.rejects(ProxyPool.create(Counter, { workers: 0, module: counterModule }), (e: Error) => e instanceof ArgumentError && /workers must be a positive integer, got 0/.test(e.message));
    await assert.rejects(ProxyPool.create(Counter, { workers: -1, module: counterModule }), /got -1/);
    await assert.rejects(ProxyPool.create(Counter, { workers: NaN, module: counterModule }), /got NaN/);
    await assert.rejects(ProxyPool.create(Counter, { kind: 'fork' as 'thread', module: counterModule }), /kind must be one of 'thread', 'process', 'inline', 'web', 'remote'; got "fork"/);
    await assert.rejects(ProxyPool.create(Counter, { workers: 1 }), /needs to know where Counter lives: pass \{ module: import.meta.url \}/);
    await assert.rejects(ProxyPool.create(Counter, { wokers: 2 } as never), /unknown pool option "wokers"/);
    await assert.rejects(ProxyPool.create({} as never), /expects a class/);
  });

  it('a missing module, a missing export and a non-class export are clear errors', T, async () => {
    await assert.rejects(ProxyPool.create(Counter, { workers: 1, module: fixtureUrl('nope') }), /cannot load the pool's class module .*nope\.js: file not found/);
    await assert.rejects(ProxyPool.create(Counter, { workers: 1, module: counterModule, exportName: 'Nope' }), /has no export "Nope"; exported classes: Counter, CustomError/);
    await assert.rejects(ProxyPool.create(Counter, { workers: 1, module: fixtureUrl('not-a-class'), exportName: 'notAClass' }), /export "notAClass" of .* is not a class \(it is number\)/);
  });
});

// Close deadlines (issue 22): piscina's closeTimeout as close({ timeout }) and a pool option; the dispose wait as
// the pool option disposeTimeout.
const tunedModule = fixtureUrl('tuned');
for (const kind of kinds.filter((k): k is 'thread' | 'process' => k === 'thread' || k === 'process')) {
  describe(`close deadline [${kind}]`, () => {
    it('close({ timeout }) resolves at its deadline with a worker in an endless loop, which it terminates', T, async () => {
      const { Tuned } = await import('../.test-build/spec/fixtures/tuned.js');
      const pool = await ProxyPool.create(Tuned, { workers: 2, kind, module: tunedModule });
      const stuck = pool.spin.one();
      const rejected = assert.rejects(stuck, (error: Error) => error instanceof PoolClosedError && /spin was cancelled: close\(\) reached its timeout of 300 ms/.test(error.message));
      await sleep(50); // the loop has started
      const started = performance.now();
      await pool.close({ timeout: 300 });
      const took = performance.now() - started;
      await rejected;
      assert.equal(pool.info.alive, 0);
      assert.equal(pool.info.state, 'closed');
      // Without the deadline close() would wait forever; with it, 300 ms plus the time to end two workers.
      assert.ok(took >= 290 && took < 5000, `close took ${took.toFixed(0)} ms`);
    });

    it('the pool option closeTimeout is the default deadline; calls that finish in time are not cancelled', T, async () => {
      const { Tuned } = await import('../.test-build/spec/fixtures/tuned.js');
      const pool = await ProxyPool.create(Tuned, { workers: 2, kind, module: tunedModule, closeTimeout: 2000 });
      const quick = pool.delayed.one('done', 50);
      await pool.close();
      assert.equal(await quick, 'done');
      const pool2 = await ProxyPool.create(Tuned, { workers: 1, kind, module: tunedModule, closeTimeout: 200 });
      const stuck = assert.rejects(pool2.spin.one(), PoolClosedError);
      await pool2.close();
      await stuck;
      assert.equal(pool2.info.alive, 0);
    });

    it('disposeTimeout bounds the wait for a dispose that never ends', T, async () => {
      const { Tuned } = await import('../.test-build/spec/fixtures/tuned.js');
      const pool = await ProxyPool.create(Tuned, { workers: 2, kind, module: tunedModule, disposeTimeout: 200 });
      await pool.fields.set('disposeMs', 60_000);
      const started = performance.now();
      await pool.close();
      const took = performance.now() - started;
      assert.equal(pool.info.alive, 0);
      assert.ok(took >= 190 && took < 4000, `close took ${took.toFixed(0)} ms (the old fixed wait was 5000)`);
    });

    it('bad deadlines are ArgumentErrors; the pool stays open and usable', T, async () => {
      const { Tuned } = await import('../.test-build/spec/fixtures/tuned.js');
      await assert.rejects(ProxyPool.create(Tuned, { kind, module: tunedModule, closeTimeout: -1 }), (e: Error) => e instanceof ArgumentError && /option closeTimeout must be a number of milliseconds >= 0 \(or Infinity\), got -1/.test(e.message));
      await assert.rejects(ProxyPool.create(Tuned, { kind, module: tunedModule, disposeTimeout: Infinity }), /option disposeTimeout must be a number of milliseconds >= 0, got Infinity/);
      await using pool = await ProxyPool.create(Tuned, { workers: 1, kind, module: tunedModule });
      await assert.rejects(pool.close({ timeout: '5s' as never }), (e: Error) => e instanceof ArgumentError && /close\(\) option timeout must be a number of milliseconds/.test(e.message));
      assert.equal(pool.info.state, 'open');
      assert.equal((await pool.whoami())[0]!.index, 0);
    });
  });
}

describe('close({ force: true }) on process workers (issue 17, defect 7)', () => {
  it('is prompt with a worker in an endless loop, and silent: no IPC error on stderr', T, async () => {
    const script = new URL('./fixtures/force-close-script.mjs', import.meta.url);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script.pathname], { timeout: 25_000 });
    const result = JSON.parse(stdout.split('\n').find((line) => line.startsWith('RESULT '))!.slice(7));
    assert.deepEqual([result.stuck, result.broadcast], ['PoolClosedError', 'PoolClosedError']);
    // It waited the 5 s dispose grace for the stuck worker before; ending it at once takes a few ms.
    assert.ok(result.ms < 2500, `close({ force: true }) took ${result.ms} ms`);
    const noise = stderr.split('\n').filter((line) => line.trim() && !/OBJECTPROXYPOOL_SHADOWED_METHOD|--trace-warnings/.test(line));
    assert.deepEqual(noise, [], `stderr: ${stderr}`);
  });
});
