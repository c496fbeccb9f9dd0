// The Model of the README's option and worker-factory snippets.
export class Model {
  constructor(k = 1) {
    this.k = k;
  }
  times(x) {
    return x * this.k;
  }
}
