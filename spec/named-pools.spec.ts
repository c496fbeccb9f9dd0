/**
 * The pool option `name`: creating a pool with the name of a live one closes that one first, so that a notebook
 * cell run again never leaves the previous pool's workers running (examples/ensemble.ipynb relies on it).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, PoolClosedError, ProxyPool } from './helpers/lib.ts';
import { Counter } from '../.test-build/spec/fixtures/counter.js';
import { counterModule, kinds, T } from './helpers/kinds.ts';

for (const kind of kinds) {
  describe(`named pools [${kind}]`, () => {
    it('a second pool of the same name closes the first; other names are untouched', T, async () => {
      const first = await ProxyPool.create(Counter, { workers: 2, kind, module: counterModule, name: 'cell-1' });
      const other = await ProxyPool.create(Counter, { workers: 1, kind, module: counterModule, name: 'cell-2' });
      const second = await ProxyPool.create(Counter, { workers: 2, kind, module: counterModule, name: 'cell-1' });
      try {
        await assert.rejects(first.whoami(), PoolClosedError);
        assert.deepEqual(await second.whoami(), [0, 1]);
        assert.deepEqual(await other.whoami(), [0]);
      } finally {
        await second.close();
        await other.close();
      }
    });

    it('a name whose pool was closed by hand is simply reused', T, async () => {
      const first = await ProxyPool.create(Counter, { workers: 1, kind, module: counterModule, name: 'reused' });
      await first.close();
      const second = await ProxyPool.create(Counter, { workers: 1, kind, module: counterModule, name: 'reused' });
      try {
        assert.deepEqual(await second.add(1, 2), [3]);
      } finally {
        await second.close();
      }
    });
  });
}

describe('named pools: bad input', () => {
  it('a name that is not a non-empty string is an ArgumentError naming the option', T, async () => {
    for (const name of ['', 42, null]) {
      await assert.rejects(
        ProxyPool.create(Counter, { workers: 1, kind: 'inline', module: counterModule, name: name as string }),
        (e: Error) => e instanceof ArgumentError && /option name must be a non-empty string/.test(e.message),
      );
    }
  });
});
