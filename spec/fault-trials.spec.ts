// Randomized fault trials: a random fault (exit, async throw, unhandled rejection, out of memory, hang + timeout,
// SIGKILL for processes) at a random moment of a map with retries, on a random kind. Zero hangs, zero lost results.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// The compiled library (spec/helpers/lib.ts) and a plain-JS class: no TypeScript loader in the workers, so a
// respawn costs tens of milliseconds instead of half a second.
import { ProxyPool, type ProxyPool as Pool } from './helpers/lib.ts';
import { Faulty } from './fixtures/faulty.mjs';

const module = new URL('./fixtures/faulty.mjs', import.meta.url);
const TRIALS = Number(process.env.OPP_FAULT_TRIALS ?? 200);
const kinds = ['thread', 'process'] as const;
const faults = ['exit', 'async-throw', 'unhandled-rejection', 'oom', 'hang', 'sigkill'] as const;

/** A small seeded generator so that a failing trial can be replayed with OPP_FAULT_SEED. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('randomized fault trials', () => {
  it(`${TRIALS} trials: every map with retries completes exactly, nothing hangs`, { timeout: 400_000 }, async (t) => {
    const seed = Number(process.env.OPP_FAULT_SEED ?? Date.now() % 1e9);
    t.diagnostic(`seed ${seed} (replay with OPP_FAULT_SEED=${seed})`);
    const random = lcg(seed);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const pools: Record<string, Pool<Faulty>> = {};
    for (const kind of kinds) {
      pools[kind] = await ProxyPool.create(Faulty, { workers: 3, kind, module, args: (i) => [i], respawn: true, resourceLimits: { maxOldGenerationSizeMb: 128 } });
    }
    const tally: Record<string, number> = {};
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const kind = pick(kinds);
        const fault = pick(kind === 'process' ? faults : faults.filter((f) => f !== 'sigkill'));
        const pool = pools[kind]!;
        const target = Math.floor(random() * 3);
        const delay = Math.floor(random() * 40);
        const n = 30 + Math.floor(random() * 60);
        const inputs = Array.from({ length: n }, (_, i) => i + trial);
        const label = `trial ${trial}: ${fault} on ${kind} worker ${target} after ${delay} ms, ${n} tasks`;
        tally[`${kind}/${fault}`] = (tally[`${kind}/${fault}`] ?? 0) + 1;

        const map = pool.with({ retries: 5, chunkSize: 4, timeout: 30_000 }).square.map(inputs, Array(n).fill(1));
        const injected = (async () => {
          await new Promise((resolve) => setTimeout(resolve, delay));
          if (fault === 'sigkill') {
            // A worker killed by the previous trial may still be on its way out: then there is no pid to kill.
            const pids = await pool.with({ timeout: 10_000, settle: 'all' }).pid();
            const pid = pids[target]!;
            if (pid.status === 'fulfilled') process.kill(pid.value, 'SIGKILL');
            return;
          }
          const faulting = fault === 'hang' ? pool.with({ timeout: 100, onCancel: 'terminate' }) : pool.with({ timeout: 10_000 });
          // The fault call itself must end (it rejects); a broadcast also runs on the other workers.
          await faulting.fault(target, fault, 1).catch(() => {});
        })().catch((error: Error) => assert.fail(`${label}: injecting the fault failed: ${error.stack}`));
        const results = await map.catch((error: Error) => assert.fail(`${label}: map rejected: ${error.stack}`));
        assert.deepEqual(results, inputs.map((x) => x * x), label);
        await injected;
      }
    } finally {
      t.diagnostic(`faults injected: ${JSON.stringify(tally)}`);
      t.diagnostic(`respawns: thread ${pools.thread?.info.respawns}, process ${pools.process?.info.respawns}`);
      await Promise.all(Object.values(pools).map((pool) => pool.close()));
    }
  });
});
