// Reference: SharedArrayBuffer + Atomics ping-pong, no message per call at all.
// ctl (Int32Array on a SAB): [0] request sequence, [1] response sequence, [2] op, [3] arg.
// res (Float64Array on a SAB): [0] result. data: an optional shared Float64Array sent once at set-up.
import { parentPort, workerData } from 'node:worker_threads';
import { readOne, sumArray } from './kernels.mjs';

const ctl = new Int32Array(workerData.ctl);
const res = new Float64Array(workerData.res);
let data = new Float64Array(0);
let count = 0;
let seen = 0;
// Messages are read only between loops: op -2 leaves the loop so that a new shared array can arrive.
parentPort.on('message', (m) => {
  if (m.data) data = m.data;
  parentPort.postMessage('ok');
  setImmediate(loop);
});
function loop() {
  for (;;) {
    Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    const op = ctl[2];
    if (op === -2) { Atomics.store(ctl, 1, seen); Atomics.notify(ctl, 1); return; }
    res[0] = op === 0 ? ctl[3] : op === 1 ? ++count : op === 2 ? readOne(data) : sumArray(data);
    Atomics.store(ctl, 1, seen);
    Atomics.notify(ctl, 1);
  }
}
