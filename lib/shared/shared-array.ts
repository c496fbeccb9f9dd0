/**
 * Zero-copy arrays for worker pools.
 *
 * Lifetime: by default the memory is a `SharedArrayBuffer`, which the engine frees only when no thread references
 * it any more. Handing a wrapper to a worker gives that worker its own reference, so the memory stays valid for as
 * long as the host *or any worker* keeps a wrapper (or a view) over it — a worker exiting or a copy being collected
 * never invalidates anyone else's view. There is nothing to close or unlink.
 *
 * With `{ across: 'processes' }` the memory is a named POSIX segment instead (see `process-memory.ts`), which
 * process workers can map too; its name is unlinked once no process holds it (`release()` or garbage collection).
 */
import ndarray from 'ndarray';
import { fromNdArray, fromNested, isNdArray } from './array-import.ts';
import { toHandle, type Handle, type Shareable } from '../protocol/value-codec.ts';
import {
  type Across,
  type Hold,
  type MemoryRef,
  type SharedMemoryOptions,
  acrossOf,
  allocate,
  holdOf,
  isShareableBuffer,
  memoryFromRef,
  memoryRef,
  release,
} from './process-memory.ts';
import {
  type AnyTypedArray,
  type DType,
  type DTypeArrayMap,
  type DTypeOf,
  type ElementOf,
  type NdDataMap,
  type ShapeLike,
  allocateShared,
  dtypeOf,
  isBigIntDType,
  isDType,
  normalizeShape,
  product,
  typedArrayConstructor,
} from './dtypes.ts';

/** Tag of the handle a {@link SharedArrayWrapper} travels as. @example `registerHandleReviver(SHARED_ARRAY_TAG, SharedArrayWrapper.fromHandle)` */
export const SHARED_ARRAY_TAG = 'objectproxypool.SharedArrayWrapper';

/**
 * Nested plain arrays, as accepted by {@link SharedArrayWrapper.from}.
 *
 * @example `const rows: NestedArray<number> = [[1, 2], [3, 4]];`
 */
export type NestedArray<T> = readonly (T | NestedArray<T>)[];

/**
 * A typed array in shared memory plus its shape, with an `ndarray` view. Pass it (alone or nested in plain
 * objects/arrays) to pool methods or return it from them: the other side gets a wrapper over the **same
 * memory** in O(1), whatever the array's size. Writes from any thread are visible to all; use the helpers in
 * `atomics.ts` when several threads update the same element.
 *
 * @example
 * ```ts
 * const grid = SharedArrayWrapper.zeros([100, 100], 'float64');
 * await pool.fillRows.map(grid.split(4)); // each worker writes its own rows in place, nothing is copied
 * console.log(grid.array.get(3, 7));
 * ```
 */
export class SharedArrayWrapper<D extends DType = DType> implements Shareable {
  /** The flat elements in row-major (C) order; a view on the shared memory, never a copy. */
  readonly data: DTypeArrayMap[D];
  /** Element type; equals `this.array.dtype`. */
  readonly dtype: D;
  /** Length of each axis (frozen). `[]` for a 0-d array. */
  readonly shape: readonly number[];
  /** Number of elements (product of the shape; 1 for 0-d, 0 when any axis is 0). */
  readonly size: number;
  #array?: ndarray.NdArray<NdDataMap[D]>;
  /** This wrapper's hold on process-shared memory (shared with its sub-views); undefined for a SharedArrayBuffer. */
  readonly #hold: Hold | undefined;

  private constructor(data: DTypeArrayMap[D], shape: number[], hold: Hold | undefined) {
    if (!isShareableBuffer(data.buffer)) {
      throw new TypeError('SharedArrayWrapper needs a typed array over a SharedArrayBuffer (or process-shared memory); use SharedArrayWrapper.from() to copy one in');
    }
    const size = product(shape);
    if (size !== data.length) {
      throw new RangeError(`shape [${shape.join(', ')}] has ${size} elements but the data has ${data.length}`);
    }
    this.data = data;
    this.#hold = hold;
    this.dtype = dtypeOf(data) as DType as D;
    this.shape = Object.freeze(shape);
    this.size = size;
  }

  /**
   * A new zero-filled shared array. `{ across: 'processes' }` puts it in memory that process workers share too
   * (a named POSIX segment; needs the native addon) instead of a SharedArrayBuffer, which only threads share.
   *
   * @example
   * ```ts
   * const acc = SharedArrayWrapper.zeros(1, 'int32');
   * const img = SharedArrayWrapper.zeros([480, 640, 3], 'uint8');
   * const grid = SharedArrayWrapper.zeros([100, 100], 'float64', { across: 'processes' }); // for kind: 'process' pools
   * ```
   */
  static zeros<D extends DType = 'float64'>(shape: ShapeLike, dtype: D = 'float64' as D, options: SharedMemoryOptions = {}): SharedArrayWrapper<D> {
    const dims = normalizeShape(shape);
    const Ctor = typedArrayConstructor(dtype);
    const size = product(dims);
    const { buffer, byteOffset, hold } = allocate(size * Ctor.BYTES_PER_ELEMENT, options.across, allocateShared);
    return new SharedArrayWrapper(new Ctor(buffer, byteOffset, size), dims, hold);
  }

  /**
   * Copy data into new shared memory, once. Accepts a typed array (dtype kept unless given), an `ndarray` (any strides; shape
   * kept), or plain/nested arrays of numbers or bigints (shape inferred from the nesting unless given; dtype
   * defaults to `'float64'`, or `'bigint64'` for bigints). `options.across` as in {@link SharedArrayWrapper.zeros}.
   *
   * @example
   * ```ts
   * const a = SharedArrayWrapper.from(new Int16Array([1, 2, 3, 4]), [2, 2]);
   * const b = SharedArrayWrapper.from([[1, 2], [3, 4]]);            // float64, shape [2, 2]
   * const c = SharedArrayWrapper.from([1, 2, 3], undefined, 'uint8');
   * const d = SharedArrayWrapper.from([1, 2, 3], undefined, undefined, { across: 'processes' });
   * ```
   */
  static from<T extends AnyTypedArray>(data: T, shape?: ShapeLike, dtype?: undefined, options?: SharedMemoryOptions): SharedArrayWrapper<DTypeOf<T>>;
  static from<T extends AnyTypedArray, D extends DType = DTypeOf<T>>(data: T, shape?: ShapeLike, dtype?: D, options?: SharedMemoryOptions): SharedArrayWrapper<D>;
  static from<T extends ndarray.Data>(
    data: ndarray.NdArray<T>,
    shape?: ShapeLike,
    dtype?: undefined,
    options?: SharedMemoryOptions,
  ): SharedArrayWrapper<T extends AnyTypedArray ? DTypeOf<T> : 'float64'>;
  static from<D extends DType = 'float64'>(data: NestedArray<number> | ndarray.NdArray<any>, shape?: ShapeLike, dtype?: D, options?: SharedMemoryOptions): SharedArrayWrapper<D>;
  static from<D extends 'bigint64' | 'biguint64' = 'bigint64'>(data: NestedArray<bigint>, shape?: ShapeLike, dtype?: D, options?: SharedMemoryOptions): SharedArrayWrapper<D>;
  static from(data: unknown, shape?: ShapeLike, dtype?: DType, options: SharedMemoryOptions = {}): SharedArrayWrapper {
    if (ArrayBuffer.isView(data)) {
      const src = data as AnyTypedArray;
      if (dtype !== undefined && dtype !== dtypeOf(src)) return fromNdArray(ndarray(src as any), shape ?? src.length, dtype, zerosFor(options));
      const out = SharedArrayWrapper.zeros(shape ?? src.length, dtypeOf(src), options);
      if (out.size !== src.length) throw new RangeError(`shape [${out.shape.join(', ')}] has ${out.size} elements but the data has ${src.length}`);
      (out.data as any).set(src);
      return out;
    }
    if (isNdArray(data)) return fromNdArray(data, shape, dtype, zerosFor(options));
    if (Array.isArray(data)) return fromNested(data, shape, dtype, zerosFor(options));
    throw new TypeError('SharedArrayWrapper.from expects a typed array, an ndarray or a (nested) array of numbers');
  }

  /**
   * Wrap a typed array that already lives in a SharedArrayBuffer (or in process-shared memory, e.g. another
   * wrapper's `data`), without copying.
   *
   * @example
   * ```ts
   * const data = new Float32Array(new SharedArrayBuffer(4 * 6));
   * const w = SharedArrayWrapper.wrap(data, [2, 3]); // w.data === data
   * ```
   */
  static wrap<T extends AnyTypedArray>(data: T, shape?: ShapeLike): SharedArrayWrapper<DTypeOf<T>> {
    if (!isShareableBuffer(data.buffer)) {
      throw new TypeError('SharedArrayWrapper needs a typed array over a SharedArrayBuffer (or process-shared memory); use SharedArrayWrapper.from() to copy one in');
    }
    return new SharedArrayWrapper<DTypeOf<T>>(data as any, normalizeShape(shape ?? data.length), holdOf(data.buffer));
  }

  /**
   * Rebuild a wrapper from its handle (what the pool's reviver calls on the receiving side).
   *
   * @example `const same = SharedArrayWrapper.fromHandle(structuredClone(w[toHandle]()));`
   */
  static fromHandle(handle: Handle): SharedArrayWrapper {
    const { byteOffset, length, dtype, shape } = handle as Handle & SharedArrayHandleData;
    if (!isDType(dtype) || !Array.isArray(shape)) throw new TypeError('malformed SharedArrayWrapper handle');
    const { buffer, hold } = memoryFromRef(handle, 'SharedArrayWrapper');
    const Ctor = typedArrayConstructor(dtype);
    return new SharedArrayWrapper(new Ctor(buffer, byteOffset, length), normalizeShape(shape), hold);
  }

  /**
   * An `ndarray` view (shape, strides, dtype, `get`/`set`, `lo`/`hi`/`pick`...) over the same memory.
   *
   * @example
   * ```ts
   * w.array.set(1, 2, 42);
   * w.array.get(1, 2); // 42
   * ```
   */
  get array(): ndarray.NdArray<NdDataMap[D]> {
    return (this.#array ??= ndarray(this.data as NdDataMap[D], this.shape.slice()));
  }

  /**
   * The memory behind the data (the view may start at an offset inside it; see `data.byteOffset`): a
   * SharedArrayBuffer, or for `{ across: 'processes' }` the mapped segment as a plain ArrayBuffer.
   *
   * @example `w.buffer instanceof SharedArrayBuffer; // true for the default across: 'threads'`
   */
  get buffer(): SharedArrayBuffer | ArrayBuffer {
    return this.data.buffer as SharedArrayBuffer | ArrayBuffer;
  }

  /**
   * Who can share this memory: `'threads'` (a SharedArrayBuffer: thread and inline workers) or `'processes'`
   * (a POSIX segment: process workers as well).
   *
   * @example `SharedArrayWrapper.zeros(4, 'int32', { across: 'processes' }).across; // 'processes'`
   */
  get across(): Across {
    return acrossOf(this.data.buffer);
  }

  /**
   * Give back this wrapper's hold on process-shared memory (shared with the sub-views taken from it): the
   * segment's name is unlinked once nobody holds it — no wrapper, lock or counter in any process, and no handle
   * in flight. Garbage collection does the same eventually; `release()` makes it prompt. The data stays readable
   * here until collected, but this wrapper can no longer be sent. A no-op for SharedArrayBuffer memory, which the
   * engine frees by itself.
   *
   * @example
   * ```ts
   * const acc = SharedArrayWrapper.zeros(1, 'float64', { across: 'processes' });
   * await pool.simulate(acc);
   * console.log(acc.data[0]);
   * acc.release(); // or: using acc = ...
   * ```
   */
  release(): void {
    release(this.#hold);
  }

  /** `using w = SharedArrayWrapper.zeros(n, dt, { across: 'processes' })` releases at the end of the scope. @example `using w = SharedArrayWrapper.zeros(1)` */
  [Symbol.dispose](): void {
    this.release();
  }

  /** True once {@link SharedArrayWrapper.release} was called on this wrapper (or the one it was taken from). @example `w.released` */
  get released(): boolean {
    return this.#hold?.released ?? false;
  }

  /**
   * Number of axes (0 for a 0-d array).
   *
   * @example `SharedArrayWrapper.zeros([2, 3]).ndim; // 2`
   */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * Row-major strides in elements, as ndarray uses them.
   *
   * @example `SharedArrayWrapper.zeros([2, 3]).strides; // [3, 1]`
   */
  get strides(): number[] {
    const out = new Array<number>(this.shape.length);
    for (let i = this.shape.length - 1, s = 1; i >= 0; i--) {
      out[i] = s;
      s *= this.shape[i]!;
    }
    return out;
  }

  /**
   * A zero-copy view of rows `[start, end)` along the first axis; it shares memory with this wrapper and can be
   * sent to a worker on its own (only that part travels as a handle). Negative indices count from the end.
   *
   * @example
   * ```ts
   * const m = SharedArrayWrapper.zeros([10, 3]);
   * const top = m.subarray(0, 5); // shape [5, 3]
   * top.data[0] = 1; // m.data[0] === 1
   * ```
   */
  subarray(start: number, end: number = this.shape[0] ?? 0): SharedArrayWrapper<D> {
    if (this.shape.length === 0) throw new RangeError('cannot take a subarray of a 0-d array');
    const n = this.shape[0]!;
    const clamp = (i: number) => Math.min(n, Math.max(0, i < 0 ? n + i : Math.trunc(i)));
    const lo = clamp(start);
    const hi = Math.max(lo, clamp(end));
    const row = product(this.shape.slice(1));
    return new SharedArrayWrapper<D>(this.data.subarray(lo * row, hi * row) as DTypeArrayMap[D], [hi - lo, ...this.shape.slice(1)], this.#hold);
  }

  /**
   * Split along the first axis into `parts` contiguous zero-copy views whose lengths differ by at most one.
   *
   * @example `const [a, b, c] = SharedArrayWrapper.zeros(10).split(3); // lengths 3, 3, 4`
   */
  split(parts: number): SharedArrayWrapper<D>[] {
    if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
    const n = this.shape[0] ?? 0;
    return Array.from({ length: parts }, (_, i) => this.subarray(Math.floor((i * n) / parts), Math.floor(((i + 1) * n) / parts)));
  }

  /**
   * A private (non-shared) copy of the flat data.
   *
   * @example `const snapshot = w.toArray(); // later writes to w do not change snapshot`
   */
  toArray(): DTypeArrayMap[D] {
    const Ctor = typedArrayConstructor(this.dtype);
    const out = new Ctor(new ArrayBuffer(this.data.byteLength), 0, this.size);
    (out as any).set(this.data);
    return out;
  }

  /**
   * The values as nested plain arrays (a single value for 0-d), e.g. for printing or `deepEqual`.
   *
   * @example `SharedArrayWrapper.from([[1, 2], [3, 4]]).toNested(); // [[1, 2], [3, 4]]`
   */
  toNested(): ElementOf<D> | NestedArray<ElementOf<D>> {
    const data = this.data as unknown as ArrayLike<ElementOf<D>>;
    if (this.shape.length === 0) return data[0]!;
    const strides = this.strides;
    const build = (axis: number, base: number): any[] =>
      Array.from({ length: this.shape[axis]! }, (_, i) =>
        axis === this.shape.length - 1 ? data[base + i] : build(axis + 1, base + i * strides[axis]!),
      );
    return build(0, 0);
  }

  /**
   * A new wrapper with its own shared memory holding a copy of the values, shared as `across` says (by default
   * as this one is).
   *
   * @example `const backup = w.copy();`
   */
  copy(options: SharedMemoryOptions = { across: this.across }): SharedArrayWrapper<D> {
    return SharedArrayWrapper.from(this.data as AnyTypedArray, this.shape, undefined, options) as unknown as SharedArrayWrapper<D>;
  }

  /**
   * The cloneable handle sent in place of this wrapper: the SharedArrayBuffer itself (shared, not copied) or the
   * segment's name, the view's position in it, dtype and shape. Called by the pool; users rarely need it.
   *
   * @example `const h = w[toHandle](); // { __objectproxypool_handle__: 'objectproxypool.SharedArrayWrapper', buffer, ... }`
   */
  [toHandle](): Handle {
    const handle: Handle & SharedArrayHandleData = {
      __objectproxypool_handle__: SHARED_ARRAY_TAG,
      ...memoryRef(this.data.buffer, this.#hold),
      byteOffset: this.data.byteOffset,
      length: this.data.length,
      dtype: this.dtype,
      shape: this.shape.slice(),
    };
    return handle;
  }

  /** Short description for logs, e.g. `SharedArrayWrapper<float64>[2, 3]`. */
  toString(): string {
    return `SharedArrayWrapper<${this.dtype}>[${this.shape.join(', ')}]${this.across === 'processes' ? ' across processes' : ''}`;
  }
}

type SharedArrayHandleData = MemoryRef & {
  byteOffset: number;
  length: number;
  dtype: DType;
  shape: number[];
};

/** Allocation for array-import.ts: a zeroed wrapper shared as `options` says. */
function zerosFor(options: SharedMemoryOptions): (shape: ShapeLike, dtype: DType) => SharedArrayWrapper {
  return (shape, dtype) => SharedArrayWrapper.zeros(shape, dtype, options);
}
