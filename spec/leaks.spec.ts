/**
 * Leaks (issue 3, "done when" 5): many calls leave the heap where it was; many create/close cycles leave no worker,
 * no child process, no MessagePort and no active handle of ours; a closed pool holds no pending call.
 *
 * How leftovers are seen. `process.getActiveResourcesInfo()` lists only *referenced* handles, and the pool unrefs
 * idle workers on purpose (a script that forgets close() still exits), so an idle leaked worker would not show
 * there. Three more witnesses are used, each checked against a pool deliberately left open (the control):
 *  - async_hooks: every WORKER, MESSAGEPORT, PROCESSWRAP and PIPEWRAP resource created must be destroyed;
 *  - /proc/self/task: the number of OS threads (each worker thread adds some) comes back to its baseline;
 *  - /proc/<pid>/stat: no child process of ours (with this process as parent) outlives the cycles.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PoolClosedError, ProxyPool, TimeoutError, range, repeat } from './helpers/lib.ts';
import { fixtureUrl } from './helpers/lib.ts';
import { MemoryProbe } from '../.test-build/spec/fixtures/memory-probe.js';
import { Counter } from '../.test-build/spec/fixtures/counter.js';
import { counterModule, kinds, type Kind } from './helpers/kinds.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const probeModule = fixtureUrl('memory-probe');
const MB = 1024 * 1024;
const onLinux = process.platform === 'linux';
/** 100 as issue 3 asks; a thread pool of 2 starts in about 0.4 s on an idle 2-core machine. OPP_LEAK_CYCLES=20 for quick runs. */
const THREAD_CYCLES = Number(process.env.OPP_LEAK_CYCLES ?? 100);

const execFileAsync = promisify(execFile);
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await tick();
  }
  gc();
  return process.memoryUsage().heapUsed;
}

/** Lets handles closed by the last close() finish closing (their uv_close callbacks run on a later loop turn). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < 5; i++) await tick();
}

const TRACKED = /^(WORKER|MESSAGEPORT|PROCESSWRAP|PIPEWRAP)$/;

/** Live resources of the tracked types, by asyncId, from the moment the tracker is started. */
function trackResources() {
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (TRACKED.test(type)) live.set(asyncId, type);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    counts(): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const type of live.values()) counts[type] = (counts[type] ?? 0) + 1;
      return counts;
    },
    stop: () => hook.disable(),
  };
}

function threadCount(): number {
  return onLinux ? readdirSync('/proc/self/task').length : 0;
}

/**
 * Child processes of this process, as "pid state name" (zombies included: an unreaped child is a leak too), except
 * tsx's esbuild service: TypeScript loaders (ours and those registered inside thread workers) start it lazily, and
 * it belongs to tsx, not to any pool.
 */
function childPids(): string[] {
  if (!onLinux) return [];
  const children: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && name !== 'esbuild') children.push(`${entry} ${state} ${name}`);
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

interface Snapshot {
  active: Record<string, number>;
  threads: number;
  children: string[];
  tracked: Record<string, number>;
}

function snapshot(tracker: ReturnType<typeof trackResources>): Snapshot {
  return { active: activeResources(), threads: threadCount(), children: childPids(), tracked: tracker.counts() };
}

function assertNothingLeft(t: TestContext, label: string, before: Snapshot, after: Snapshot): void {
  t.diagnostic(`${label}: active resources before ${JSON.stringify(before.active)} after ${JSON.stringify(after.active)}; ` +
    `threads ${before.threads} → ${after.threads}; new child processes ${JSON.stringify(after.children.filter((p) => !before.children.includes(p)))}; ` +
    `live worker/port/process handles created during the cycles ${JSON.stringify(after.tracked)}`);
  assert.deepEqual(after.active, before.active, 'process.getActiveResourcesInfo() is back where it was');
  assert.deepEqual(after.tracked, {}, 'every Worker, MessagePort, child process and pipe created by the pools was destroyed');
  assert.ok(after.threads <= before.threads, `no extra OS thread: ${before.threads} before, ${after.threads} after`);
  assert.deepEqual(after.children.filter((pid) => !before.children.includes(pid)), [], 'no child process outlives its pool');
}

/**
 * `count` create/close cycles, 1 in `failEvery` with a constructor that throws — or as many as fit in `budgetMs`
 * but at least `minimum`: a loaded 2-core machine starts thread pools 2–3× slower, and the test runner ends a spec
 * file after 120 s. A leak of one worker or handle per cycle shows after any number of cycles.
 */
async function cycles(t: TestContext, kind: Kind, count: number, failEvery: number, budgetMs: number, minimum: number): Promise<void> {
  const create = (fail: boolean) =>
    ProxyPool.create(Counter, { workers: 2, kind, module: counterModule, args: ['leak', fail ? 1 : -1] });
  // Warm up: the first pool loads modules and may start libuv's thread pool; neither is a leak.
  await (await create(false)).close();
  await settle();
  const tracker = trackResources();
  try {
    const before = snapshot(tracker);

    // Control: an open pool is visible to the witnesses, so their silence after the cycles means something.
    const open = await create(false);
    await open.whoami();
    const during = snapshot(tracker);
    await open.close();
    if (kind === 'thread') {
      assert.ok((during.tracked.WORKER ?? 0) >= 2, `async_hooks sees the open pool's workers: ${JSON.stringify(during.tracked)}`);
      if (onLinux) assert.ok(during.threads >= before.threads + 2, `the thread count sees the open pool: ${before.threads} → ${during.threads}`);
    } else if (kind === 'process') {
      assert.equal(during.tracked.PROCESSWRAP, 2, `async_hooks sees the open pool's processes: ${JSON.stringify(during.tracked)}`);
      if (onLinux) assert.equal(during.children.length - before.children.length, 2, 'the child list sees the open pool');
    } else {
      assert.ok((during.tracked.MESSAGEPORT ?? 0) >= 2, `async_hooks sees the open pool's ports: ${JSON.stringify(during.tracked)}`);
    }

    const started = Date.now();
    let failed = 0;
    let done = 0;
    for (let i = 0; i < count && (i < minimum || Date.now() - started < budgetMs); i++, done++) {
      if (failEvery > 0 && i % failEvery === failEvery - 1) {
        // A constructor that throws on worker 1: create() rejects and must leave no worker behind either.
        await assert.rejects(create(true), /constructor refused on worker 1/);
        failed++;
        continue;
      }
      const pool = await create(false);
      assert.deepEqual(await pool.whoami(), [0, 1]);
      await pool.close();
      assert.equal(pool.info.alive, 0);
    }
    const elapsed = Date.now() - started;
    await settle();
    const after = snapshot(tracker);
    t.diagnostic(`${kind}: ${done} of ${count} cycles (${failed} failed creates) in ${elapsed} ms, ${(elapsed / done).toFixed(0)} ms each`);
    assertNothingLeft(t, kind, before, after);
  } finally {
    tracker.stop();
  }
}

describe('leaks', () => {
  it('gc is reachable through v8.setFlagsFromString + vm.runInNewContext', { timeout: 10_000 }, async () => {
    assert.equal(typeof gc, 'function');
    const base = await heapAfterGc();
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    assert.ok(process.memoryUsage().heapUsed > base + 4 * MB);
    garbage = undefined;
    assert.equal(garbage, undefined);
    assert.ok((await heapAfterGc()) < base + 2 * MB, 'a forced collection frees what is unreachable');
  });

  it('200,000 calls (broadcasts, maps, fields, timeouts, signals, errors) leave the heap under +10 MB, host and workers', { timeout: 90_000 }, async (t) => {
    const pool = await ProxyPool.create(MemoryProbe, { workers: 2, kind: 'thread', module: probeModule });
    const longLived = new AbortController();
    const timersBefore = activeResources().Timeout ?? 0;
    /** One round: about 500 calls issued in the same tick, awaited together (bigger rounds: less waiting, same mix). */
    const round = async (r: number): Promise<number> => {
      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < 300; i++) calls.push(pool.add(i, r));
      for (let i = 0; i < 60; i++) calls.push(pool.add.map(range(8), repeat(r)));
      for (let i = 0; i < 50; i++) calls.push(pool.with({ timeout: 60_000 }).add(i, 1));
      for (let i = 0; i < 50; i++) calls.push(pool.with({ signal: longLived.signal }).add(i, 2));
      for (let i = 0; i < 25; i++) calls.push(pool.fields.get('calls'));
      for (let i = 0; i < 10; i++) calls.push(pool.with({ settle: 'all' }).failIf.map([0, 1, 2, 3], repeat(2)));
      for (let i = 0; i < 5; i++) calls.push(pool.failIf(1, 1).catch((e: Error) => e.message));
      // Cancellations, without waiting for them: a call aborted right away and a map that times out.
      const aborted = new AbortController();
      calls.push(pool.with({ signal: aborted.signal }).add.map(range(4), repeat(0)).catch((e: Error) => e.name));
      aborted.abort();
      calls.push(pool.with({ timeout: 1, chunkSize: 1 }).delayed.map(range(4), repeat(5)).catch((e: Error) => e.name));
      const results = await Promise.all(calls);
      assert.deepEqual(results[0], [r, r]);
      return calls.length;
    };
    let total = 0;
    const started = Date.now();
    for (let r = 0; r < 20; r++) total += await round(r); // warm-up: caches, JIT, pools of buffers
    const hostBefore = await heapAfterGc();
    const workersBefore = await pool.heapUsed();
    const warmCalls = total;
    for (let r = 0; total - warmCalls < 200_000; r++) total += await round(r);
    const hostAfter = await heapAfterGc();
    const workersAfter = await pool.heapUsed();
    const elapsed = Date.now() - started;
    const hostGrowth = (hostAfter - hostBefore) / MB;
    const workerGrowth = workersAfter.map((after, i) => (after - workersBefore[i]!) / MB);
    t.diagnostic(`${total - warmCalls} measured calls (+${warmCalls} warm-up) in ${elapsed} ms; host heap ${(hostBefore / MB).toFixed(1)} → ${(hostAfter / MB).toFixed(1)} MB ` +
      `(${hostGrowth >= 0 ? '+' : ''}${hostGrowth.toFixed(2)} MB); worker heaps ${workerGrowth.map((g) => `${g >= 0 ? '+' : ''}${g.toFixed(2)} MB`).join(', ')}`);
    assert.ok(hostGrowth < 10, `host heap grew by ${hostGrowth.toFixed(2)} MB`);
    for (const growth of workerGrowth) assert.ok(growth < 10, `a worker heap grew by ${growth.toFixed(2)} MB`);
    assert.equal(getEventListeners(longLived.signal, 'abort').length, 0, 'no abort listener is left on a signal shared by many calls');
    assert.equal(pool.info.inFlight, 0);
    assert.equal(pool.info.waiting, 0);
    assert.equal(activeResources().Timeout ?? 0, timersBefore, 'every per-call timeout timer was cleared');
    await pool.close();
  });

  // Workers start from compiled JavaScript (~0.2 s a cycle here), so every cycle runs: the issue asks for 100.
  it(`${THREAD_CYCLES} create/close cycles [thread], 1 in 10 failing in a constructor, leave no worker and no handle`, { timeout: 110_000, skip: !kinds.includes('thread') }, (t) =>
    cycles(t, 'thread', THREAD_CYCLES, 10, Infinity, THREAD_CYCLES));

  it('20 create/close cycles [process], 1 in 5 failing in a constructor, leave no child process and no handle', { timeout: 60_000, skip: !kinds.includes('process') }, (t) =>
    cycles(t, 'process', 20, 5, Infinity, 20));

  it('100 create/close cycles [inline], 1 in 10 failing in a constructor, leave no MessagePort and no handle', { timeout: 30_000, skip: !kinds.includes('inline') }, (t) =>
    cycles(t, 'inline', 100, 10, Infinity, 100));

  // Issue 17: a call that timed out is released from every host table at once, even if its worker never answers;
  // and after close() the script ends by itself. 100,000 calls on threads (~10 s here), 6,000 on the other kinds (without the release they would hold ~17 MB)
  // (the release is the pool's, not the kind's); the 22/24 reruns scale them by OPP_LEAK_CYCLES / 100.
  for (const kind of kinds.filter((k) => k !== 'remote')) {
    const calls = Math.round(((kind === 'thread' ? 100_000 : 6_000) * Math.min(THREAD_CYCLES, 100)) / 100);
    it(`[${kind}] a script making ${calls} calls that time out on a worker that never answers, then closing, exits by itself with a flat heap`, { timeout: 90_000 }, async (t) => {
      const { stdout } = await execFileAsync(process.execPath, ['--expose-gc', fixtureUrl('timeout-flood-script').pathname, kind, String(calls)], { timeout: 80_000 });
      const lines = stdout.trim().split('\n');
      assert.equal(lines.at(-1), 'closed', stdout);
      const report = JSON.parse(lines[0]!) as { calls: number; growthMB: number };
      t.diagnostic(`${report.calls} timed-out calls: host heap ${report.growthMB >= 0 ? '+' : ''}${report.growthMB.toFixed(2)} MB`);
      assert.equal(report.calls, calls);
      assert.ok(report.growthMB < 10, `the host heap grew by ${report.growthMB.toFixed(2)} MB over ${calls} timed-out calls`);
    });
  }

  for (const kind of kinds) {
    it(`[${kind}] after close, the pool holds no pending call, no waiting call, no timer and no abort listener`, { timeout: 30_000 }, async () => {
      const timersBefore = activeResources().Timeout ?? 0;
      const signal = new AbortController().signal;

      // Drained close: calls in flight finish; later calls reject.
      const drained = await ProxyPool.create(Counter, { workers: 2, kind, module: counterModule });
      const inFlight = [
        drained.delayed(1, 50),
        drained.with({ timeout: 60_000, signal }).delayed.map(range(6), repeat(10)),
      ];
      assert.ok(drained.info.inFlight >= 2, `info.inFlight counts calls in flight: ${drained.info.inFlight}`);
      await drained.close();
      assert.deepEqual(await inFlight[0], [1, 1]);
      assert.deepEqual(await inFlight[1], [0, 1, 2, 3, 4, 5]);
      assert.deepEqual({ state: drained.info.state, alive: drained.info.alive, inFlight: drained.info.inFlight, waiting: drained.info.waiting }, {
        state: 'closed', alive: 0, inFlight: 0, waiting: 0,
      });

      // Forced close with calls running, calls waiting for capacity, a pending timeout and an abandoned task.
      const forced = await ProxyPool.create(Counter, { workers: 2, kind, module: counterModule, capacity: 1 });
      await assert.rejects(forced.with({ timeout: 20 }).delayed(1, 300), TimeoutError); // abandoned, still running in the workers
      const running = forced.with({ timeout: 60_000, signal }).delayed(2, 400);
      const waiting = [forced.add(1, 1), forced.add.map([1, 2], [3, 4]), forced.with({ signal }).whoami()];
      await tick();
      assert.equal(forced.info.waiting, 3, 'calls beyond capacity wait');
      const outcomes = Promise.allSettled([running, ...waiting]); // handled now: they reject during close
      await forced.close({ force: true });
      for (const outcome of await outcomes) {
        assert.equal(outcome.status, 'rejected');
        assert.ok((outcome as PromiseRejectedResult).reason instanceof PoolClosedError, String((outcome as PromiseRejectedResult).reason));
      }
      assert.deepEqual({ state: forced.info.state, alive: forced.info.alive, inFlight: forced.info.inFlight, waiting: forced.info.waiting }, {
        state: 'closed', alive: 0, inFlight: 0, waiting: 0,
      });

      // Inline instances share our thread: let their own sleeps (300 and 400 ms, abandoned by the pool) end first.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await settle();
      assert.equal(getEventListeners(signal, 'abort').length, 0, 'no abort listener left on the signal');
      assert.equal(activeResources().Timeout ?? 0, timersBefore, 'no timer left (a 60 s call timeout would keep the process alive)');
    });
  }
});
