/**
 * The core semantics in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * runs pages bundled here with esbuild, which drive pools of kind 'web' (module Web Workers). Each scenario runs in
 * the page (spec/browser/core.page.ts) and returns plain data; the assertions are made here, in Node.
 *
 * Pages are served from 127.0.0.1 with COOP/COEP (cross-origin isolated: SharedArrayBuffer exists) and, under
 * /plain/, without them. The web example (examples/web) is built by its own script and checked too, with a
 * screenshot in test-output/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from '../scripts/static-server.mjs';
import { buildWebExample } from '../scripts/build-web-example.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = join(ROOT, 'test-output');
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
// Args from /work/shared/TOOLING.md: no sandbox (root in CI containers), no GPU, nothing that talks to the network.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const T = { timeout: 30_000 };
// Skip only on a developer machine without Chromium; under CI a missing browser is a failure.
const skip = !CHROMIUM && !process.env.CI ? 'Chromium is not installed: apt-get install chromium' : false;

const HEADERS = ['Cross-Origin-Opener-Policy: same-origin', 'Cross-Origin-Embedder-Policy: require-corp'];

describe('browser: kind web in headless Chromium', { skip }, () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;
  const pages: Page[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opp-browser-'));
    // The test page and its worker script are two entry points of one build, as a user's bundler would make them.
    // The module form needs the runtime's web-entry where the library expects it (../runtime/ of the page's code).
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: {
        'pages/core': 'spec/browser/core.page.ts',
        'pages/workers': 'spec/browser/workers.worker.ts',
        'pages/counter-module': 'spec/fixtures/counter.ts',
        'runtime/web-entry': 'lib/runtime/web-entry.ts',
      },
      outdir: dir,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'warning',
    });
    writeFileSync(join(dir, 'pages/index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="./core.js"></script>');
    await buildWebExample(join(dir, 'example'));
    server = await startStaticServer({ root: dir });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page at `url` whose console errors are kept for the failure message. */
  async function open(url: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 800, height: 660 } });
    pages.push(page);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.goto(url);
    return { page, problems };
  }

  /** Runs scenario `name` of core.page.ts in a new page and returns what it returned. */
  async function scenario(name: string, plain = false): Promise<any> {
    const { page, problems } = await open(`${plain ? server.plainUrl : server.url}pages/`);
    try {
      await page.waitForFunction(() => 'scenarios' in globalThis, null, { timeout: 10_000 });
      return await page.evaluate((n) => (globalThis as any).scenarios[n](), name);
    } catch (error) {
      throw new Error(`scenario ${name} failed in the page: ${(error as Error).message}\n${problems.join('\n')}`, { cause: error });
    } finally {
      await page.close();
    }
  }

  it('broadcast: every instance once, in worker order, with per-worker seeds and constructor args', T, async () => {
    const r = await scenario('broadcast');
    assert.equal(r.isolated, true);
    assert.equal(r.kind, 'web');
    assert.equal(r.workers, 3);
    assert.equal(r.alive, 3);
    assert.deepEqual(r.whoami, [0, 1, 2]);
    assert.deepEqual(r.calls, [1, 1, 1]);
    assert.equal(new Set(r.seeds).size, 3);
    assert.deepEqual(r.sameSeeds, r.seeds, 'the same pool seed gives the same worker seeds');
    assert.deepEqual(r.add, [5, 5, 5]);
    assert.deepEqual(r.delayed, [9, 9, 9]);
    assert.equal(r.one, 42);
    assert.deepEqual(r.labels, ['worker-0', 'worker-1', 'worker-2']);
  });

  it('map: results in input order (iterables zipped, generators fine), settle all, progress to the end', T, async () => {
    const r = await scenario('map');
    assert.deepEqual(r.sums, Array.from({ length: 100 }, (_, i) => i + 1000));
    assert.deepEqual(r.generated, [10, 21, 34]);
    assert.equal(r.progress.at(-1), 100);
    assert.ok(r.progress.every((d: number, i: number) => i === 0 || d > r.progress[i - 1]), `progress increases: ${r.progress}`);
    assert.deepEqual(r.settled, [0, 1, 2, 'TypeError: bad value 3', 4]);
    assert.ok(r.distinctOwners >= 2, `a map spreads over the workers (owners seen: ${r.distinctOwners})`);
  });

  it('transfer (issue 21): an argument moves (sender detached), a result moves back, a host callback answers', T, async () => {
    const r = await scenario('transfer');
    assert.equal(r.sum, (999 * 1000) / 2);
    assert.equal(r.senderDetached, true);
    assert.equal(r.madeLength, 1 << 20);
    assert.equal(r.madeByte, 7);
    assert.equal(r.workerCopyLength, 0, 'the worker\'s buffer moved out with the result');
    assert.deepEqual(r.back, { sum: 6.5, values: [1, 2, 3.5] });
    assert.equal(r.bad.name, 'TransferError');
    assert.match(r.bad.message, /detached ArrayBuffer/);
    assert.deepEqual(r.callback, { twice: 42 });
  });

  it('synchronize: each round reaches every worker once, and rounds are barriers', T, async () => {
    const r = await scenario('synchronize');
    for (const round of r.rounds) assert.deepEqual(round, [0, 1, 2, 3]);
    assert.deepEqual(r.properties, [0, 1, 2, 3]);
    for (let k = 0; k < 3; k++) assert.deepEqual([...r.owners.slice(4 * k, 4 * k + 4)].sort(), [0, 1, 2, 3]);
  });

  it('dedicated: task i on worker i, state kept per slot; a wrong task count fails before anything runs', T, async () => {
    const r = await scenario('dedicated');
    assert.deepEqual(r.broadcast, [[0, 2], [1, 2], [2, 2], [3, 2]]);
    assert.deepEqual(r.mapped, [[0, 0], [1, 2], [2, 4], [3, 6]]);
    assert.deepEqual(r.stillSlotOrder, [[0, 0], [1, 1], [2, 2], [3, 3]]);
    assert.equal(r.wrongCount.name, 'ArgumentError');
    assert.match(r.wrongCount.message, /dedicated/);
    assert.match(r.wrongCount.message, /4/);
  });

  it('errors: class, message, own properties and cause survive; constructor failures, unknown methods, crashed workers', T, async () => {
    const r = await scenario('errors');
    assert.equal(r.custom.isCustom, true);
    assert.equal(r.custom.name, 'CustomError');
    assert.equal(r.custom.message, 'it broke');
    assert.deepEqual(r.custom.ownProps.code, 42);
    assert.deepEqual(r.custom.ownProps.detail, { step: 7 });
    assert.equal(r.range.isRangeError, true);
    assert.equal(r.range.message, 'out of range');
    assert.equal(r.cause.message, 'outer');
    assert.deepEqual([r.cause.cause.name, r.cause.cause.message], ['TypeError', 'root cause']);
    assert.equal(r.remote.method, 'fail');
    assert.ok([0, 1, 2].includes(r.remote.workerIndex));
    assert.equal(r.remote.stackMentionsFail, true);
    assert.deepEqual(r.afterwards, [0, 1, 2], 'the pool stays usable after errors');
    assert.deepEqual([r.ctorFails.name, r.ctorFails.message], ['RangeError', 'constructor refused on worker 1']);
    assert.equal(r.unknown.name, 'UnknownMethodError');
    assert.match(r.unknown.message, /noSuchMethod/);
    assert.equal(r.crash.isExited, true, `a worker that throws outside a call is a crashed worker: ${JSON.stringify(r.crash)}`);
    assert.equal(r.crash.name, 'WorkerExitedError');
    assert.match(r.crash.message, /crashSoon/);
    assert.match(r.crash.message, /uncaught in the worker/);
    assert.equal(r.crashedPoolStillAnswers, 'pong', 'the other worker still answers');
    assert.equal(r.missingScript.name, 'WorkerExitedError', 'a worker script that cannot load fails create()');
    assert.match(r.missingScript.message, /worker 0 exited while running constructor: the web worker failed to start/);
  });

  it('reliability: a crashed worker is respawned; a stuck one is terminated on timeout (onCancel: terminate) and replaced', T, async () => {
    const r = await scenario('reliability');
    assert.equal(r.crash.name, 'WorkerExitedError');
    assert.deepEqual(r.afterCrash, ['pong', 'pong'], 'the replacement answers');
    assert.equal(r.exits.length, 1);
    assert.equal(r.exits[0].reason, 'exit');
    assert.equal(r.exits[0].respawned, true);
    assert.deepEqual([...r.respawns].sort(), [0, 1]);
    assert.equal(r.timeout.name, 'TimeoutError');
    assert.equal(r.timeout.message, 'sleepSync did not finish within 200 ms');
    assert.ok(r.timedOutAfterMs < 20_000, `the call ended at its deadline, not after the 60 s task (${r.timedOutAfterMs} ms)`);
    assert.deepEqual(r.afterTimeout, [0, 1], 'the terminated worker was replaced by a fresh instance at the same index');
    assert.deepEqual([...r.poolRespawns].sort(), [0, 1]);
  });

  it('shared arrays: zero-copy between the page and Web Workers (writes in workers visible in the page, and back)', T, async () => {
    const r = await scenario('shared');
    assert.equal(r.isolated, true);
    assert.deepEqual(r.rows, [2, 2, 2]);
    assert.deepEqual(r.grid, [1000, 1000, 1001, 1001, 2002, 2002, 2003, 2003, 3004, 3004, 3005, 3005]);
    assert.deepEqual(r.seen, Array(3).fill({ isWrapper: true, isShared: true, dtype: 'float64', shape: [6, 2] }));
    assert.equal(r.acc, 3000, '6 tasks × 1000 atomic additions of 0.5 from 3 workers');
    assert.deepEqual(r.madeShapes, [[4], [4], [4]]);
    assert.deepEqual(r.madeData, [2.5, 2.5, 2.5, 2.5]);
    assert.equal(r.madeIsShared, true);
  });

  it('module form: the pool starts its own web entry, which imports the class module by URL', T, async () => {
    const r = await scenario('module');
    assert.equal(r.kind, 'web');
    assert.deepEqual(r.whoami, [0, 1]);
    assert.deepEqual(r.sums, [1, 2, 3, 4, 5, 6]);
    assert.equal(r.badModule.name, 'TypeError');
    assert.match(r.badModule.message, /missing\.js/);
  });

  it('without COOP/COEP: pools still work, but creating a shared array fails naming both headers', T, async () => {
    const r = await scenario('notIsolated', true);
    assert.equal(r.isolated, false);
    assert.equal(r.sharedArrayBufferExists, false);
    assert.deepEqual(r.whoami, [0, 1]);
    assert.equal(r.zeros.isUnavailable, true);
    assert.equal(r.zeros.name, 'SharedMemoryUnavailableError');
    for (const header of HEADERS) assert.ok(r.zeros.message.includes(header), `the message names "${header}": ${r.zeros.message}`);
  });

  it('web example (esbuild bundle): estimates π within 0.05, draws its chart, screenshot in test-output/', T, async () => {
    const { page, problems } = await open(`${server.url}example/?workers=2&batches=60&batch=50000&seed=7`);
    await page.waitForSelector('body[data-state]', { timeout: 25_000 });
    const state = await page.evaluate(() => ({ state: document.body.dataset.state, result: (globalThis as any).piResult, error: (globalThis as any).piError }));
    assert.equal(state.state, 'done', `the example failed: ${JSON.stringify(state.error)}\n${problems.join('\n')}`);
    const r = state.result;
    assert.equal(r.kind, 'web');
    assert.equal(r.crossOriginIsolated, true);
    assert.equal(r.drawn, 60 * 50_000);
    assert.equal(r.inside, r.returnedInside, 'the shared accumulator matches the returned counts');
    assert.ok(Math.abs(r.pi - Math.PI) < 0.05, `estimate ${r.pi}`);
    assert.ok(r.chartPoints >= 5, `the chart followed the progress (${r.chartPoints} points)`);
    assert.equal(r.byWorker.reduce((s: number, n: number) => s + n, 0), 60);
    // The estimate's line is drawn in its own colour (#2563eb): count those pixels on the canvas.
    const linePixels = await page.evaluate(() => {
      const canvas = document.getElementById('chart') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0x25) < 40 && Math.abs(data[i + 1]! - 0x63) < 40 && data[i + 2]! > 0xc0) n++;
      return n;
    });
    assert.ok(linePixels > 300, `the chart has a line (${linePixels} line-coloured pixels)`);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'web-example.png'), fullPage: true });
    await page.close();
  });

  it('web example without COOP/COEP: the page shows the documented error naming both headers', T, async () => {
    const { page } = await open(`${server.plainUrl}example/?workers=2&batches=4&batch=1000`);
    await page.waitForSelector('body[data-state]', { timeout: 20_000 });
    const r = await page.evaluate(() => ({ state: document.body.dataset.state, error: (globalThis as any).piError, shown: document.getElementById('error')!.textContent }));
    assert.equal(r.state, 'error');
    assert.equal(r.error.name, 'SharedMemoryUnavailableError');
    for (const header of HEADERS) assert.ok(r.shown.includes(header), `the page shows "${header}": ${r.shown}`);
    await page.close();
  });
});
