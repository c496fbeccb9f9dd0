/**
 * The flows and jobs examples, run as a user would (`node --import tsx examples/x.ts`), checked on what they
 * print. Same pattern as spec/examples.spec.ts: the last line is `RESULT {json}` and the process exits by itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const T = { timeout: 90_000 };

function run(script: string): { stdout: string; result: any } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 80_000 });
  const context = `\n--- stdout ---\n${child.stdout}\n--- stderr ---\n${child.stderr}`;
  assert.equal(child.error, undefined, `could not run or timed out${context}`);
  assert.equal(child.status, 0, `exit status ${child.status}${context}`);
  const lines = child.stdout.split('\n').filter((line) => line.startsWith('RESULT '));
  assert.equal(lines.length, 1, `expected exactly one RESULT line${context}`);
  return { stdout: child.stdout, result: JSON.parse(lines[0]!.slice('RESULT '.length)) };
}

describe('flow and job examples', () => {
  it('mpservice-hello.ts prints exactly what the mpservice example prints', T, () => {
    const { stdout, result } = run('examples/mpservice-hello.ts');
    assert.equal(stdout, 'Hello, wdwdwdwdwd!\nHello, 20!\n' + `RESULT ${JSON.stringify(result)}\n`);
    assert.deepEqual(result.printed, ['Hello, wdwdwdwdwd!', 'Hello, 20!']);
  });

  it('jobs-network.ts runs placement then connectivity jobs, builds the cached table at most once per worker', T, () => {
    const { stdout, result } = run('examples/jobs-network.ts');
    assert.deepEqual(result.cells, [10, 15, 20, 25, 30, 35, 40, 45]);
    assert.deepEqual(result.synapses, result.cells.map((c: number, i: number) => c * 3 + i));
    assert.equal(result.jobs, 16);
    assert.deepEqual(result.statuses, ['success']);
    assert.ok(result.builds >= 1 && result.builds <= 2, `built ${result.builds}× on 2 workers`);
    assert.equal(result.cacheFreed, 1);
    assert.match(stdout, /^total: 220 cells, 688 synapses; 16 jobs, all succeeded; table built [12]×, freed 1×$/m);
  });
});
