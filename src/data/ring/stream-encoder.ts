/**
 * Encodes one stream of one run (one event descriptor) as Arrow record batches in the ring.
 * Columns: `run_uid` (utf8), `seq_num` (int64), `time` (float64, seconds since the epoch), then
 * one per data key: scalars as their type, arrays as fixed-size lists, frames as fixed-size
 * binary; each field's metadata holds `units`, `source`, `dtype` and `shape` (JSON). A data key
 * named like one of the first three columns becomes `data.<name>`.
 * Each record's payload is a complete Arrow IPC stream: schema message, one record-batch
 * message (body 64-byte aligned), end-of-stream marker.
 */
import type { DataKey } from '../../engine/index.js';
import { DaqError } from '../../core/index.js';
import { binaryType, type DataType, encodeBatchHeader, encodeSchemaMessage, EOS_BYTES, Field, listType, scalarType, Schema, writeEos } from './arrow-ipc.js';
import { BoolColumn, type ColumnBuilder, FrameColumn, Int64Column, NumericColumn, type Part } from './columns.js';
import { ALIGN, alignUp, RECORD_HEADER_BYTES } from './layout.js';
import { ConstantStringColumn, StringColumn } from './text-columns.js';
import type { RingWriter } from './writer.js';

/** What a stream is: its name, run, and fields (a run's event descriptor). */
export interface StreamSpec {
  stream: string;
  runUid: string;
  /** The descriptor's uid (kept in the schema metadata). */
  descriptorUid?: string;
  dataKeys: Record<string, DataKey>;
}

/** One event's worth of values. */
export interface EncoderRow {
  seqNum: number;
  /** Seconds since the Unix epoch. */
  timeS: number;
  data: Record<string, unknown>;
}

/** The key columns every ring record has, before the stream's own fields. */
export const RESERVED = new Set(['run_uid', 'seq_num', 'time']);
const ITEM_BYTES: Record<string, number> = { uint8: 1, uint16: 2, int32: 4, float32: 4, float64: 8 };

/** Accumulates rows of one stream and writes them to the ring as one record per flush. */
export class StreamEncoder {
  /** The Arrow schema of every batch of this stream. */
  readonly schema: Schema;
  private readonly schemaMessage: Uint8Array;
  private readonly streamId: number;
  private readonly keys: string[];
  private readonly dataColumns: ColumnBuilder[];
  private readonly seqNums = new Int64Column();
  private readonly times = new NumericColumn('float64');
  private readonly columns: ColumnBuilder[];
  private count = 0;

  constructor(
    spec: StreamSpec,
    private readonly writer: RingWriter,
  ) {
    this.keys = Object.keys(spec.dataKeys);
    const fields = [new Field('run_uid', scalarType('string'), false), new Field('seq_num', scalarType('int64'), false), new Field('time', scalarType('float64'), false)];
    this.dataColumns = this.keys.map((key) => {
      const [column, type] = columnFor(spec.stream, key, spec.dataKeys[key] as DataKey);
      const k = spec.dataKeys[key] as DataKey;
      const metadata = new Map([['units', k.units], ['source', k.source], ['dtype', k.dtype], ['shape', JSON.stringify(k.shape)]]);
      fields.push(new Field(RESERVED.has(key) ? `data.${key}` : key, type, false, metadata));
      return column;
    });
    const metadata = new Map([['daq.stream', spec.stream], ['daq.run_uid', spec.runUid], ['daq.descriptor', spec.descriptorUid ?? '']]);
    this.schema = new Schema(fields, metadata);
    this.schemaMessage = encodeSchemaMessage(this.schema);
    this.columns = [new ConstantStringColumn(spec.runUid), this.seqNums, this.times, ...this.dataColumns];
    this.streamId = writer.stream(spec.stream);
  }

  /** Rows waiting for {@link StreamEncoder.flush}. */
  get rows(): number {
    return this.count;
  }

  /** Approximate bytes waiting for {@link StreamEncoder.flush}. */
  get pendingBytes(): number {
    let total = this.count * 52; // run uid, its offset, seq_num, time
    for (const column of this.dataColumns) total += column.bytes;
    return total;
  }

  /** Adds one event's values (the keys of the stream's descriptor); a value that does not fit is refused whole. */
  add(row: EncoderRow): void {
    try {
      for (let i = 0; i < this.keys.length; i++) (this.dataColumns[i] as ColumnBuilder).push(row.data[this.keys[i] as string]);
    } catch (error) {
      for (const column of this.dataColumns) column.truncate(this.count);
      throw error;
    }
    this.seqNums.push(row.seqNum);
    this.times.push(row.timeS);
    this.count++;
  }

  /**
   * Adds `rows` rows given as columns: `seqNums` and `timesS` (seconds since the epoch), and
   * `values` by data key (typed arrays are copied at once; arrays of frames by reference).
   */
  addColumns(rows: number, seqNums: ArrayLike<number>, timesS: ArrayLike<number>, values: Record<string, ArrayLike<unknown>>): void {
    for (let i = 0; i < this.keys.length; i++) {
      const column = values[this.keys[i] as string];
      if (column === undefined) throw new DaqError('invalid_argument', `ring: no values for field "${this.keys[i]}"`);
      (this.dataColumns[i] as ColumnBuilder).pushMany(column, rows);
    }
    this.seqNums.pushMany(seqNums, rows);
    this.times.pushMany(timesS, rows);
    this.count += rows;
  }

  /** Writes the pending rows as one record; returns its sequence number (0 when nothing was pending). */
  flush(): number {
    const rows = this.count;
    if (rows === 0) return 0;
    const nodes: number[] = [];
    const parts: Part[] = [];
    for (const column of this.columns) {
      nodes.push(...column.nodes(rows));
      parts.push(...column.parts(rows));
    }
    const buffers = [];
    let bodyLength = 0;
    for (const part of parts) {
      buffers.push({ offset: bodyLength, length: part.byteLength });
      bodyLength = alignUp(bodyLength + part.byteLength, ALIGN);
    }
    const schemaBytes = this.schemaMessage.byteLength;
    // The payload starts 64 bytes into a 64-aligned record: align the body absolutely.
    const header = encodeBatchHeader(rows, nodes, buffers, bodyLength, RECORD_HEADER_BYTES + schemaBytes, ALIGN);
    const bodyAt = schemaBytes + header.byteLength;
    try {
      const payload = this.writer.reserve(this.streamId, bodyAt + bodyLength + EOS_BYTES);
      payload.set(this.schemaMessage, 0);
      payload.set(header, schemaBytes);
      let at = bodyAt;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as Part;
        const start = bodyAt + (buffers[i] as { offset: number }).offset;
        if (start > at) payload.fill(0, at, start);
        part.write(payload, start);
        at = start + part.byteLength;
      }
      payload.fill(0, at, bodyAt + bodyLength);
      writeEos(payload, bodyAt + bodyLength);
    } catch (error) {
      this.writer.cancel();
      this.reset(); // these rows are lost; the next ones start clean
      throw error;
    }
    const times = this.times.values;
    const seq = this.writer.commit(rows, times[0] as number, times[rows - 1] as number, schemaBytes);
    this.reset();
    return seq;
  }

  private reset(): void {
    for (const column of this.columns) column.reset();
    this.count = 0;
  }
}

function columnFor(stream: string, key: string, k: DataKey): [ColumnBuilder, DataType] {
  const where = `ring: stream "${stream}", field "${key}"`;
  if (k.shape.length === 0) {
    if (k.dtype === 'string') return [new StringColumn(), scalarType('string')];
    if (k.dtype === 'bool') return [new BoolColumn(), scalarType('bool')];
    return [new NumericColumn(k.dtype), scalarType(k.dtype)];
  }
  const item = ITEM_BYTES[k.dtype];
  if (item === undefined) throw new DaqError('invalid_argument', `${where}: arrays of ${k.dtype} cannot go in the ring`);
  if (k.shape.length === 1) return [new NumericColumn(k.dtype, k.shape[0] as number), listType(k.dtype, k.shape[0] as number)];
  const byteWidth = k.shape.reduce((a, b) => a * b, item);
  return [new FrameColumn(byteWidth, key), binaryType(byteWidth)];
}
