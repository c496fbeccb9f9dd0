/**
 * Runs every example as its own process, as a user would (`node --import tsx examples/x.ts`), and checks what it
 * printed: each example ends with a `RESULT {json}` line that repeats its human-readable output. A process must
 * also end by itself with status 0: a worker or handle left open would keep it alive until the timeout kills it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUN_TIMEOUT = 60_000;
const T = { timeout: 90_000 };

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

function runExample(script: string, args: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr });
    });
  });
}

/** Asserts the process ended by itself with status 0, and returns its RESULT line, parsed. */
function resultOf(run: Run): any {
  const context = `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
  assert.equal(run.timedOut, false, `did not exit by itself within ${RUN_TIMEOUT} ms${context}`);
  assert.equal(run.signal, null, `killed by ${run.signal}${context}`);
  assert.equal(run.code, 0, `exit status ${run.code}${context}`);
  const lines = run.stdout.split('\n').filter((line) => line.startsWith('RESULT '));
  assert.equal(lines.length, 1, `expected exactly one RESULT line${context}`);
  return JSON.parse(lines[0]!.slice('RESULT '.length));
}

describe('examples', () => {
  it('montecarlo.ts (npm start) estimates π within 0.01 and exits by itself', T, async () => {
    const run = await runExample('examples/montecarlo.ts');
    const r = resultOf(run);
    assert.ok(Math.abs(r.estimate - Math.PI) < 0.01, `estimate ${r.estimate}`);
    assert.equal(r.error, r.estimate - Math.PI);
    assert.equal(r.consistent, true, 'the shared accumulator matches the counts the tasks returned');
    assert.equal(r.drawn, r.samples);
    assert.equal(r.seed, 42);
    assert.match(run.stdout, /π ≈ 3\.1\d+ +Math\.PI = 3\.141593 +error [+-]\d/);
    assert.match(run.stdout, /time: \d+\.\d+ s/);
  });

  it('montecarlo.ts takes --workers and --samples, and a fixed seed reproduces the estimate', T, async () => {
    const args = ['--workers', '3', '--samples', '1000000'];
    const [a, b] = (await Promise.all([runExample('examples/montecarlo.ts', args), runExample('examples/montecarlo.ts', args)])).map(resultOf);
    assert.equal(a.workers, 3);
    assert.equal(a.samples, 1_000_000);
    assert.equal(a.drawn, 1_000_000);
    assert.equal(a.consistent, true);
    assert.ok(Math.abs(a.estimate - Math.PI) < 0.01, `estimate ${a.estimate}`);
    assert.equal(a.inside, b.inside, 'same seed, workers and samples: same counts');
    assert.equal(a.estimate, b.estimate);
  });

  it('ensemble-stream.ts: stopped, resumed from its checkpoint, equals an uninterrupted run; writes the SVG plot', T, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opp-ensemble-'));
    try {
      const at = (name: string) => join(dir, name);
      const common = ['--tasks', '300', '--paths', '1000', '--seed', '11'];
      const stopped = resultOf(await runExample('examples/ensemble-stream.ts', [...common, '--checkpoint', at('a.ckpt'), '--svg', at('a.svg'), '--stop-after', '60']));
      assert.equal(stopped.done, 60);
      assert.equal(stopped.complete, false);
      const [resumed, fresh] = await Promise.all([
        runExample('examples/ensemble-stream.ts', [...common, '--checkpoint', at('a.ckpt'), '--svg', at('b.svg'), '--workers', '3']),
        runExample('examples/ensemble-stream.ts', [...common, '--checkpoint', at('c.ckpt'), '--svg', at('c.svg'), '--workers', '1']),
      ]);
      const r = resultOf(resumed);
      const f = resultOf(fresh);
      assert.equal(r.complete, true);
      assert.equal(r.done, 300);
      assert.equal(r.estimate, f.estimate, 'the resumed run, on 3 workers, gives exactly the 1-worker uninterrupted run');
      assert.equal(r.halfWidth, f.halfWidth);
      assert.ok(Math.abs(r.estimate - r.exact) < 4 * r.halfWidth, `estimate ${r.estimate} ± ${r.halfWidth}, exact ${r.exact}`);
      const svg = readFileSync(at('b.svg'), 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, /<polygon points="(\d+\.\d,\d+\.\d ?){598}"/, 'the 95% band: 299 points (n ≥ 2) each side');
      assert.match(svg, /<polyline points="(\d+\.\d,\d+\.\d ?){299}"/);
      assert.match(svg, /exact 10\.4506/);
      assert.match(svg, /\(300 of 300 replicates\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('readme-port.ts prints what the Python README example prints', T, async () => {
    const run = await runExample('examples/readme-port.ts');
    const r = resultOf(run);

    // get_normal_sample(10, 1) broadcast: one array of 10 numbers per worker, all different draws.
    assert.equal(r.normalSamples.length, 4);
    for (const s of r.normalSamples) {
      assert.equal(s.length, 10);
      for (const x of s) assert.ok(Number.isFinite(x) && x > 0 && x < 20, `sample ${x} of N(10, 1)`);
    }
    assert.equal(new Set(r.normalSamples.flat()).size, 40, 'each worker draws its own numbers');
    assert.match(run.stdout, /get_normal_sample\(10, 1\):\n( {2}\[(\d+\.\d{3}(, )?){10}\]\n){4}/);

    // set_property with synchronize: every instance got exactly one of 0..3.
    assert.deepEqual([...r.properties].sort(), [0, 1, 2, 3]);

    // add_and_get_property over range(20), range(20): results in input order, sums 2i, properties from 0..3.
    assert.equal(r.addAndGet.length, 20);
    r.addAndGet.forEach(([property, sum]: [number, number], i: number) => {
      assert.ok([0, 1, 2, 3].includes(property), `task ${i} saw property ${property}`);
      assert.equal(sum, 2 * i, `task ${i}`);
    });

    // fill_and_compute_sum from 10 tasks on one shared array.
    assert.deepEqual(r.array, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(r.sums.length, 10);
    r.sums.forEach((sum: number, i: number) => {
      assert.ok(Number.isInteger(sum) && sum >= i && sum <= 45, `sum ${sum} of task ${i}`);
    });
    assert.equal(Math.max(...r.sums), 45, 'the last write sees the full array');

    // dedicated pool: slot i answers in position i.
    assert.deepEqual(r.dedicated, [[0, 2], [1, 2], [2, 2], [3, 2]]);
    assert.match(run.stdout, /dedicated add_and_get_property\(1, 1\): \[\[0,2\],\[1,2\],\[2,2\],\[3,2\]\]/);
  });
});
