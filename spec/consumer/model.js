// A user's class, plain JavaScript.
export class Model {
  constructor(k = 1) {
    this.k = k;
  }
  times(x) {
    return x * this.k;
  }
  /** Writes i + 1 into slot i of a shared array (any kind of worker, any kind of shared memory). */
  fill(wrapper, i) {
    wrapper.array.set(i, i + 1);
    return i;
  }
}
