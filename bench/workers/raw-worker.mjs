// Reference: the bare worker_threads channel. Request [id, op, arg] -> response [id, result].
import { parentPort } from 'node:worker_threads';
import { piHits, readOne, sizeOf, sumAndReturn, sumArray } from './kernels.mjs';

let count = 0;
const ops = {
  noop: (x) => x,
  inc: () => ++count,
  readOne: (a) => readOne(a),
  sum: (a) => sumArray(a),
  pi: (t) => piHits(t.samples, t.seed),
  size: (p) => sizeOf(p),
  sumEcho: (a) => sumAndReturn(a),
};
parentPort.on('message', (m) => {
  // S4b: the array goes back moved, as the transfer list of the answer.
  if (m[1] === 'sumReturn') parentPort.postMessage([m[0], sumAndReturn(m[2])], [m[2].buffer]);
  else parentPort.postMessage([m[0], ops[m[1]](m[2])]);
});
