/**
 * Element types of shared arrays, and the small shared-memory primitives every other file here needs.
 *
 * Element types: The names are ndarray's own `dtype` strings, so `wrapper.dtype` and
 * `wrapper.array.dtype` always agree and users need to learn only one vocabulary.
 */

/**
 * Every typed-array element type a {@link SharedArrayWrapper} can hold.
 *
 * @example
 * ```ts
 * const dt: DType = 'float32';
 * ```
 */
export type DType =
  | 'int8'
  | 'uint8'
  | 'uint8_clamped'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'float32'
  | 'float64'
  | 'bigint64'
  | 'biguint64';

/**
 * The typed array class behind each dtype.
 *
 * @example
 * ```ts
 * const data: DTypeArrayMap['int16'] = new Int16Array(4);
 * ```
 */
export interface DTypeArrayMap {
  int8: Int8Array;
  uint8: Uint8Array;
  uint8_clamped: Uint8ClampedArray;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  float32: Float32Array;
  float64: Float64Array;
  bigint64: BigInt64Array;
  biguint64: BigUint64Array;
}

/**
 * Any typed array a {@link SharedArrayWrapper} can wrap.
 *
 * @example
 * ```ts
 * const t: AnyTypedArray = new Float32Array(3);
 * ```
 */
export type AnyTypedArray = DTypeArrayMap[DType];

/**
 * The JavaScript value type of one element: `bigint` for the 64-bit integer dtypes, `number` otherwise.
 *
 * @example
 * ```ts
 * const x: ElementOf<'biguint64'> = 7n;
 * const y: ElementOf<'float64'> = 0.5;
 * ```
 */
export type ElementOf<D extends DType> = D extends 'bigint64' | 'biguint64' ? bigint : number;

/**
 * The dtype of a typed array type, for inferring `SharedArrayWrapper<D>` from its data.
 *
 * @example
 * ```ts
 * type D = DTypeOf<Int32Array>; // 'int32'
 * ```
 */
export type DTypeOf<T extends AnyTypedArray> = {
  // One direction suffices: TS gives every typed array class a distinct literal [Symbol.toStringTag].
  [K in DType]: T extends DTypeArrayMap[K] ? K : never;
}[DType];

/**
 * The data type an `ndarray` view of a dtype has. It equals {@link DTypeArrayMap} except for the 64-bit integer
 * arrays, which `@types/ndarray` only accepts over a plain ArrayBuffer — only the static type differs, the
 * runtime object is the shared typed array.
 *
 * @example
 * ```ts
 * const view: ndarray.NdArray<NdDataMap['float64']> = w.array;
 * ```
 */
export interface NdDataMap extends Omit<DTypeArrayMap, 'bigint64' | 'biguint64'> {
  bigint64: BigInt64Array<ArrayBuffer>;
  biguint64: BigUint64Array<ArrayBuffer>;
}

type TypedArrayCtor = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): AnyTypedArray; BYTES_PER_ELEMENT: number };

const CTORS: { [K in DType]: TypedArrayCtor } = {
  int8: Int8Array,
  uint8: Uint8Array,
  uint8_clamped: Uint8ClampedArray,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  bigint64: BigInt64Array,
  biguint64: BigUint64Array,
};

/**
 * All supported dtypes, in a fixed order (handy for exhaustive tests).
 *
 * @example
 * ```ts
 * for (const dt of DTYPES) SharedArrayWrapper.zeros([2, 2], dt);
 * ```
 */
export const DTYPES: readonly DType[] = Object.freeze(Object.keys(CTORS) as DType[]);

/**
 * True when `value` names a supported dtype.
 *
 * @example
 * ```ts
 * isDType('float64'); // true
 * isDType('float16'); // false
 * ```
 */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CTORS, value);
}

/**
 * The typed array constructor for a dtype.
 *
 * @example
 * ```ts
 * const Ctor = typedArrayConstructor('uint16'); // Uint16Array
 * ```
 */
export function typedArrayConstructor<D extends DType>(dtype: D): {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): DTypeArrayMap[D];
  BYTES_PER_ELEMENT: number;
} {
  if (!isDType(dtype)) {
    throw new TypeError(`unsupported dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(', ')}`);
  }
  return CTORS[dtype] as any;
}

/**
 * Bytes per element of a dtype.
 *
 * @example
 * ```ts
 * bytesPerElement('float32'); // 4
 * ```
 */
export function bytesPerElement(dtype: DType): number {
  return typedArrayConstructor(dtype).BYTES_PER_ELEMENT;
}

/**
 * The dtype of a typed array instance. Throws for anything else (DataView, Float16Array, Buffer subclasses are
 * accepted as their base class).
 *
 * @example
 * ```ts
 * dtypeOf(new Uint8ClampedArray(1)); // 'uint8_clamped'
 * ```
 */
export function dtypeOf<T extends AnyTypedArray>(array: T): DTypeOf<T> {
  // Checked most-derived first is unnecessary: no typed array class inherits from another; Node's Buffer is a
  // Uint8Array and rightly maps to 'uint8'.
  for (const dt of DTYPES) if (array instanceof CTORS[dt]) return dt as DTypeOf<T>;
  const name = (array as any)?.constructor?.name ?? typeof array;
  throw new TypeError(`unsupported array type ${name}; expected a typed array of one of ${DTYPES.join(', ')}`);
}

/**
 * True for the 64-bit integer dtypes, whose elements are `bigint`.
 *
 * @example
 * ```ts
 * isBigIntDType('bigint64'); // true
 * ```
 */
export function isBigIntDType(dtype: DType): dtype is 'bigint64' | 'biguint64' {
  return dtype === 'bigint64' || dtype === 'biguint64';
}

/**
 * True for float32/float64.
 *
 * @example
 * ```ts
 * isFloatDType('float32'); // true
 * ```
 */
export function isFloatDType(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * Thrown when the current context has no `SharedArrayBuffer` (a browser page that is not cross-origin isolated).
 *
 * @example
 * ```ts
 * try { SharedArrayWrapper.zeros(4); } catch (e) { if (e instanceof SharedMemoryUnavailableError) showHelp(); }
 * ```
 */
export class SharedMemoryUnavailableError extends Error {
  constructor() {
    super(
      'SharedArrayBuffer is not available here. Browsers expose it only to cross-origin isolated pages: serve the ' +
        'page (and its worker scripts) with the headers "Cross-Origin-Opener-Policy: same-origin" and ' +
        '"Cross-Origin-Embedder-Policy: require-corp", then check that globalThis.crossOriginIsolated is true.',
    );
    this.name = 'SharedMemoryUnavailableError';
  }
}

/**
 * Allocate zero-filled shared memory, or throw {@link SharedMemoryUnavailableError} with the fix.
 *
 * @example
 * ```ts
 * const sab = allocateShared(1024);
 * ```
 */
export function allocateShared(byteLength: number): SharedArrayBuffer {
  // Browsers without isolation remove the global entirely, and some keep it but refuse to post it; both cases
  // must fail here with the fix rather than later with an opaque DataCloneError.
  if (typeof SharedArrayBuffer !== 'function' || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    throw new SharedMemoryUnavailableError();
  }
  return new SharedArrayBuffer(byteLength);
}

/**
 * True when `buffer` is a SharedArrayBuffer (also one from another realm).
 *
 * @example
 * ```ts
 * isSharedBuffer(new SharedArrayBuffer(8)); // true
 * ```
 */
export function isSharedBuffer(buffer: unknown): buffer is SharedArrayBuffer {
  return Object.prototype.toString.call(buffer) === '[object SharedArrayBuffer]';
}

/**
 * A shape: one length per axis. A bare number means a 1-d array; `[]` is a 0-d array (one element).
 *
 * @example
 * ```ts
 * const s: ShapeLike = [3, 4];
 * ```
 */
export type ShapeLike = number | readonly number[];

/** Validated copy of a shape; throws RangeError for negative or fractional lengths. @example `normalizeShape(3) // [3]` */
export function normalizeShape(shape: ShapeLike): number[] {
  const out = typeof shape === 'number' ? [shape] : Array.from(shape);
  for (const n of out) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid shape [${out.join(', ')}]: lengths must be non-negative integers`);
  }
  return out;
}

/** Number of elements of a shape (1 for `[]`). @example `product([2, 3]) // 6` */
export const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

