#!/usr/bin/env node
// Runs every spec/*.spec.ts under node:test. Node 20 does not expand globs given to --test, so we list the files.
// Usage: node scripts/run-tests.mjs [filter...]   (filters match parts of file names; x.spec.ts matches exactly)
// The summary names every skipped test or suite with its reason; under CI (CI set, as .ci/run does) any skip fails
// the run, so the suites that need chromium or nats-server provably ran.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const filters = process.argv.slice(2);
const files = readdirSync('spec')
  .filter((name) => name.endsWith('.spec.ts'))
  // A filter ending in .spec.ts names one file exactly (faults.spec.ts, not layer-faults.spec.ts); others match parts.
  .filter((name) => filters.length === 0 || filters.some((f) => (f.endsWith('.spec.ts') ? name === f : name.includes(f))))
  .sort()
  .map((name) => join('spec', name));
if (files.length === 0) {
  console.error(`no spec files match ${filters.join(' ')}`);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'opp-tests-'));
const skipLog = join(dir, 'skipped.jsonl');
const reporter = pathToFileURL(join(import.meta.dirname, 'skip-reporter.mjs')).href;
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-timeout=300000', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, `--test-reporter-destination=${skipLog}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
let skipped = [];
try {
  skipped = readFileSync(skipLog, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
} catch {
  // no file: the run ended before the reporter wrote anything
}
rmSync(dir, { recursive: true, force: true });
const ci = Boolean(process.env.CI) && process.env.CI !== 'false';
if (skipped.length > 0) {
  console.log(`\nskipped ${skipped.length}:`);
  for (const s of skipped) console.log(`  - ${s.file ? `${relative(process.cwd(), s.file)}: ` : ''}${s.name}${s.reason ? ` — ${s.reason}` : ''}`);
  if (ci) console.log('CI is set: a skipped test is a failure (install what the reason names)');
} else {
  console.log('\nskipped 0');
}
process.exit(result.status === 0 && ci && skipped.length > 0 ? 1 : (result.status ?? 1));
