/**
 * The README's "Coming from piscina, workerpool or comlink" section (issue 22): every ```ts block in it runs as a
 * user would run it (`node --import tsx`, importing 'objectproxypool' — the package itself, built into dist/), and
 * prints what its `// → ` comments say, line by line. The process must also end by itself with status 0.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEADING = '## Coming from piscina, workerpool or comlink';

/** The section's code blocks: from its heading to the next heading of the same level. */
export function sectionSnippets(readme: string, heading: string): string[] {
  const start = readme.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `README has the section "${heading}"`);
  const next = readme.indexOf('\n## ', start + heading.length);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```(?:ts|js)\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** What a snippet says it prints: the text after `// → ` on each console.log line, in order. */
function promised(snippet: string): string[] {
  return snippet.split('\n').filter((line) => line.includes('console.log(') && line.includes('// → ')).map((line) => line.split('// → ')[1]!.trim());
}

describe('README: coming from piscina, workerpool or comlink', () => {
  const snippets = sectionSnippets(readFileSync(join(ROOT, 'README.md'), 'utf8'), HEADING);

  it('has runnable snippets that import the package', { timeout: 5_000 }, () => {
    assert.ok(snippets.length >= 1);
    for (const snippet of snippets) assert.match(snippet, /from 'objectproxypool'/);
  });

  snippets.forEach((snippet, i) => {
    it(`snippet ${i + 1} runs and prints what its comments say`, { timeout: 60_000 }, () => {
      // Inside the package's directory, so that 'objectproxypool' resolves to the package itself (self-reference).
      const dir = join(ROOT, '.test-build', 'readme-migration');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `snippet-${i + 1}.ts`);
      writeFileSync(file, snippet);
      const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
      assert.equal(run.status, 0, `exit ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
      const printed = run.stdout.trim().split('\n').map((line) => line.trim());
      assert.deepEqual(printed, promised(snippet));
    });
  });
});
