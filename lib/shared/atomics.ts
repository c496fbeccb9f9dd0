/**
 * Atomic helpers for the usual ensemble patterns — many workers adding into one accumulator, a lock around a
 * read-modify-write (locks.ts), a shared task counter (locks.ts) — so that users never hand-roll `Atomics` loops.
 *
 * `Atomics` itself only handles the integer arrays. Floats (and Uint8ClampedArray) are updated by a
 * compare-exchange loop on an integer view of the same bytes: the update is retried until no other thread
 * changed the element in between, so every addition lands exactly once.
 */
import { type AnyTypedArray, type DType, type DTypeArrayMap, type ElementOf, dtypeOf } from './dtypes.ts';
import { SharedArrayWrapper } from './shared-array.ts';

/**
 * What the atomic helpers accept: a {@link SharedArrayWrapper} or a bare typed array (shared or not).
 *
 * @example
 * ```ts
 * const t: AtomicTarget<'int32'> = SharedArrayWrapper.zeros(1, 'int32');
 * ```
 */
export type AtomicTarget<D extends DType = DType> = SharedArrayWrapper<D> | DTypeArrayMap[D];

type IntView = Int32Array | BigInt64Array | Uint8Array;
type Bits = number | bigint;
// Atomics' overloads split number and bigint arrays; dtype dispatch happens at run time, so use one loose view.
const A = Atomics as unknown as {
  load(a: unknown, i: number): Bits;
  store(a: unknown, i: number, v: Bits): Bits;
  add(a: unknown, i: number, v: Bits): Bits;
  compareExchange(a: unknown, i: number, expected: Bits, replacement: Bits): Bits;
};
interface BitCodec {
  view(data: AnyTypedArray): IntView;
  toBits(value: number): Bits;
  fromBits(bits: Bits): number;
}

// Scratch pairs for bit-casting; a thread runs one operation at a time, so module-level scratch is safe.
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const clamp8 = new Uint8ClampedArray(1);

// Creating the integer view costs an allocation; cache it per data array so hot loops allocate nothing.
const views = new WeakMap<AnyTypedArray, IntView>();
const cachedView = (Ctor: new (b: ArrayBufferLike, o: number, n: number) => IntView) => (data: AnyTypedArray) => {
  let view = views.get(data);
  if (!view) views.set(data, (view = new Ctor(data.buffer, data.byteOffset, data.length)));
  return view;
};

const CODECS: Partial<Record<DType, BitCodec>> = {
  float64: {
    view: cachedView(BigInt64Array),
    toBits: (v) => ((f64[0] = v), i64[0]!),
    fromBits: (b) => ((i64[0] = b as bigint), f64[0]!),
  },
  float32: {
    view: cachedView(Int32Array),
    toBits: (v) => ((f32[0] = v), i32[0]!),
    fromBits: (b) => ((i32[0] = b as number), f32[0]!),
  },
  uint8_clamped: {
    view: cachedView(Uint8Array),
    toBits: (v) => ((clamp8[0] = v), clamp8[0]!),
    fromBits: (b) => b as number,
  },
};

function unwrap(target: AtomicTarget): AnyTypedArray {
  return target instanceof SharedArrayWrapper ? target.data : target;
}

function casUpdate(data: AnyTypedArray, codec: BitCodec, index: number, fn: (x: number) => number): number {
  const view = codec.view(data);
  let seen = A.load(view, index);
  for (;;) {
    const old = codec.fromBits(seen);
    // Compare bit patterns, not values: NaN !== NaN and 0 === -0 would otherwise loop or lose updates.
    const witnessed = A.compareExchange(view, index, seen, codec.toBits(fn(old)));
    if (witnessed === seen) return old;
    seen = witnessed;
  }
}

/**
 * Atomically add `value` to element `index` (a flat index; `wrapper.array.index(i, j)` converts) and return
 * the previous value. Works for every dtype, floats included; bigint dtypes take a bigint.
 *
 * @example
 * ```ts
 * const acc = SharedArrayWrapper.zeros(1, 'float64');
 * for (let i = 0; i < 1000; i++) atomicAdd(acc, 0, 0.5); // from any number of workers
 * ```
 */
export function atomicAdd<D extends DType>(target: AtomicTarget<D>, index: number, value: ElementOf<D>): ElementOf<D> {
  const data = unwrap(target);
  const codec = CODECS[dtypeOf(data)];
  if (codec) return casUpdate(data, codec, index, (x) => x + (value as number)) as ElementOf<D>;
  return A.add(data, index, value) as ElementOf<D>;
}

/**
 * Atomically replace element `index` by `fn(current)` and return the previous value. `fn` may run more than
 * once under contention, so it must be pure. Good for max/min accumulators.
 *
 * @example
 * ```ts
 * atomicUpdate(best, 0, (x) => Math.max(x, score));
 * ```
 */
export function atomicUpdate<D extends DType>(target: AtomicTarget<D>, index: number, fn: (current: ElementOf<D>) => ElementOf<D>): ElementOf<D> {
  const data = unwrap(target);
  const codec = CODECS[dtypeOf(data)];
  const f = fn as unknown as (x: Bits) => Bits;
  if (codec) return casUpdate(data, codec, index, f as (x: number) => number) as ElementOf<D>;
  let seen = A.load(data, index);
  for (;;) {
    const witnessed = A.compareExchange(data, index, seen, f(seen));
    if (witnessed === seen) return seen as ElementOf<D>;
    seen = witnessed;
  }
}

/**
 * Read element `index` atomically (never a torn 64-bit float).
 *
 * @example
 * ```ts
 * const total = atomicLoad(acc, 0);
 * ```
 */
export function atomicLoad<D extends DType>(target: AtomicTarget<D>, index: number): ElementOf<D> {
  const data = unwrap(target);
  const codec = CODECS[dtypeOf(data)];
  if (codec) return codec.fromBits(A.load(codec.view(data), index)) as ElementOf<D>;
  return A.load(data, index) as ElementOf<D>;
}

/**
 * Write element `index` atomically; returns the value as stored (after conversion to the dtype).
 *
 * @example
 * ```ts
 * atomicStore(flags, 3, 1);
 * ```
 */
export function atomicStore<D extends DType>(target: AtomicTarget<D>, index: number, value: ElementOf<D>): ElementOf<D> {
  const data = unwrap(target);
  const codec = CODECS[dtypeOf(data)];
  if (!codec) return A.store(data, index, value) as ElementOf<D>;
  const bits = codec.toBits(value as number);
  A.store(codec.view(data), index, bits);
  return codec.fromBits(bits) as ElementOf<D>;
}
