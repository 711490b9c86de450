/**
 * A reader's safe access to a ring's records: it maps the file read-only, checks it is a ring,
 * and reads a record only under the ring's rule: a record at position `pos` is intact while
 * `tail <= pos` (the writer raises `tail` before it overwrites anything). So the reader checks
 * the tail before it reads, and again after it has copied or decoded the record; a record that
 * failed the check is reported as overtaken, never returned.
 */
import { statSync } from 'node:fs';
import { DaqError, processAlive } from '../../core/index.js';
import { decodeBatch, decodeSchema, EOS_BYTES, metadataBytes, type RecordBatch, Schema } from './arrow-ipc.js';
import { checkRingFile, H, KIND_DATA, type RecordHeader, STATE_CLOSED } from './layout.js';
import { mapFile, type Mapping } from './native.js';
import { RingView } from './ring-view.js';

/** A decoded record: its header and its record batches. */
export interface DecodedRecord {
  header: RecordHeader;
  batches: RecordBatch[];
}

/** Bytes a reader reads on before it drops the pages behind it ({@link RecordSource.release}). */
export const RELEASE_BYTES = 4 * 1024 * 1024;

/** Read-only access to a ring's records with overwrite detection. */
export class RecordSource {
  private readonly mapping: Mapping;
  /** The ring's layout view. */
  readonly ring: RingView;
  private readonly streamIds = new Map<string, number>();
  private readonly schemas = new Map<number, { bytes: Uint8Array; schema: Schema }>();
  /** Records skipped because the writer overwrote them while (or before) they were read. */
  overtaken = 0;
  /** Logical position below which this reader's pages have been dropped. */
  private released: number | undefined;

  /**
   * Opens `path`. With `copy`, records are copied out of the ring before they are decoded, so
   * what is returned stays valid for ever; without it, returned batches are views of the ring.
   */
  constructor(
    readonly path: string,
    readonly copy: boolean,
  ) {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      throw new DaqError('not_found', `no ring buffer at ${path} (is the daemon running, and is this its ring path?)`);
    }
    if (!stats.isFile()) throw new DaqError('invalid_argument', `${path} is not a ring buffer file (not a regular file)`);
    if (stats.size === 0) throw new DaqError('invalid_argument', `${path} is not a ts-daq ring buffer: it is empty`);
    this.mapping = mapFile(path, 'read');
    try {
      this.ring = new RingView(this.mapping.buffer, checkRingFile(this.mapping.buffer, path));
    } catch (error) {
      this.mapping.unmap();
      throw error;
    }
  }

  /** Logical position of the oldest intact record. */
  get tail(): number {
    return this.position(H.tail, 'tail');
  }

  /** Logical position just past the newest committed record. */
  get head(): number {
    return this.position(H.head, 'head');
  }

  /** A position counter of the header, refused when shared memory says something impossible. */
  private position(slot: number, what: string): number {
    const value = this.ring.load(slot);
    if (!Number.isSafeInteger(value) || value < 0) throw new DaqError('internal', `ring ${this.path} is damaged: its ${what} position is ${value}`);
    return value;
  }

  /** True once the writer has closed the ring. */
  get closed(): boolean {
    return this.ring.load(H.state) === STATE_CLOSED;
  }

  /** The process id of the ring's writer (header field `writer_pid`). */
  get writerPid(): number {
    return this.ring.load(H.writerPid);
  }

  /**
   * True while the ring is being written: not closed, and its writer process still exists. A
   * writer killed with SIGKILL leaves `state == 1` (writing); its pid is gone, and so this is false.
   * The pid is of the writer's PID namespace (a reader in another container cannot tell).
   */
  get writerAlive(): boolean {
    return !this.closed && processAlive(this.writerPid);
  }

  /** Names of the streams in the ring, in the order they first appeared. */
  streams(): string[] {
    const count = Math.min(this.ring.load(H.streamCount), this.ring.geometry.maxStreams); // a damaged count never reads past the table
    const names: string[] = [];
    for (let id = 0; id < count; id++) names.push(this.ring.streamName(id));
    return names;
  }

  /** The id of stream `name`, or undefined when the ring has (not yet) seen it. */
  streamId(name: string): number | undefined {
    const known = this.streamIds.get(name);
    if (known !== undefined) return known;
    const names = this.streams();
    names.forEach((n, id) => this.streamIds.set(n, id));
    return this.streamIds.get(name);
  }

  /** Like {@link RecordSource.streamId}, but a stream the ring does not know is `not_found`. */
  requireStream(name: string): number {
    const id = this.streamId(name);
    if (id === undefined) {
      const names = this.streams();
      throw new DaqError('not_found', `ring ${this.path} has no stream "${name}"; it has ${names.length === 0 ? 'none yet' : names.join(', ')}`);
    }
    return id;
  }

  /** The header at `pos` if it is intact now, else undefined (overtaken). */
  headerAt(pos: number): RecordHeader | undefined {
    if (pos < this.tail) return undefined;
    const header = this.ring.recordAt(pos);
    if (pos < this.tail) return undefined;
    if (header === undefined) throw new DaqError('internal', `ring ${this.path} is damaged: no record at position ${pos}`);
    return header;
  }

  /**
   * Decodes the data record `header` (from {@link RecordSource.headerAt}); undefined when the
   * writer overwrote it meanwhile. Each batch's schema metadata gets `daq.ring_seq` and
   * `daq.ring_pos`, so {@link RecordSource.intact} can tell later whether its memory still holds it.
   */
  decode(header: RecordHeader): DecodedRecord | undefined {
    if (header.kind !== KIND_DATA) return { header, batches: [] };
    const payload = this.ring.payloadOf(header);
    // Copy the metadata and check the tail before parsing it: a parser never sees bytes the
    // writer is changing. The body stays in place (zero-copy) unless `copy`.
    const metaEnd = metadataBytes(payload, header.schemaLength);
    const metadata = metaEnd === undefined ? undefined : payload.slice(0, metaEnd);
    const bodyLength = header.payloadLength - (metaEnd ?? 0) - EOS_BYTES;
    const body = metaEnd === undefined ? undefined : this.copy ? payload.slice(metaEnd, metaEnd + bodyLength) : payload.subarray(metaEnd, metaEnd + bodyLength);
    if (header.pos < this.tail) return this.lost();
    let batch: RecordBatch;
    try {
      if (metadata === undefined || body === undefined) throw new Error('bad message lengths');
      const schema = this.schemaOf(header, metadata.subarray(0, header.schemaLength));
      batch = decodeBatch(schema, metadata.subarray(header.schemaLength), body, header.rows);
    } catch (error) {
      // The writer may have reached the record while it was checked (zero-copy): then it is lost, not damaged.
      if (header.pos < this.tail) return this.lost();
      throw new DaqError('internal', `ring ${this.path}: record ${header.seq} is not valid Arrow IPC: ${(error as Error).message}`, { cause: error });
    }
    if (header.pos < this.tail) return this.lost();
    batch.schema.metadata.set('daq.ring_seq', String(header.seq));
    batch.schema.metadata.set('daq.ring_pos', String(header.pos));
    return { header, batches: [batch] };
  }

  /** The schema of a record: parsed once per stream while its bytes stay the same; each batch gets its own copy. */
  private schemaOf(header: RecordHeader, bytes: Uint8Array): Schema {
    const cached = this.schemas.get(header.streamId);
    let schema = cached !== undefined && Buffer.compare(cached.bytes, bytes) === 0 ? cached.schema : undefined;
    if (schema === undefined) {
      schema = decodeSchema(bytes);
      this.schemas.set(header.streamId, { bytes, schema });
    }
    return new Schema(schema.fields, new Map(schema.metadata), schema.dictionaries, schema.metadataVersion);
  }

  /** Whether the ring memory behind a batch or table (by its `daq.ring_pos`) is still intact. */
  intact(data: { schema: { metadata: Map<string, string> } }): boolean {
    if (this.copy) return true;
    const pos = Number(data.schema.metadata.get('daq.ring_pos') ?? NaN);
    return Number.isFinite(pos) && pos >= this.tail;
  }

  /**
   * Says that this reader reads nothing below position `pos` any more: once it has read
   * {@link RELEASE_BYTES} more, the pages behind it leave this process's memory (the file keeps
   * them). Without it, a reader that follows the writer maps the whole ring, page by page, as it
   * goes round: the process's resident memory grows by the ring's size a second time (the writer
   * has it mapped too). Only for a reader whose records are copied (`copy`) or no longer used.
   */
  release(pos: number): void {
    this.released ??= pos;
    if (pos - this.released < RELEASE_BYTES) return;
    const { capacity } = this.ring.geometry;
    // The span [released, pos) wraps at most once (it is never longer than the ring).
    const from = Math.max(this.released, pos - capacity);
    const start = this.ring.offsetOf(from);
    const first = Math.min(pos - from, capacity - (from % capacity));
    this.mapping.release(start, first);
    if (first < pos - from) this.mapping.release(this.ring.offsetOf(from + first), pos - from - first);
    this.released = pos;
  }

  /** Unmaps the ring: batches decoded without `copy` become empty. */
  close(): void {
    this.mapping.unmap();
  }

  private lost(): undefined {
    this.overtaken++;
    return undefined;
  }
}
