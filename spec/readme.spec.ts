/**
 * Every code block of README.md, run as written: ```ts blocks through tsx, ```js blocks on the running Node (20, 22
 * or 24), each as its own ES module next to the files they import (spec/readme/: walker.ts, model.js, ...), with
 * 'objectproxypool' resolving to this package's built dist/. An HTML comment `<!-- prelude ... -->` right above a
 * block supplies the imports a snippet leaves out; `<!-- check ... -->` right below asserts its results (with
 * `assert` in scope), or `<!-- stdout ... -->` gives what it must print. Both are invisible on the rendered page. Blocks tagged as shell or output are not run, and
 * their test says so; any other tag fails, so no block is left out by accident.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const T = { timeout: 60_000 };
const root = resolve(import.meta.dirname, '..');
/** Tags of blocks that are not programs: shown, never run. */
const NOT_RUN: Record<string, string> = { sh: 'a shell command', bash: 'a shell command', text: 'output', console: 'a terminal session' };

interface Block {
  line: number;
  tag: string;
  code: string;
  prelude: string;
  check: string;
  /** What the block must print, from a `<!-- stdout ... -->` comment below it. */
  stdout: string;
}

/** The fenced blocks of a markdown text, with the prelude/check comments around them. */
export function readmeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    assert.ok(end > i, `README.md:${start + 1}: unclosed code block`);
    const comment = (kind: string, from: number, step: 1 | -1): string => {
      let j = from;
      if (step === 1 && lines[j]?.trim() !== `<!-- ${kind}`) return '';
      if (step === -1 && lines[j]?.trim() !== '-->') return '';
      const body: string[] = [];
      for (j += step; j >= 0 && j < lines.length; j += step) {
        if (step === 1 && lines[j]!.trim() === '-->') return body.join('\n');
        if (step === -1 && lines[j]!.trim() === `<!-- ${kind}`) return body.reverse().join('\n');
        body.push(lines[j]!);
      }
      return '';
    };
    blocks.push({ line: start + 1, tag: open[1]!, code: lines.slice(start + 1, end).join('\n'), prelude: comment('prelude', start - 1, -1), check: comment('check', end + 1, 1), stdout: comment('stdout', end + 1, 1) });
    i = end;
  }
  return blocks;
}

const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
let dir = '';

describe('README.md code blocks', () => {
  before(() => {
    assert.ok(readdirSync(join(root, 'dist')).includes('index.js'), 'run "npm run build" first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'opp-readme-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules/objectproxypool'));
    symlinkSync(join(root, 'node_modules/tsx'), join(dir, 'node_modules/tsx')); // what a TS user has installed
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    for (const file of readdirSync(join(root, 'spec/readme'))) copyFileSync(join(root, 'spec/readme', file), join(dir, file));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has runnable blocks in both languages', () => {
    assert.ok(blocks.some((b) => b.tag === 'ts') && blocks.some((b) => b.tag === 'js'), JSON.stringify(blocks.map((b) => b.tag)));
  });

  for (const block of blocks) {
    if (NOT_RUN[block.tag]) {
      it(`README.md:${block.line} \`\`\`${block.tag}: not run (${NOT_RUN[block.tag]})`, () => {
        assert.doesNotMatch(block.code, /\bawait\b|\bimport\b/, 'a block with code in it must be ts or js and run');
      });
      continue;
    }
    it(`README.md:${block.line} \`\`\`${block.tag}: runs${block.check || block.stdout ? ' and passes its check' : ''}`, T, () => {
      assert.ok(block.tag === 'ts' || block.tag === 'js', `README.md:${block.line}: tag the block ts, js, or one of ${Object.keys(NOT_RUN).join(', ')}`);
      if (block.tag === 'js') assert.doesNotMatch(block.code, /\bawait using\b/, 'the JavaScript form must run on Node 20: close the pool in finally');
      const file = join(dir, `block-${block.line}.${block.tag === 'ts' ? 'ts' : 'mjs'}`);
      writeFileSync(file, [`import assert from 'node:assert/strict';`, block.prelude, block.code, block.check].join('\n'));
      const args = block.tag === 'ts' ? ['--import', 'tsx', file] : [file];
      const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 50_000 });
      assert.equal(result.status, 0, `README.md:${block.line} failed:\n${result.stdout}\n${result.stderr}`);
      if (block.stdout) assert.equal(result.stdout.trim(), block.stdout.trim(), `README.md:${block.line} printed something else`);
      console.log(`# ran README.md:${block.line} (${block.tag})${result.stdout ? `: ${result.stdout.trim()}` : ''}`);
    });
  }
});
