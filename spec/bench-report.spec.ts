/**
 * The benchmark harness's arithmetic (bench/report.ts), without running a benchmark: how the rounds of a scenario
 * become one figure, and that the report says how many rounds it used. Timings are never asserted in tests.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeRounds, renderMarkdown, type ChildResult, type Report } from '../bench/report.ts';

const stat = (median: number, p95 = median * 2) => ({ median, p95, n: 20, unit: 'µs' });
const round = (median: number, extra: Record<string, unknown> = {}): ChildResult => ({
  library: 'objectproxypool',
  scenario: 'S1',
  seconds: 1,
  metrics: { roundTrip: stat(median), rssPerWorkerMB: median / 10, ...extra },
});

describe('bench report: rounds', () => {
  it('keeps the round with the median median, with its own p95; numbers take their median; seconds add up', { timeout: 5000 }, () => {
    const merged = mergeRounds([round(30), round(50), round(20), round(40), round(25)]);
    assert.deepEqual(merged.metrics!.roundTrip, stat(30));
    assert.equal(merged.metrics!.rssPerWorkerMB, 3);
    assert.equal(merged.seconds, 5);
    assert.equal(merged.rounds, 5);
  });

  it('leaves failed rounds out, and keeps a failure when every round failed', { timeout: 5000 }, () => {
    const failed: ChildResult = { library: 'piscina', scenario: 'S6', seconds: 0.7, error: 'exited with SIGABRT' };
    const merged = mergeRounds([failed, round(10), round(30), failed, round(20)]);
    assert.deepEqual(merged.metrics!.roundTrip, stat(20));
    assert.equal(merged.rounds, 3);
    assert.equal(merged.error, undefined);
    assert.deepEqual(mergeRounds([failed, failed]), failed);
    assert.deepEqual(mergeRounds([round(12)]), round(12));
  });

  it('keeps "not applicable" as it is', { timeout: 5000 }, () => {
    const na = { na: "can't: tasks cannot be addressed to a given worker" };
    const merged = mergeRounds([round(1, { startupAll: na }), round(2, { startupAll: na }), round(3, { startupAll: na })]);
    assert.deepEqual(merged.metrics!.startupAll, na);
  });

  it('the markdown says which scenarios ran in rounds', { timeout: 5000 }, () => {
    const report: Report = {
      date: '2026-11-22T08:49:00.000Z',
      command: 'npm run bench',
      machine: { nproc: 2, cpu: 'test', memoryGiB: 1, node: 'v20', platform: 'linux x64' },
      options: { quick: false, workers: 2, objectproxypoolFrom: 'dist', peers: ['piscina', 'workerpool', 'tinypool', 'comlink'] },
      totalSeconds: 10,
      results: [mergeRounds([round(30), round(20), round(40)]), { ...round(25), library: 'workerpool' }],
    };
    const markdown = renderMarkdown(report);
    assert.match(markdown, /\(S1 in 3 rounds, the libraries in alternating order; each figure is the round with the median median\)/);
    assert.match(markdown, /\| S1 sequential round trip \| 30 µs \(1\.20×\)/);
  });
});
