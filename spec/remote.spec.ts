// Kind 'remote' end to end: a real nats-server on loopback, two host processes serving the Counter fixture.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyPool, NotEnoughHostsError, range, SharedArrayWrapper } from './helpers/lib.ts';
import { Counter } from '../.test-build/spec/fixtures/counter.js';
import { natsSkip, startHost, startNats, type HostProcess, type NatsServer } from './helpers/nats.ts';

const skip = natsSkip();
const T = { timeout: 30_000 };

describe('remote kind', { skip }, () => {
  let nats: NatsServer;
  let hosts: HostProcess[] = [];
  const remote = () => ({ servers: nats.url, hostTimeout: 1000, discoveryTimeout: 1000 });

  before(async () => {
    nats = await startNats();
    hosts = await Promise.all([startHost(nats.url, { capacity: 3 }), startHost(nats.url, { capacity: 3 })]);
  });
  after(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await nats?.stop();
  });

  it('broadcasts to instances spread over both hosts, and maps', T, async () => {
    await using pool = await ProxyPool.create(Counter, { kind: 'remote', workers: 4, args: ['far'], remote: remote() });
    assert.deepEqual(await pool.whoami(), [0, 1, 2, 3]);
    assert.deepEqual(await pool.fields.get('label'), ['far', 'far', 'far', 'far']);
    assert.deepEqual(await pool.add.map(range(100), range(100)), Array.from({ length: 100 }, (_, i) => 2 * i));
    assert.equal(pool.info.kind, 'remote');
    // Round-robin by capacity: two instances on each host (each host logs the instances it starts).
    for (const host of hosts) assert.equal(host.output().match(/ started;/g)?.length, 2, host.output());
    // Values keep their types across the network, as between threads.
    const value = { when: new Date(5), tags: new Set(['a']), big: 10n, data: new Float64Array([1.5]), nested: new Map([[1, 'x']]) };
    await pool.setProperty(value);
    assert.deepEqual(await pool.fields.get('property'), [value, value, value, value]);
  });

  it('shared arrays travel as copies: each host gets its own, and what comes back is a copy too', T, async () => {
    await using pool = await ProxyPool.create(Counter, { kind: 'remote', workers: 2, remote: remote() });
    const local = SharedArrayWrapper.from(new Float64Array([1, 2, 3]));
    await pool.setProperty(local);
    local.data[0] = 99; // not seen remotely: no memory is shared across machines
    const back = (await pool.fields.get('property')) as unknown as SharedArrayWrapper[];
    for (const copy of back) {
      assert.ok(copy instanceof SharedArrayWrapper);
      assert.deepEqual([...copy.data], [1, 2, 3]);
      assert.notEqual(copy.data.buffer, local.data.buffer);
    }
    // Memory of this machine's processes cannot travel: a clear error, and the pool keeps working.
    const segment = SharedArrayWrapper.zeros([4], 'float64', { across: 'processes' });
    await assert.rejects(pool.setProperty(segment), (error: Error) => {
      assert.equal(error.name, 'ArgumentError');
      assert.match(error.message, /^setProperty: .*cannot be sent to a worker \(a shared array or lock allocated with \{ across: 'processes' \} names memory of this machine and cannot be sent to a remote host/);
      return true;
    });
    segment.release();
    assert.deepEqual(await pool.add(1, 1), [2, 2]);
  });

  it('fails with NotEnoughHostsError naming how many answered when the hosts lack room', T, async () => {
    await assert.rejects(
      ProxyPool.create(Counter, { kind: 'remote', workers: 7, remote: { ...remote(), discoveryTimeout: 300 } }),
      (error: Error) => {
        assert.ok(error instanceof NotEnoughHostsError);
        assert.match(error.message, /asked for 7 remote instances of Counter, but within 300 ms 2 hosts serving Counter answered on "objectproxypool\.discover" with 6 free slots/);
        return true;
      },
    );
  });
});
