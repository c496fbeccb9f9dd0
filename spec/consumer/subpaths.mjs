// Plain JavaScript over the subpath entries: a flow served by a Server, shared-memory atomics, partition ranges,
// and every other entry loads. Prints JSON for spec/package.spec.ts.
import { sequential, passThrough } from 'objectproxypool/flows';
import { Server } from 'objectproxypool/server';
import { atomicAdd, DTYPES } from 'objectproxypool/shared';
import { partitionRanges } from 'objectproxypool/partition';

const server = await Server.start(sequential((s) => s.toUpperCase(), passThrough, (s) => `${s}!`), { capacity: 2 });
const served = await server.call('hi');
await server.stop();
const cells = new Int32Array(new SharedArrayBuffer(8));
atomicAdd(cells, 1, 5);
const entries = {};
for (const name of ['', '/worker', '/shared', '/types', '/remote', '/flows', '/server', '/jobs', '/services', '/collectives', '/partition']) {
  entries[name || '.'] = Object.keys(await import(`objectproxypool${name}`)).length;
}
console.log(JSON.stringify({ served, cells: [...cells], int32: DTYPES.includes('int32'), ranges: partitionRanges(10, 3), entries }));
