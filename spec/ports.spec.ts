/**
 * MessagePorts and other transferables pass when transferred: two workers handed the two ends of one
 * MessageChannel talk directly, without the host; a ReadableStream moves to a worker that reads it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { ArgumentError, ProxyPool, fixtureUrl, transfer } from './helpers/lib.ts';
import { T } from './helpers/kinds.ts';
import { TransferModel } from '../.test-build/spec/fixtures/transfer-model.js';

const module = fixtureUrl('transfer-model');

for (const kind of ['thread', 'inline'] as const) {
  describe(`ports [${kind}]`, () => {
    it('one MessageChannel\'s two ports, handed to two workers, carry their messages directly', T, async () => {
      await using p = await ProxyPool.create(TransferModel, { kind, workers: 2, module, dedicated: true });
      const { port1, port2 } = new MessageChannel();
      assert.deepEqual(await p.takePort.map([transfer(port1, [port1]), transfer(port2, [port2])]), [0, 1]);
      const answers = await p.exchange.map(['ping', 'pong']);
      assert.deepEqual(answers, [{ from: 1, message: 'pong' }, { from: 0, message: 'ping' }]);
    });

    it('a port not listed for transfer is an ArgumentError naming it; the pool stays usable', T, async () => {
      await using p = await ProxyPool.create(TransferModel, { kind, workers: 1, module });
      const { port1, port2 } = new MessageChannel();
      await assert.rejects(p.takePort.one(port1), (e: Error) => e instanceof ArgumentError && /argument 0 \(MessagePort\) cannot be sent to a worker unless transferred/.test(e.message));
      await assert.rejects(p.takePort.one({ nested: port1 } as never), ArgumentError);
      port1.close();
      port2.close();
      assert.equal(await p.sum.one(new Float64Array([1, 2])), 3);
    });

    it('a ReadableStream moves to the worker, which reads it to its end', T, async () => {
      await using p = await ProxyPool.create(TransferModel, { kind, workers: 1, module });
      const parts = ['a', 'b', 'c'];
      const stream = new ReadableStream<string>({
        pull(controller) {
          const next = parts.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(next);
        },
      });
      assert.equal(await p.readStream.one(transfer(stream, [stream as unknown as Transferable])), 'abc');
    });
  });
}
