// Reference: the bare worker_threads channel. Request [id, op, arg] -> response [id, result].
import { parentPort } from 'node:worker_threads';
import { piHits, readOne, sizeOf, sumArray } from './kernels.mjs';

let count = 0;
const ops = {
  noop: (x) => x,
  inc: () => ++count,
  readOne: (a) => readOne(a),
  sum: (a) => sumArray(a),
  pi: (t) => piHits(t.samples, t.seed),
  size: (p) => sizeOf(p),
};
parentPort.on('message', (m) => parentPort.postMessage([m[0], ops[m[1]](m[2])]));
