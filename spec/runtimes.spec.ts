/**
 * The core semantics on the other JavaScript runtimes users write notebook-style scripts in: Deno and Bun (both
 * installed as dev dependencies from npm, binaries included). Each runs spec/runtimes/conformance.mjs — broadcast,
 * map, seeds, synchronize, dedicated, SharedArrayWrapper, errors, worker death — against the built package (dist/)
 * for every kind that runtime supports; the README's support table lists the same cells. The script must also end
 * by itself: a worker left running after close() would keep the runtime alive past the timeout.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { natsSkip, startNats, type NatsServer } from './helpers/nats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = 'spec/runtimes/conformance.mjs';
const RUN_TIMEOUT = 120_000;
const CHECKS = ['broadcast', 'map', 'seeds', 'synchronize', 'dedicated', 'sharedArray', 'errors', 'workerDeath'];

/** Runtime → command line and the kinds it runs (the README's "Runtimes" table). */
export const runtimes = {
  // remote: a Deno pool with a Node host (started below) over a real nats-server.
  deno: { command: ['node_modules/.bin/deno', 'run', '--allow-all', SCRIPT], kinds: ['thread', 'process', 'inline', 'web', 'remote'] },
  bun: { command: ['node_modules/.bin/bun', SCRIPT], kinds: ['thread', 'process', 'inline', 'web'] },
};

interface Outcome {
  code: number | null;
  timedOut: boolean;
  lines: { kind: string; check: string; ok: boolean; error?: string; note?: string }[];
  stderr: string;
}

let nats: NatsServer | undefined;
let host: ReturnType<typeof spawn> | undefined;
before(async () => {
  if (natsSkip()) return;
  nats = await startNats();
  // A Node host serving the conformance model, as `objectproxypool host` runs on a machine of the cluster.
  host = spawn(process.execPath, ['bin/objectproxypool.mjs', 'host', '--servers', nats.url, '--module', 'spec/runtimes/model.mjs', '--capacity', '4', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    host!.stdout!.on('data', (chunk) => {
      out += chunk;
      if (/ready \w+/.test(out)) resolve();
    });
    host!.once('exit', (code) => reject(new Error(`the host exited with ${code}: ${out}`)));
  });
});
after(async () => {
  host?.kill('SIGKILL');
  await nats?.stop();
});

function run(command: string[], kinds: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1', OPP_REMOTE_SERVERS: nats?.url ?? '' };
    const child = spawn(command[0]!, [...command.slice(1), kinds.join(',')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
      resolve({ code, timedOut, lines, stderr });
    });
  });
}

for (const [name, { command, kinds }] of Object.entries(runtimes)) {
  describe(`runtime: ${name}`, () => {
    const binary = command[0]!;
    it(`runs the core checks on the ${kinds.join(', ')} kinds and exits by itself`, { timeout: RUN_TIMEOUT + 10_000 }, async (t) => {
      if (!existsSync(`${ROOT}/${binary}`)) {
        // Both are dev dependencies: `npm ci` installs them. Under CI a missing runtime fails instead of skipping.
        assert.ok(!process.env.CI, `${binary} is missing: run npm ci (deno and bun are dev dependencies)`);
        t.skip(`${name} is not installed: run npm ci`);
        return;
      }
      // Without nats-server (allowed outside CI only: natsSkip throws under CI) the remote cell is left out.
      const ran = nats ? kinds : kinds.filter((kind) => kind !== 'remote');
      const outcome = await run(command, ran);
      const failed = outcome.lines.filter((line) => !line.ok);
      const context = `\n${failed.map((l) => `${l.kind}/${l.check}: ${l.error}`).join('\n')}\n--- stderr (tail) ---\n${outcome.stderr.slice(-2000)}`;
      assert.equal(outcome.timedOut, false, `${name} did not exit by itself within ${RUN_TIMEOUT} ms${context}`);
      assert.deepEqual(failed, [], `${name}: checks failed${context}`);
      const checked = outcome.lines.map((line) => `${line.kind}/${line.check}`);
      assert.deepEqual(checked, ran.flatMap((kind) => CHECKS.map((check) => `${kind}/${check}`)), 'every check ran once per kind');
      assert.equal(outcome.code, 0, `exit status${context}`);
    });
  });
}

describe('runtime: bun, kind remote', () => {
  it('is refused at create() with a clear error: Bun\'s node:v8 is not V8\'s wire format', { timeout: 30_000 }, async () => {
    const script = `const { ProxyPool } = await import('./dist/index.js');
class C {}
try { await ProxyPool.create(C, { kind: 'remote', remote: { servers: 'nats://127.0.0.1:1' } }); console.log('created'); }
catch (e) { console.log(e.name + ': ' + e.message); }`;
    const outcome = await new Promise<string>((resolve, reject) => {
      const child = spawn('node_modules/.bin/bun', ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('close', () => resolve(out.trim()));
    });
    assert.match(outcome, /^RemoteConnectionError: kind 'remote' cannot run on Bun: the remote wire is V8's serializer/);
  });
});
