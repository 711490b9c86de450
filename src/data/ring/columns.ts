/**
 * Column builders: they collect one stream's values row by row (or many rows at once) and lay
 * them out as Arrow buffers written straight into the ring. No validity bitmaps: recorded
 * values are never null (a buffer of length 0 stands for "all valid", as Arrow allows).
 */
import { DaqError } from '../../core/index.js';

/** A buffer to place in the record batch body. */
export interface Part {
  byteLength: number;
  write(target: Uint8Array, at: number): void;
}

/** Builds one column of a batch. */
export interface ColumnBuilder {
  /** Adds one row's value. */
  push(value: unknown): void;
  /** Adds `count` rows from an array (typed arrays are copied in one go). */
  pushMany(values: ArrayLike<unknown>, count: number): void;
  /** Field node lengths of this column (children included) for `rows` rows. */
  nodes(rows: number): number[];
  /** Arrow buffers of this column for `rows` rows, in Arrow's order. */
  parts(rows: number): Part[];
  /** Approximate bytes held, for flushing on size. */
  readonly bytes: number;
  /** Forgets the rows (after a flush). */
  reset(): void;
  /** Keeps the first `rows` rows (undoes a partly added row). */
  truncate(rows: number): void;
}

/** A zero-length buffer: the validity bitmap of a column without nulls. */
export const EMPTY: Part = { byteLength: 0, write: () => undefined };

type NumericArray = Float64Array | Float32Array | Int32Array | Uint16Array | Uint8Array;
type NumericCtor = new (length: number) => NumericArray;

const NUMERIC: Record<string, NumericCtor> = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
};

function bytesOf(array: ArrayBufferView, length = array.byteLength): Part {
  return { byteLength: length, write: (t, at) => t.set(new Uint8Array(array.buffer, array.byteOffset, length), at) };
}

/** Numbers of `dtype`, `width` per row (1 for scalars, n for fixed-size lists). */
export class NumericColumn implements ColumnBuilder {
  private data: NumericArray;
  private length = 0;
  private readonly ctor: NumericCtor;

  constructor(
    readonly dtype: string,
    private readonly width = 1,
  ) {
    const ctor = NUMERIC[dtype];
    if (ctor === undefined) throw new DaqError('invalid_argument', `cannot store dtype "${dtype}" as numbers`);
    this.ctor = ctor;
    this.data = new ctor(64 * width);
  }

  push(value: unknown): void {
    this.grow(this.width);
    if (this.width === 1) (this.data as Float64Array)[this.length++] = value as number;
    else {
      (this.data as Float64Array).set(value as ArrayLike<number>, this.length);
      this.length += this.width;
    }
  }

  pushMany(values: ArrayLike<unknown>, count: number): void {
    const n = count * this.width;
    this.grow(n);
    if (ArrayBuffer.isView(values) && values.length >= n) (this.data as Float64Array).set((values as Float64Array).subarray(0, n), this.length);
    else for (let i = 0; i < n; i++) (this.data as Float64Array)[this.length + i] = values[i] as number;
    this.length += n;
  }

  nodes(rows: number): number[] {
    return this.width === 1 ? [rows] : [rows, rows * this.width];
  }

  parts(rows: number): Part[] {
    const values = bytesOf(this.data, rows * this.width * this.data.BYTES_PER_ELEMENT);
    return this.width === 1 ? [EMPTY, values] : [EMPTY, EMPTY, values];
  }

  get bytes(): number {
    return this.length * this.data.BYTES_PER_ELEMENT;
  }

  /** The values pushed so far (a view; valid until the next push). */
  get values(): NumericArray {
    return this.data.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }

  truncate(rows: number): void {
    this.length = Math.min(this.length, rows * this.width);
  }

  private grow(n: number): void {
    if (this.length + n <= this.data.length) return;
    const next = new this.ctor(Math.max(this.data.length * 2, this.length + n));
    (next as Float64Array).set(this.data as Float64Array);
    this.data = next;
  }
}

/** Non-negative 64-bit integers (sequence numbers), from JavaScript numbers (exact below 2^53). */
export class Int64Column implements ColumnBuilder {
  private readonly numbers = new NumericColumn('float64');

  push(value: unknown): void {
    this.numbers.push(value);
  }

  pushMany(values: ArrayLike<unknown>, count: number): void {
    this.numbers.pushMany(values, count);
  }

  nodes(rows: number): number[] {
    return [rows];
  }

  parts(rows: number): Part[] {
    const doubles = this.numbers.values;
    const write = (t: Uint8Array, at: number): void => {
      const words = new Uint32Array(t.buffer, t.byteOffset + at, rows * 2);
      for (let i = 0; i < rows; i++) {
        const v = doubles[i] as number;
        words[2 * i] = v % 4294967296;
        words[2 * i + 1] = v / 4294967296;
      }
    };
    return [EMPTY, { byteLength: rows * 8, write }];
  }

  get bytes(): number {
    return this.numbers.bytes;
  }

  reset(): void {
    this.numbers.reset();
  }

  truncate(rows: number): void {
    this.numbers.truncate(rows);
  }
}

/** Booleans, bit-packed (least significant bit first) when written. */
export class BoolColumn implements ColumnBuilder {
  private readonly flags = new NumericColumn('uint8');

  push(value: unknown): void {
    this.flags.push(value === true ? 1 : 0);
  }

  pushMany(values: ArrayLike<unknown>, count: number): void {
    for (let i = 0; i < count; i++) this.push(values[i]);
  }

  nodes(rows: number): number[] {
    return [rows];
  }

  parts(rows: number): Part[] {
    const flags = this.flags.values as Uint8Array;
    const write = (t: Uint8Array, at: number): void => {
      t.fill(0, at, at + Math.ceil(rows / 8));
      for (let i = 0; i < rows; i++) if (flags[i] === 1) t[at + (i >> 3)] = (t[at + (i >> 3)] as number) | (1 << (i & 7));
    };
    return [EMPTY, { byteLength: Math.ceil(rows / 8), write }];
  }

  get bytes(): number {
    return this.flags.bytes / 8;
  }

  reset(): void {
    this.flags.reset();
  }

  truncate(rows: number): void {
    this.flags.truncate(rows);
  }
}

/** Frames (typed arrays of `byteWidth` bytes each) as fixed-size binary; held by reference until written. */
export class FrameColumn implements ColumnBuilder {
  private frames: ArrayBufferView[] = [];

  constructor(
    readonly byteWidth: number,
    private readonly field: string,
  ) {}

  push(value: unknown): void {
    const data = (value as { data?: unknown }).data ?? value;
    if (!ArrayBuffer.isView(data) || data.byteLength !== this.byteWidth) {
      throw new DaqError('invalid_argument', `ring: field "${this.field}" holds frames of ${this.byteWidth} bytes; got ${ArrayBuffer.isView(data) ? data.byteLength : typeof data}`);
    }
    this.frames.push(data);
  }

  pushMany(values: ArrayLike<unknown>, count: number): void {
    for (let i = 0; i < count; i++) this.push(values[i]);
  }

  nodes(rows: number): number[] {
    return [rows];
  }

  parts(rows: number): Part[] {
    const frames = this.frames;
    const width = this.byteWidth;
    const write = (t: Uint8Array, at: number): void => {
      for (let i = 0; i < rows; i++) {
        const f = frames[i] as ArrayBufferView;
        t.set(new Uint8Array(f.buffer, f.byteOffset, width), at + i * width);
      }
    };
    return [EMPTY, { byteLength: rows * width, write }];
  }

  get bytes(): number {
    return this.frames.length * this.byteWidth;
  }

  reset(): void {
    this.frames = [];
  }

  truncate(rows: number): void {
    this.frames.length = Math.min(this.frames.length, rows);
  }
}
