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

export function readOne(a) {
  return a[a.length >> 1];
}

/** Length of a payload (growth scenario): touches the value without sending it back. */
export function sizeOf(p) {
  return p == null ? 0 : (p.length ?? p.byteLength ?? 0);
}
