// Security of kind 'remote' (issue 8, Done-when 3): NATS authentication (token, user/password, nkey) with a clear
// error for wrong credentials, on the pool's side and the host's; a host runs only its own module and only the
// class's own methods, whatever arrives on the wire; payloads over the limit fail with a clear error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nkeys } from '@nats-io/transport-node';
import { ArgumentError, PayloadTooLargeError, ProxyPool, RemoteConnectionError } from './helpers/lib.ts';
import { Counter } from '../.test-build/spec/fixtures/counter.js';
import { connectNats, decode, encode, subjects } from '../.test-build/lib/remote/wire.js';
import { hostFailure, natsSkip, startHost, startNats, type HostProcess, type NatsServer } from './helpers/nats.ts';

const skip = natsSkip();
const T = { timeout: 30_000 };
const refused = /^cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*the server refused the credentials \(check token, user\/pass or nkey\)$/;

describe('remote security', { skip }, () => {
  const servers: NatsServer[] = [];
  const hosts: HostProcess[] = [];
  let dir: string;
  let tokenServer: NatsServer;
  let usersServer: NatsServer;
  const user = nkeys.createUser();
  const seed = new TextDecoder().decode(user.getSeed());

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opp-nats-'));
    const config = join(dir, 'users.conf');
    writeFileSync(config, `authorization {\n  users = [\n    { user: alice, password: s3cret }\n    { nkey: ${user.getPublicKey()} }\n  ]\n}\nmax_payload: 262144\n`);
    [tokenServer, usersServer] = await Promise.all([startNats(['--auth', 'right-token']), startNats(['-c', config])]);
    servers.push(tokenServer, usersServer);
  });
  after(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('token: host and pool with the token work; a pool or host with a wrong or no token is refused, clearly', T, async () => {
    hosts.push(await startHost(tokenServer.url, { capacity: 2, extra: { token: 'right-token' } }));
    await using pool = await ProxyPool.create(Counter, { kind: 'remote', workers: 2, remote: { servers: tokenServer.url, token: 'right-token' } });
    assert.deepEqual(await pool.add(2, 3), [5, 5]);
    for (const token of ['wrong-token', undefined]) {
      await assert.rejects(ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: tokenServer.url, token } }), (error: Error) => {
        assert.ok(error instanceof RemoteConnectionError, String(error));
        assert.match(error.message, refused);
        return true;
      });
    }
    const failed = await hostFailure(tokenServer.url, { exportName: 'Counter', token: 'wrong-token' });
    assert.match(failed, /^RemoteConnectionError: cannot connect to NATS at .*the server refused the credentials/);
  });

  it('user/password and nkey: the right ones work, wrong ones are refused with RemoteConnectionError', T, async () => {
    hosts.push(await startHost(usersServer.url, { capacity: 2, extra: { user: 'alice', pass: 's3cret' } }));
    await using byNkey = await ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: usersServer.url, nkeySeed: seed } });
    assert.deepEqual(await byNkey.add(1, 1), [2]);
    await using byUser = await ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: usersServer.url, user: 'alice', pass: 's3cret' } });
    assert.deepEqual(await byUser.add(2, 2), [4]);
    const wrongSeed = new TextDecoder().decode(nkeys.createUser().getSeed());
    for (const remote of [{ user: 'alice', pass: 'nope' }, { nkeySeed: wrongSeed }]) {
      await assert.rejects(ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: usersServer.url, ...remote } }), (error: Error) => {
        assert.ok(error instanceof RemoteConnectionError, String(error));
        assert.match(error.message, refused);
        return true;
      });
    }
    assert.match(await hostFailure(usersServer.url, { exportName: 'Counter', user: 'mallory', pass: 'x' }), /^RemoteConnectionError: .*refused the credentials/);
  });

  it('payloads over the limit fail with PayloadTooLargeError, both ways, and the instance keeps working', T, async () => {
    // The server allows 256 KiB; this host sends at most 64 KiB back.
    hosts.push(await startHost(usersServer.url, { capacity: 2, extra: { user: 'alice', pass: 's3cret', subject: 'small', maxPayload: 65536 } }));
    await using pool = await ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: usersServer.url, user: 'alice', pass: 's3cret', subject: 'small' } });
    await assert.rejects(pool.setProperty(new Float64Array(40_000)), (error: Error) => {
      assert.ok(error instanceof ArgumentError, String(error));
      assert.ok(error.cause instanceof PayloadTooLargeError);
      assert.match(error.message, /^setProperty: an argument cannot be sent to a worker \(the request is 3200\d\d bytes once serialized, more than the remote payload limit of 262144 bytes/);
      return true;
    });
    await pool.setProperty(new Float64Array(20_000)); // 160 kB: fits the way in, not the host's 64 KiB way out
    await assert.rejects(pool.fields.get('property'), (error: Error) => {
      assert.ok(error instanceof PayloadTooLargeError, String(error));
      assert.match(error.message, /^the result is 1600\d\d bytes once serialized, more than the remote payload limit of 65536 bytes/);
      return true;
    });
    assert.deepEqual(await pool.add(1, 2), [3]);
  });

  it('over the wire, a host loads only its own module and runs only the class\'s own methods', T, async () => {
    const url = usersServer.url;
    hosts.push(await startHost(url, { capacity: 1, extra: { user: 'alice', pass: 's3cret', subject: 'raw' } }));
    // Speak the protocol by hand, as a hostile client would.
    const nc = await connectNats({ servers: url, user: 'alice', pass: 's3cret' }, 'raw client');
    try {
      const s = subjects('raw');
      const answers: any[] = [];
      const inbox = `_INBOX.raw${Date.now()}`;
      // A worker asks its pool for a barrier after a long synchronous stretch (lib/runtime/inbox.ts): answer as a pool does.
      const sub = nc.subscribe(inbox, {
        callback: (_e, msg) => {
          const message = decode(msg.data) as any;
          const batch: any[] = Array.isArray(message) && Array.isArray(message[0]) ? message : [message];
          for (const r of batch) {
            if (Array.isArray(r) && r[1] === 6 && r[2] === 'barrier' && r[4]) nc.publish(s.instance(spawned.instanceId), encode([[8, r[0], true, undefined, false]], 1e6));
          }
          const rest = batch.filter((r) => !(Array.isArray(r) && r[1] === 6));
          if (rest.length > 0) answers.push(rest);
        },
      });
      const discovered = decode((await nc.request(s.discover, encode({ exportName: 'Counter' }, 1e6))).data) as { hostId: string };
      const spawned = decode((await nc.request(s.spawn(discovered.hostId), encode({ poolId: 'raw', index: 0, exportName: 'Counter', replyTo: inbox }, 1e6))).data) as { ok: boolean; instanceId: string };
      assert.equal(spawned.ok, true);
      const send = (batch: unknown[]) => nc.publish(s.instance(spawned.instanceId), encode(batch, 1e6));
      // An Init naming another module and export, or carrying class source: the host builds its own class (the Counter).
      send([[1, { module: 'data:text/javascript,export class Evil { constructor() { globalThis.pwned = 1; } }', exportName: 'Evil', args: [], argsHaveHandles: false, context: { index: 0, count: 1, seed: 1, kind: 'remote' }, source: { code: 'class Evil { constructor() { globalThis.pwned = 1; } }', provided: [], globals: ['globalThis'] } }]]);
      send([[2, 1, 'constructor', [], false], [2, 2, 'toString', [], false], [2, 3, 'hasOwnProperty', ['x'], false], [5, 4, '__proto__', {}, false], [2, 5, 'add', [2, 2], false]]);
      const deadline = Date.now() + 10_000;
      while (answers.flat().filter((r: unknown) => Array.isArray(r)).length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const responses = answers.flatMap((a) => (Array.isArray(a) && Array.isArray(a[0]) ? a : [a])) as any[];
      const ready = responses.find((r) => r[1] === 4);
      assert.ok(ready[2].includes('whoami'), 'the host constructed its own Counter, not the class named on the wire');
      const byId = new Map(responses.filter((r) => r[0] !== 0).map((r) => [r[0], r]));
      for (const id of [1, 2, 3]) {
        assert.equal(byId.get(id)[1], 2, `request ${id} must fail`);
        assert.match(byId.get(id)[2].message, /is neither a method nor an exposed service function of this instance; available: .*whoami/);
      }
      assert.match(byId.get(4)[2].message, /"__proto__" is reserved and cannot be read or written remotely/);
      assert.deepEqual(byId.get(5).slice(0, 3), [5, 1, 4]);
      sub.unsubscribe();
      nc.publish(s.instance(spawned.instanceId), encode({ t: 'end' }, 1e6));
    } finally {
      await nc.drain();
    }
  });

  it('TLS options pass through: with the server\'s CA, host and pool work; without it, a clear refusal', T, async () => {
    const dir = new URL('./fixtures/tls/', import.meta.url);
    const cert = fileURLToPath(new URL('cert.pem', dir));
    const tlsServer = await startNats(['--tls', '--tlscert', cert, '--tlskey', fileURLToPath(new URL('key.pem', dir))]);
    servers.push(tlsServer);
    hosts.push(await startHost(tlsServer.url, { capacity: 1, extra: { tls: { caFile: cert } } }));
    await using pool = await ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: tlsServer.url, tls: { caFile: cert } } });
    assert.deepEqual(await pool.add(20, 22), [42]);
    await assert.rejects(ProxyPool.create(Counter, { kind: 'remote', workers: 1, remote: { servers: tlsServer.url } }), (error: Error) => {
      assert.ok(error instanceof RemoteConnectionError, String(error));
      assert.match(error.message, /^cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: self-signed certificate(;|$)/); // Node 24 adds a hint about --use-system-ca
      return true;
    });
  });
});

it('shipSource is refused for kind remote before anything connects: hosts never evaluate code from the wire', T, async () => {
  await assert.rejects(
    ProxyPool.create(class Inline { f() { return 1; } }, { kind: 'remote', workers: 1, shipSource: true, remote: { servers: 'nats://127.0.0.1:1' } }),
    (error: Error) => {
      assert.ok(error instanceof ArgumentError, String(error));
      assert.match(error.message, /option shipSource cannot be used with kind 'remote': a host runs only the module it was started with/);
      return true;
    },
  );
});
