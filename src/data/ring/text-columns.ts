/** Text columns: strings recorded by scripts, and the run uid repeated on every row. */
import { type ColumnBuilder, EMPTY, type Part } from './columns.js';

/** UTF-8 strings: int32 offsets, then the bytes. */
export class StringColumn implements ColumnBuilder {
  private strings: string[] = [];
  private byteCount = 0;

  push(value: unknown): void {
    const text = String(value);
    this.strings.push(text);
    this.byteCount += Buffer.byteLength(text, 'utf8');
  }

  pushMany(values: ArrayLike<unknown>, count: number): void {
    for (let i = 0; i < count; i++) this.push(values[i]);
  }

  nodes(rows: number): number[] {
    return [rows];
  }

  parts(rows: number): Part[] {
    const strings = this.strings;
    const total = this.byteCount;
    const offsets = (t: Uint8Array, at: number): void => {
      const out = new Int32Array(t.buffer, t.byteOffset + at, rows + 1);
      let offset = 0;
      out[0] = 0;
      for (let i = 0; i < rows; i++) out[i + 1] = offset += Buffer.byteLength(strings[i] as string, 'utf8');
    };
    const data = (t: Uint8Array, at: number): void => {
      const out = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
      let offset = at;
      for (let i = 0; i < rows; i++) offset += out.write(strings[i] as string, offset, 'utf8');
    };
    return [EMPTY, { byteLength: (rows + 1) * 4, write: offsets }, { byteLength: total, write: data }];
  }

  get bytes(): number {
    return this.byteCount + this.strings.length * 4;
  }

  reset(): void {
    this.strings = [];
    this.byteCount = 0;
  }

  truncate(rows: number): void {
    for (const dropped of this.strings.splice(rows)) this.byteCount -= Buffer.byteLength(dropped, 'utf8');
  }
}

/** The same string on every row of a batch (the run uid): written by repetition. */
export class ConstantStringColumn implements ColumnBuilder {
  private readonly encoded: Uint8Array;

  constructor(value: string) {
    this.encoded = Buffer.from(value, 'utf8');
  }

  push(): void {}

  pushMany(): void {}

  nodes(rows: number): number[] {
    return [rows];
  }

  parts(rows: number): Part[] {
    const width = this.encoded.length;
    const offsets = (t: Uint8Array, at: number): void => {
      const out = new Int32Array(t.buffer, t.byteOffset + at, rows + 1);
      for (let i = 0; i <= rows; i++) out[i] = i * width;
    };
    const data = (t: Uint8Array, at: number): void => {
      if (rows === 0 || width === 0) return;
      t.set(this.encoded, at);
      for (let done = 1; done < rows; done *= 2) t.copyWithin(at + done * width, at, at + Math.min(done, rows - done) * width);
    };
    return [EMPTY, { byteLength: (rows + 1) * 4, write: offsets }, { byteLength: rows * width, write: data }];
  }

  get bytes(): number {
    return 0;
  }

  reset(): void {}

  truncate(): void {}
}
