/**
 * The notebook examples, run as a user would: examples/notebook.mjs with plain `node` (no TypeScript loader; it
 * imports the package by name, i.e. the built dist/), examples/notebook.ts under tsx. Each defines its class inline
 * and runs it on 2 workers with `shipSource: true`, then shows the error for a class that captures a variable.
 * Last, Node's own REPL is fed one line at a time, each after the prompt — how a JavaScript notebook kernel
 * evaluates cells (in a vm context, where top-level `const`s are not globals).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUN_TIMEOUT = 60_000;
const T = { timeout: 90_000 };

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function check(result: { code: number | null; stdout: string; stderr: string }, rejected: string, label: RegExp, kind: string): void {
  const context = `\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
  assert.equal(result.code, 0, `exit status${context}`);
  const lines = result.stdout.split('\n').filter((line) => line.startsWith('RESULT '));
  assert.equal(lines.length, 1, `one RESULT line${context}`);
  const r = JSON.parse(lines[0]!.slice('RESULT '.length));
  assert.equal(r.workers, 2);
  assert.equal(r.positions.length, 2);
  r.positions.forEach((p: number, i: number) => {
    assert.ok(Number.isInteger(p) && Math.abs(p) <= 1000 && p % 2 === 0, `position ${p} after 1000 steps of ±1`);
    assert.match(r.descriptions[i], new RegExp(`^${label.source} ${i} of 2: 1000 steps, at ${p}$`));
  });
  assert.ok(Math.abs(r.meanSquare - 100) < 10, `mean square displacement ${r.meanSquare} ≈ 100 (16,000 walkers: σ ≈ 1.1)`);
  assert.equal(r.rejected, rejected);
  assert.match(result.stdout, new RegExp(`2 ${kind} workers ran the inline class Walker`));
}

for (const kind of ['thread', 'process']) {
  describe(`notebook examples [${kind}]`, () => {
    it('notebook.mjs runs its inline class on 2 workers under plain Node; a capturing class is rejected naming SCALE', T, async () => {
      const result = await run(['examples/notebook.mjs', '--kind', kind]);
      check(result, 'SCALE', /worker/, kind);
      assert.match(result.stdout, /Scaled was rejected: Scaled cannot be shipped to workers as source: it uses SCALE, defined outside the class\./);
    });

    it('notebook.ts runs its inline class on 2 workers under tsx; a class extending a script class is rejected naming Base', T, async () => {
      const result = await run(['--import', 'tsx', 'examples/notebook.ts', '--kind', kind]);
      check(result, 'Base', /walker/, kind);
      assert.match(result.stdout, /Derived was rejected: Derived cannot be shipped to workers as source: it uses Base \(the class it extends\)/);
    });
  });
}

describe('notebook in a REPL', () => {
  it("Node's REPL: a class typed at the prompt runs on 2 workers; one using a top-level const is rejected naming it", T, async () => {
    const lines = [
      "const { ProxyPool, workerContext } = await import('objectproxypool');",
      'class Sq { sq(x) { return x * x; } where() { return workerContext().index; } }',
      'const pool = await ProxyPool.create(Sq, { workers: 2, shipSource: true });',
      "console.log('SQUARES', JSON.stringify(await pool.sq.map([1, 2, 3])), 'WHERE', JSON.stringify(await pool.where()));",
      'const K = 3;',
      'class Cap { f() { return K; } }',
      "await ProxyPool.create(Cap, { workers: 2, shipSource: true }).catch((e) => console.log('REJECTED', e.name, JSON.stringify(e.variables)));",
      'await pool.close();',
      '.exit',
    ];
    const child = spawn(process.execPath, ['--interactive'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_READLINE: '1' } });
    let output = '';
    let next = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      // The next "cell" goes in only once the previous one has finished and the prompt is back.
      if (output.endsWith('> ') && next < lines.length) child.stdin.write(`${lines[next++]}\n`);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, output);
    assert.equal(next, lines.length, `every line was entered${output}`);
    assert.match(output, /SQUARES \[1,4,9\] WHERE \[0,1\]/);
    assert.match(output, /REJECTED CapturedVariableError \["K"\]/);
  });
});
