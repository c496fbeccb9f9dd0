// The work every library's workers do, shared so that all rows run the same code.
// Plain JavaScript on purpose: every worker loads it without a TypeScript loader (see bench/README.md).

/** Monte Carlo π: how many of `samples` points of the unit square fall in the quarter disc (xorshift32 RNG). */
export function piHits(samples, seed) {
  let s = (seed | 0) || 0x9e3779b9;
  let hits = 0;
  for (let i = 0; i < samples; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const x = (s >>> 0) / 4294967296;
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const y = (s >>> 0) / 4294967296;
    if (x * x + y * y <= 1) hits++;
  }
  return hits;
}

export function sumArray(a) {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i];
  return total;
}

/** S4b: the sum, and the array itself sent back (the caller says whether it moves or is copied). */
export function sumAndReturn(a) {
  return { sum: sumArray(a), values: a };
}

export function readOne(a) {
  return a[a.length >> 1];
}

/** Length of a payload (growth scenario): touches the value without sending it back. */
export function sizeOf(p) {
  return p == null ? 0 : (p.length ?? p.byteLength ?? 0);
}

/**
 * S6 "every worker answered" for pools that cannot address a worker: each of `n` tasks counts itself in and waits
 * until all `n` have, so no worker can take two of them and the last answer comes when every worker is up.
 */
export function barrier({ counter, n }) {
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
  const deadline = Date.now() + 10_000;
  for (let seen = Atomics.load(counter, 0); seen < n; seen = Atomics.load(counter, 0)) {
    if (Date.now() > deadline) throw new Error(`barrier: ${seen} of ${n} tasks arrived in 10 s`);
    Atomics.wait(counter, 0, seen, 100);
  }
  return n;
}
