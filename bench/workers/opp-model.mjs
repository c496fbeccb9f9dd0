// The class objectproxypool's workers instantiate. No import of the library is needed: shared arrays arrive
// as SharedArrayWrapper instances (revived by the runtime) whose `.data` is the Float64Array.
import { piHits, readOne, sizeOf, sumAndReturn, sumArray } from './kernels.mjs';
// transfer() for S4b's results (it marks with a registered symbol, so dist's copy serves a --source run too).
import { transfer } from '../../dist/worker.js';

const dataOf = (a) => (a && a.data !== undefined && !ArrayBuffer.isView(a) ? a.data : a);

export class BenchModel {
  count = 0;
  noop(x) { return x; }
  inc() { return ++this.count; }
  readOne(a) { return readOne(dataOf(a)); }
  sum(a) { return sumArray(dataOf(a)); }
  pi(t) { return piHits(t.samples, t.seed); }
  size(p) { return sizeOf(p); }
  /** S4b: summed and moved back. */
  sumReturn(a) { return transfer(sumAndReturn(a), [a.buffer]); }
  /** S4b's copy row: summed and copied back. */
  sumEcho(a) { return sumAndReturn(a); }
}
