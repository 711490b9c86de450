/**
 * How a stream's Arrow columns (as the ring holds them, see stream-encoder.ts) become HDF5
 * datasets, one row per event: scalars as 1-D datasets, fixed-size arrays as N x n, frames as
 * N x H x W with their dtype. `run_uid` is left out (the file is the run); `seq_num` and `time`
 * are kept, so a reader sees which events a file holds. Strings are fixed-width UTF-8,
 * null-terminated (see string-type.ts; HDF5 variable-length strings cannot be appended with
 * h5wasm, nor read by SWMR readers): the width is at least {@link STRING_BYTES}, more when the
 * stream's first events have longer strings (twice the longest, up to {@link MAX_STRING_BYTES});
 * a longer string later is cut (at a character boundary) to the width less the terminating NUL.
 * Every numeric dataset has a `units` attribute: "" when the value was recorded without units.
 */
import type { Field, RecordBatch, Schema } from '../ring/arrow-ipc.js';
import { type Dataset, stringAttr } from './h5.js';

/** Least width of string datasets, bytes. */
export const STRING_BYTES = 256;
/** Most width of string datasets, bytes. */
export const MAX_STRING_BYTES = 65_536;

/** One dataset of a stream. */
export interface ColumnPlan {
  /** The Arrow column. */
  column: string;
  /** The dataset's name in `/entry/data/<stream>/`. */
  name: string;
  /** h5wasm dtype, in Python struct letters (`<d` float64, `<H` uint16, `S256`, ...). */
  h5dtype: string;
  /** Shape of one row: [] scalars, [n] arrays, [height, width] frames. */
  rowShape: number[];
  /** Bytes of one row. */
  rowBytes: number;
  kind: 'numeric' | 'bigint' | 'bool' | 'string' | 'list' | 'frame';
  /** Attributes of the dataset (units, source, dtype as recorded). */
  attrs: Record<string, string>;
}

const H5_DTYPES: Record<string, [string, number]> = {
  float64: ['<d', 8],
  float32: ['<f', 4],
  int32: ['<i', 4],
  uint16: ['<H', 2],
  uint8: ['<B', 1],
  int64: ['<q', 8],
  bool: ['<B', 1],
};

type Typed = Float64Array | Float32Array | Int32Array | Uint16Array | Uint8Array | BigInt64Array;
const CTORS: Record<string, { new (buffer: ArrayBufferLike, offset: number, length: number): Typed; BYTES_PER_ELEMENT: number }> = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
};

/** The dataset plans of a stream's schema, in column order. */
export function planColumns(schema: Schema, first?: RecordBatch): ColumnPlan[] {
  return schema.fields.filter((f) => f.name !== 'run_uid').map((field) => planOf(field, first));
}

/** The width of a string dataset for the strings of `first` (see the module comment). */
function stringWidth(column: string, first: RecordBatch | undefined): number {
  const vector = first?.getChild(column);
  let longest = 0;
  for (let i = 0; vector !== null && vector !== undefined && i < vector.length; i++) longest = Math.max(longest, Buffer.byteLength(String(vector.get(i) ?? '')));
  let width = STRING_BYTES;
  while (width < 2 * longest && width < MAX_STRING_BYTES) width *= 2;
  return width;
}

function planOf(field: Field, first: RecordBatch | undefined): ColumnPlan {
  const meta = field.metadata;
  const type = String(field.type);
  const name = field.name;
  if (name === 'seq_num') return plan(name, 'int64', [], 'bigint', { units: '', long_name: 'event number in the stream (1-based)' });
  if (name === 'time') return plan(name, 'float64', [], 'numeric', { units: 's', long_name: 'event time, seconds since the Unix epoch' });
  const dtype = meta.get('dtype') ?? 'float64';
  const shape = JSON.parse(meta.get('shape') ?? '[]') as number[];
  const attrs = { units: meta.get('units') ?? '', source: meta.get('source') ?? '', dtype };
  if (type === 'Utf8') {
    const width = stringWidth(name, first);
    return { column: name, name, h5dtype: `S${width}`, rowShape: [], rowBytes: width, kind: 'string', attrs };
  }
  if (type === 'Bool') return plan(name, 'bool', [], 'bool', attrs);
  if (type.startsWith('FixedSizeBinary')) return plan(name, dtype, shape, 'frame', attrs);
  if (type.startsWith('FixedSizeList')) return plan(name, dtype, shape, 'list', attrs);
  return plan(name, dtype, [], dtype === 'int64' ? 'bigint' : 'numeric', attrs);
}

function plan(column: string, dtype: string, rowShape: number[], kind: ColumnPlan['kind'], attrs: Record<string, string>): ColumnPlan {
  const [h5dtype, item] = H5_DTYPES[dtype] ?? ['<d', 8];
  return { column, name: column, h5dtype, rowShape, rowBytes: rowShape.reduce((a, b) => a * b, item), kind, attrs };
}

/** The attributes to write on a plan's dataset: `units` on every numeric one (also ""), other empty values left out. */
export function datasetAttrs(plan: ColumnPlan): Record<string, string> {
  return Object.fromEntries(Object.entries(plan.attrs).filter(([k, v]) => (k === 'units' ? plan.kind !== 'string' : v !== '')));
}

/** `text` cut to at most `maxBytes` bytes of UTF-8, at a character boundary. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text);
  let end = maxBytes;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--; // bytes[end] continues a character: cut before it
  return bytes.subarray(0, end).toString();
}

/** An empty typed array (or string list) of a plan's dtype, to create its dataset with. */
export function emptyOf(plan: ColumnPlan): Typed | string[] {
  if (plan.kind === 'string') return [];
  if (plan.kind === 'bigint') return new BigInt64Array(0);
  if (plan.kind === 'bool') return new Uint8Array(0);
  const dtype = plan.attrs.dtype ?? 'float64';
  const Ctor = CTORS[plan.name === 'time' ? 'float64' : dtype] ?? Float64Array;
  return new Ctor(new ArrayBuffer(0), 0, 0);
}

/** Rows `from` to `to` of a column of `batch` as what `write_slice` takes. */
export function columnValues(batch: RecordBatch, plan: ColumnPlan, from: number, to: number): Typed | string[] {
  const vector = batch.getChild(plan.column);
  if (vector === null) throw new Error(`column ${plan.column} missing`);
  const n = to - from;
  switch (plan.kind) {
    case 'string': {
      const out: string[] = [];
      const width = Number(plan.h5dtype.slice(1)) || plan.rowBytes;
      for (let i = from; i < to; i++) out.push(cutUtf8(String(vector.get(i) ?? ''), width - 1));
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = vector.get(from + i) === true ? 1 : 0;
      return out;
    }
    case 'bigint': {
      const values = vector.data[0]?.values as BigInt64Array;
      return values.subarray(from, to);
    }
    case 'numeric': {
      const values = vector.data[0]?.values as Typed;
      return values.subarray(from, to) as Typed;
    }
    case 'list': {
      const width = plan.rowShape[0] ?? 1;
      const values = vector.data[0]?.children[0]?.values as Typed;
      return values.subarray(from * width, to * width) as Typed;
    }
    case 'frame': {
      const bytes = vector.data[0]?.values as Uint8Array;
      const view = bytes.subarray(from * plan.rowBytes, to * plan.rowBytes);
      const Ctor = CTORS[plan.attrs.dtype ?? 'uint8'] ?? Uint8Array;
      const aligned = view.byteOffset % Ctor.BYTES_PER_ELEMENT === 0 ? view : view.slice();
      return new Ctor(aligned.buffer, aligned.byteOffset, aligned.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
  }
}

/** The seq_num column of `batch` as numbers. */
export function seqNums(batch: RecordBatch): number[] {
  const values = batch.getChild('seq_num')?.data[0]?.values as BigInt64Array | undefined;
  return values === undefined ? [] : Array.from(values.subarray(0, batch.numRows), Number);
}

/** A plan for a dataset found in a file (recovery): the column is the dataset's name. */
export function planFromDataset(name: string, dataset: Dataset): ColumnPlan {
  const shape = dataset.shape ?? [0];
  const meta = dataset.metadata;
  const attrs: Record<string, string> = {};
  for (const key of ['units', 'source', 'dtype']) {
    const value = stringAttr(dataset, key);
    if (value !== '') attrs[key] = value;
  }
  const rowShape = shape.slice(1);
  const kind: ColumnPlan['kind'] =
    name === 'seq_num' ? 'bigint' : meta.type === 3 ? 'string' : rowShape.length === 2 ? 'frame' : rowShape.length === 1 ? 'list' : attrs.dtype === 'bool' ? 'bool' : attrs.dtype === 'int64' ? 'bigint' : 'numeric';
  if (name === 'time') attrs.dtype = 'float64';
  return { column: name, name, h5dtype: '', rowShape, rowBytes: rowShape.reduce((a, b) => a * b, meta.size), kind, attrs };
}
