/**
 * The one outbox both sides batch through (lib/protocol/outbox.ts): a tick's messages in one postMessage, the
 * host's first at once, slices for long bursts, a held handler's answers together, and an uncloneable message
 * reported alone without sinking its batch.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox } from '../lib/protocol/outbox.ts';
import { T } from './helpers/kinds.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function recorder(options: { firstLeavesAtOnce?: boolean; sliceAt?: number; refuse?: (m: string) => boolean } = {}) {
  const posts: Array<string | string[]> = [];
  const refused: string[] = [];
  const outbox = new Outbox<string>({
    post: (batch) => {
      const all = Array.isArray(batch) ? batch : [batch];
      if (options.refuse && all.some(options.refuse)) throw new Error('could not be cloned');
      posts.push(batch);
    },
    uncloneable: (message) => refused.push(message),
    firstLeavesAtOnce: options.firstLeavesAtOnce,
    sliceAt: options.sliceAt,
  });
  return { outbox, posts, refused };
}

describe('outbox', () => {
  it('gathers a tick into one message; the host side sends the first at once', T, async () => {
    const worker = recorder();
    for (const m of ['a', 'b', 'c']) worker.outbox.push(m);
    assert.deepEqual(worker.posts, []);
    await tick();
    assert.deepEqual(worker.posts, [['a', 'b', 'c']]);

    const host = recorder({ firstLeavesAtOnce: true });
    for (const m of ['a', 'b', 'c']) host.outbox.push(m);
    assert.deepEqual(host.posts, ['a']);
    await tick();
    assert.deepEqual(host.posts, ['a', ['b', 'c']]);
  });

  it('sends a long burst in slices', T, async () => {
    const { outbox, posts } = recorder({ sliceAt: 2 });
    for (const m of ['a', 'b', 'c', 'd', 'e']) outbox.push(m);
    await tick();
    assert.deepEqual(posts, [['a', 'b'], ['c', 'd'], 'e']);
  });

  it('holds answers while a message is handled and sends them when it returns', T, () => {
    const { outbox, posts } = recorder();
    outbox.hold(() => {
      outbox.push('a');
      outbox.push('b');
      assert.deepEqual(posts, []);
    });
    assert.deepEqual(posts, [['a', 'b']]);
  });

  it('reports the one message that cannot be cloned and sends the others', T, async () => {
    const { outbox, posts, refused } = recorder({ refuse: (m) => m === 'bad' });
    for (const m of ['a', 'bad', 'c']) outbox.push(m);
    await tick();
    assert.deepEqual(posts, ['a', 'c']);
    assert.deepEqual(refused, ['bad']);
  });

  it('forgets what is queued once cleared (the receiver is gone)', T, async () => {
    const { outbox, posts } = recorder();
    outbox.push('a');
    outbox.clear();
    await tick();
    assert.deepEqual(posts, []);
    assert.equal(outbox.size, 0);
  });
});
