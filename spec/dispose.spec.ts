/**
 * close() lets each instance dispose itself (Symbol.asyncDispose / Symbol.dispose) before its worker ends, on every
 * kind; instances without a dispose method are simply ended (threads skip the handshake).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyPool, fixtureUrl } from './helpers/lib.ts';
import { DisposableModel } from '../.test-build/spec/fixtures/disposable.js';
import { counterPool, kinds, T } from './helpers/kinds.ts';

const module = fixtureUrl('disposable');

for (const kind of kinds.filter((k) => k !== 'remote')) {
  describe(`dispose on close [${kind}]`, () => {
    it('every instance disposes itself before close() resolves', T, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'opp-dispose-'));
      try {
        const pool = await ProxyPool.create(DisposableModel, { workers: 3, kind, module, args: [dir] });
        assert.deepEqual(await pool.ping(), ['pong', 'pong', 'pong']);
        await pool.close();
        assert.deepEqual(readdirSync(dir).sort(), ['disposed-0', 'disposed-1', 'disposed-2']);
        assert.equal(pool.info.alive, 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a dispose that throws rejects close() with that error, and every worker still ends', T, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'opp-dispose-'));
      try {
        const pool = await ProxyPool.create(DisposableModel, { workers: 2, kind, module, args: [dir, true] });
        await assert.rejects(pool.close(), (error: Error) => {
          assert.ok(error instanceof RangeError, String(error));
          assert.match(error.message, /^worker \d refuses to dispose$/);
          return true;
        });
        assert.equal(pool.info.alive, 0);
        assert.equal(pool.info.state, 'closed');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('instances without a dispose method close too, and calls after close are refused', T, async () => {
      const pool = await counterPool(kind, { workers: 2 });
      assert.equal((await pool.add(1, 2)).length, 2);
      await pool.close();
      assert.equal(pool.info.alive, 0);
      await assert.rejects(pool.add(1, 2), /closed/);
    });
  });
}
