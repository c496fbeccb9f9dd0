/**
 * transfer(): buffers that move instead of being copied, in arguments (per call, per map task) and in results
 * (the worker's transfer()). Moves on thread and inline workers (detaching the sender's buffer); process workers
 * copy and warn once. Bad transfer lists are TransferErrors and leave the pool usable.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ProxyPool, TransferError, fixtureUrl, repeat, transfer } from './helpers/lib.ts';
import { T } from './helpers/kinds.ts';
import { MessageChannel } from 'node:worker_threads';
import { TransferModel } from '../.test-build/spec/fixtures/transfer-model.js';

const module = fixtureUrl('transfer-model');
const pool = (kind: 'thread' | 'inline' | 'process', workers = 2, options = {}) => ProxyPool.create(TransferModel, { kind, workers, module, ...options });

const detached = (buffer: ArrayBuffer) => buffer.byteLength === 0;

for (const kind of ['thread', 'inline'] as const) {
  describe(`transfer [${kind}]`, () => {
    it('an argument moves: the worker gets the data, the sender\'s buffer is detached', T, async () => {
      await using p = await pool(kind);
      const values = new Float64Array(1000).map((_, i) => i);
      const sum = await p.sum.one(transfer(values, [values.buffer]));
      assert.equal(sum, (999 * 1000) / 2);
      assert.ok(detached(values.buffer), 'the sender\'s buffer is detached');
      assert.equal(values.length, 0);
    });

    it('a result moves back with the worker\'s transfer(): detached in the worker, whole on the host', T, async () => {
      await using p = await p1(kind);
      const bytes = await p.makeBuffer.one(1 << 20, 7);
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(bytes.byteLength, 1 << 20);
      assert.equal(bytes[12345], 7);
      assert.equal(await p.lastBufferLength.one(), 0, 'the worker\'s copy was moved out');
      // Round trip: transferred in, summed, transferred back.
      const values = new Float64Array([1, 2, 3.5]);
      const back = (await p.sumAndReturn.one(transfer(values, [values.buffer]))) as { sum: number; values: Float64Array };
      assert.equal(back.sum, 6.5);
      assert.deepEqual([...back.values], [1, 2, 3.5]);
    });

    it('per task in map: each task\'s own buffer moves with its chunk', T, async () => {
      await using p = await pool(kind, 2);
      const arrays = Array.from({ length: 6 }, (_, i) => new Float64Array(100).fill(i));
      const sums = await p.sum.map(arrays.map((a) => transfer(a, [a.buffer])));
      assert.deepEqual(sums, [0, 100, 200, 300, 400, 500]);
      assert.ok(arrays.every((a) => detached(a.buffer)));
    });

    it('a broadcast to one worker may transfer; to several it is a TransferError pointing to SharedArrayWrapper', T, async () => {
      await using one = await pool(kind, 1);
      const a = new Float64Array([1, 2]);
      assert.deepEqual(await one.sum(transfer(a, [a.buffer])), [3]);
      await using two = await pool(kind, 2);
      const b = new Float64Array([1, 2]);
      await assert.rejects(two.sum(transfer(b, [b.buffer])), (e: Error) => e instanceof TransferError && e instanceof ArgumentError && /SharedArrayWrapper/.test(e.message));
      await assert.rejects(two.with({ timeout: 5000 }).sum(transfer(b, [b.buffer])), TransferError);
      assert.equal(b.length, 2, 'nothing was sent: the buffer is still attached');
      assert.deepEqual(await two.sum(b), [3, 3], 'the pool is usable afterwards');
    });

    it('bad lists: a buffer twice, a detached buffer, a non-transferable, a repeat() constant: TransferErrors, pool usable', T, async () => {
      await using p = await pool(kind);
      const a = new Float64Array(4);
      assert.throws(() => transfer(a, [a.buffer, a.buffer]), (e: Error) => e instanceof TransferError && /listed twice/.test(e.message));
      assert.throws(() => transfer(a, [a as never]), (e: Error) => e instanceof TransferError && /Float64Array: list its \.buffer/.test(e.message));
      assert.throws(() => transfer(a, [{} as never]), (e: Error) => e instanceof TransferError && /not transferable/.test(e.message));
      assert.throws(() => transfer(a, [new SharedArrayBuffer(8) as never]), (e: Error) => e instanceof TransferError && /SharedArrayBuffer is shared/.test(e.message));
      // The same buffer in two arguments of one call.
      await assert.rejects(p.sumScaled.one(transfer(a, [a.buffer]), transfer(2, [a.buffer])), (e: Error) => e instanceof TransferError && /twice in one call/.test(e.message));
      // The same buffer in two tasks of one chunk.
      await assert.rejects(p.with({ chunkSize: 2 }).sum.map([transfer(a, [a.buffer]), transfer(a, [a.buffer])]), TransferError);
      assert.equal(a.length, 4, 'a refused call moved nothing');
      // A repeat() constant goes to every chunk: it cannot move.
      await assert.rejects(p.sumScaled.map(repeat(transfer(a, [a.buffer])), [1, 2]), (e: Error) => e instanceof TransferError && /repeat\(\) constant/.test(e.message));
      // A buffer detached by an earlier transfer.
      await p.sum.one(transfer(a, [a.buffer]));
      assert.throws(() => transfer(a, [a.buffer]), (e: Error) => e instanceof TransferError && /detached/.test(e.message));
      // A mark made before its buffer moved with another call.
      const c = new Float64Array([1, 2]);
      const early = transfer(c, [c.buffer]);
      assert.equal(await p.sum.one(transfer(c, [c.buffer])), 3);
      await assert.rejects(p.sum.one(early), (e: Error) => e instanceof TransferError && /detached ArrayBuffer/.test(e.message));
      await assert.rejects(p.sum.map([early]), TransferError);
      // A detached buffer sent without transfer(): it cannot be cloned either.
      await assert.rejects(p.byteLength.one(c.buffer), ArgumentError);
      // A bad list in a worker's result fails that call with the reason.
      await assert.rejects(p.badResult.one('twice'), (e: Error) => e.name === 'TransferError' && /listed twice/.test(e.message));
      await assert.rejects(p.badResult.one('not-transferable'), (e: Error) => e.name === 'TransferError' && /list its \.buffer/.test(e.message));
      assert.equal(await p.sum.one(new Float64Array([2, 3])), 5, 'the pool is usable afterwards');
    });
  });
}

async function p1(kind: 'thread' | 'inline') {
  return pool(kind, 1);
}

describe('transfer [process]', () => {
  it('copies instead of moving, says so once (OPP_TRANSFER_COPIED), and refuses ports', T, async () => {
    await using p = await pool('process', 1);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const a = new Float64Array([1, 2, 3]);
      assert.equal(await p.sum.one(transfer(a, [a.buffer])), 6);
      assert.equal(a.length, 3, 'copied: the sender keeps its buffer');
      const b = new Float64Array([4]);
      assert.equal(await p.sum.one(transfer(b, [b.buffer])), 4);
      const bytes = await p.makeBuffer.one(16, 1);
      assert.equal(bytes.byteLength, 16, 'a result marked for transfer arrives (copied)');
      await new Promise((resolve) => setImmediate(resolve));
      const copied = warnings.filter((w) => (w as Error & { code?: string }).code === 'OPP_TRANSFER_COPIED');
      assert.equal(copied.length, 1, 'warned once');
      assert.match(copied[0]!.message, /process workers copies/);
      const { port1, port2 } = new MessageChannel();
      await assert.rejects(p.takePort.one(transfer(port1, [port1])), (e: Error) => e instanceof ArgumentError && /MessagePort cannot reach a process worker/.test(e.message));
      port1.close();
      port2.close();
      assert.equal(await p.sum.one(new Float64Array([1])), 1);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
