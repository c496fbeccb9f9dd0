// workerpool's worker script: register the functions with workerpool.worker().
import workerpool from 'workerpool';
import { barrier, piHits, readOne, sizeOf, sumArray } from './kernels.mjs';

let count = 0;
workerpool.worker({
  noop: (x) => x,
  inc: () => ++count,
  readOne: (a) => readOne(a),
  sum: (a) => sumArray(a),
  pi: (t) => piHits(t.samples, t.seed),
  size: (p) => sizeOf(p),
  barrier,
});
