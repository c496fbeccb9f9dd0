// Checkpoint and resume: pool.with({ checkpoint }) on map and stream. A rerun skips what was recorded and gives the
// identical full result; a torn last record is dropped; another call's file, damage and unstorable results are
// typed errors that lose nothing recorded. The host itself is killed (SIGKILL) at 10 random points of a run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, CheckpointError, ProxyPool, fixtureUrl, range, repeat } from './helpers/lib.ts';
import { readCheckpoint } from '../.test-build/lib/pool/checkpoint.js';
import { Ensemble } from '../.test-build/spec/fixtures/ensemble.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('ensemble');
const dir = mkdtempSync(join(tmpdir(), 'opp-checkpoint-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name: string) => join(dir, `${name}-${++files}`);

/** How many times each task index ran in run `run`, from the side file the tasks append to. */
function runsOf(log: string, run?: number): Map<number, number> {
  const counts = new Map<number, number>();
  if (!existsSync(log)) return counts;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line) continue;
    const [r, i] = line.split(':').map(Number) as [number, number];
    if (run === undefined || r === run) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  return counts;
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of stream) out.push(value);
  return out;
}

describe('checkpoint', () => {
  const create = (seed = 7) => ProxyPool.create(Ensemble, { kind: 'thread', workers: 2, module, seed });

  it('a rerun skips every recorded task and returns the identical result', T, async () => {
    await using pool = await create();
    const checkpoint = fresh('map');
    const log = fresh('log');
    const plain = await pool.with({ key: 3 }).logged.map(range(200), repeat(5), repeat(log), repeat(0));
    const first = await pool.with({ checkpoint, key: 3 }).logged.map(range(200), repeat(5), repeat(log), repeat(1));
    assert.deepEqual(first, plain);
    const again = await pool.with({ checkpoint, key: 3 }).logged.map(range(200), repeat(5), repeat(log), repeat(2));
    assert.deepEqual(again, plain);
    assert.equal(runsOf(log, 1).size, 200);
    assert.equal(runsOf(log, 2).size, 0, 'no task ran again');
  });

  it('a torn last record is dropped and only its tasks run again; a stream resumes the same way', T, async () => {
    await using pool = await create();
    const checkpoint = fresh('stream');
    const log = fresh('log');
    const full = await collect(pool.with({ checkpoint, key: 1, window: 16 }).logged.stream(range(100), repeat(5), repeat(log), repeat(1)));
    const before = readCheckpoint(checkpoint);
    assert.equal(before.stored.size, 100);
    assert.equal(before.endCount, 100);
    // Cut into the last records (the end record and part of the last results): as a kill -9 mid-write leaves it.
    truncateSync(checkpoint, statSync(checkpoint).size - 30);
    const torn = readCheckpoint(checkpoint);
    assert.ok(torn.goodLength < statSync(checkpoint).size, 'the torn record is detected');
    const lost = 100 - torn.stored.size;
    assert.ok(lost > 0);
    const resumed = await collect(pool.with({ checkpoint, key: 1, window: 16 }).logged.stream(range(100), repeat(5), repeat(log), repeat(2)));
    assert.deepEqual(resumed, full);
    assert.equal(runsOf(log, 2).size, lost, 'exactly the tasks of the torn record ran again');
    for (const index of runsOf(log, 2).keys()) assert.ok(!torn.stored.has(index));
    // Unordered, from a complete file: everything is restored, nothing runs.
    const items = await collect(pool.with({ checkpoint, key: 1, ordered: false }).logged.stream(range(100), repeat(5), repeat(log), repeat(3)));
    assert.deepEqual(items.sort((a, b) => a.index - b.index).map((x) => x.value), full);
    assert.equal(runsOf(log, 3).size, 0);
  });

  it('a checkpoint of another call is refused with a CheckpointError naming the difference; the file is kept', T, async () => {
    const checkpoint = fresh('other');
    {
      await using pool = await create(7);
      await pool.with({ checkpoint, key: 0 }).walk.map(range(20), repeat(1));
    }
    const size = statSync(checkpoint).size;
    const mismatch = async (run: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(run, (e: Error) => e instanceof CheckpointError && e.problem === 'mismatch' && pattern.test(e.message));
    await using other = await create(8);
    await mismatch(other.with({ checkpoint, key: 0 }).walk.map(range(20), repeat(1)), /seed 7 there, 8 here/);
    await using pool = await create(7);
    await mismatch(pool.with({ checkpoint, key: 1 }).walk.map(range(20), repeat(1)), /key 0 there, 1 here/);
    await mismatch(pool.with({ checkpoint, key: 0 }).walk.map(range(21), repeat(1)), /count 20 there, 21 here/);
    await mismatch(pool.with({ checkpoint, key: 0 }).logged.map(range(20), repeat(1), repeat('/dev/null'), repeat(0)), /method "walk" there, "logged" here/);
    await mismatch(collect(pool.with({ checkpoint, key: 0 }).walk.stream(range(20), repeat(1))), /call "map" there, "stream" here/);
    assert.equal(statSync(checkpoint).size, size, 'nothing recorded was lost');
    // A stream whose input length changed between runs.
    const streamed = fresh('stream-length');
    await collect(pool.with({ checkpoint: streamed, key: 0 }).walk.stream(range(10), repeat(1)));
    await mismatch(collect(pool.with({ checkpoint: streamed, key: 0 }).walk.stream(range(12), repeat(1))), /input had 10 items, this one has 12/);
  });

  it('a damaged file (a bad record with records after it) or a file that is no checkpoint is refused and left as it is', T, async () => {
    await using pool = await create();
    const checkpoint = fresh('damaged');
    await pool.with({ checkpoint, key: 0, chunkSize: 5 }).walk.map(range(40), repeat(1));
    const bytes = readFileSync(checkpoint);
    const damaged = Buffer.from(bytes);
    damaged[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(checkpoint, damaged);
    await assert.rejects(pool.with({ checkpoint, key: 0, chunkSize: 5 }).walk.map(range(40), repeat(1)), (e: Error) => e instanceof CheckpointError && e.problem === 'corrupt' && /fails its checksum and records follow it/.test(e.message));
    assert.deepEqual(readFileSync(checkpoint), damaged);
    const notes = fresh('notes.txt');
    writeFileSync(notes, 'my precious notes\n');
    await assert.rejects(pool.with({ checkpoint: notes }).walk.map(range(4), repeat(1)), (e: Error) => e instanceof CheckpointError && e.problem === 'not-a-checkpoint');
    assert.equal(readFileSync(notes, 'utf8'), 'my precious notes\n');
  });

  it('bad uses: checkpoint on a broadcast, one() or a field; an empty path', T, async () => {
    await using pool = await create();
    const checkpoint = fresh('bad');
    await assert.rejects(pool.with({ checkpoint }).walk(1, 1), (e: Error) => e instanceof ArgumentError && /checkpoint applies to map and stream calls, not to a broadcast/.test(e.message));
    await assert.rejects(pool.with({ checkpoint }).walk.one(1, 1), /not to one\(\)/);
    await assert.rejects(pool.with({ checkpoint }).fields.get('index'), /not to a field access/);
    assert.throws(() => pool.with({ checkpoint: '' }), /checkpoint must be a file path or file URL/);
    await using dedicated = await ProxyPool.create(Ensemble, { kind: 'inline', workers: 2, module, dedicated: true });
    await assert.rejects(dedicated.with({ checkpoint }).walk.map(range(2), repeat(1)), (e: Error) => e instanceof ArgumentError && /dedicated pool/.test(e.message));
    assert.equal(existsSync(checkpoint), false);
  });

  it('a result that cannot be stored is a CheckpointError; what was recorded before stays', T, async () => {
    await using pool = await create();
    const checkpoint = fresh('unstorable');
    const log = fresh('log');
    await assert.rejects(
      collect(pool.with({ checkpoint, key: 0, window: 1 }).unstorable.stream(range(10), repeat(6), repeat(log))),
      (e: Error) => e instanceof CheckpointError && e.problem === 'unstorable' && /the result of task 6 cannot be stored \(/.test(e.message),
    );
    const kept = readCheckpoint(checkpoint);
    // One task at a time (window 1): tasks 0 to 5 were recorded before task 6 answered.
    assert.deepEqual([...kept.stored.keys()].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
  });
});

// OPP_KILL_POINTS: how many kills (default 10); .ci/run's Node 22/24 reruns use fewer.
const KILLS = Number(process.env.OPP_KILL_POINTS ?? 10);

describe(`checkpoint: the host killed (SIGKILL) at ${KILLS} random points`, () => {
  it('each resume skips what was recorded; the final result equals an uninterrupted run', { timeout: 120_000 }, async (t) => {
    const TASKS = 300;
    const STEPS = 3000;
    const checkpoint = fresh('killed');
    const log = fresh('log');
    const child = fileURLToPath(new URL('../.test-build/spec/fixtures/checkpoint-child.js', import.meta.url));
    let seed = Number(process.env.OPP_CHECKPOINT_SEED ?? Date.now() % 1e9);
    t.diagnostic(`seed ${seed} (replay with OPP_CHECKPOINT_SEED=${seed})`);
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

    /** Runs the child; kills it once `killAfter` tasks of this run have started, if given. */
    const runChild = (run: number, killAfter?: number) =>
      new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve, reject) => {
        const proc = spawn(process.execPath, [child, checkpoint, log, String(run), String(TASKS), String(STEPS)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        const watch = killAfter === undefined ? undefined : setInterval(() => {
          if ([...runsOf(log, run).values()].reduce((a, b) => a + b, 0) >= killAfter) proc.kill('SIGKILL');
        }, 3);
        proc.on('error', reject);
        proc.on('close', (code, signal) => {
          if (watch) clearInterval(watch);
          resolve({ code, signal, stdout });
        });
      });

    let killed = 0;
    for (let run = 1; run <= KILLS; run++) {
      const recorded = existsSync(checkpoint) ? readCheckpoint(checkpoint).stored : new Map();
      const remaining = TASKS - recorded.size;
      const result = await runChild(run, 1 + Math.floor(random() * Math.max(1, remaining / 4)));
      if (result.signal === 'SIGKILL') killed++;
      for (const index of runsOf(log, run).keys()) assert.ok(!recorded.has(index), `run ${run}: task ${index} ran again after its record was written`);
    }
    const before = readCheckpoint(checkpoint).stored;
    const last = await runChild(KILLS + 1);
    assert.equal(last.code, 0);
    for (const index of runsOf(log, KILLS + 1).keys()) assert.ok(!before.has(index), `last run: task ${index} ran again`);
    const resumed = JSON.parse(last.stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7));
    await using pool = await ProxyPool.create(Ensemble, { kind: 'thread', workers: 2, module, seed: 4242 });
    const uninterrupted = await pool.with({ key: 0 }).logged.map(range(TASKS), repeat(STEPS), repeat('/dev/null'), repeat(0));
    assert.deepEqual(resumed, uninterrupted);
    t.diagnostic(`${killed} of ${KILLS} runs killed mid-run; ${runsOf(log, KILLS + 1).size} tasks left for the last run`);
    assert.ok(killed >= KILLS * 0.8, `only ${killed} of ${KILLS} runs were killed before finishing`);
  });
});

describe('checkpoint: an input that fails midway', () => {
  it('is an ArgumentError; what was recorded stays, and a rerun with a working input resumes', T, async () => {
    await using pool = await ProxyPool.create(Ensemble, { kind: 'thread', workers: 2, module, seed: 5 });
    const checkpoint = fresh('input');
    const log = fresh('log');
    function* failing() {
      for (let i = 0; i < 50; i++) yield i;
      throw new Error('sensor offline');
    }
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const v of pool.with({ checkpoint, key: 0, window: 8 }).logged.stream(failing(), repeat(1), repeat(log), repeat(1))) seen.push(v);
      })(),
      (e: Error) => e instanceof ArgumentError && /argument 0 threw while reading item 50: sensor offline/.test(e.message),
    );
    const kept = readCheckpoint(checkpoint).stored;
    assert.ok(kept.size > 0);
    const full = await collect(pool.with({ checkpoint, key: 0, window: 8 }).logged.stream(range(80), repeat(1), repeat(log), repeat(2)));
    assert.deepEqual(full, await pool.with({ key: 0 }).logged.map(range(80), repeat(1), repeat('/dev/null'), repeat(0)));
    for (const index of runsOf(log, 2).keys()) assert.ok(!kept.has(index), `task ${index} ran again`);
    // A map's input failing midway is the same typed error.
    await assert.rejects(pool.walk.map(failing(), repeat(1)), (e: Error) => e instanceof ArgumentError && /map call: argument 0 threw while reading item 50: sensor offline/.test(e.message));
  });
});
