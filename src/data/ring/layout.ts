/**
 * The ring buffer's file layout, byte by byte: docs/ring-buffer.md is the specification, this
 * file its TypeScript transcription. All integers are little-endian; positions are logical byte
 * counts since the ring was created (physical offset = dataOffset + position % capacity).
 */
import { DaqError } from '../../core/index.js';

/** The first 8 bytes of every ring file (ASCII). */
export const RING_MAGIC = 'TSDAQRNG';
/** Layout version; readers refuse any other. */
export const RING_VERSION = 1;
/** Size of the fixed header, bytes. */
export const HEADER_BYTES = 4096;
/** Size of one stream-table slot, bytes. */
export const STREAM_SLOT_BYTES = 128;
/** Longest stream name, UTF-8 bytes. */
export const STREAM_NAME_MAX_BYTES = 96;
/** Size of a record header, bytes; records start and end on this alignment too. */
export const RECORD_HEADER_BYTES = 64;
/** Alignment of records and of Arrow buffers inside them, bytes. */
export const ALIGN = 64;
/** `RECD` as a little-endian u32: the first 4 bytes of every record. */
export const RECORD_MAGIC = 0x44434552;
/** Record kinds. */
export const KIND_DATA = 1;
/** A padding record fills the end of the data area when the next record does not fit there. */
export const KIND_PADDING = 2;
/** Ring states (header field `state`). */
export const STATE_WRITING = 1;
/** The writer closed the ring; nothing more will be written. */
export const STATE_CLOSED = 2;
/** "No record" in 64-bit position fields. */
export const NO_POSITION = -1;

/** Byte offsets of the header fields (u64 unless noted; * = updated atomically by the writer). */
export const H = {
  magic: 0, // 8 bytes ASCII
  version: 8, // u32
  headerBytes: 12, // u32
  capacity: 16,
  dataOffset: 24,
  maxStreams: 32, // u32
  slotBytes: 36, // u32
  streamCount: 40, // *
  head: 48, // * logical position just past the last committed record
  tail: 56, // * logical position of the oldest intact record (raised BEFORE overwriting)
  lastSeq: 64, // * sequence number of the last committed record (0: none)
  lastPos: 72, // * logical position of the last committed record (-1: none)
  state: 80, // *
  writerPid: 88,
  createdS: 96, // f64, seconds since the Unix epoch
  session: 104, // random id of this ring
  ownerBytes: 112, // u32, bytes of the owner's data directory at OWNER_OFFSET (0: none recorded)
} as const;

/** Where the header holds the owner: the absolute path of the data directory whose runs the ring feeds (UTF-8). */
export const OWNER_OFFSET = 1024;
/** Longest owner path, UTF-8 bytes (it ends with the header). */
export const OWNER_MAX_BYTES = HEADER_BYTES - OWNER_OFFSET;

/** Byte offsets inside a stream-table slot (slot i at HEADER_BYTES + i * STREAM_SLOT_BYTES). */
export const S = { lastPos: 0, records: 8, rows: 16, nameLength: 24, name: 32 } as const;

/** Byte offsets inside a record header. */
export const R = {
  magic: 0, // u32
  kind: 4, // u32
  seq: 8, // u64, 1-based, ring-wide
  length: 16, // u64, whole record incl. header and padding, multiple of 64
  payloadLength: 24, // u32, bytes of Arrow IPC stream after the header
  schemaLength: 28, // u32, bytes of that which are the schema message
  streamId: 32, // u32
  rows: 36, // u32
  tFirstS: 40, // f64
  tLastS: 48, // f64
  prevPos: 56, // i64, previous record of the same stream (-1: none)
} as const;

/** Rounds `n` up to a multiple of `to` (a power of two). */
export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Where the data area starts for `maxStreams` slots, bytes. */
export function dataOffsetFor(maxStreams: number): number {
  return alignUp(HEADER_BYTES + maxStreams * STREAM_SLOT_BYTES, 4096);
}

/** The decoded fixed fields of a ring header. */
export interface RingGeometry {
  capacity: number;
  dataOffset: number;
  maxStreams: number;
}

/** A decoded record header; `pos` is its logical position. */
export interface RecordHeader {
  pos: number;
  kind: number;
  seq: number;
  length: number;
  payloadLength: number;
  schemaLength: number;
  streamId: number;
  rows: number;
  tFirstS: number;
  tLastS: number;
  prevPos: number;
}

/**
 * Checks that `buffer` (the whole file, `path` for messages) is a ring of this layout version and
 * returns its geometry; a foreign or damaged file is refused with a message that says why.
 */
export function checkRingFile(buffer: ArrayBuffer, path: string): RingGeometry {
  const bytes = buffer.byteLength;
  if (bytes < HEADER_BYTES) throw notRing(path, `it is ${bytes} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 8));
  if (magic !== RING_MAGIC) throw notRing(path, `it starts with ${JSON.stringify(magic)}, not ${JSON.stringify(RING_MAGIC)}`);
  const version = view.getUint32(H.version, true);
  if (version !== RING_VERSION) {
    throw new DaqError('failed_precondition', `${path} is a ring buffer of layout version ${version}; this reader knows version ${RING_VERSION}`);
  }
  const capacity = Number(view.getBigUint64(H.capacity, true));
  const dataOffset = Number(view.getBigUint64(H.dataOffset, true));
  const maxStreams = view.getUint32(H.maxStreams, true);
  const sane =
    view.getUint32(H.headerBytes, true) === HEADER_BYTES &&
    view.getUint32(H.slotBytes, true) === STREAM_SLOT_BYTES &&
    capacity > 0 &&
    capacity % ALIGN === 0 &&
    dataOffset >= dataOffsetFor(maxStreams) &&
    dataOffset % ALIGN === 0;
  if (!sane) throw notRing(path, 'its header is inconsistent (capacity, data offset or stream table)');
  if (dataOffset + capacity > bytes) throw notRing(path, `it is ${bytes} bytes but its header says ${dataOffset + capacity} (truncated?)`);
  return { capacity, dataOffset, maxStreams };
}

function notRing(path: string, why: string): DaqError {
  return new DaqError('invalid_argument', `${path} is not a ts-daq ring buffer: ${why}`);
}
