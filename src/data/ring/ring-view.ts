/**
 * Typed access to a mapped ring (writer and readers share it): atomic 64-bit header fields,
 * record headers, and the stream table. It knows the layout, not the protocol.
 */
import { DaqError } from '../../core/index.js';
import {
  HEADER_BYTES,
  KIND_DATA,
  KIND_PADDING,
  R,
  RECORD_HEADER_BYTES,
  RECORD_MAGIC,
  type RecordHeader,
  type RingGeometry,
  S,
  STREAM_SLOT_BYTES,
} from './layout.js';

/** A mapped ring file seen through its layout. */
export class RingView {
  /** The whole file. */
  readonly bytes: Uint8Array;
  /** The whole file, for little-endian field access. */
  readonly view: DataView;
  private readonly words: BigInt64Array;

  constructor(
    readonly buffer: ArrayBuffer,
    readonly geometry: RingGeometry,
  ) {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.words = new BigInt64Array(buffer, 0, HEADER_BYTES / 8 + (geometry.maxStreams * STREAM_SLOT_BYTES) / 8);
  }

  /** Atomically loads the signed 64-bit value at byte `offset` of the header or stream table. */
  load(offset: number): number {
    return Number(Atomics.load(this.words, offset / 8));
  }

  /** Atomically stores a 64-bit value at byte `offset` of the header or stream table. */
  store(offset: number, value: number): void {
    Atomics.store(this.words, offset / 8, BigInt(value));
  }

  /** Physical byte offset in the file of logical position `pos`. */
  offsetOf(pos: number): number {
    return this.geometry.dataOffset + (pos % this.geometry.capacity);
  }

  /** Byte offset of stream slot `id`. */
  slotOffset(id: number): number {
    return HEADER_BYTES + id * STREAM_SLOT_BYTES;
  }

  /** The name in stream slot `id` (published slots only). */
  streamName(id: number): string {
    const at = this.slotOffset(id);
    // Shared memory may say anything: a name never reaches past its slot.
    const length = Math.min(this.view.getUint32(at + S.nameLength, true), STREAM_SLOT_BYTES - S.name);
    return Buffer.from(this.buffer, at + S.name, length).toString('utf8');
  }

  /**
   * Decodes the record header at logical position `pos`. Returns undefined for bytes that are not
   * a record header (the caller decides whether that means "overwritten" or "damaged").
   */
  recordAt(pos: number): RecordHeader | undefined {
    if (!Number.isSafeInteger(pos) || pos < 0) return undefined;
    const at = this.offsetOf(pos);
    const v = this.view;
    if (at + RECORD_HEADER_BYTES > this.geometry.dataOffset + this.geometry.capacity) return undefined;
    if (v.getUint32(at + R.magic, true) !== RECORD_MAGIC) return undefined;
    const kind = v.getUint32(at + R.kind, true);
    const length = Number(v.getBigUint64(at + R.length, true));
    const fits = length >= RECORD_HEADER_BYTES && length % 64 === 0 && (pos % this.geometry.capacity) + length <= this.geometry.capacity;
    if ((kind !== KIND_DATA && kind !== KIND_PADDING) || !fits) return undefined;
    const header: RecordHeader = {
      pos,
      kind,
      seq: Number(v.getBigUint64(at + R.seq, true)),
      length,
      payloadLength: v.getUint32(at + R.payloadLength, true),
      schemaLength: v.getUint32(at + R.schemaLength, true),
      streamId: v.getUint32(at + R.streamId, true),
      rows: v.getUint32(at + R.rows, true),
      tFirstS: v.getFloat64(at + R.tFirstS, true),
      tLastS: v.getFloat64(at + R.tLastS, true),
      prevPos: Number(v.getBigInt64(at + R.prevPos, true)),
    };
    if (kind === KIND_DATA && RECORD_HEADER_BYTES + header.payloadLength > length) return undefined;
    return header;
  }

  /** Writes a record header at logical position `pos`. */
  writeRecordHeader(h: Omit<RecordHeader, 'pos'>, pos: number): void {
    const at = this.offsetOf(pos);
    const v = this.view;
    v.setUint32(at + R.magic, RECORD_MAGIC, true);
    v.setUint32(at + R.kind, h.kind, true);
    v.setBigUint64(at + R.seq, BigInt(h.seq), true);
    v.setBigUint64(at + R.length, BigInt(h.length), true);
    v.setUint32(at + R.payloadLength, h.payloadLength, true);
    v.setUint32(at + R.schemaLength, h.schemaLength, true);
    v.setUint32(at + R.streamId, h.streamId, true);
    v.setUint32(at + R.rows, h.rows, true);
    v.setFloat64(at + R.tFirstS, h.tFirstS, true);
    v.setFloat64(at + R.tLastS, h.tLastS, true);
    v.setBigInt64(at + R.prevPos, BigInt(h.prevPos), true);
  }

  /** The payload (Arrow IPC stream) of a data record, as a view into the ring (not a copy). */
  payloadOf(record: RecordHeader): Uint8Array {
    return new Uint8Array(this.buffer, this.offsetOf(record.pos) + RECORD_HEADER_BYTES, record.payloadLength);
  }

  /** Logical position of the last record of stream `id`, or {@link NO_POSITION}. */
  streamLastPos(id: number): number {
    return this.load(this.slotOffset(id) + S.lastPos);
  }

  /** Throws `internal` naming the ring when `condition` fails: a damaged ring, not a race. */
  static damaged(path: string, what: string): DaqError {
    return new DaqError('internal', `ring ${path} is damaged: ${what}`);
  }
}

