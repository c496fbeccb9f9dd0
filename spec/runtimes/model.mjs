// The class the runtime conformance suite drives: plain JavaScript, so Deno and Bun load it with no build step.
// It imports the library from the path the runner gives in OPP_LIB (the package's dist/ entry).
const lib = await import(globalThis.process?.env?.OPP_LIB ?? '../../dist/index.js');
const { workerContext } = lib;

export class Probe {
  calls = 0;
  ctx = workerContext();
  constructor(label = 'probe') {
    this.label = label;
  }
  index() {
    this.calls++;
    return this.ctx.index;
  }
  square(x) {
    return x * x;
  }
  draw() {
    return this.ctx.rng.random();
  }
  remember(x) {
    this.kept = x;
    return this.ctx.index;
  }
  recall() {
    return [this.ctx.index, this.kept];
  }
  fill(wrapper, row) {
    const a = wrapper.array;
    for (let j = 0; j < a.shape[1]; j++) a.set(row, j, row * 100 + j);
    return row;
  }
  fail(message) {
    throw new RangeError(message);
  }
  crash(message) {
    setTimeout(() => {
      throw new Error(message); // uncaught, outside any call: the worker dies (thread, process, web alike)
    });
    return new Promise(() => {});
  }
}
