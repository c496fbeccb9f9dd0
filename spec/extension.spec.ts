/**
 * The extension point (lib/pool/extension.ts): what a layer registers is scoped to the pool it registered on, every
 * registration can be undone, and the realm-wide hook reaches open and future pools.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ProxyPool, fixtureUrl } from './helpers/lib.ts';
import { extendEveryPool, poolExtension, poolExtensionById, type UpMessage } from '../.test-build/lib/pool/extension.js';
import { ExtensionProbe } from '../.test-build/spec/fixtures/extension-probe.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('extension-probe');
const probePool = (kind: 'thread' | 'process' | 'inline' = 'thread', workers = 2) => ProxyPool.create(ExtensionProbe, { workers, kind, module });

describe('the extension point', () => {
  it('answers a topic only on the pool it was registered on, and stops once undone', T, async () => {
    await using a = await probePool();
    await using b = await probePool();
    const heard: Array<[number, unknown]> = [];
    const undo = poolExtension(a).handleUp('probe.echo', ({ workerIndex, payload, reply }: UpMessage) => {
      heard.push([workerIndex, payload]);
      reply(true, { echoed: payload });
    });
    assert.deepEqual(await a.ask('probe.echo', 7), [{ echoed: 7 }, { echoed: 7 }]);
    assert.deepEqual(heard.map(([w]) => w).sort(), [0, 1]);
    await assert.rejects(b.ask('probe.echo', 7), /no handler for worker messages of topic "probe.echo" on this pool/);
    undo();
    await assert.rejects(a.ask('probe.echo', 7), /no handler for worker messages of topic "probe.echo"/);
    assert.deepEqual(await a.tell('probe.ignored', 0), [0, 1], 'the pool stays usable');
  });

  it('a handler that throws answers the worker with its error; a handler answering twice answers once', T, async () => {
    await using pool = await probePool('process', 1);
    const ext = poolExtension(pool);
    ext.handleUp('probe.throw', () => {
      throw new RangeError('layer refused');
    });
    ext.handleUp('probe.twice', ({ reply }: UpMessage) => {
      reply(true, 1);
      reply(true, 2);
    });
    await assert.rejects(pool.ask('probe.throw', null), (e: Error) => e.name === 'RangeError' && /layer refused/.test(e.message));
    assert.deepEqual(await pool.ask('probe.twice', null), [1]);
  });

  it('keeps per-pool state, made once per pool', T, async () => {
    await using a = await probePool('inline', 1);
    await using b = await probePool('inline', 1);
    const key = Symbol('probe state');
    let made = 0;
    const make = () => ({ n: ++made });
    const first = poolExtension(a).local(key, make);
    assert.equal(poolExtension(a).local(key, make), first);
    assert.notEqual(poolExtension(b).local(key, make), first);
    assert.equal(made, 2);
  });

  it('tells listeners which worker was lost, and a respawned one ready; undone listeners hear nothing', T, async () => {
    await using pool = await ProxyPool.create(ExtensionProbe, { workers: 2, kind: 'process', module, respawn: true });
    const ext = poolExtension(pool);
    const lost: Array<[number, string]> = [];
    const ready: number[] = [];
    const quiet: number[] = [];
    ext.onWorkerLost((worker, reason) => lost.push([worker, reason.name]));
    ext.onWorkerReady((worker) => ready.push(worker));
    ext.onWorkerLost((worker) => quiet.push(worker))();
    const readyAgain = new Promise<void>((resolve) => ext.onWorkerReady(() => resolve()));
    await assert.rejects(pool.methods.die.one());
    await readyAgain;
    assert.equal(lost.length, 1);
    assert.equal(lost[0]![1], 'WorkerExitedError');
    assert.deepEqual(ready, [lost[0]![0]]);
    assert.deepEqual(quiet, []);
    assert.equal(ext.workerCount, 2);
    assert.deepEqual((await pool.tell('probe.none', 0)).sort(), [0, 1], 'the respawned worker serves');
  });

  it('tells ready listeners of the workers a resize adds', T, async () => {
    await using pool = await probePool('inline', 1);
    const ready: number[] = [];
    poolExtension(pool).onWorkerReady((worker) => ready.push(worker));
    await pool.resize(3);
    assert.deepEqual(ready.sort(), [1, 2]);
    assert.equal(poolExtension(pool).workerCount, 3);
  });

  it('finds open pools by id, forgets closed ones, and extends open and future pools', T, async () => {
    const before = await probePool('inline', 1);
    const ext = poolExtension(before);
    assert.equal(poolExtensionById(ext.poolId), ext);
    const installedOn: number[] = [];
    extendEveryPool((pool) => {
      installedOn.push(pool.poolId);
      pool.handleUp('probe.every', ({ reply }: UpMessage) => reply(true, pool.poolId));
    });
    await using after = await probePool('inline', 1);
    const afterId = poolExtension(after).poolId;
    assert.ok(installedOn.includes(ext.poolId) && installedOn.includes(afterId));
    assert.deepEqual(await before.ask('probe.every', null), [ext.poolId]);
    assert.deepEqual(await after.ask('probe.every', null), [afterId]);
    await before.close();
    assert.equal(poolExtensionById(ext.poolId), undefined);
    assert.equal(ext.state, 'closed');
  });

  it('refuses what is not a pool with an ArgumentError naming the caller', T, () => {
    assert.throws(() => poolExtension({}, 'myLayer()'), (e: Error) => e instanceof ArgumentError && /myLayer\(\) expects a pool created by ProxyPool.create, got object/.test(e.message));
    assert.throws(() => poolExtension(null), /got null/);
  });
});
