// The core semantics, as a plain script any JavaScript runtime can run: broadcast, map, synchronize, dedicated,
// SharedArrayWrapper, errors and worker death, for the kinds named on the command line. It prints one JSON line per
// check ({ kind, check, ok, error }) and exits 1 if any failed. spec/runtimes.spec.ts runs it under Node, Deno and
// Bun. Usage: <runtime> spec/runtimes/conformance.mjs thread,process,inline
import assert from 'node:assert/strict';

const libPath = globalThis.process?.env?.OPP_LIB ?? new URL('../../dist/index.js', import.meta.url).href;
const { ProxyPool, range, repeat, SharedArrayWrapper, WorkerExitedError } = await import(libPath);
const { Probe } = await import('./model.mjs');
const module = new URL('./model.mjs', import.meta.url);
const kinds = (globalThis.process?.argv?.[2] ?? 'thread').split(',');
const CHECK_MS = 20_000;
/** Where a pool of `kind` finds its class: the module, or for 'remote' the hosts on OPP_REMOTE_SERVERS (serving model.mjs). */
const where = (kind) =>
  kind === 'remote' ? { kind, remote: { servers: process.env.OPP_REMOTE_SERVERS, hostTimeout: 2000 } } : { kind, module };

const checks = {
  async broadcast(kind) {
    const pool = await ProxyPool.create(Probe, { workers: 2, ...where(kind) });
    try {
      assert.deepEqual(await pool.index(), [0, 1]);
      assert.deepEqual(await pool.fields.get('calls'), [1, 1]);
    } finally {
      await pool.close();
    }
  },
  async map(kind) {
    const pool = await ProxyPool.create(Probe, { workers: 2, ...where(kind) });
    try {
      assert.deepEqual(await pool.square.map(range(50)), [...range(50)].map((x) => x * x));
      assert.equal(await pool.square.one(7), 49);
    } finally {
      await pool.close();
    }
  },
  async seeds(kind) {
    const draws = async () => {
      const pool = await ProxyPool.create(Probe, { workers: 2, ...where(kind), seed: 7 });
      try {
        return await pool.draw();
      } finally {
        await pool.close();
      }
    };
    const [a, b] = [await draws(), await draws()];
    assert.deepEqual(a, b);
    assert.notEqual(a[0], a[1]);
  },
  async synchronize(kind) {
    const pool = await ProxyPool.create(Probe, { workers: 2, ...where(kind) });
    try {
      const owners = await pool.with({ synchronize: true }).remember.map(range(4));
      // Rounds: each worker takes one task of a round before any takes a second.
      assert.notEqual(owners[0], owners[1]);
      assert.notEqual(owners[2], owners[3]);
    } finally {
      await pool.close();
    }
  },
  async dedicated(kind) {
    const pool = await ProxyPool.create(Probe, { workers: 2, ...where(kind), dedicated: true });
    try {
      assert.deepEqual(await pool.remember.map(['a', 'b']), [0, 1]);
      assert.deepEqual(await pool.recall(), [[0, 'a'], [1, 'b']]);
      await assert.rejects(pool.remember.map(['a']), /2/);
    } finally {
      await pool.close();
    }
  },
  async sharedArray(kind) {
    if (kind === 'remote') return 'n/a: shared arrays are copied to remote hosts, by design (docs/remote.md)';
    const across = kind === 'process' ? { across: 'processes' } : undefined;
    const grid = SharedArrayWrapper.zeros([2, 3], 'float64', across);
    const pool = await ProxyPool.create(Probe, { workers: 2, ...where(kind) });
    try {
      await pool.fill.map(repeat(grid), range(2));
      assert.deepEqual([...grid.data], [0, 1, 2, 100, 101, 102]);
    } finally {
      await pool.close();
      grid.dispose?.();
    }
  },
  async errors(kind) {
    const pool = await ProxyPool.create(Probe, { workers: 2, ...where(kind) });
    try {
      await assert.rejects(pool.fail.one('too far'), (e) => e instanceof RangeError && e.message === 'too far');
      assert.equal(await pool.square.one(3), 9);
    } finally {
      await pool.close();
    }
  },
  async workerDeath(kind) {
    if (kind === 'inline') return 'n/a: inline workers share the host process';
    const pool = await ProxyPool.create(Probe, { workers: 2, ...where(kind), respawn: true });
    try {
      await assert.rejects(pool.crash.one('gone'), (e) => e instanceof WorkerExitedError);
      assert.deepEqual((await pool.square.map(range(4))), [0, 1, 4, 9]);
    } finally {
      await pool.close();
    }
  },
};

let failed = 0;
for (const kind of kinds) {
  for (const [check, run] of Object.entries(checks)) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_MS} ms`)), CHECK_MS);
    });
    try {
      const note = await Promise.race([run(kind), timeout]);
      console.log(JSON.stringify({ kind, check, ok: true, ...(note ? { note } : {}) }));
    } catch (error) {
      failed++;
      console.log(JSON.stringify({ kind, check, ok: false, error: `${error?.name}: ${error?.message}` }));
    } finally {
      clearTimeout(timer);
    }
  }
}
// No process.exit(): a worker left running after close() keeps the runtime alive, and the spec's timeout sees it.
if (failed) process.exitCode = 1;
