/**
 * Cancellation that means it (issue 17): a task whose call was aborted or timed out before the task started never
 * starts, on every kind — its side effects are counted — and a call's cancellation costs the host nothing after it
 * ends (one abort listener per signal, no pending entry left behind).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyPool, TimeoutError, fixtureUrl } from './helpers/lib.ts';
import { SideEffects } from '../.test-build/spec/fixtures/side-effects.js';
import { kindOptions, kinds, T } from './helpers/kinds.ts';

const module = fixtureUrl('side-effects');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const N = 1000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** How long the worker is held while the calls queue behind it and are cancelled. */
const HOLD_MS = 300;
let holders = 0;

for (const kind of kinds) {
  describe(`cancellation [${kind}]`, () => {
    const pool = () => ProxyPool.create(SideEffects, { workers: 1, ...kindOptions(kind), module });
    /**
     * What holds the worker while calls queue behind it: a file the test creates once it has cancelled them (no
     * race with the clock, however loaded the machine). Inline workers hold this very thread, so the host can do
     * nothing meanwhile: they hold for a time, and the host's timers (timeouts, the abort) fire once they let go.
     */
    const holder = () => {
      const file = join(tmpdir(), `opp-cancel-${process.pid}-${++holders}`);
      return {
        until: kind === 'inline' ? HOLD_MS : file,
        release: () => {
          if (kind !== 'inline') writeFileSync(file, '');
        },
        [Symbol.dispose]: () => rmSync(file, { force: true }),
      };
    };

    it(`${N} queued calls and a ${N}-task map aborted by a signal never run`, T, async () => {
      await using p = await pool();
      using hold = holder();
      const controller = new AbortController();
      const held = p.hold(hold.until);
      const calls = range(N).map((i) => p.with({ signal: controller.signal }).touch(i));
      const mapped = p.with({ signal: controller.signal }).touch.map(range(N));
      await sleep(50); // inline: this comes once the worker lets go of the thread
      controller.abort();
      const outcomes = await Promise.allSettled([...calls, mapped]);
      assert.ok(outcomes.every((o) => o.status === 'rejected' && (o.reason as Error).name === 'AbortError'));
      hold.release();
      await held;
      assert.deepEqual(await p.count(), [0], 'no cancelled task ran');
      assert.deepEqual(await p.touch(), [1], 'the pool stays usable');
    });

    it(`${N} queued calls and a ${N}-task map that time out never run`, T, async () => {
      await using p = await pool();
      using hold = holder();
      const held = p.hold(hold.until);
      const calls = range(N).map((i) => p.with({ timeout: 50 }).touch(i));
      const mapped = p.with({ timeout: 50 }).touch.map(range(N));
      const outcomes = await Promise.allSettled([...calls, mapped]);
      assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof TimeoutError));
      hold.release();
      await held;
      assert.deepEqual(await p.count(), [0], 'no timed-out task ran');
      assert.deepEqual(await p.touch(), [1], 'the pool stays usable');
    });

    it('a map aborted while its first task runs starts no further task', T, async () => {
      await using p = await pool();
      using hold = holder();
      const controller = new AbortController();
      const mapped = p.with({ signal: controller.signal }).touchAndHold.map(Array(10).fill(hold.until));
      await sleep(50);
      controller.abort();
      await assert.rejects(mapped, (e: Error) => e.name === 'AbortError');
      hold.release();
      const [runs] = (await p.count()) as number[];
      // The task running when the abort came ran (if it had started); no task after it did.
      assert.ok(runs! <= 1, `ran ${runs} of 10 tasks`);
    });

    it('a broadcast with a signal that is aborted while it waits never runs', T, async () => {
      await using p = await pool();
      using hold = holder();
      const controller = new AbortController();
      const held = p.hold(hold.until);
      const call = p.with({ signal: controller.signal }).touch();
      await sleep(50);
      controller.abort();
      await assert.rejects(call, (e: Error) => e.name === 'AbortError');
      hold.release();
      await held;
      assert.deepEqual(await p.count(), [0]);
    });
  });
}

describe('cancellation on the host', () => {
  it('one abort listener per signal, however many calls share it (no MaxListenersExceededWarning)', T, async () => {
    await using p = await ProxyPool.create(SideEffects, { workers: 2, kind: 'thread', module });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const results = await Promise.all(range(50).map((i) => p.with({ signal: controller.signal }).touch.map([i, i])));
      assert.equal(results.length, 50);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'none left once the calls ended');
      const calls = range(50).map(() => p.with({ signal: controller.signal }).hang());
      assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
      controller.abort();
      assert.ok((await Promise.allSettled(calls)).every((o) => o.status === 'rejected'));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), []);
  });
});
