// examples/remote/ (issue 8, Done-when 5) run as a user would on several machines, here on one: a nats-server,
// one host started with the example's host script, one with the CLI (`objectproxypool host`), and the pool script.
// Needs `npm run build` first (the CLI imports dist/), as `npm test` does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { natsSkip, startNats, type NatsServer } from './helpers/nats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const skip = natsSkip();

interface Proc { child: ChildProcess; out: () => string; exited: Promise<number | null> }

function start(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function ready(proc: Proc): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!/^ready /m.test(proc.out())) {
    if (proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`host did not start:\n${proc.out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('examples/remote (host script, CLI host, pool script)', { skip }, () => {
  let nats: NatsServer;
  const procs: Proc[] = [];
  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await nats?.stop();
  });

  it('estimates π on instances spread over two hosts; both hosts shut down gracefully on SIGTERM', { timeout: 90_000 }, async () => {
    const scriptHost = start(['examples/remote/host.ts', '--servers', nats.url, '--capacity', '2']);
    const cliHost = start(['bin/objectproxypool.mjs', 'host', '--servers', nats.url, '--module', 'examples/remote/model.ts', '--capacity', '2']);
    procs.push(scriptHost, cliHost);
    await Promise.all([ready(scriptHost), ready(cliHost)]);

    const pool = start(['examples/remote/pool.ts', '--servers', nats.url, '--workers', '4', '--samples', '1000000']);
    procs.push(pool);
    assert.equal(await pool.exited, 0, pool.out());
    const line = pool.out().split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, pool.out());
    const result = JSON.parse(line.slice('RESULT '.length));
    assert.equal(result.workers, 4);
    assert.equal(result.hosts, 2, 'round-robin placement puts two instances on each host');
    assert.equal(result.samples, 1_000_000);
    assert.ok(Math.abs(result.error) < 0.01, `π estimate ${result.estimate} off by ${result.error}`);

    scriptHost.child.kill('SIGTERM');
    cliHost.child.kill('SIGTERM');
    assert.equal(await cliHost.exited, 0, cliHost.out());
    await scriptHost.exited;
    assert.match(cliHost.out(), /SIGTERM: finishing calls in flight \(at most 10000 ms\), then handing instances back\nhost \w+ closed/);
    assert.match(scriptHost.out(), /host closed/);
  });

  it('the CLI explains a missing option and a module it cannot load', { timeout: 30_000 }, async () => {
    const missing = start(['bin/objectproxypool.mjs', 'host', '--servers', nats.url]);
    procs.push(missing);
    assert.equal(await missing.exited, 2);
    assert.match(missing.out(), /^objectproxypool host: --module is required \(see objectproxypool host --help\)$/m);
    const wrong = start(['bin/objectproxypool.mjs', 'host', '--servers', nats.url, '--module', 'examples/remote/nope.js']);
    procs.push(wrong);
    assert.equal(await wrong.exited, 1);
    assert.match(wrong.out(), /objectproxypool host: Error: the host cannot load its module file:\/\/.*examples\/remote\/nope\.js: Cannot find module/);
  });
});
