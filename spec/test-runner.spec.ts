/**
 * scripts/run-tests.mjs: its summary names each skipped test or suite with the reason, and under CI a skip fails
 * the run (so the browser and NATS suites provably ran there). Runs the script on a scratch spec/ directory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const T = { timeout: 60_000 };
const root = resolve(import.meta.dirname, '..');
let dir = '';

const runTests = (env: Record<string, string | undefined>) => {
  // NODE_TEST_CONTEXT would make the inner runner report to ours instead of printing its own summary.
  const { CI: _ci, NODE_TEST_CONTEXT: _context, ...rest } = process.env;
  return spawnSync(process.execPath, [join(root, 'scripts/run-tests.mjs')], { cwd: dir, encoding: 'utf8', env: { ...rest, ...env }, timeout: 50_000 });
};

describe('the test runner summary', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'opp-runner-'));
    mkdirSync(join(dir, 'spec'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(
      join(dir, 'spec/sample.spec.ts'),
      [
        "import { describe, it } from 'node:test';",
        "describe('browser suite', { skip: 'chromium not found' }, () => { it('never runs', () => {}); });",
        "it('remote case', { skip: 'nats-server not found' }, () => {});",
        "it('runs', () => {});",
      ].join('\n'),
    );
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names every skipped suite and test with its reason, and passes outside CI', T, () => {
    const result = runTests({});
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /skipped 2:\n {2}- spec\/sample\.spec\.ts: browser suite — chromium not found\n {2}- spec\/sample\.spec\.ts: remote case — nats-server not found/);
  });

  it('fails the run under CI when anything was skipped', T, () => {
    const result = runTests({ CI: '1' });
    assert.equal(result.status, 1);
    assert.match(result.stdout, /CI is set: a skipped test is a failure/);
  });
});
