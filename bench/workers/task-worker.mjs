// Worker file for piscina and tinypool: one named export per task, selected with the `name` run option.
import { piHits, readOne as read, sizeOf, sumArray } from './kernels.mjs';
export { barrier } from './kernels.mjs';

let count = 0;
export function noop(x) { return x; }
export function inc() { return ++count; }
export function readOne(a) { return read(a); }
export function sum(a) { return sumArray(a); }
export function pi(t) { return piHits(t.samples, t.seed); }
export function size(p) { return sizeOf(p); }
export default noop;
