/**
 * How a worker loads the pool's class module. Node workers require() an ES module where Node can (20.19+, 22.12+),
 * which skips the asynchronous loader's ~6 ms of start-up (lib/runtime/require-module.ts); whatever the path, the
 * class, its errors and its module's identity must be exactly what import() gives, on every kind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProxyPool } from './helpers/lib.ts';
import { T, kindOptions, kinds } from './helpers/kinds.ts';
import { quietRequireEsm } from '../lib/runtime/require-module.ts';
import { closeLoadGate, enterLoad, leaveLoad, newLoadGate } from '../lib/runtime/load-gate.ts';

const canRequireEsm = (process.features as { require_module?: boolean }).require_module === true && quietRequireEsm(process.versions.node);
const fixture = (name: string) => new URL(`./fixtures/loading/${name}`, import.meta.url);

// The classes' shapes, for the proxy's types; the workers load the fixtures' own classes by module and export name.
class Plain {
  async sameAsImport(): Promise<{ same: boolean; evaluations: number }> {
    throw new Error('runs in the workers');
  }
  asyncLoaderRan(): boolean {
    throw new Error('runs in the workers');
  }
}
class Awaited {
  value(): { ready: number; evaluations: number } {
    throw new Error('runs in the workers');
  }
}
class Legacy {
  kind(): string {
    throw new Error('runs in the workers');
  }
}

for (const kind of kinds) {
  describe(`a class module loaded by ${kind} workers`, () => {
    it('is the module a later import() finds, evaluated once', T, async () => {
      await using pool = await ProxyPool.create(Plain, { workers: 2, ...kindOptions(kind), module: fixture('plain.mjs') });
      for (const answer of await pool.sameAsImport()) assert.deepEqual(answer, { same: true, evaluations: 1 });
    });

    it('may use top-level await (imported, not required)', T, async () => {
      await using pool = await ProxyPool.create(Awaited, { workers: 2, ...kindOptions(kind), module: fixture('top-level-await.mjs') });
      for (const answer of await pool.value()) assert.deepEqual(answer, { ready: 42, evaluations: 1 });
    });

    it('may be CommonJS, its module.exports being the default export', T, async () => {
      await using pool = await ProxyPool.create(Legacy, { workers: 2, ...kindOptions(kind), module: fixture('cjs/legacy.js'), exportName: 'default' });
      assert.deepEqual(await pool.kind(), ['commonjs', 'commonjs']);
    });

    it("rejects create() with the module's own error when evaluating it throws", T, async () => {
      await assert.rejects(ProxyPool.create(Plain, { workers: 2, ...kindOptions(kind), module: fixture('throws.mjs'), exportName: 'Never' }), {
        name: 'RangeError',
        message: /the class module refused to load/,
      });
    });

    it('reports a missing module by its URL', T, async () => {
      await assert.rejects(ProxyPool.create(Plain, { workers: 1, ...kindOptions(kind), module: fixture('no-such-module.mjs') }), {
        message: /no-such-module\.mjs/,
      });
    });
  });
}

describe('thread workers on a Node that can require() ES modules', () => {
  it('load an ES class module without the asynchronous loader', { ...T, skip: !canRequireEsm && 'this Node cannot require() ES modules without a warning' }, async () => {
    // The test runner imports tsx, which the pool leaves out of workers that run JavaScript only.
    await using pool = await ProxyPool.create(Plain, { workers: 2, kind: 'thread', module: fixture('plain.mjs') });
    const major = Number(process.versions.node.split('.')[0]);
    // Node 20 loads internal/fs/promises only for the loader's asynchronous file reads; later Nodes load it anyway.
    if (major === 20) assert.deepEqual(await pool.asyncLoaderRan(), [false, false]);
    else assert.equal((await pool.asyncLoaderRan()).length, 2);
  });
});

describe('requireModuleLoader', () => {
  const loaderModule = new URL('../.test-build/lib/runtime/require-module.js', import.meta.url).href;
  const gateModule = new URL('../.test-build/lib/runtime/load-gate.js', import.meta.url).href;
  /**
   * Runs the loader in a fresh Node with `execArgv` and no NODE_OPTIONS; returns what it made of each fixture.
   * `ending`: the loader's second argument, as source (`gate` is an open load gate).
   */
  const probe = (execArgv: string[], hooksRegistered = false, extra: Record<string, string> = {}, ending = "'signal'") => {
    const script = `
      const { requireModuleLoader } = await import(${JSON.stringify(loaderModule)});
      const { newLoadGate, closeLoadGate } = await import(${JSON.stringify(gateModule)});
      const gate = newLoadGate();
      const load = requireModuleLoader(${hooksRegistered}, ${ending});
      const what = (url) => { try { const m = load(url); return m === undefined ? 'import' : Object.keys(m).join(','); } catch (e) { return e.name + ': ' + e.message; } };
      const names = ['plain.mjs', 'top-level-await.mjs', 'cjs/legacy.js', 'no-such-module.mjs', 'throws.mjs'];
      const base = ${JSON.stringify(fixture('').href)};
      const extra = ${JSON.stringify(extra)};
      const urls = names.map((n) => [n, base + n]).concat([['data:', 'data:text/javascript,export const a = 1']], Object.entries(extra));
      console.log(JSON.stringify(load === undefined ? null : Object.fromEntries(urls.map(([n, url]) => [n, what(url)]))));
    `;
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const out = spawnSync(process.execPath, [...execArgv, '--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 20_000 });
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout);
  };

  it('requires ES modules only, and leaves everything else to import()', { ...T, skip: !canRequireEsm && 'this Node cannot require() ES modules without a warning' }, () => {
    // A file whose URL needs decoding: the loader requires it by name from next to it.
    const dir = mkdtempSync(join(tmpdir(), 'opp loading '));
    const oddName = join(dir, 'a class ü#1.mjs');
    copyFileSync(fileURLToPath(fixture('plain.mjs')), oddName);
    let answers;
    try {
      answers = probe([], false, { odd: pathToFileURL(oddName).href });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(answers, {
      odd: 'Plain',
      'plain.mjs': 'Plain',
      'top-level-await.mjs': 'import',
      'cjs/legacy.js': 'import',
      'no-such-module.mjs': 'import',
      'throws.mjs': 'RangeError: the class module refused to load',
      'data:': 'import',
    });
  });

  it('is not used on Nodes that would print an ExperimentalWarning for it', T, () => {
    const versions = ['20.19.0', '22.12.0', '22.13.0', '23.0.0', '23.4.0', '23.5.0', '24.0.0'];
    assert.deepEqual(versions.map(quietRequireEsm), [true, false, true, false, false, true, true]);
  });

  it('is not used where loader hooks may apply', T, () => {
    assert.equal(probe([], true), null);
    assert.equal(probe(['--require', fileURLToPath(fixture('cjs/legacy.js'))]), null);
  });

  it('is used by a thread worker only behind a load gate, and not once its host closed the gate', { ...T, skip: !canRequireEsm && 'this Node cannot require() ES modules without a warning' }, () => {
    assert.equal(probe([], false, {}, 'undefined'), null, 'a worker from the user\'s own factory has no gate');
    assert.equal(probe([], false, {}, '{ gate }')['plain.mjs'], 'Plain');
    assert.equal(probe([], false, {}, '(await closeLoadGate(gate, 0), { gate })')['plain.mjs'], 'import');
  });
});

describe('the load gate (runtime/load-gate.ts)', () => {
  it('lets a worker in while it is open, and keeps it out once the host closed it', T, async () => {
    const gate = newLoadGate();
    assert.equal(enterLoad(gate), true);
    leaveLoad(gate);
    await closeLoadGate(gate, 1000);
    assert.equal(enterLoad(gate), false);
  });

  it("makes the host's close wait for a require() in progress to end", T, async () => {
    const gate = newLoadGate();
    assert.equal(enterLoad(gate), true);
    const started = Date.now();
    setTimeout(() => leaveLoad(gate), 80);
    await closeLoadGate(gate, 5000);
    const waited = Date.now() - started;
    assert.ok(waited >= 70 && waited < 2000, `closed after the require() ended: ${waited} ms`);
    assert.equal(enterLoad(gate), false);
  });

  it('waits no longer than its patience for a load that does not end', T, async () => {
    const gate = newLoadGate();
    assert.equal(enterLoad(gate), true);
    const started = Date.now();
    await closeLoadGate(gate, 100);
    const waited = Date.now() - started;
    assert.ok(waited >= 90 && waited < 2000, `gave up after ${waited} ms`);
  });
});

describe('terminating thread workers while they load their class module', () => {
  // Node 20 and 22 abort the whole process when a termination lands in a require() of an ES module (load-gate.ts);
  // without the gate, 2 runs in 3 of 100 trials aborted on Node 20 here. The child reports how many terminations
  // fell while a require() ran, so that a pass means the dangerous moments were really reached.
  const threadModule = new URL('../.test-build/lib/kinds/thread.js', import.meta.url).href;
  const trials = 120;
  it(`never aborts the process, wherever in the require() it lands (${trials} workers)`, { timeout: 120_000 }, () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const out = spawnSync(process.execPath, [fileURLToPath(fixture('terminate-while-loading.mjs')), threadModule, String(trials)], {
      encoding: 'utf8', env, timeout: 110_000,
    });
    assert.equal(out.signal, null, `the child was killed by ${out.signal}: ${out.stderr}`);
    assert.equal(out.status, 0, out.stderr);
    const report = JSON.parse(out.stdout) as { required: boolean; trials?: number; midLoad?: number; loadMs?: number };
    assert.equal(report.required, canRequireEsm, 'thread workers require() their class module where Node can');
    if (report.required) assert.ok(report.midLoad! >= trials / 3, `terminations that fell inside a require(): ${report.midLoad} of ${trials} (load ${report.loadMs} ms)`);
  });
});

describe('a relative module string', () => {
  it('is rejected with an ArgumentError showing the new URL(..., import.meta.url) form; URLs and absolute paths work', T, async () => {
    for (const [given, shown] of [['./walker.js', './walker.js'], ['../models/walker.js', '../models/walker.js'], ['walker.js', './walker.js']]) {
      await assert.rejects(ProxyPool.create(Plain, { workers: 1, module: given }), (error: Error) => {
        assert.equal(error.name, 'ArgumentError');
        assert.equal(
          error.message,
          `option module got the relative path "${given}", which would resolve against the current directory, not against your module: ` +
            `write module: new URL('${shown}', import.meta.url) (or module: import.meta.url in the module that exports the class, or an absolute path)`,
        );
        return true;
      });
    }
    await using pool = await ProxyPool.create(Plain, { workers: 1, module: fileURLToPath(fixture('plain.mjs')) });
    assert.equal((await pool.asyncLoaderRan()).length, 1);
  });
});
