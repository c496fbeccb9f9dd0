/**
 * Self-import (issue 17, defect 6): a script that creates its pool at top level with `module: import.meta.url`
 * prints its result once and exits, on thread, process and inline workers — before, every thread or process
 * worker re-ran the script and created a pool of its own (a fork storm), and the inline kind deadlocked.
 * The script is spec/fixtures/self-import-script.mjs, the form docs/notebooks.md shows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./fixtures/self-import-script.mjs', import.meta.url));
const T = { timeout: 60_000 };

function run(kind: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [SCRIPT, kind], { timeout: 45_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, signal: child.signalCode, stdout, stderr });
    });
  });
}

describe('a script that names itself as the class module', () => {
  for (const kind of ['thread', 'process', 'inline']) {
    it(`[${kind}] prints its result once and exits`, T, async () => {
      const { code, signal, stdout, stderr } = await run(kind);
      const context = `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
      assert.equal(signal, null, `killed (did not exit by itself within 45 s)${context}`);
      assert.equal(code, 0, context);
      const results = stdout.split('\n').filter((line) => line.startsWith('RESULT '));
      assert.equal(results.length, 1, `one result${context}`);
      assert.equal((JSON.parse(results[0]!.slice(7)) as number[]).length, 2);
      // The top of the script runs in the host and once in each of the 2 workers: no pool was created in a worker.
      const tops = stdout.split('\n').filter((line) => line === 'top of the script').length;
      assert.equal(tops, kind === 'inline' ? 1 : 3, context);
    });
  }
});
