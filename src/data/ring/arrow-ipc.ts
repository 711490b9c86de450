/**
 * The one module that touches apache-arrow's internals: it encodes Arrow IPC schema messages
 * and record-batch message headers (flatbuffers), so the ring's encoder can write column
 * buffers straight into shared memory, and it decodes payloads for the TypeScript reader.
 * Arrow IPC "encapsulated message": 0xFFFFFFFF, int32 metadata length (padding included),
 * flatbuffer Message, padding, body. https://arrow.apache.org/docs/format/Columnar.html#ipc-streaming-format
 */
import {
  Bool,
  type DataType,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Uint16,
  Uint8,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { BufferRegion, FieldNode, Message, RecordBatch as BatchHeader } from 'apache-arrow/ipc/metadata/message';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';
import { type Data, DataType as DataTypeOf } from 'apache-arrow';
import { DaqError } from '../../core/index.js';

export { Field, Schema, Table, RecordBatch, type DataType };

/** Bytes of the end-of-stream marker (0xFFFFFFFF then int32 0). */
export const EOS_BYTES = 8;

/** The Arrow type of a scalar of each element dtype used in run documents. */
export function scalarType(dtype: string): DataType {
  switch (dtype) {
    case 'float64':
      return new Float64();
    case 'float32':
      return new Float32();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'uint16':
      return new Uint16();
    case 'uint8':
      return new Uint8();
    case 'bool':
      return new Bool();
    case 'string':
      return new Utf8();
    default:
      throw new DaqError('invalid_argument', `no Arrow type for dtype "${dtype}"`);
  }
}

/** A fixed-size list of `size` elements of `dtype` (an array-valued field). */
export function listType(dtype: string, size: number): DataType {
  return new FixedSizeList(size, new Field('item', scalarType(dtype), false));
}

/** Fixed-size binary of `byteWidth` bytes (a frame). */
export function binaryType(byteWidth: number): DataType {
  return new FixedSizeBinary(byteWidth);
}

/** A complete encapsulated schema message (length a multiple of 8). */
export function encodeSchemaMessage(schema: Schema): Uint8Array {
  return encapsulate(Message.encode(Message.from(schema)), 8);
}

/** One Arrow buffer of a record batch body: offset and length in bytes. */
export interface BodyBuffer {
  offset: number;
  length: number;
}

/** Headers made lately, by what they were made of: a fast stream's batches often repeat one. */
const headerCache = new Map<string, Uint8Array>();
const HEADER_CACHE_SIZE = 256;

/**
 * An encapsulated record-batch message header for `rows` rows, with field nodes `nodeLengths`
 * (no nulls), `buffers` and a body of `bodyLength` bytes; padded so that its length (and hence
 * the body that follows) lands on a multiple of `alignment` after `startOffset` bytes.
 * The bytes returned may be shared with other calls: copy them, never change them.
 */
export function encodeBatchHeader(rows: number, nodeLengths: readonly number[], buffers: readonly BodyBuffer[], bodyLength: number, startOffset: number, alignment: number): Uint8Array {
  // A fast stream's batches have a few row counts (rows a millisecond), so the same header comes
  // again and again: building one through the flatbuffers builder cost about as much as the rest
  // of a batch. Kept by everything it is made of.
  let key = `${rows} ${bodyLength} ${startOffset} ${alignment} ${nodeLengths.join(',')}`;
  for (const b of buffers) key += ` ${b.offset}:${b.length}`;
  const known = headerCache.get(key);
  if (known !== undefined) return known;
  const made = makeBatchHeader(rows, nodeLengths, buffers, bodyLength, startOffset, alignment);
  if (headerCache.size >= HEADER_CACHE_SIZE) headerCache.clear();
  headerCache.set(key, made);
  return made;
}

function makeBatchHeader(rows: number, nodeLengths: readonly number[], buffers: readonly BodyBuffer[], bodyLength: number, startOffset: number, alignment: number): Uint8Array {
  const header = new BatchHeader(
    rows,
    nodeLengths.map((n) => new FieldNode(n, 0)),
    buffers.map((b) => new BufferRegion(b.offset, b.length)),
    null,
  );
  const flatbuffer = Message.encode(Message.from(header, bodyLength));
  const end = Math.ceil((startOffset + 8 + flatbuffer.byteLength) / alignment) * alignment;
  return encapsulate(flatbuffer, 8, end - startOffset);
}

function encapsulate(flatbuffer: Uint8Array, alignment: number, total = Math.ceil((8 + flatbuffer.byteLength) / alignment) * alignment): Uint8Array {
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setInt32(0, -1, true);
  view.setInt32(4, total - 8, true);
  out.set(flatbuffer, 8);
  return out;
}

/** Writes the end-of-stream marker at `at`. */
export function writeEos(target: Uint8Array, at: number): void {
  const view = new DataView(target.buffer, target.byteOffset + at, EOS_BYTES);
  view.setInt32(0, -1, true);
  view.setInt32(4, 0, true);
}

/**
 * Bytes from the start of a ring payload (schema message, then record-batch message) to the
 * start of its body: the metadata a reader copies before decoding. Undefined when the length
 * fields do not make sense (bytes overwritten, or not a ring payload).
 */
export function metadataBytes(payload: Uint8Array, schemaLength: number): number | undefined {
  if (schemaLength < 8 || schemaLength + 8 > payload.byteLength) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const length = view.getInt32(schemaLength + 4, true);
  const end = schemaLength + 8 + length;
  return view.getInt32(schemaLength, true) === -1 && length > 0 && end + EOS_BYTES <= payload.byteLength ? end : undefined;
}

/** A parsed schema message (`bytes`: the encapsulated message). */
export function decodeSchema(bytes: Uint8Array): Schema {
  checkSchemaVectors(bytes.subarray(8));
  const message = Message.decode(bytes.subarray(8));
  if (!message.isSchema()) throw new Error('the first message is not a schema');
  return message.header();
}

/**
 * Decodes a record batch whose message metadata (`metadata`: the encapsulated message up to its
 * body) the caller has copied out of shared memory and checked, and whose `body` may be a view of
 * shared memory: the batch's buffers are views of `body`, never copies.
 */
export function decodeBatch(schema: Schema, metadata: Uint8Array, body: Uint8Array, expectedRows?: number): RecordBatch {
  checkBatchVectors(metadata.subarray(8));
  const message = Message.decode(metadata.subarray(8));
  if (!message.isRecordBatch()) throw new Error('the second message is not a record batch');
  const header = message.header();
  if (header.compression !== null || Number(message.bodyLength) > body.byteLength) throw new Error('compressed, or body shorter than its header says');
  // Shared memory may hold anything: lengths and offsets are checked before any is trusted (a
  // damaged offset made a reader allocate gigabytes).
  const rows = Number(header.length);
  if (expectedRows !== undefined && rows !== expectedRows) throw new Error(`${rows} rows in the batch, ${expectedRows} in its record header`);
  for (const buffer of header.buffers) {
    if (buffer.offset < 0 || buffer.length < 0 || buffer.offset + buffer.length > body.byteLength) throw new Error('a buffer lies outside the body');
  }
  for (const node of header.nodes) if (node.length < 0 || node.nullCount < 0 || node.nullCount > node.length) throw new Error('a column has impossible lengths');
  const children = new VectorLoader(body, header.nodes, header.buffers, new Map(), schema.metadataVersion).visitMany(schema.fields);
  for (const child of children) {
    if (child.length !== rows) throw new Error(`a column has ${child.length} rows, the batch ${rows}`);
    if (DataTypeOf.isUtf8(child.type)) checkOffsets(child as Data<Utf8>);
  }
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}

/**
 * Bounds-checked reading of a flatbuffer (an Arrow IPC message's metadata): Arrow's decoder
 * trusts every offset and vector length and allocates what a damaged one claims (an
 * out-of-memory from shared memory any local process can write), so each vector a decoder will
 * walk is checked to fit in the bytes first.
 */
class FlatbufferCheck {
  private readonly view: DataView;

  constructor(private readonly fb: Uint8Array) {
    this.view = new DataView(fb.buffer, fb.byteOffset, fb.byteLength);
  }

  at(pos: number, bytes: number): number {
    if (!Number.isInteger(pos) || pos < 0 || pos + bytes > this.fb.byteLength) throw new Error('the message metadata points outside itself');
    return pos;
  }

  u32(pos: number): number {
    return this.view.getUint32(this.at(pos, 4), true);
  }

  /** The root table. */
  root(): number {
    return this.u32(0);
  }

  /** Position of field `index` of the table at `table`, or undefined when absent. */
  field(table: number, index: number): number | undefined {
    const vtable = table - this.view.getInt32(this.at(table, 4), true);
    const size = this.view.getUint16(this.at(vtable, 2), true);
    if (4 + 2 * index + 2 > size) return undefined;
    const offset = this.view.getUint16(this.at(vtable + 4 + 2 * index, 2), true);
    return offset === 0 ? undefined : this.at(table + offset, 1);
  }

  /** The table a field points to, or undefined. */
  table(table: number, index: number): number | undefined {
    const f = this.field(table, index);
    return f === undefined ? undefined : this.at(f + this.u32(f), 4);
  }

  /** The vector a field points to, checked to hold `length` elements of `size` bytes: [first element, length]. */
  vector(table: number, index: number, size: number): [number, number] {
    const f = this.field(table, index);
    if (f === undefined) return [0, 0];
    const v = f + this.u32(f);
    const length = this.u32(v);
    this.at(v + 4, length * size);
    return [v + 4, length];
  }

  /** The tables of a vector of tables. */
  tables(table: number, index: number): number[] {
    const [first, length] = this.vector(table, index, 4);
    return Array.from({ length }, (_, i) => this.at(first + 4 * i + this.u32(first + 4 * i), 4));
  }
}

/** A schema message (Message -> Schema -> fields, their children and metadata) whose vectors fit. */
function checkSchemaVectors(fb: Uint8Array): void {
  const c = new FlatbufferCheck(fb);
  c.tables(c.root(), 4); // the message's custom_metadata
  const schema = c.table(c.root(), 2);
  if (schema === undefined) throw new Error('the message has no header');
  const checkField = (field: number, depth: number): void => {
    if (depth > 16) throw new Error('fields nested too deep');
    c.tables(field, 6); // custom_metadata
    for (const child of c.tables(field, 5)) checkField(child, depth + 1);
  };
  for (const field of c.tables(schema, 1)) checkField(field, 0);
  c.tables(schema, 2); // custom_metadata
  c.vector(schema, 3, 8); // features
}

/** A record batch message (Message -> RecordBatch -> nodes, buffers) whose vectors fit. */
function checkBatchVectors(fb: Uint8Array): void {
  const c = new FlatbufferCheck(fb);
  c.tables(c.root(), 4); // the message's custom_metadata
  const batch = c.table(c.root(), 2);
  if (batch === undefined) throw new Error('the message has no header');
  c.vector(batch, 1, 16); // nodes
  c.vector(batch, 2, 16); // buffers
}

/** The offsets of a string column rise and stay within its bytes. */
function checkOffsets(data: Data<Utf8>): void {
  const offsets = data.valueOffsets;
  const end = data.values.length;
  let last = offsets[data.offset] ?? 0;
  if (last < 0) throw new Error('a string offset is negative');
  for (let i = 1; i <= data.length; i++) {
    const next = offsets[data.offset + i] ?? -1;
    if (next < last || next > end) throw new Error('string offsets outside their bytes');
    last = next;
  }
}

/** Arrow IPC stream bytes of `batches` (which must share one schema), as one table. */
export function encodeStream(schema: Schema, batches: RecordBatch[]): Uint8Array {
  return tableToIPC(new Table(schema, batches), 'stream');
}

/**
 * `table` as one record batch when it has many (a range of a stream recorded row by row has one
 * batch per ring record): smaller IPC bytes and far quicker to decode for a client. Only tables of
 * numbers, booleans and strings are combined; others (frames, arrays) come back as they are.
 */
export function combineBatches(table: Table): Table {
  if (table.batches.length <= 1) return table;
  const fields = table.schema.fields;
  if (!fields.every((f) => DataTypeOf.isInt(f.type) || DataTypeOf.isFloat(f.type) || DataTypeOf.isBool(f.type) || DataTypeOf.isUtf8(f.type))) return table;
  const children = fields.map((field) => {
    const column = table.getChild(field.name);
    if (column === null) throw new DaqError('internal', `column ${field.name} is missing`);
    if (DataTypeOf.isInt(field.type) || DataTypeOf.isFloat(field.type)) {
      return makeData({ type: field.type as Float64, length: column.length, nullCount: 0, data: column.toArray() as Float64Array });
    }
    if (DataTypeOf.isUtf8(field.type)) return concatUtf8(column.data as Data<Utf8>[]);
    return vectorFromArray([...column] as unknown[], field.type as Bool).data[0] as ReturnType<typeof makeData>;
  });
  const batch = new RecordBatch(table.schema, makeData({ type: new Struct(fields), length: table.numRows, nullCount: 0, children }));
  return new Table(table.schema, [batch]);
}

/** One utf8 column from chunks: their value bytes end to end, offsets rebased (no string is decoded). */
function concatUtf8(chunks: readonly Data<Utf8>[]): Data<Utf8> {
  let length = 0;
  let bytes = 0;
  for (const chunk of chunks) {
    length += chunk.length;
    bytes += (chunk.valueOffsets[chunk.offset + chunk.length] as number) - (chunk.valueOffsets[chunk.offset] as number);
  }
  const offsets = new Int32Array(length + 1);
  const values = new Uint8Array(bytes);
  let row = 0;
  let at = 0;
  for (const chunk of chunks) {
    const first = chunk.valueOffsets[chunk.offset] as number;
    const last = chunk.valueOffsets[chunk.offset + chunk.length] as number;
    values.set(chunk.values.subarray(first, last), at);
    for (let i = 1; i <= chunk.length; i++) offsets[row + i] = at + (chunk.valueOffsets[chunk.offset + i] as number) - first;
    row += chunk.length;
    at += last - first;
  }
  return makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: offsets, data: values });
}
