/**
 * A worker host: serves PiSampler instances to pools on other machines through NATS. Run one per machine:
 *
 *   node --import tsx examples/remote/host.ts --servers nats://NATS_HOST:4222 [--capacity 4]
 *
 * (the same as `npx objectproxypool host --servers ... --module examples/remote/model.ts`). Ctrl-C or SIGTERM
 * finishes the calls in flight, hands the instances back to their pools, and exits.
 */
import { parseArgs } from 'node:util';
import { serveHost } from '../../lib/remote/index.ts';

const { values } = parseArgs({ options: { servers: { type: 'string', default: 'nats://127.0.0.1:4222' }, capacity: { type: 'string' } } });
const host = await serveHost({
  servers: values.servers.split(','),
  module: new URL('./model.ts', import.meta.url),
  capacity: values.capacity ? Number(values.capacity) : undefined,
  token: process.env.NATS_TOKEN,
  log: (line) => console.log(line),
});
console.log(`ready ${host.hostId}: serving ${host.exportName} with capacity ${host.capacity}`);
const stop = () => void host.close(5000).then(() => console.log('host closed'));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
