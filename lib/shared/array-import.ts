/**
 * Reading data given as an ndarray (any strides, offset or dtype) or as nested plain arrays into a new zeroed
 * wrapper, element by element in row-major order: SharedArrayWrapper.from's slow paths, apart from the class.
 */
import type ndarray from 'ndarray';
import { type AnyTypedArray, type DType, type ShapeLike, dtypeOf, isBigIntDType, product } from './dtypes.ts';

/** What these readers fill: a new wrapper's flat data, size and shape. */
interface Filled {
  readonly size: number;
  readonly shape: readonly number[];
  readonly data: unknown;
}

export function isNdArray(value: unknown): value is ndarray.NdArray<any> {
  const v = value as ndarray.NdArray<any>;
  return !!v && typeof v === 'object' && Array.isArray(v.shape) && Array.isArray(v.stride) && typeof v.offset === 'number' && 'data' in v;
}

/** Converts between number and bigint so that `from([1, 2], [2], 'bigint64')` and the reverse just work. */
function converter(dtype: DType): (x: unknown) => unknown {
  return isBigIntDType(dtype) ? (x) => (typeof x === 'bigint' ? x : BigInt(x as number)) : (x) => (typeof x === 'bigint' ? Number(x) : x);
}

export function fromNdArray<W extends Filled>(nd: ndarray.NdArray<any>, shape: ShapeLike | undefined, dtype: DType | undefined, zeros: (shape: ShapeLike, dtype: DType) => W): W {
  const src = nd.data;
  const dt = dtype ?? (ArrayBuffer.isView(src) ? dtypeOf(src as AnyTypedArray) : 'float64');
  const out = zeros(shape ?? nd.shape, dt);
  if (out.size !== product(nd.shape)) throw new RangeError(`shape [${out.shape.join(', ')}] does not match the ndarray's shape [${nd.shape.join(', ')}]`);
  if (out.size === 0) return out;
  const conv = converter(dt);
  const read: (i: number) => unknown = typeof (src as any).get === 'function' && !Array.isArray(src) ? (i) => (src as any).get(i) : (i) => (src as any)[i];
  // Walk the source in row-major order with an odometer so any strides, offset or ndarray dtype work.
  const dims = nd.shape.length;
  const idx = new Array<number>(dims).fill(0);
  const dst = out.data as any;
  for (let k = 0; k < out.size; k++) {
    let pos = nd.offset;
    for (let a = 0; a < dims; a++) pos += idx[a]! * nd.stride[a]!;
    dst[k] = conv(read(pos));
    for (let a = dims - 1; a >= 0 && ++idx[a]! === nd.shape[a]; a--) idx[a] = 0;
  }
  return out;
}

export function fromNested<W extends Filled>(data: readonly unknown[], shape: ShapeLike | undefined, dtype: DType | undefined, zeros: (shape: ShapeLike, dtype: DType) => W): W {
  const nested: number[] = [];
  for (let cur: unknown = data; Array.isArray(cur); cur = cur[0]) {
    nested.push(cur.length);
    if (cur.length === 0) break;
  }
  const flat: unknown[] = [];
  const walk = (x: unknown, depth: number) => {
    if (depth === nested.length) {
      if (Array.isArray(x)) throw new RangeError('ragged nested array: deeper nesting than the first element');
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== nested[depth]) {
      throw new RangeError(`ragged nested array: expected length ${nested[depth]} at depth ${depth}`);
    }
    for (const y of x) walk(y, depth + 1);
  };
  walk(data, 0);
  const dt = dtype ?? (typeof flat[0] === 'bigint' ? 'bigint64' : 'float64');
  const out = zeros(shape ?? nested, dt);
  if (out.size !== flat.length) throw new RangeError(`shape [${out.shape.join(', ')}] has ${out.size} elements but the data has ${flat.length}`);
  const conv = converter(dt);
  for (let i = 0; i < flat.length; i++) (out.data as any)[i] = conv(flat[i]);
  return out;
}
