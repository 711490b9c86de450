/**
 * The ring's one writer: creates the file, names streams, and appends records. A record is
 * reserved (the caller encodes its Arrow IPC payload straight into the ring, no copy), then
 * committed: the writer raises `tail` past every record it is about to overwrite BEFORE touching
 * their bytes, and publishes `head` AFTER the record is complete, so readers never block it and
 * detect being overtaken. docs/ring-buffer.md describes the protocol.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaqError, processAlive } from '../../core/index.js';
import {
  ALIGN,
  alignUp,
  checkRingFile,
  dataOffsetFor,
  H,
  KIND_DATA,
  KIND_PADDING,
  NO_POSITION,
  RECORD_HEADER_BYTES,
  RING_MAGIC,
  RING_VERSION,
  S,
  STATE_CLOSED,
  STATE_WRITING,
  STREAM_NAME_MAX_BYTES,
  STREAM_SLOT_BYTES,
} from './layout.js';
import { mapFile, MAX_MAPPING_BYTES, type Mapping } from './native.js';
import { RingView } from './ring-view.js';

/** Options of {@link RingWriter.create}. */
export interface RingWriterOptions {
  /** The ring file; default {@link defaultRingPath}. An existing ring there is replaced (not while its writer lives). */
  path?: string;
  /** Size of the data area in bytes (default 1 GiB, at most 4 GiB minus the header); rounded up to 4 KiB. */
  capacityBytes?: number;
  /** Slots of the stream table: the most distinct stream names the ring can hold (default 256). */
  maxStreams?: number;
}

/** Default size of the data area: 1 GiB (bytes). */
export const DEFAULT_RING_BYTES = 2 ** 30;

/** `/dev/shm/ts-daq-<uid>.ring`, or the same name in the temp directory where there is no /dev/shm. */
export function defaultRingPath(): string {
  const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return join(dir, `ts-daq-${process.getuid?.() ?? 0}.ring`);
}

interface Reservation {
  streamId: number;
  pos: number;
  length: number;
  payloadBytes: number;
}

/** Appends records to a ring file. Single-threaded: one writer per file. */
export class RingWriter {
  private head = 0;
  private tail = 0;
  private seq = 0;
  private readonly streamIds = new Map<string, number>();
  private readonly lastPos: number[] = [];
  private pending: Reservation | undefined;
  private open = true;

  private constructor(
    private readonly mapping: Mapping,
    private readonly ring: RingView,
    /** The ring file. */
    readonly path: string,
  ) {}

  /** Creates a new ring file (atomically: written aside, then renamed into place) and opens it for writing. */
  static create(options: RingWriterOptions = {}): RingWriter {
    const path = options.path ?? defaultRingPath();
    const maxStreams = options.maxStreams ?? 256;
    const capacity = alignUp(options.capacityBytes ?? DEFAULT_RING_BYTES, 4096);
    const dataOffset = dataOffsetFor(maxStreams);
    if (!(maxStreams >= 1 && maxStreams <= 65536) || dataOffset + capacity > MAX_MAPPING_BYTES || capacity < 4096) {
      throw new DaqError('invalid_argument', `ring ${path}: capacity ${capacity} bytes with ${maxStreams} streams does not fit 4 KiB..4 GiB`);
    }
    // Frames and numbers go in as the machine holds them; the layout says little-endian.
    if (endianness() !== 'LE') throw new DaqError('failed_precondition', `ring ${path}: the ring's layout is little-endian and this machine is big-endian`);
    refuseToReplace(path);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    let mapping: Mapping;
    try {
      mapping = mapFile(temp, 'create', dataOffset + capacity);
    } catch (error) {
      const cause = DaqError.from(error);
      throw new DaqError(cause.code, `cannot create ring ${path}: ${cause.message}`, { cause });
    }
    try {
      const v = new DataView(mapping.buffer);
      v.setUint32(H.version, RING_VERSION, true);
      v.setUint32(H.headerBytes, 4096, true);
      v.setBigUint64(H.capacity, BigInt(capacity), true);
      v.setBigUint64(H.dataOffset, BigInt(dataOffset), true);
      v.setUint32(H.maxStreams, maxStreams, true);
      v.setUint32(H.slotBytes, STREAM_SLOT_BYTES, true);
      v.setBigInt64(H.lastPos, BigInt(NO_POSITION), true);
      v.setBigUint64(H.state, BigInt(STATE_WRITING), true);
      v.setBigUint64(H.writerPid, BigInt(process.pid), true);
      v.setFloat64(H.createdS, Date.now() / 1000, true);
      v.setBigUint64(H.session, randomBytes(8).readBigUInt64LE(), true);
      new Uint8Array(mapping.buffer).set(Buffer.from(RING_MAGIC, 'ascii'), H.magic);
      renameSync(temp, path);
    } catch (error) {
      mapping.unmap();
      rmSync(temp, { force: true });
      throw DaqError.from(error);
    }
    return new RingWriter(mapping, new RingView(mapping.buffer, checkRingFile(mapping.buffer, path)), path);
  }

  /** Size of the data area, bytes. */
  get capacityBytes(): number {
    return this.ring.geometry.capacity;
  }

  /** Largest payload one record can hold: half the capacity less the record header (bytes). */
  get maxPayloadBytes(): number {
    return this.capacityBytes / 2 - RECORD_HEADER_BYTES;
  }

  /** Records committed so far. */
  get records(): number {
    return this.seq;
  }

  /** Bytes committed so far, padding included (the logical head position). */
  get bytesWritten(): number {
    return this.head;
  }

  /** The id of stream `name` in the stream table, adding it on first use. */
  stream(name: string): number {
    const known = this.streamIds.get(name);
    if (known !== undefined) return known;
    this.check();
    const encoded = Buffer.from(name, 'utf8');
    if (encoded.length === 0 || encoded.length > STREAM_NAME_MAX_BYTES) {
      throw new DaqError('invalid_argument', `ring stream name ${JSON.stringify(name)}: give 1 to ${STREAM_NAME_MAX_BYTES} bytes of UTF-8`);
    }
    const id = this.streamIds.size;
    if (id >= this.ring.geometry.maxStreams) {
      throw new DaqError('resource_exhausted', `ring ${this.path} holds at most ${this.ring.geometry.maxStreams} streams; "${name}" is one too many (maxStreams)`);
    }
    const at = this.ring.slotOffset(id);
    this.ring.store(at + S.lastPos, NO_POSITION);
    this.ring.view.setUint32(at + S.nameLength, encoded.length, true);
    this.ring.bytes.set(encoded, at + S.name);
    this.ring.store(H.streamCount, id + 1); // publishes the slot
    this.streamIds.set(name, id);
    this.lastPos[id] = NO_POSITION;
    return id;
  }

  /**
   * Reserves a record for `payloadBytes` bytes of stream `streamId` and returns the payload's
   * memory inside the ring: fill it, then {@link RingWriter.commit} (or {@link RingWriter.cancel}).
   * Records older than the ring's capacity are reclaimed now, before they are overwritten.
   */
  reserve(streamId: number, payloadBytes: number): Uint8Array {
    this.check();
    if (this.pending !== undefined) throw new DaqError('failed_precondition', `ring ${this.path}: a record is already reserved; commit it first`);
    const length = alignUp(RECORD_HEADER_BYTES + payloadBytes, ALIGN);
    const capacity = this.capacityBytes;
    if (payloadBytes > this.maxPayloadBytes) {
      throw new DaqError('out_of_range', `a ${payloadBytes}-byte record does not fit ring ${this.path}: records are at most half its ${capacity} bytes; make it bigger (capacityBytes)`);
    }
    let pos = this.head;
    const room = capacity - (pos % capacity);
    const padding = room < length ? room : 0;
    this.reclaim(pos + padding + length - capacity);
    if (padding > 0) {
      this.ring.writeRecordHeader({ kind: KIND_PADDING, seq: 0, length: padding, payloadLength: 0, schemaLength: 0, streamId: 0, rows: 0, tFirstS: 0, tLastS: 0, prevPos: NO_POSITION }, pos);
      pos += padding;
    }
    this.pending = { streamId, pos, length, payloadBytes };
    return new Uint8Array(this.ring.buffer, this.ring.offsetOf(pos) + RECORD_HEADER_BYTES, payloadBytes);
  }

  /**
   * Publishes the reserved record: `rows` rows whose times span `tFirstS`..`tLastS` (seconds since
   * the epoch), the first `schemaBytes` bytes of its payload being the Arrow schema message.
   * Returns the record's sequence number.
   */
  commit(rows: number, tFirstS: number, tLastS: number, schemaBytes: number): number {
    const r = this.pending;
    if (r === undefined) throw new DaqError('failed_precondition', `ring ${this.path}: nothing reserved to commit`);
    this.pending = undefined;
    const seq = ++this.seq;
    const prevPos = this.lastPos[r.streamId] ?? NO_POSITION;
    this.ring.writeRecordHeader({ kind: KIND_DATA, seq, length: r.length, payloadLength: r.payloadBytes, schemaLength: schemaBytes, streamId: r.streamId, rows, tFirstS, tLastS, prevPos }, r.pos);
    const slot = this.ring.slotOffset(r.streamId);
    this.ring.store(slot + S.lastPos, r.pos);
    this.ring.store(slot + S.records, this.ring.load(slot + S.records) + 1);
    this.ring.store(slot + S.rows, this.ring.load(slot + S.rows) + rows);
    this.lastPos[r.streamId] = r.pos;
    this.head = r.pos + r.length;
    this.ring.store(H.lastPos, r.pos);
    this.ring.store(H.lastSeq, seq);
    this.ring.store(H.head, this.head); // last: readers see complete records only
    return seq;
  }

  /** Drops the reserved record (nothing is published). */
  cancel(): void {
    this.pending = undefined;
  }

  /** Marks the ring closed (readers' `follow` ends) and unmaps it; the file stays readable. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.ring.store(H.state, STATE_CLOSED);
    this.mapping.unmap();
  }

  /** Closes the ring and deletes its file. */
  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
  }

  /** Raises `tail` to the first record boundary at or past `target`, before those bytes are reused. */
  private reclaim(target: number): void {
    if (this.tail >= target) return;
    while (this.tail < target) {
      const record = this.ring.recordAt(this.tail);
      if (record === undefined) throw RingView.damaged(this.path, `no record at position ${this.tail} while reclaiming`);
      this.tail += record.length;
    }
    this.ring.store(H.tail, this.tail);
  }

  private check(): void {
    if (!this.open) throw new DaqError('failed_precondition', `ring ${this.path} is closed`);
  }
}

/**
 * Refuses to replace what is at `path` unless it is a ring whose writer is gone: a live writer's
 * ring, or a file that is not a ring at all (someone's data), is left alone with a clear error.
 */
function refuseToReplace(path: string): void {
  if (!existsSync(path)) return;
  const mapping = mapFile(path, 'read');
  try {
    const bytes = new Uint8Array(mapping.buffer);
    if (bytes.length < 4096 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== RING_MAGIC) {
      throw new DaqError('already_exists', `${path} exists and is not a ts-daq ring buffer; refusing to replace it (give another path)`);
    }
    const v = new DataView(mapping.buffer);
    const pid = Number(v.getBigUint64(H.writerPid, true));
    const writing = v.getUint32(H.version, true) === RING_VERSION && Number(v.getBigUint64(H.state, true)) === STATE_WRITING;
    if (writing && pid !== process.pid && processAlive(pid)) {
      throw new DaqError('already_exists', `ring ${path} is being written by process ${pid}; give another path or stop that process`);
    }
  } finally {
    mapping.unmap();
  }
}
