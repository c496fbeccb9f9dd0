// comlink as its docs show for Node: expose an object over the worker's parentPort via the node adapter.
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { piHits, readOne, sizeOf, sumArray } from './kernels.mjs';

class BenchModel {
  count = 0;
  noop(x) { return x; }
  inc() { return ++this.count; }
  readOne(a) { return readOne(a); }
  sum(a) { return sumArray(a); }
  pi(t) { return piHits(t.samples, t.seed); }
  size(p) { return sizeOf(p); }
}

Comlink.expose(new BenchModel(), nodeEndpoint(parentPort));
