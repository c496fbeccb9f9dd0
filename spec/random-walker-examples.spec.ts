/**
 * The seed's RandomWalker examples, run as a user would (`node --import tsx examples/x.ts`), checked through the
 * `RESULT {json}` line each prints last; each process must end by itself with status 0.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const T = { timeout: 90_000 };

function runExample(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function resultOf(script: string): Promise<{ stdout: string; result: any }> {
  const run = await runExample(script);
  assert.equal(run.code, 0, `exit status ${run.code}\n${run.stdout}\n${run.stderr}`);
  const lines = run.stdout.split('\n').filter((line) => line.startsWith('RESULT '));
  assert.equal(lines.length, 1, `expected one RESULT line\n${run.stdout}\n${run.stderr}`);
  return { stdout: run.stdout, result: JSON.parse(lines[0]!.slice('RESULT '.length)) };
}

describe('RandomWalker examples (seed 000)', () => {
  it('random-walker.ts: 100 steps with periodic boundaries through getPos/setPos, then the execution context', T, async () => {
    const { stdout, result } = await resultOf('examples/random-walker.ts');
    assert.equal(result.steps, 100);
    assert.equal(result.status, 'finished');
    assert.equal(result.positions.length, 100);
    for (const pos of result.positions) assert.ok(pos >= -1 && pos <= 1, `position ${pos} outside [-1, 1]`);
    assert.ok(new Set(result.positions).size > 90, 'the walker moves');
    assert.equal(result.contextSteps, 100);
    assert.equal(result.contextStatus, 'started');
    assert.match(stdout, /step by step: 100 steps, status finished, final position -?\d\.\d{4}/);
    assert.match(stdout, /execution context: 100 steps, status started, final position -?\d\.\d{4}/);
  });

  it('random-walker-batch.ts: 80 walks over 8 workers with insideRun; the mean final position is printed', T, async () => {
    const { stdout, result } = await resultOf('examples/random-walker-batch.ts');
    assert.equal(result.walks, 80);
    assert.equal(result.workers, 8);
    assert.deepEqual(result.steps, new Array(8).fill(100));
    assert.equal(result.finalPositions.length, 80);
    for (const pos of result.finalPositions) assert.ok(pos >= -1 && pos <= 1, `final position ${pos} outside [-1, 1]`);
    assert.equal(new Set(result.finalPositions).size, 80, 'every walk is its own');
    const mean = result.finalPositions.reduce((a: number, b: number) => a + b, 0) / 80;
    assert.ok(Math.abs(mean - result.mean) < 1e-12);
    // Uniform on [-1, 1] has standard deviation 0.577; the mean of 80 is within 0.4 of 0 with overwhelming odds.
    assert.ok(Math.abs(result.mean) < 0.4, `mean ${result.mean}`);
    assert.match(stdout, /80 walks over 8 workers, 100 steps each\nmean final position: -?\d\.\d{4}/);
  });
});
