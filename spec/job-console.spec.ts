/** The default console listener: a live frame (log-update) on a terminal, plain lines elsewhere. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobPool, consoleListener, fixtureUrl } from './helpers/lib.ts';
import { Jobs } from '../.test-build/spec/fixtures/jobs.js';
import { T } from './helpers/kinds.ts';

const module = fixtureUrl('jobs');
const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

describe('console listener', () => {
  it('draws a live progress frame on a terminal and ends at 100%', T, async () => {
    let out = '';
    const tty = { isTTY: true, columns: 200, rows: 40, write: (chunk: string) => ((out += chunk), true), on: () => tty, once: () => tty, off: () => tty, removeListener: () => tty };
    await using jobs = await JobPool.create(Jobs, { module, workers: 2, pingInterval: 20 });
    jobs.addListener(await consoleListener({ stream: tty, redrawMs: 0, title: 'test' }));
    const a = jobs.submit('timed', [0, 60]);
    for (let i = 1; i <= 5; i++) jobs.submit('timed', [i, 5], { dependsOn: [a] });
    await jobs.execute();
    const text = strip(out);
    assert.match(text, /test ░{24} 0% 0\/6 · running 0 · queued 0 · pending 6/, 'first frame');
    assert.match(text, /^ {2}timed#0 0\.\d s$/m, 'running jobs are listed with their time');
    const frames = text.split(/(?=test [█░])/);
    assert.match(frames.at(-1)!, /^test █{24} 100% 6\/6 · running 0 · queued 0 · pending 0 · failed 0 · cancelled 0 · \d+\.\d s\n?$/);
    assert.ok(out.includes('\u001b['), 'frames are redrawn in place with ANSI escapes');
  });

  it('prints plain lines when the stream is not a terminal', T, async () => {
    const lines: string[] = [];
    await using jobs = await JobPool.create(Jobs, { module, workers: 1 });
    jobs.addListener(await consoleListener({ stream: { write: (s: string) => lines.push(s) } }));
    jobs.submit('fail', [0, 'x']);
    jobs.submit('timed', [1, 1]);
    await assert.rejects(jobs.execute());
    assert.equal(lines[0], 'jobs: executing 2 jobs\n');
    assert.match(lines[1]!, /^jobs █{24} 100% 2\/2 · running 0 · queued 0 · pending 0 · failed 1 · cancelled 0 · \d+\.\d s\n$/);
    assert.equal(lines.length, 2);
  });
});
