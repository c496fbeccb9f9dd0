/**
 * The package as a user gets it: `npm pack` the built tree once, install the tarball into a new temporary project
 * with `npm install --ignore-scripts` (nothing may need an install step), then use it from there as plain
 * JavaScript (the root and the subpath entries), as strict TypeScript (no skipLibCheck; nodenext and bundler
 * resolution; root and subpaths) and through an esbuild bundle
 * that starts its workers with the `worker:` factory. The consumer's files are in spec/consumer/.
 *
 * Runs on whatever Node runs the suite (CI: 20, then 22 and 24), so the prebuilt Node-API addon is checked on each.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const T = { timeout: 120_000 };
const root = resolve(import.meta.dirname, '..');
const consumerFiles = join(root, 'spec/consumer');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir = '';
let project = '';
let tarball = '';

/** Runs a command, failing with its output when it exits non-zero. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 100_000 });
  if (result.status !== 0) {
    assert.fail(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Runs the repo's tsc on a config of the consumer project (the project installs no compiler of its own). */
function tsc(config: string): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'node_modules/typescript/lib/tsc.js'), '-p', config], { cwd: project, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ status: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

function tsconfig(name: string, moduleResolution: 'nodenext' | 'bundler', files: string[]): string {
  const compilerOptions = {
    strict: true,
    noEmit: true,
    module: moduleResolution === 'bundler' ? 'preserve' : 'nodenext',
    moduleResolution,
    target: 'es2022',
    lib: ['es2023', 'esnext.disposable'],
    types: ['node'],
  };
  writeFileSync(join(project, name), JSON.stringify({ compilerOptions, files }, null, 2));
  return name;
}

describe('the packed package, installed into a new project', () => {
  before(() => {
    assert.ok(existsSync(join(root, 'dist/index.js')), 'run "npm run build" first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'opp-package-'));
    // dist/ is already built by npm test, so skip the prepare script's rebuild; one tarball per run.
    const packed = JSON.parse(run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root)) as Array<{ filename: string }>;
    tarball = join(dir, packed[0]!.filename);
    project = join(dir, 'project');
    execFileSync('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    for (const file of readdirSync(consumerFiles)) copyFileSync(join(consumerFiles, file), join(project, file));
    // A TS consumer has @types/node; take the version the repo uses, which npm's cache already holds.
    const typesNode = JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')).version as string;
    run(npm, ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${typesNode}`], project);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the tarball holds LICENSE, README, dist, bin and the prebuilt addon, and nothing runs at install', T, () => {
    const files = run('tar', ['tzf', tarball], dir).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const needed of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'dist/runtime/thread-entry.cjs', 'bin/objectproxypool.mjs']) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`);
    }
    // Every subpath of "exports" points at files the tarball holds.
    const exportsMap = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, string | { types: string; default: string }>;
    for (const [subpath, target] of Object.entries(exportsMap)) {
      if (typeof target === 'string') continue;
      for (const file of [target.types, target.default]) assert.ok(files.includes(file.replace(/^\.\//, '')), `${subpath}: ${file} is in the tarball`);
    }
    assert.ok(files.some((f) => /^prebuilds\/linux-x64\/[^/]+\.node$/.test(f)), 'a linux-x64 prebuilt addon is in the tarball');
    for (const f of files) assert.match(f, /^(LICENSE|README\.md|package\.json|dist\/|bin\/|prebuilds\/)/, `${f} is something that runs`);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/objectproxypool/package.json'), 'utf8'));
    for (const script of ['preinstall', 'install', 'postinstall']) assert.equal(pkg.scripts?.[script], undefined, `no ${script} script`);
    assert.equal(pkg.gypfile, false, 'npm must not run node-gyp for a binding.gyp');
    assert.equal(pkg.license, 'MIT');
    assert.match(pkg.repository.url, /github\.com/);
    assert.equal(pkg.dependencies['@types/ndarray'] !== undefined, true, 'the types the public .d.ts needs are a dependency');
    assert.equal(pkg.peerDependenciesMeta['@nats-io/transport-node'].optional, true);
    // Source maps carry their sources (lib/ is not shipped).
    const map = JSON.parse(readFileSync(join(project, 'node_modules/objectproxypool/dist/index.js.map'), 'utf8'));
    assert.equal(map.sourcesContent?.length, map.sources.length, 'every map source is inlined');
  });

  it('plain JavaScript: create, broadcast, map, shared arrays between threads and between processes, close', T, () => {
    const out = run(process.execPath, ['main.mjs'], project);
    assert.deepEqual(JSON.parse(out), { broadcast: [3, 3], map: [0, 3, 6, 9], threads: [1, 2, 3, 4], processes: [1, 2, 3, 4] });
  });

  it('plain JavaScript over the subpaths: a flow in a Server, shared atomics, partition ranges; every entry loads', T, () => {
    const out = JSON.parse(run(process.execPath, ['subpaths.mjs'], project));
    assert.equal(out.served, 'HI!');
    assert.deepEqual(out.cells, [0, 5]);
    assert.equal(out.int32, true);
    assert.deepEqual(out.ranges, [[0, 3], [3, 6], [6, 10]]);
    // Run-time exports per entry (type-only exports are not counted here; spec/entries.spec.ts counts both).
    assert.equal(out.entries['/types'], 0, 'objectproxypool/types has types only');
    for (const [entry, count] of Object.entries(out.entries)) if (entry !== '/types') assert.ok((count as number) > 0, `${entry} exports something`);
  });

  it('where no binary fits, { across: \'processes\' } throws ProcessSharedMemoryUnavailableError naming the platform; the rest works', T, () => {
    // node-gyp-build's own knobs: look only at prebuilds/, and for another platform's.
    const script = `
      import { ProxyPool, SharedArrayWrapper } from 'objectproxypool';
      import { processSharedMemoryAvailable } from 'objectproxypool/shared';
      import { Model } from './model.js';
      let error;
      try { SharedArrayWrapper.zeros([2], 'int32', { across: 'processes' }); } catch (e) { error = e; }
      const pool = await ProxyPool.create(Model, { workers: 1, module: new URL('./model.js', import.meta.url) });
      const threads = SharedArrayWrapper.zeros([1], 'int32');
      await pool.fill(threads, 0);
      await pool.close();
      console.log(JSON.stringify({ available: processSharedMemoryAvailable(), name: error?.name, platform: error?.platform, message: error?.message, threads: [...threads.data] }));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PREBUILDS_ONLY: '1', npm_config_platform: 'sunos' },
    });
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    const platform = `${process.platform}-${process.arch}`;
    assert.equal(out.available, false);
    assert.equal(out.name, 'ProcessSharedMemoryUnavailableError');
    assert.equal(out.platform, platform);
    assert.match(out.message, new RegExp(`could not be loaded on ${platform}: no prebuilt binary .* "npm ci && npm run build:native" .* OBJECTPROXYPOOL_PREBUILD`));
    assert.deepEqual(out.threads, [1]);
  });

  it('strict TypeScript without skipLibCheck compiles under nodenext and bundler, and .array is not any', T, async () => {
    // Each program holds the consumer and a control file asserting the same check on an `any` value: the control
    // must be the one and only error, which proves the check has teeth and that the consumer compiles clean.
    writeFileSync(join(project, 'any-check.ts'), 'type IsAny<T> = 0 extends 1 & T ? true : false;\nexport const x: IsAny<any> = false;\n');
    const results = await Promise.all(
      (['nodenext', 'bundler'] as const).map(async (resolution) => ({ resolution, ...(await tsc(tsconfig(`tsconfig.${resolution}.json`, resolution, ['consumer.ts', 'any-check.ts']))) })),
    );
    for (const { resolution, status, output } of results) {
      const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
      assert.notEqual(status, 0, `${resolution}: the any control must fail`);
      assert.equal(errors.length, 1, `${resolution}: only the control may fail:\n${output}`);
      assert.match(errors[0]!, /^any-check\.ts\(2,14\): error TS2322/, `${resolution}:\n${output}`);
    }
  });

  it('an esbuild bundle using the worker: factory (the worker script as a second entry point) builds and runs', T, async () => {
    await build({
      absWorkingDir: project,
      entryPoints: { main: 'bundle-main.mjs', 'model.worker': 'model.worker.mjs' },
      outdir: 'out',
      bundle: true,
      platform: 'node',
      format: 'esm',
      outExtension: { '.js': '.js' },
      logLevel: 'silent',
    });
    // Rename the installed package away: the bundle must run on its own.
    execFileSync('mv', [join(project, 'node_modules'), join(project, 'node_modules.off')]);
    try {
      writeFileSync(join(project, 'out/package.json'), JSON.stringify({ type: 'module' }));
      const out = run(process.execPath, ['out/main.js'], project);
      assert.deepEqual(JSON.parse(out), { broadcast: [5, 5], map: [0, 5, 10] });
    } finally {
      execFileSync('mv', [join(project, 'node_modules.off'), join(project, 'node_modules')]);
    }
  });
});
