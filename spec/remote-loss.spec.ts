// Host loss for kind 'remote' (issue 8, Done-when 2): a host process killed mid-work rejects its calls with
// WorkerExitedError within the pool's hostTimeout, respawn puts the instances on another host, and a map with
// `retries` completes every task exactly once. A host stopped with SIGTERM finishes its calls, then hands back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyPool, range, WorkerExitedError, type WorkerExitEvent } from './helpers/lib.ts';
import { Counter } from '../.test-build/spec/fixtures/counter.js';
import { spawn } from 'node:child_process';
import { fixtureUrl } from './helpers/lib.ts';
import { natsSkip, startHost, startNats, type HostProcess, type NatsServer } from './helpers/nats.ts';

const skip = natsSkip();
const HOST_TIMEOUT = 1000;

describe('remote host loss', { skip }, () => {
  let nats: NatsServer;
  const started: HostProcess[] = [];
  const host = async (subject: string, capacity: number) => {
    const h = await startHost(nats.url, { capacity, extra: { subject } });
    started.push(h);
    return h;
  };
  const remote = (subject: string) => ({ servers: nats.url, subject, hostTimeout: HOST_TIMEOUT, discoveryTimeout: 1000 });

  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    await Promise.all(started.map((h) => h.stop()));
    await nats?.stop();
  });

  it('a host killed (SIGKILL) during a 1,000-task map with retries: every result arrives exactly once', { timeout: 60_000 }, async () => {
    const [victim] = await Promise.all([host('loss', 4), host('loss', 4)]);
    const exits: WorkerExitEvent[] = [];
    await using pool = await ProxyPool.create(Counter, {
      kind: 'remote', workers: 4, respawn: true, remote: remote('loss'), onWorkerExit: (e) => exits.push(e),
    });
    assert.deepEqual(await pool.whoami(), [0, 1, 2, 3]);
    const delivered: number[] = [];
    // 1,000 tasks of ~4 ms in chunks of 10: about a second of work, with the kill in the middle of it.
    const mapping = pool.with({ retries: 3, chunkSize: 10, onProgress: () => {} }).delayed.map(range(1000), Array(1000).fill(4));
    setTimeout(() => void victim!.stop('SIGKILL'), 300);
    const results = await mapping;
    for (const value of results) delivered.push(value);
    const counts = new Map<number, number>();
    for (const value of delivered) counts.set(value, (counts.get(value) ?? 0) + 1);
    assert.equal(delivered.length, 1000);
    for (let i = 0; i < 1000; i++) assert.equal(counts.get(i), 1, `task ${i} delivered ${counts.get(i) ?? 0} times`);
    assert.deepEqual(results, Array.from({ length: 1000 }, (_, i) => i));
    // The two instances of the killed host were lost, and respawned on the surviving host.
    assert.equal(exits.length, 2, JSON.stringify(exits));
    for (const e of exits) {
      assert.equal(e.reason, 'exit');
      assert.equal(e.respawned, true);
      assert.match(String((e.error as Error).message), new RegExp(`host ${victim!.hostId} lost: no heartbeat for ${HOST_TIMEOUT} ms`));
    }
    assert.deepEqual(await pool.whoami(), [0, 1, 2, 3]);
  });

  it('a call on a killed host rejects with WorkerExitedError naming the lost host, long before the call would end', { timeout: 30_000 }, async () => {
    const [victim] = await Promise.all([host('mid', 2), host('mid', 2)]);
    await using pool = await ProxyPool.create(Counter, { kind: 'remote', workers: 2, remote: remote('mid') });
    const start = Date.now();
    const call = pool.delayed(7, 20_000); // broadcast: one instance on each host
    setTimeout(() => void victim!.stop('SIGKILL'), 200);
    await assert.rejects(call, (error: Error) => {
      assert.ok(error instanceof WorkerExitedError);
      assert.match(error.message, new RegExp(`^worker [01] exited while running delayed: host ${victim!.hostId} lost: no heartbeat for ${HOST_TIMEOUT} ms$`));
      return true;
    });
    assert.ok(Date.now() - start < 15_000, 'rejected when the host was lost, not when the call would have ended');
  });

  it('a host stopped with SIGTERM finishes its calls in flight, then hands its instances back (respawned elsewhere)', { timeout: 30_000 }, async () => {
    const [leaving, staying] = await Promise.all([host('grace', 1), host('grace', 2)]);
    const exits: WorkerExitEvent[] = [];
    await using pool = await ProxyPool.create(Counter, {
      kind: 'remote', workers: 2, respawn: true, remote: remote('grace'), onWorkerExit: (e) => exits.push(e),
    });
    const call = pool.delayed(5, 800);
    const stopped = new Promise((resolve) => setTimeout(() => resolve(leaving!.stop('SIGTERM')), 100));
    assert.deepEqual(await call, [5, 5]); // the call in flight on the leaving host finished
    await stopped;
    assert.match(leaving!.output(), /closed/);
    assert.equal(exits.length, 1);
    assert.match(String((exits[0]!.error as Error).message), new RegExp(`host ${leaving!.hostId} shut down`));
    assert.equal(exits[0]!.respawned, true);
    assert.deepEqual(await pool.whoami(), [0, 1]);
    assert.match(staying!.output(), /2\/2 in use/);
  });

  it('a pool killed without close(): its host ends the instances once the pool stops beating', { timeout: 30_000 }, async () => {
    const orphans = await startHost(nats.url, { capacity: 2, extra: { poolTimeout: 1000 } }); // the default subject, as the script's pool
    started.push(orphans);
    // create-close-script with 'forget' creates a remote pool and never closes it; we SIGKILL it.
    const script = spawn(process.execPath, [fixtureUrl('create-close-script').pathname, 'remote', 'forget'], {
      env: { ...process.env, OPP_REMOTE_SERVERS: nats.url }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    script.stdout!.on('data', (chunk) => (out += chunk));
    const wait = async (what: () => boolean, label: string) => {
      const deadline = Date.now() + 15_000;
      while (!what()) {
        if (Date.now() > deadline) throw new Error(`${label}; host said:\n${orphans.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await wait(() => /done/.test(out), 'the pool script did not use its pool');
    assert.match(orphans.output(), /2\/2 in use/);
    script.kill('SIGKILL');
    await wait(() => /ended; 0\/2 in use/.test(orphans.output()), 'the host kept the dead pool\'s instances');
  });

  it('a host whose NATS server is gone for good stops by itself', { timeout: 40_000 }, async () => {
    const own = await startNats();
    try {
      const lonely = await startHost(own.url, { capacity: 1 });
      started.push(lonely);
      await own.stop();
      const code = await new Promise((resolve) => lonely.child.once('exit', (c) => resolve(c)));
      assert.match(lonely.output(), /connection to NATS lost; stopped/);
      assert.equal(code, 0, 'the fixture host ends by itself once its connection is closed');
    } finally {
      await own.stop();
    }
  });
});
