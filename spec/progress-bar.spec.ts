// progressBar(bar): onProgress driving a terminal bar (cli-progress here, as in the examples), without a dependency.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { progressBar, range, repeat } from './helpers/lib.ts';
import { counterPool, T } from './helpers/kinds.ts';

describe('progressBar', () => {
  it('starts at the first report, updates with done and byWorker, stops at total, and ignores reports after that', T, () => {
    const calls: unknown[][] = [];
    const onProgress = progressBar({
      start: (...args) => calls.push(['start', ...args]),
      update: (...args) => calls.push(['update', ...args]),
      stop: () => calls.push(['stop']),
    });
    onProgress({ done: 3, total: 10, byWorker: [2, 1] });
    onProgress({ done: 10, total: 10, byWorker: [6, 4] });
    onProgress({ done: 10, total: 10, byWorker: [6, 4] });
    assert.deepEqual(calls, [['start', 10, 3, { byWorker: '2/1' }], ['update', 10, { byWorker: '6/4' }], ['stop']]);
  });

  it('drives a real cli-progress bar through a 1,000-task map to 1000/1000', T, async () => {
    let output = '';
    const stream = new Writable({ write: (chunk, _encoding, done) => ((output += String(chunk)), done()) });
    const bar = new cliProgress.SingleBar({ stream: stream as never, noTTYOutput: true, notTTYSchedule: 0, format: '{value}/{total} {byWorker}' });
    await using pool = await counterPool('thread', { workers: 2 });
    const results = await pool.with({ onProgress: progressBar(bar) }).add.map(range(1000), repeat(1));
    assert.equal(results.length, 1000);
    assert.equal(bar.getProgress(), 1);
    assert.equal(bar.getTotal(), 1000);
    assert.match(output, /1000\/1000 \d+\/\d+/);
    const last = /1000\/1000 (\d+)\/(\d+)/.exec(output)!;
    assert.equal(Number(last[1]) + Number(last[2]), 1000, 'per-worker counts add up to the total');
  });
});
