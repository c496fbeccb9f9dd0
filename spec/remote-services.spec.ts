// Remote hosts as NATS services (issue 24): hosts started with a service name answer NATS's standard service API,
// a pool finds them by that name without being told where they are, `$SRV.STATS` and `objectproxypool host status`
// show what each served, and a host killed mid-map loses no task.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ProxyPool, range, NotEnoughHostsError } from './helpers/lib.ts';
import { Counter } from '../.test-build/spec/fixtures/counter.js';
import { natsSkip, startHost, startNats, type HostProcess, type NatsServer } from './helpers/nats.ts';
import { hostStatus } from '../.test-build/lib/remote/status.js';

const skip = natsSkip();
const BIN = fileURLToPath(new URL('../bin/objectproxypool.mjs', import.meta.url));
const T = { timeout: 60_000 };

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('remote hosts as NATS services', { skip }, () => {
  let nats: NatsServer;
  const started: HostProcess[] = [];
  const host = async (extra: Record<string, unknown>, capacity = 2) => {
    const h = await startHost(nats.url, { capacity, extra });
    started.push(h);
    return h;
  };

  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    await Promise.all(started.map((h) => h.stop()));
    await nats?.stop();
  });

  it('three hosts of one service are found by name, counted in $SRV.STATS, and a host killed mid-map loses no task', T, async () => {
    const hosts = await Promise.all([host({ service: 'opp-sim' }), host({ service: 'opp-sim' }), host({ service: 'opp-sim' })]);
    // Neither a host of another service nor a host without one is used by the pool below.
    await host({ service: 'opp-other' });
    await host({});
    const remote = { servers: nats.url, service: 'opp-sim', hostTimeout: 1000, discoveryTimeout: 2000 };
    const exits: unknown[] = [];
    const pool = await ProxyPool.create(Counter, { kind: 'remote', workers: 6, respawn: true, remote, onWorkerExit: (e) => exits.push(e) });
    try {
      assert.deepEqual(await pool.whoami(), [0, 1, 2, 3, 4, 5]);
      const before = await hostStatus({ servers: [nats.url], service: 'opp-sim', waitMs: 1000 });
      assert.deepEqual(before.map((h) => h.hostId).sort(), hosts.map((h) => h.hostId).sort(), 'exactly the three hosts of the service');
      for (const h of before) assert.deepEqual([h.instances, h.capacity, h.exportName, h.service], [2, 2, 'Counter', 'opp-sim']);
      assert.equal(before.reduce((sum, h) => sum + h.tasks, 0), 6, 'the broadcast: one task per instance');

      // 600 tasks of ~5 ms in chunks of 10; one host is killed once a sixth is done, its instances respawn on the others.
      let killed: Promise<void> | undefined;
      const onProgress = ({ done }: { done: number }) => {
        if (done >= 100) killed ??= hosts[0]!.stop('SIGKILL');
      };
      const results = await pool.with({ retries: 3, chunkSize: 10, onProgress }).delayed.map(range(600), Array(600).fill(5));
      assert.deepEqual(results, [...range(600)], 'every task once, in order');
      assert.ok(killed, 'the host was killed mid-map');
      await killed;
      assert.equal(exits.length, 2, `the killed host's two instances were lost: ${JSON.stringify(exits)}`);

      const afterKill = await hostStatus({ servers: [nats.url], service: 'opp-sim', waitMs: 1000 });
      assert.equal(afterKill.length, 2, 'the killed host no longer answers');
      for (const h of afterKill) {
        assert.ok(h.requests > 0 && h.tasks > h.requests, `${h.hostId} served map chunks: ${JSON.stringify(h)}`);
        assert.equal(h.errors, 0);
        assert.ok(h.averageMs > 0);
      }
    } finally {
      await pool.close();
    }
  });

  it('`objectproxypool host status` lists the service hosts, as a table and as JSON', T, async () => {
    await host({ service: 'opp-listed' });
    const table = await cli(['host', 'status', '--servers', nats.url, '--service', 'opp-listed', '--wait', '500']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^service\s+host\s+class\s+instances\s+requests\s+tasks\s+errors\s+avg ms$/m);
    assert.match(table.stdout, /^opp-listed\s+\w+\s+Counter\s+0\/2\s+0\s+0\s+0\s+0\.00$/m);
    const json = await cli(['host', 'status', '--servers', nats.url, '--service', 'opp-listed', '--json', '--wait', '500']);
    assert.equal(JSON.parse(json.stdout).length, 1);
    const help = await cli(['host', 'status', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: objectproxypool host status/);
    const bad = await cli(['host', 'status', '--servers', nats.url, '--bogus']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'objectproxypool host status: unknown option --bogus (see objectproxypool host status --help)');
  });

  it('a service with no host is NotEnoughHostsError naming the $SRV subject; a bad service name is refused', T, async () => {
    await assert.rejects(
      ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: nats.url, service: 'opp-nobody', discoveryTimeout: 300 } }),
      (e: Error) => e instanceof NotEnoughHostsError && /\$SRV\.STATS\.opp-nobody/.test(e.message),
    );
    await assert.rejects(
      ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: nats.url, service: 'no spaces' } }),
      /option remote.service must be a NATS service name/,
    );
  });
});
